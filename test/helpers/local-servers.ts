/**
 * Real local AWS stand-ins for tests, on 127.0.0.1 and free ports:
 * `local-aws-sqs` (SQS API, both wire protocols) and `dynalite` (DynamoDB API, in memory).
 */
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { SQSClient } from "@aws-sdk/client-sqs";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { loadLocalAwsSqs } from "../../lib/local/local-aws-sqs";
import { IDEMPOTENCY_TABLE, RECEIPTS_TABLE } from "../../lib/runtime/tables";

/** Credentials and region the local servers accept (any value works; these are fixed for clarity). */
export const LOCAL_AWS = {
  region: "us-east-1",
  credentials: { accessKeyId: "local", secretAccessKey: "local" },
} as const;

export interface LocalServer {
  readonly endpoint: string;
  readonly port: number;
  close(): Promise<void>;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}

function closer(server: Server): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    });
}

/** Starts a local-aws-sqs server, patched in memory to AWS's behaviour as the emulator runs it (lib/local/local-aws-sqs.ts). */
export async function startSqs(): Promise<LocalServer & { client(): SQSClient }> {
  const { createSqsServer } = loadLocalAwsSqs();
  // emulateQueueCreationLifecycle off: tests recreate queues by name without AWS's 60 s wait.
  const server = await createSqsServer({ port: 0, hostname: "127.0.0.1", emulateQueueCreationLifecycle: false });
  const port = (server.address() as AddressInfo).port;
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    port,
    close: closer(server),
    client: () => new SQSClient({ ...LOCAL_AWS, endpoint }),
  };
}

/**
 * A local-aws-sqs server and a client for the enclosing describe block: started in
 * `beforeAll`, closed in `afterAll`. Read `.server` and `.client` inside tests.
 */
export function useLocalSqs(): { server: Awaited<ReturnType<typeof startSqs>>; client: SQSClient } {
  const local = {} as { server: Awaited<ReturnType<typeof startSqs>>; client: SQSClient };
  beforeAll(async () => {
    local.server = await startSqs();
    local.client = local.server.client();
  });
  afterAll(async () => {
    local.client.destroy();
    await local.server.close();
  });
  return local;
}

/** Starts an in-memory dynalite server with table operations that complete immediately. */
export async function startDynamo(): Promise<LocalServer & { client(): DynamoDBClient }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dynalite = require("dynalite") as (o: Record<string, unknown>) => Server;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const port = await listen(server);
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    port,
    close: closer(server),
    client: () => new DynamoDBClient({ ...LOCAL_AWS, endpoint }),
  };
}

/** Creates a receipts table in the layout of lib/runtime/tables.ts. */
export async function createReceiptsTable(ddb: DynamoDBClient, tableName: string): Promise<void> {
  await ddb.send(
    new CreateTableCommand({
      TableName: tableName,
      KeySchema: [
        { AttributeName: RECEIPTS_TABLE.partitionKey, KeyType: "HASH" },
        { AttributeName: RECEIPTS_TABLE.sortKey, KeyType: "RANGE" },
      ],
      AttributeDefinitions: [
        { AttributeName: RECEIPTS_TABLE.partitionKey, AttributeType: "S" },
        { AttributeName: RECEIPTS_TABLE.sortKey, AttributeType: "N" },
      ],
      BillingMode: "PAY_PER_REQUEST",
    }),
  );
}

/** Creates an idempotency table in Powertools' layout (lib/runtime/tables.ts). */
export async function createIdempotencyTable(ddb: DynamoDBClient, tableName: string): Promise<void> {
  await ddb.send(
    new CreateTableCommand({
      TableName: tableName,
      KeySchema: [{ AttributeName: IDEMPOTENCY_TABLE.partitionKey, KeyType: "HASH" }],
      AttributeDefinitions: [{ AttributeName: IDEMPOTENCY_TABLE.partitionKey, AttributeType: "S" }],
      BillingMode: "PAY_PER_REQUEST",
    }),
  );
}
