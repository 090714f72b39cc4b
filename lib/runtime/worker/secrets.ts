/**
 * Secrets the worker reads from Secrets Manager: the webhook signing secret (its current
 * and previous versions, so a rotation drops nothing) and the Genesys OAuth credentials.
 */
import { GetSecretValueCommand, ResourceNotFoundException, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { verify } from "../signature";
import type { GenesysCredentials } from "../genesys/client";

export interface RotatingSecretOptions {
  /** Shortest time between two reloads caused by a signature miss, milliseconds. Default 30000. */
  readonly minRefreshIntervalMs?: number;
  /** Cached versions are reloaded when older than this, milliseconds. Default 300000. */
  readonly maxAgeMs?: number;
  /** Clock, epoch milliseconds. Default Date.now. */
  readonly now?: () => number;
}

/** What a signature check concluded. */
export type SignatureCheck =
  | { readonly verdict: "valid" }
  /** Matches no version Secrets Manager held when the message was sent: forged or corrupted. */
  | { readonly verdict: "invalid" }
  /**
   * Matches no cached version, and the cache predates the message, but it may not be
   * reloaded yet (`minRefreshIntervalMs`): check again after `retryAfterMs`.
   */
  | { readonly verdict: "unverified"; readonly retryAfterMs: number };

/** Versions as loaded, and when the load began (epoch ms). */
interface Snapshot {
  readonly values: string[];
  readonly startedMs: number;
}

/**
 * The AWSCURRENT and AWSPREVIOUS versions of a raw-string secret, cached.
 *
 * A miss is final only against versions loaded after the message was sent: a rotation puts
 * the new value in Secrets Manager before Genesys signs with it, so such a load holds the
 * signing secret of any genuine message. Against an older cache a miss triggers a reload, at
 * most once per `minRefreshIntervalMs` (a flood of bad signatures does not hammer Secrets
 * Manager); records that miss while a reload is under way wait for it. A miss that can
 * neither be settled nor reloaded is `unverified`, for the caller to retry later, never a
 * reason to dead-letter a message that may be genuine.
 */
export class RotatingSecret {
  /** Secrets Manager calls made (two per load: current and previous). */
  loads = 0;
  private cached?: Snapshot & { loadedMs: number };
  private pending?: Promise<Snapshot>;
  private lastRefreshMs = Number.NEGATIVE_INFINITY;
  private readonly minRefreshIntervalMs: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(
    private readonly client: SecretsManagerClient,
    readonly secretId: string,
    options: RotatingSecretOptions = {},
  ) {
    this.minRefreshIntervalMs = options.minRefreshIntervalMs ?? 30_000;
    this.maxAgeMs = options.maxAgeMs ?? 300_000;
    this.now = options.now ?? Date.now;
  }

  /** The cached versions (current first), loaded when absent or stale. */
  async values(): Promise<string[]> {
    return (await this.snapshot()).values;
  }

  /** Verifies a signature header over a raw body; true only for a match (see {@link check}). */
  async verify(body: string, header: string | undefined): Promise<boolean> {
    return (await this.check(body, header)).verdict === "valid";
  }

  /**
   * Checks a signature header over a raw body sent (received by SQS) at `sentAtMs`, epoch ms.
   * Without it the message counts as sent now, so only a reload can prove a miss.
   */
  async check(body: string, header: string | undefined, sentAtMs: number = this.now()): Promise<SignatureCheck> {
    let snap = await this.snapshot();
    if (verify(body, header, snap.values)) return { verdict: "valid" };
    // A malformed or absent header cannot match any version: no reload for it.
    if (typeof header !== "string" || !/^sha256=[A-Za-z0-9+/]{43}=$/.test(header)) return { verdict: "invalid" };
    if (snap.startedMs < sentAtMs && this.pending) {
      // Another record's miss is reloading: its result is the freshest there will be.
      snap = await this.pending;
      if (verify(body, header, snap.values)) return { verdict: "valid" };
    }
    if (snap.startedMs >= sentAtMs) return { verdict: "invalid" };
    const waitMs = this.lastRefreshMs + this.minRefreshIntervalMs - this.now();
    if (waitMs > 0) return { verdict: "unverified", retryAfterMs: waitMs };
    this.lastRefreshMs = this.now();
    snap = await this.load();
    if (verify(body, header, snap.values)) return { verdict: "valid" };
    return snap.startedMs >= sentAtMs ? { verdict: "invalid" } : { verdict: "unverified", retryAfterMs: this.minRefreshIntervalMs };
  }

  private async snapshot(): Promise<Snapshot> {
    if (this.cached && this.now() - this.cached.loadedMs < this.maxAgeMs) return this.cached;
    return this.load();
  }

  private load(): Promise<Snapshot> {
    this.pending ??= (async () => {
      const startedMs = this.now();
      try {
        const [current, previous] = await Promise.all([this.stage("AWSCURRENT"), this.stage("AWSPREVIOUS")]);
        if (current === undefined) throw new Error(`secret ${this.secretId} has no AWSCURRENT value`);
        const values = previous === undefined || previous === current ? [current] : [current, previous];
        this.cached = { values, startedMs, loadedMs: this.now() };
        return this.cached;
      } finally {
        this.pending = undefined;
      }
    })();
    return this.pending;
  }

  private async stage(stage: "AWSCURRENT" | "AWSPREVIOUS"): Promise<string | undefined> {
    this.loads++;
    try {
      const out = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId, VersionStage: stage }));
      if (out.SecretString !== undefined) return out.SecretString;
      if (out.SecretBinary !== undefined) return Buffer.from(out.SecretBinary).toString("utf8");
      return undefined;
    } catch (error) {
      // A secret that was never rotated has no AWSPREVIOUS version.
      if (stage === "AWSPREVIOUS" && (error instanceof ResourceNotFoundException || (error as Error).name === "ResourceNotFoundException"))
        return undefined;
      throw error;
    }
  }
}

/** Loads a JSON secret `{ clientId, clientSecret }` (the Genesys OAuth client credentials). */
export async function loadGenesysCredentials(client: SecretsManagerClient, secretId: string): Promise<GenesysCredentials> {
  let out;
  try {
    out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  } catch (error) {
    // A secret created without a value (genesys: { createCredentialsSecret: true }) has no
    // AWSCURRENT version until the team puts one: GetSecretValue answers ResourceNotFoundException
    // ("can't find the specified secret value for staging label: AWSCURRENT").
    if (error instanceof ResourceNotFoundException || (error as Error).name === "ResourceNotFoundException") {
      throw new Error(
        `secret ${secretId} has no value (${(error as Error).message}): put the Genesys OAuth client credentials in it, e.g. aws secretsmanager put-secret-value --secret-id ${secretId} --secret-string '{"clientId":"...","clientSecret":"..."}'`,
        { cause: error },
      );
    }
    throw error;
  }
  const text = out.SecretString ?? (out.SecretBinary ? Buffer.from(out.SecretBinary).toString("utf8") : "");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`secret ${secretId}: expected JSON {"clientId": "...", "clientSecret": "..."}, got something that is not JSON`);
  }
  const { clientId, clientSecret } = (json ?? {}) as Record<string, unknown>;
  if (typeof clientId !== "string" || !clientId || typeof clientSecret !== "string" || !clientSecret) {
    throw new Error(`secret ${secretId}: expected JSON with non-empty string fields "clientId" and "clientSecret"`);
  }
  return { clientId, clientSecret };
}
