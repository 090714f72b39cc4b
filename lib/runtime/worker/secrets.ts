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

/**
 * The AWSCURRENT and AWSPREVIOUS versions of a raw-string secret, cached. A signature that
 * matches neither triggers one reload (a rotation may have happened since the cache was
 * filled), at most once per `minRefreshIntervalMs`, so a flood of bad signatures does not
 * hammer Secrets Manager.
 */
export class RotatingSecret {
  /** Secrets Manager calls made (two per load: current and previous). */
  loads = 0;
  private cached?: { values: string[]; loadedMs: number };
  private pending?: Promise<string[]>;
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
    if (this.cached && this.now() - this.cached.loadedMs < this.maxAgeMs) return this.cached.values;
    return this.load();
  }

  /** Verifies a signature header over a raw body; on a miss reloads once (rate-limited) and tries again. */
  async verify(body: string, header: string | undefined): Promise<boolean> {
    if (verify(body, header, await this.values())) return true;
    // A malformed or absent header cannot match any version: no reload for it.
    if (typeof header !== "string" || !/^sha256=[A-Za-z0-9+/]{43}=$/.test(header)) return false;
    if (this.now() - this.lastRefreshMs < this.minRefreshIntervalMs) return false;
    this.lastRefreshMs = this.now();
    return verify(body, header, await this.load());
  }

  private load(): Promise<string[]> {
    this.pending ??= (async () => {
      try {
        const [current, previous] = await Promise.all([this.stage("AWSCURRENT"), this.stage("AWSPREVIOUS")]);
        if (current === undefined) throw new Error(`secret ${this.secretId} has no AWSCURRENT value`);
        const values = previous === undefined || previous === current ? [current] : [current, previous];
        this.cached = { values, loadedMs: this.now() };
        return values;
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
      if (stage === "AWSPREVIOUS" && (error instanceof ResourceNotFoundException || (error as Error).name === "ResourceNotFoundException")) return undefined;
      throw error;
    }
  }
}

/** Loads a JSON secret `{ clientId, clientSecret }` (the Genesys OAuth client credentials). */
export async function loadGenesysCredentials(client: SecretsManagerClient, secretId: string): Promise<GenesysCredentials> {
  const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
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
