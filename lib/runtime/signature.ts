/**
 * X-Hub-Signature-256, as Genesys Cloud signs Open Messaging webhooks:
 * `sha256=<base64 of HMAC-SHA256(key = secret token, message = raw request body)>`.
 *
 * The load generator signs with {@link signer} (or {@link sign}); the worker verifies with {@link verify}
 * against the current and previous secret, so a rotation drops no traffic.
 */
import { createHmac, hash as cryptoHash, timingSafeEqual } from "node:crypto";

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
 * A signing function for one secret, for signing many bodies: the same value as
 * {@link sign}. Where it can, it computes HMAC-SHA256 as two one-shot SHA-256 calls over the
 * key's pads, computed once (RFC 2104: H((K ^ opad) || H((K ^ ipad) || m))), about half the
 * cost of an HMAC object per body; it falls back to {@link sign} without a one-shot
 * `crypto.hash` in this Node, for a key longer than the 64-byte block (RFC 2104 hashes it
 * first) or a non-ASCII key (the inner pad is prepended as one byte per character).
 */
export function signer(secret: string): (body: string) => string {
  if (!secret) throw new TypeError("sign: the secret is empty");
  const key = Buffer.from(secret, "utf8");
  if (typeof cryptoHash !== "function" || key.length > 64 || key.some((b) => b >= 0x80)) return (body) => sign(body, secret);
  const block = Buffer.alloc(64);
  key.copy(block);
  const ipad = Buffer.from(block.map((b) => b ^ 0x36)).toString("latin1");
  const outer = Buffer.alloc(96);
  for (let i = 0; i < 64; i++) outer[i] = block[i] ^ 0x5c;
  return (body) => {
    // ipad is ASCII: its UTF-8 bytes are its characters, followed by the body's UTF-8 bytes
    cryptoHash("sha256", ipad + body, "buffer").copy(outer, 64);
    return PREFIX + cryptoHash("sha256", outer, "base64");
  };
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
