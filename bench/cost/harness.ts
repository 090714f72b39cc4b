/**
 * The local bench the cost benchmark counts on: real stand-ins on 127.0.0.1 (local-aws-sqs,
 * dynalite, the Secrets Manager server, the fake Genesys), the demo pipeline's queues and
 * tables, and the SDK clients the worker is given, each with a counting middleware. Nothing in
 * lib/ is changed: the worker is `createWorker` as the demo uses it, on clients created here.
 */
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { loadLocalAwsSqs } from "../../lib/local/local-aws-sqs";
import { startSecretsServer, type SecretsServer } from "../../lib/local/secrets-server";
import { startFakeGenesys, type FakeGenesys } from "../../lib/local/fake-genesys";
import { createIdempotencyTable, createReceiptsTable } from "../../test/helpers/local-servers";
import { parseWorkerContract, type WorkerContract } from "../../lib/runtime";

/** Credentials and region the local servers accept. */
const LOCAL = { region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } } as const;
export const SIGNING_SECRET = "a-webhook-secret-of-32-characters";

/** One AWS request a counted client made. */
export interface CountedCall {
  readonly service: "sqs" | "dynamodb" | "secretsmanager";
  /** The API action, e.g. "SendMessage", "PutItem". */
  readonly action: string;
  /** Payload bytes an SQS send carries (body + attribute names, types and values). */
  readonly payloadBytes?: number;
  /** Capacity units DynamoDB reported (ReturnConsumedCapacity TOTAL); undefined when the call failed. */
  readonly capacityUnits?: number;
  /** The error name when the call failed (a conditional check, a missing AWSPREVIOUS). */
  readonly error?: string;
}

/** Collects the calls of the counted clients. */
export class CallLog {
  calls: CountedCall[] = [];
  reset(): void {
    this.calls = [];
  }
}

const DOCUMENT_ACTIONS: Record<string, string> = { Put: "PutItem", Update: "UpdateItem", Delete: "DeleteItem", Get: "GetItem" };
const DYNAMO_WITH_CAPACITY = new Set(["PutItem", "UpdateItem", "DeleteItem", "GetItem", "Query", "BatchWriteItem", "BatchGetItem"]);

/** Bytes of an SQS message as SQS sizes it: the body plus each attribute's name, type and value. */
export function sqsPayloadBytes(input: {
  MessageBody?: string;
  MessageAttributes?: Record<string, { DataType?: string; StringValue?: string }>;
}): number {
  let bytes = Buffer.byteLength(input.MessageBody ?? "");
  for (const [name, value] of Object.entries(input.MessageAttributes ?? {})) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? "") + Buffer.byteLength(value.StringValue ?? "");
  }
  return bytes;
}

type Stack = { add(mw: unknown, options: { step: "initialize"; name: string }): void };

/** Installs the counting middleware on a client: every request is logged, DynamoDB ones with their consumed capacity. */
export function countCalls(client: { middlewareStack: unknown }, service: CountedCall["service"], log: CallLog): void {
  const middleware =
    (next: (args: { input: Record<string, unknown> }) => Promise<{ output: Record<string, unknown> }>, context: { commandName?: string }) =>
    async (args: { input: Record<string, unknown> }) => {
      const name = (context.commandName ?? "Unknown").replace(/Command$/, "");
      const action = service === "dynamodb" ? (DOCUMENT_ACTIONS[name] ?? name) : name;
      if (service === "dynamodb" && DYNAMO_WITH_CAPACITY.has(action)) args.input = { ...args.input, ReturnConsumedCapacity: "TOTAL" };
      const payloadBytes = service === "sqs" && action === "SendMessage" ? sqsPayloadBytes(args.input) : undefined;
      try {
        const out = await next(args);
        const consumed = out.output.ConsumedCapacity as { CapacityUnits?: number } | undefined;
        log.calls.push({ service, action, payloadBytes, capacityUnits: consumed?.CapacityUnits });
        return out;
      } catch (error) {
        log.calls.push({ service, action, payloadBytes, error: (error as Error).name });
        throw error;
      }
    };
  (client.middlewareStack as Stack).add(middleware, { step: "initialize", name: "gcxCostCounter" });
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}

/** The running stand-ins, an uncounted driver client (the event source mapping and the ingress) and counted worker clients. */
export interface CostBench {
  readonly log: CallLog;
  /** What the ingress and the event source mapping use: not counted here (they are modelled, not code-path calls). */
  readonly driver: SQSClient;
  readonly dynamoAdmin: DynamoDBClient;
  /** The worker's clients, counted. */
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  readonly secretsManager: SecretsManagerClient;
  readonly secrets: SecretsServer;
  readonly genesys: FakeGenesys;
  close(): Promise<void>;
}

/** Starts the stand-ins (a few hundred milliseconds) and the clients. */
export async function startCostBench(): Promise<CostBench> {
  const { createSqsServer } = loadLocalAwsSqs();
  const sqsServer: Server = await createSqsServer({ port: 0, hostname: "127.0.0.1", emulateQueueCreationLifecycle: false });
  const sqsEndpoint = `http://127.0.0.1:${(sqsServer.address() as AddressInfo).port}`;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dynalite = require("dynalite") as (o: Record<string, unknown>) => Server;
  const dynamoServer = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const dynamoEndpoint = `http://127.0.0.1:${await listen(dynamoServer)}`;
  const secrets = await startSecretsServer({
    secrets: { "webhook-secret": SIGNING_SECRET, "genesys-credentials": JSON.stringify({ clientId: "client", clientSecret: "s3cret" }) },
  });
  const genesys = await startFakeGenesys({ clientId: "client", clientSecret: "s3cret" });
  const log = new CallLog();
  const sqs = new SQSClient({ ...LOCAL, endpoint: sqsEndpoint });
  const dynamodb = new DynamoDBClient({ ...LOCAL, endpoint: dynamoEndpoint });
  const secretsManager = new SecretsManagerClient({ ...LOCAL, endpoint: secrets.endpoint });
  countCalls(sqs, "sqs", log);
  countCalls(dynamodb, "dynamodb", log);
  countCalls(secretsManager, "secretsmanager", log);
  const driver = new SQSClient({ ...LOCAL, endpoint: sqsEndpoint });
  const dynamoAdmin = new DynamoDBClient({ ...LOCAL, endpoint: dynamoEndpoint });
  return {
    log,
    driver,
    dynamoAdmin,
    sqs,
    dynamodb,
    secretsManager,
    secrets,
    genesys,
    async close() {
      for (const c of [sqs, dynamodb, secretsManager, driver, dynamoAdmin]) c.destroy();
      await Promise.all([closeServer(sqsServer), closeServer(dynamoServer), secrets.close(), genesys.close()]);
    },
  };
}

/** The queues and tables of one pipeline, and the worker contract pointing at them. */
export interface CostPipeline {
  /** The worker function's environment (GCX_* variables), as Lambda would pass it. */
  readonly env: Record<string, string>;
  readonly contract: WorkerContract;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly dlqUrl: string;
  readonly quarantineUrl: string;
}

let sequence = 0;

/** The pipeline's two tables, in the worker's layouts (the test helpers create them the same way). */
async function createTables(bench: CostBench, id: string): Promise<{ idempotency: string; receipts: string }> {
  const idempotency = `${id}-idempotency`;
  const receipts = `${id}-receipts`;
  await createIdempotencyTable(bench.dynamoAdmin, idempotency);
  await createReceiptsTable(bench.dynamoAdmin, receipts);
  return { idempotency, receipts };
}

/**
 * A fresh pipeline with the demo stack's worker settings (examples/basic/stack.ts: maxReceiveCount
 * 5, backoff 1 s / 8 s, synthetic downstream simulated), except the downstream rate, raised so
 * the count runs fast (it changes no AWS request).
 */
export async function createCostPipeline(bench: CostBench, maxReceiveCount = 5): Promise<CostPipeline> {
  const id = `cost${Date.now().toString(36)}${(sequence++).toString(36)}`;
  const create = async (name: string, attributes: Record<string, string> = {}) =>
    (await bench.driver.send(new CreateQueueCommand({ QueueName: `${id}-${name}`, Attributes: attributes }))).QueueUrl as string;
  const arnOf = async (url: string) =>
    (await bench.driver.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }))).Attributes
      ?.QueueArn as string;
  const dlqUrl = await create("dlq");
  const quarantineUrl = await create("quarantine");
  const redrive = JSON.stringify({ deadLetterTargetArn: await arnOf(dlqUrl), maxReceiveCount });
  const queueUrl = await create("main", { VisibilityTimeout: "180", RedrivePolicy: redrive });
  const queueArn = await arnOf(queueUrl);
  const tables = await createTables(bench, id);
  // The worker function's environment as the demo stack sets it (cdk.tf.json), pointed at the stand-ins.
  const env: Record<string, string> = {
    GCX_INGRESS_KIND: "webhook",
    GCX_QUEUE_URL: queueUrl,
    GCX_QUEUE_ARN: queueArn,
    GCX_DLQ_URL: dlqUrl,
    GCX_QUARANTINE_QUEUE_URL: quarantineUrl,
    GCX_FIFO: "false",
    GCX_MAX_RECEIVE_COUNT: String(maxReceiveCount),
    GCX_SIGNATURE_SECRET_ARN: bench.secrets.arnOf("webhook-secret"),
    GCX_IDEMPOTENCY_TABLE: tables.idempotency,
    GCX_RECEIPTS_TABLE: tables.receipts,
    GCX_DOWNSTREAM_RATE_PER_SECOND: "10000",
    GCX_DOWNSTREAM_BURST: "10000",
    GCX_BACKOFF_BASE_SECONDS: "1",
    GCX_BACKOFF_MAX_SECONDS: "8",
    GCX_SYNTHETIC_DOWNSTREAM: "simulate",
    GCX_GENESYS_REGION: "eu-west-1",
    GCX_GENESYS_CREDENTIALS_SECRET_ARN: bench.secrets.arnOf("genesys-credentials"),
    GCX_GENESYS_API_BASE_URL: bench.genesys.endpoint,
    GCX_GENESYS_LOGIN_BASE_URL: bench.genesys.endpoint,
  };
  const contract = parseWorkerContract(env);
  return { env, contract, queueUrl, queueArn, dlqUrl, quarantineUrl };
}
