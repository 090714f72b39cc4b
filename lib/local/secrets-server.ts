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
import { LocalEmulatorError } from "./errors";

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

/** An error answered in the AWS JSON protocol: its `type` is the `__type` / x-amzn-errortype. */
class ApiError extends LocalEmulatorError {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** The server's state: the secrets by name and the GetSecretValue count, in one object. */
class SecretStore {
  readonly secrets = new Map<string, Secret>();
  getCount = 0;

  constructor(
    private readonly region: string,
    private readonly account: string,
  ) {}

  /** A secret by name or ARN; ResourceNotFoundException when there is none. */
  find(id: unknown): Secret {
    if (typeof id !== "string" || !id) throw new ApiError("InvalidParameterException", "SecretId is required");
    const secret = this.secrets.get(id) ?? [...this.secrets.values()].find((s) => s.arn === id);
    if (!secret) throw new ApiError("ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
    return secret;
  }

  /** Creates a secret (with a first version when a value is given), as CreateSecret does. */
  create(name: string, value: string | undefined): Secret {
    if (this.secrets.has(name))
      throw new ApiError("ResourceExistsException", `The operation failed because the secret ${name} already exists.`);
    const secret: Secret = {
      name,
      arn: `arn:aws:secretsmanager:${this.region}:${this.account}:secret:${name}-${randomBytes(3).toString("hex")}`,
      versions: [],
      created: Date.now(),
    };
    this.secrets.set(name, secret);
    if (value !== undefined) this.addVersion(secret, value);
    return secret;
  }

  /** Adds a version labelled AWSCURRENT; the previous current one becomes AWSPREVIOUS. */
  addVersion(secret: Secret, value: string, id: string = randomUUID()): Version {
    for (const v of secret.versions) {
      v.stages.delete("AWSPREVIOUS");
      if (v.stages.delete("AWSCURRENT")) v.stages.add("AWSPREVIOUS");
    }
    const version: Version = { id, value, stages: new Set(["AWSCURRENT"]), created: Date.now() };
    secret.versions.push(version);
    return version;
  }

  /** Creates the secret, or rotates an existing one like PutSecretValue; returns its ARN. */
  put(name: string, value: string): string {
    if (!this.secrets.has(name)) return this.create(name, value).arn;
    const secret = this.find(name);
    this.addVersion(secret, value);
    return secret.arn;
  }
}

type Operation = (store: SecretStore, input: Record<string, unknown>) => unknown;

/** CreateSecret: a new secret, with a first version when SecretString is given. */
const createSecret: Operation = (store, input) => {
  const name = input.Name;
  if (typeof name !== "string" || !name) throw new ApiError("InvalidParameterException", "Name is required");
  const secret = store.create(name, typeof input.SecretString === "string" ? input.SecretString : undefined);
  return { ARN: secret.arn, Name: secret.name, VersionId: secret.versions.at(-1)?.id };
};

/** GetSecretValue: by VersionId, else by VersionStage (default AWSCURRENT). */
const getSecretValue: Operation = (store, input) => {
  store.getCount++;
  const secret = store.find(input.SecretId);
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
};

/** PutSecretValue: a new AWSCURRENT version (ClientRequestToken as its id when given). */
const putSecretValue: Operation = (store, input) => {
  const secret = store.find(input.SecretId);
  if (typeof input.SecretString !== "string") throw new ApiError("InvalidParameterException", "SecretString is required");
  const version = store.addVersion(
    secret,
    input.SecretString,
    typeof input.ClientRequestToken === "string" ? input.ClientRequestToken : undefined,
  );
  return { ARN: secret.arn, Name: secret.name, VersionId: version.id, VersionStages: [...version.stages] };
};

/** DescribeSecret: the secret and its labelled versions. */
const describeSecret: Operation = (store, input) => {
  const secret = store.find(input.SecretId);
  return {
    ARN: secret.arn,
    Name: secret.name,
    CreatedDate: secret.created / 1000,
    VersionIdsToStages: Object.fromEntries(secret.versions.filter((v) => v.stages.size).map((v) => [v.id, [...v.stages]])),
  };
};

/** DeleteSecret: removed at once (no recovery window locally). */
const deleteSecret: Operation = (store, input) => {
  const secret = store.find(input.SecretId);
  store.secrets.delete(secret.name);
  return { ARN: secret.arn, Name: secret.name, DeletionDate: Date.now() / 1000 };
};

/** The route table: X-Amz-Target operation (without the `secretsmanager.` prefix) -> handler. */
const OPERATIONS: Readonly<Record<string, Operation>> = {
  CreateSecret: createSecret,
  GetSecretValue: getSecretValue,
  PutSecretValue: putSecretValue,
  DescribeSecret: describeSecret,
  DeleteSecret: deleteSecret,
};

/** Answers one request, its body read: the operation's result, or its error in the AWS JSON 1.1 shape. */
function answer(store: SecretStore, req: IncomingMessage, res: ServerResponse, text: string): void {
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
    const operation = OPERATIONS[target.replace(/^secretsmanager\./, "")];
    if (req.method !== "POST" || !operation) throw new ApiError("UnknownOperationException", `unsupported operation "${target}"`);
    reply(200, operation(store, text ? (JSON.parse(text) as Record<string, unknown>) : {}));
  } catch (error) {
    const e = error instanceof ApiError ? error : new ApiError("InternalServiceError", (error as Error).message);
    reply(e.type === "InternalServiceError" ? 500 : 400, { __type: e.type, message: e.message }, e.type);
  }
}

/** Starts the server; resolves when it listens. */
export async function startSecretsServer(options: SecretsServerOptions = {}): Promise<SecretsServer> {
  const store = new SecretStore(options.region ?? "us-east-1", options.accountId ?? "000000000000");
  for (const [name, value] of Object.entries(options.secrets ?? {})) store.create(name, value);

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => answer(store, req, res, Buffer.concat(chunks).toString("utf8")));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    arnOf: (name) => store.find(name).arn,
    put: (name, value) => store.put(name, value),
    get getCount() {
      return store.getCount;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
