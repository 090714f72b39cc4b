/**
 * A minimal, real Secrets Manager API server on 127.0.0.1 (AWS JSON 1.1 protocol), enough
 * for the worker and the load generator: CreateSecret, GetSecretValue (by VersionId or
 * VersionStage AWSCURRENT / AWSPREVIOUS), PutSecretValue (rotates AWSCURRENT -> AWSPREVIOUS),
 * DescribeSecret, DeleteSecret. Point the SDK at it with an explicit `endpoint` or
 * `AWS_ENDPOINT_URL_SECRETS_MANAGER`. Secrets are kept in memory.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes, randomUUID } from "node:crypto";

export interface SecretsServerOptions {
  /** Secrets to create at start, name -> raw string value. Default none. */
  readonly secrets?: Record<string, string>;
  /** Port, 0 for a free one. Default 0. */
  readonly port?: number;
  /** Region in the ARNs. Default "us-east-1". */
  readonly region?: string;
  /** Account id in the ARNs. Default "000000000000". */
  readonly accountId?: string;
}

export interface SecretsServer {
  /** e.g. http://127.0.0.1:54321 */
  readonly endpoint: string;
  readonly port: number;
  /** ARN of a secret by name (throws for an unknown name). */
  arnOf(name: string): string;
  /** Creates a secret (or rotates an existing one, like PutSecretValue); returns its ARN. */
  put(name: string, value: string): string;
  /** GetSecretValue calls served so far. */
  readonly getCount: number;
  close(): Promise<void>;
}

interface Version {
  id: string;
  value: string;
  stages: Set<string>;
  created: number;
}
interface Secret {
  name: string;
  arn: string;
  versions: Version[];
  created: number;
}

class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** Starts the server; resolves when it listens. */
export async function startSecretsServer(options: SecretsServerOptions = {}): Promise<SecretsServer> {
  const region = options.region ?? "us-east-1";
  const account = options.accountId ?? "000000000000";
  const secrets = new Map<string, Secret>();
  let getCount = 0;

  const find = (id: unknown): Secret => {
    if (typeof id !== "string" || !id) throw new ApiError("InvalidParameterException", "SecretId is required");
    const secret = secrets.get(id) ?? [...secrets.values()].find((s) => s.arn === id);
    if (!secret) throw new ApiError("ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
    return secret;
  };
  const create = (name: string, value: string | undefined): Secret => {
    if (secrets.has(name)) throw new ApiError("ResourceExistsException", `The operation failed because the secret ${name} already exists.`);
    const secret: Secret = {
      name,
      arn: `arn:aws:secretsmanager:${region}:${account}:secret:${name}-${randomBytes(3).toString("hex")}`,
      versions: [],
      created: Date.now(),
    };
    secrets.set(name, secret);
    if (value !== undefined) addVersion(secret, value);
    return secret;
  };
  const addVersion = (secret: Secret, value: string, id: string = randomUUID()): Version => {
    for (const v of secret.versions) {
      v.stages.delete("AWSPREVIOUS");
      if (v.stages.delete("AWSCURRENT")) v.stages.add("AWSPREVIOUS");
    }
    const version: Version = { id, value, stages: new Set(["AWSCURRENT"]), created: Date.now() };
    secret.versions.push(version);
    return version;
  };
  for (const [name, value] of Object.entries(options.secrets ?? {})) create(name, value);

  const operations: Record<string, (input: Record<string, unknown>) => unknown> = {
    CreateSecret(input) {
      const name = input.Name;
      if (typeof name !== "string" || !name) throw new ApiError("InvalidParameterException", "Name is required");
      const secret = create(name, typeof input.SecretString === "string" ? input.SecretString : undefined);
      return { ARN: secret.arn, Name: secret.name, VersionId: secret.versions.at(-1)?.id };
    },
    GetSecretValue(input) {
      getCount++;
      const secret = find(input.SecretId);
      const stage = typeof input.VersionStage === "string" ? input.VersionStage : undefined;
      const versionId = typeof input.VersionId === "string" ? input.VersionId : undefined;
      const version = versionId
        ? secret.versions.find((v) => v.id === versionId)
        : secret.versions.find((v) => v.stages.has(stage ?? "AWSCURRENT"));
      if (!version || (stage && !version.stages.has(stage))) {
        throw new ApiError(
          "ResourceNotFoundException",
          `Secrets Manager can't find the specified secret value for ${versionId ? `VersionId: ${versionId}` : `staging label: ${stage ?? "AWSCURRENT"}`}`,
        );
      }
      return {
        ARN: secret.arn,
        Name: secret.name,
        VersionId: version.id,
        SecretString: version.value,
        VersionStages: [...version.stages],
        CreatedDate: version.created / 1000,
      };
    },
    PutSecretValue(input) {
      const secret = find(input.SecretId);
      if (typeof input.SecretString !== "string") throw new ApiError("InvalidParameterException", "SecretString is required");
      const version = addVersion(
        secret,
        input.SecretString,
        typeof input.ClientRequestToken === "string" ? input.ClientRequestToken : undefined,
      );
      return { ARN: secret.arn, Name: secret.name, VersionId: version.id, VersionStages: [...version.stages] };
    },
    DescribeSecret(input) {
      const secret = find(input.SecretId);
      return {
        ARN: secret.arn,
        Name: secret.name,
        CreatedDate: secret.created / 1000,
        VersionIdsToStages: Object.fromEntries(secret.versions.filter((v) => v.stages.size).map((v) => [v.id, [...v.stages]])),
      };
    },
    DeleteSecret(input) {
      const secret = find(input.SecretId);
      secrets.delete(secret.name);
      return { ARN: secret.arn, Name: secret.name, DeletionDate: Date.now() / 1000 };
    },
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const reply = (status: number, body: unknown, type?: string) => {
        res.writeHead(status, {
          "content-type": "application/x-amz-json-1.1",
          "x-amzn-requestid": randomUUID(),
          ...(type ? { "x-amzn-errortype": type } : {}),
        });
        res.end(JSON.stringify(body));
      };
      try {
        const target = String(req.headers["x-amz-target"] ?? "");
        const operation = operations[target.replace(/^secretsmanager\./, "")];
        if (req.method !== "POST" || !operation) throw new ApiError("UnknownOperationException", `unsupported operation "${target}"`);
        const text = Buffer.concat(chunks).toString("utf8");
        reply(200, operation(text ? (JSON.parse(text) as Record<string, unknown>) : {}));
      } catch (error) {
        const e = error instanceof ApiError ? error : new ApiError("InternalServiceError", (error as Error).message);
        reply(e.type === "InternalServiceError" ? 500 : 400, { __type: e.type, message: e.message }, e.type);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    arnOf: (name) => find(name).arn,
    put: (name, value) => (secrets.has(name) ? (addVersion(find(name), value), find(name).arn) : create(name, value).arn),
    get getCount() {
      return getCount;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
