/**
 * Where a spike run gets the edge API key it sends in `x-api-key`: a literal value, or the
 * Secrets Manager secret the stack keeps the current key in (read at the start of the run and
 * again after a 403, so a key rotated mid-run is picked up).
 */
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { EdgeKey, type EdgeKeyOptions } from "../edge-key";
import type { AwsClientOptions } from "./reconcile";

/** The key itself, or the secret holding it (plain data: it crosses into worker threads and Lambda events). */
export type EdgeKeySource =
  | { readonly value: string }
  | {
      /** ARN (or name) of the secret whose AWSCURRENT version is the raw key. */
      readonly secretArn: string;
      /** Secrets Manager client settings (a local endpoint). @default the SDK's */
      readonly secretsManager?: AwsClientOptions;
    };

/** Reads the AWSCURRENT value of a raw-string secret (a new client per read: reads are rare). */
export function secretReader(secretArn: string, options: AwsClientOptions = {}): () => Promise<string> {
  return async () => {
    const client = new SecretsManagerClient({
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.region ? { region: options.region } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
    });
    try {
      const res = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
      if (!res.SecretString) throw new Error(`secret ${secretArn} has no SecretString (the edge API key is a raw string)`);
      return res.SecretString;
    } finally {
      client.destroy();
    }
  };
}

/** Opens the key of a source: a fixed value, or the secret read now and after each 403 (an open key is used as is). */
export function openEdgeKey(source: EdgeKeySource | EdgeKey, options: EdgeKeyOptions = {}): Promise<EdgeKey> {
  if (source instanceof EdgeKey) return Promise.resolve(source);
  if ("value" in source) return Promise.resolve(EdgeKey.fixed(source.value));
  return EdgeKey.open(secretReader(source.secretArn, source.secretsManager), options);
}
