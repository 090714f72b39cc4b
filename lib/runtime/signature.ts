/**
 * X-Hub-Signature-256, as Genesys Cloud signs Open Messaging webhooks:
 * `sha256=<base64 of HMAC-SHA256(key = secret token, message = raw request body)>`.
 *
 * The load generator signs with {@link sign}; the worker verifies with {@link verify}
 * against the current and previous secret, so a rotation drops no traffic.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** Name of the HTTP header and of the SQS message attribute that carries it. */
export const SIGNATURE_HEADER = "X-Hub-Signature-256";
const PREFIX = "sha256=";

function digest(body: string | Uint8Array, secret: string): Buffer {
  return createHmac("sha256", secret).update(body).digest();
}

/** Signs a body: returns `sha256=<base64 HMAC-SHA256>`. The secret is used verbatim as the key. */
export function sign(body: string | Uint8Array, secret: string): string {
  if (!secret) throw new TypeError("sign: the secret is empty");
  return PREFIX + digest(body, secret).toString("base64");
}

/**
 * Verifies a signature header over the raw body against every given secret
 * (current first, then previous), in constant time per secret.
 * Returns false for a missing header, a header without the `sha256=` prefix,
 * a hex digest, or a digest of the wrong length.
 */
export function verify(body: string | Uint8Array, header: string | undefined | null, secrets: readonly string[]): boolean {
  if (typeof header !== "string" || !header.startsWith(PREFIX)) return false;
  const encoded = header.slice(PREFIX.length);
  // Strict base64 of a 32-byte digest: 44 characters ending in one '='.
  if (!/^[A-Za-z0-9+/]{43}=$/.test(encoded)) return false;
  const given = Buffer.from(encoded, "base64");
  let ok = false;
  for (const secret of secrets) {
    if (!secret) continue;
    // Evaluate every secret so timing does not reveal which one matched.
    if (timingSafeEqual(given, digest(body, secret))) ok = true;
  }
  return ok;
}
