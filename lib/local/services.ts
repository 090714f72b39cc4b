/**
 * The local AWS stand-ins of a run, on 127.0.0.1 and free ports: one `local-aws-sqs` server
 * holding every synthesized queue and one `dynalite` server holding every synthesized table.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Worker } from "node:worker_threads";
import { CreateQueueCommand, SQSClient } from "@aws-sdk/client-sqs";
import { CreateTableCommand, DynamoDBClient, type CreateTableCommandInput } from "@aws-sdk/client-dynamodb";
import type { StackResolver } from "./resolver";
import { patchedLocalAwsSqsSource } from "./local-aws-sqs";
import { ofType, type TfItem } from "./stack";

/** Credentials the local servers accept (any value works). */
export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" } as const;

/** A started local server. */
export interface LocalEndpoint {
  readonly endpoint: string;
  close(): Promise<void>;
}

/** Closes an http server, dropping keep-alive connections. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}

/** Listens on 127.0.0.1 and a free port; resolves the base URL. */
export function listenLoopback(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

/**
 * Runs a server in its own worker thread, so the SQS and DynamoDB stand-ins do not compete
 * with the ingress, the pollers and the load generator for the main thread (on AWS they are
 * separate services too). The thread's code is inline JavaScript, so it runs the same from
 * TypeScript sources and from the built package; it either requires a module path or
 * compiles a module source it is given (the patched local-aws-sqs, see ./local-aws-sqs).
 */
const SERVER_THREAD = `
const { parentPort, workerData } = require("node:worker_threads");
// As compileCommonJs in local-aws-sqs.ts: the module's requires resolve from its file's directory.
function compileCommonJs(filename, source) {
  const { Module } = require("node:module");
  const mod = new Module(filename);
  mod.filename = filename;
  mod.paths = Module._nodeModulePaths(require("node:path").dirname(filename));
  mod._compile(source, filename);
  mod.loaded = true;
  return mod.exports;
}
(async () => {
  const { code } = workerData;
  const mod = code.modulePath ? require(code.modulePath) : compileCommonJs(code.filename, code.source);
  let server;
  if (workerData.kind === "sqs") {
    server = await mod.createSqsServer(workerData.options);
  } else {
    server = mod(workerData.options);
    await new Promise((resolve, reject) => { server.once("error", reject); server.listen(0, "127.0.0.1", resolve); });
  }
  parentPort.on("message", (message) => {
    if (message !== "close") return;
    if (server.closeAllConnections) server.closeAllConnections();
    server.close(() => parentPort.postMessage({ closed: true }));
  });
  parentPort.postMessage({ port: server.address().port });
})().catch((error) => parentPort.postMessage({ error: String((error && error.stack) || error) }));
`;

/** What a server thread loads: a module by path, or a module source compiled as `filename`. */
type ThreadCode = { modulePath: string } | { filename: string; source: string };

async function startServerThread(
  kind: "sqs" | "dynamo",
  packageName: string,
  code: ThreadCode,
  options: Record<string, unknown>,
): Promise<LocalEndpoint> {
  const worker = new Worker(SERVER_THREAD, { eval: true, workerData: { kind, code, options } });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once("error", reject);
    worker.once("exit", (exitCode) => reject(new Error(`the ${packageName} thread exited (${exitCode}) before listening`)));
    worker.once("message", (message: { port?: number; error?: string }) =>
      message.port ? resolve(message.port) : reject(new Error(`${packageName} did not start: ${message.error}`)),
    );
  });
  worker.removeAllListeners("exit");
  worker.removeAllListeners("error");
  worker.on("error", () => undefined);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      const closed = new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 2000);
        worker.once("message", () => {
          clearTimeout(timer);
          resolve();
        });
      });
      worker.postMessage("close");
      await closed;
      await worker.terminate();
    },
  };
}

/**
 * Starts local-aws-sqs in its own thread, patched in memory to AWS's behaviour (see
 * ./local-aws-sqs). Rejects with the reason if the installed build is not the pinned one or
 * a patch does not apply.
 */
export async function startSqsServer(region: string, accountId: string): Promise<LocalEndpoint> {
  const { filename, source } = patchedLocalAwsSqsSource();
  return startServerThread(
    "sqs",
    "local-aws-sqs",
    { filename, source },
    { port: 0, hostname: "127.0.0.1", region, accountId, emulateQueueCreationLifecycle: false },
  );
}

/** Starts an in-memory dynalite server, in its own thread, whose table operations complete at once. */
export async function startDynamoServer(): Promise<LocalEndpoint> {
  let modulePath: string;
  try {
    modulePath = require.resolve("dynalite");
  } catch (error) {
    throw new Error(
      `the local emulator needs the npm package "dynalite" (a dependency of cdktf-genesys-consumer): install it with \`npm install dynalite\` (${(error as Error).message})`,
    );
  }
  return startServerThread("dynamo", "dynalite", { modulePath }, { createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
}

/** A queue as created locally. */
export interface LocalQueue {
  readonly address: string;
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  readonly fifo: boolean;
  /** The queue attributes sent to CreateQueue. */
  readonly attributes: Record<string, string>;
}

const QUEUE_ATTRIBUTES: Record<string, string> = {
  visibility_timeout_seconds: "VisibilityTimeout",
  message_retention_seconds: "MessageRetentionPeriod",
  max_message_size: "MaximumMessageSize",
  delay_seconds: "DelaySeconds",
  receive_wait_time_seconds: "ReceiveMessageWaitTimeSeconds",
  fifo_queue: "FifoQueue",
  content_based_deduplication: "ContentBasedDeduplication",
  deduplication_scope: "DeduplicationScope",
  fifo_throughput_limit: "FifoThroughputLimit",
  redrive_policy: "RedrivePolicy",
};

/** The CreateQueue attributes of a synthesized aws_sqs_queue (plus a separate aws_sqs_queue_redrive_policy). */
export function queueAttributes(item: TfItem, resolver: StackResolver): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [tf, sqs] of Object.entries(QUEUE_ATTRIBUTES)) {
    const value = resolver.configValue(item, tf);
    if (value === undefined || value === null || value === "") continue;
    attributes[sqs] = typeof value === "string" ? value : typeof value === "object" ? JSON.stringify(value) : String(value);
  }
  const url = resolver.attribute(item, "url");
  for (const separate of ofType(resolver.stack, "aws_sqs_queue_redrive_policy")) {
    if (resolver.configValue(separate, "queue_url") === url)
      attributes.RedrivePolicy = String(resolver.configValue(separate, "redrive_policy"));
  }
  return attributes;
}

/** Creates every synthesized queue (dead-letter targets first). */
export async function createQueues(resolver: StackResolver, sqsEndpoint: string, region: string): Promise<LocalQueue[]> {
  const items = ofType(resolver.stack, "aws_sqs_queue");
  const planned = items.map((item) => {
    const attributes = queueAttributes(item, resolver);
    const target = attributes.RedrivePolicy
      ? String((JSON.parse(attributes.RedrivePolicy) as { deadLetterTargetArn?: string }).deadLetterTargetArn)
      : undefined;
    return {
      item,
      attributes,
      target,
      queue: {
        address: item.address,
        name: String(resolver.attribute(item, "name")),
        url: String(resolver.attribute(item, "url")),
        arn: String(resolver.attribute(item, "arn")),
        fifo: attributes.FifoQueue === "true",
        attributes,
      } satisfies LocalQueue,
    };
  });
  const client = new SQSClient({ region, endpoint: sqsEndpoint, credentials: LOCAL_CREDENTIALS });
  const created = new Set<string>();
  const out: LocalQueue[] = [];
  try {
    while (out.length < planned.length) {
      const ready = planned.filter(
        (p) => !created.has(p.queue.arn) && (!p.target || created.has(p.target) || !planned.some((q) => q.queue.arn === p.target)),
      );
      if (!ready.length)
        throw new Error(
          `circular redrive policies between ${planned
            .filter((p) => !created.has(p.queue.arn))
            .map((p) => p.item.address)
            .join(", ")}`,
        );
      for (const p of ready) {
        try {
          const result = await client.send(new CreateQueueCommand({ QueueName: p.queue.name, Attributes: p.attributes }));
          if (result.QueueUrl !== p.queue.url) throw new Error(`the local SQS server answered ${result.QueueUrl}, expected ${p.queue.url}`);
        } catch (error) {
          throw new Error(
            `${p.item.address}: the local SQS server rejected the synthesized queue (${JSON.stringify(p.attributes)}): ${(error as Error).message}`,
          );
        }
        created.add(p.queue.arn);
        out.push(p.queue);
      }
    }
  } finally {
    client.destroy();
  }
  return out;
}

/** A table as created locally. */
export interface LocalTable {
  readonly address: string;
  readonly name: string;
  readonly arn: string;
  readonly hashKey: string;
  readonly rangeKey?: string;
  /** The TTL attribute (configured; dynalite does not expire items). */
  readonly ttlAttribute?: string;
}

/** The CreateTable input of a synthesized aws_dynamodb_table. */
export function tableInput(item: TfItem, resolver: StackResolver): CreateTableCommandInput {
  const cfg = resolver.config(item);
  const attributes = (cfg.attribute as { name: string; type: string }[] | undefined) ?? [];
  const keys = (hash: unknown, range: unknown) => [
    { AttributeName: String(hash), KeyType: "HASH" as const },
    ...(range ? [{ AttributeName: String(range), KeyType: "RANGE" as const }] : []),
  ];
  const gsis = (cfg.global_secondary_index as Record<string, unknown>[] | undefined) ?? [];
  const lsis = (cfg.local_secondary_index as Record<string, unknown>[] | undefined) ?? [];
  const projection = (i: Record<string, unknown>) => ({
    ProjectionType: String(i.projection_type ?? "ALL") as "ALL" | "KEYS_ONLY" | "INCLUDE",
    ...(i.non_key_attributes ? { NonKeyAttributes: i.non_key_attributes as string[] } : {}),
  });
  return {
    TableName: String(resolver.attribute(item, "name")),
    AttributeDefinitions: attributes.map((a) => ({ AttributeName: a.name, AttributeType: a.type as "S" | "N" | "B" })),
    KeySchema: keys(cfg.hash_key, cfg.range_key),
    BillingMode: "PAY_PER_REQUEST",
    ...(gsis.length
      ? {
          GlobalSecondaryIndexes: gsis.map((g) => ({
            IndexName: String(g.name),
            KeySchema: keys(g.hash_key, g.range_key),
            Projection: projection(g),
          })),
        }
      : {}),
    ...(lsis.length
      ? {
          LocalSecondaryIndexes: lsis.map((l) => ({
            IndexName: String(l.name),
            KeySchema: keys(cfg.hash_key, l.range_key),
            Projection: projection(l),
          })),
        }
      : {}),
  };
}

/** Creates every synthesized table. */
export async function createTables(resolver: StackResolver, dynamoEndpoint: string, region: string): Promise<LocalTable[]> {
  const client = new DynamoDBClient({ region, endpoint: dynamoEndpoint, credentials: LOCAL_CREDENTIALS });
  const out: LocalTable[] = [];
  try {
    for (const item of ofType(resolver.stack, "aws_dynamodb_table")) {
      const input = tableInput(item, resolver);
      try {
        await client.send(new CreateTableCommand(input));
      } catch (error) {
        throw new Error(`${item.address}: the local DynamoDB server rejected the synthesized table: ${(error as Error).message}`);
      }
      const ttl = resolver.configValue(item, "ttl") as { attribute_name?: string; enabled?: boolean } | undefined;
      out.push({
        address: item.address,
        name: input.TableName!,
        arn: String(resolver.attribute(item, "arn")),
        hashKey: input.KeySchema![0].AttributeName!,
        rangeKey: input.KeySchema![1]?.AttributeName,
        ttlAttribute: ttl?.enabled ? ttl.attribute_name : undefined,
      });
    }
  } finally {
    client.destroy();
  }
  return out;
}
