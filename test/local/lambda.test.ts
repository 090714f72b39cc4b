import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateRawSync, crc32 } from "node:zlib";
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { FunctionHost, functionExecArgv, unpackBundle, type FunctionSpec } from "../../lib/local/lambda-host";
import { failedItemIds, SqsPoller } from "../../lib/local/poller";
import { LOCAL_ACCOUNT_ID } from "../../lib/local/resolver";
import { LOCAL_CREDENTIALS, startSqsServer, type LocalEndpoint } from "../../lib/local/services";
import { readZip } from "../../lib/local/zip";

/** Writes a ZIP archive with deflated entries, as cdktf's archiver does. */
function writeZip(path: string, files: Record<string, string>): void {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const data = Buffer.from(text);
    const packed = deflateRawSync(data);
    const nameBytes = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc32(data), 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc32(data), 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, packed);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + packed.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  writeFileSync(path, Buffer.concat([...locals, dir, end]));
}

const HANDLER = `
exports.handler = async (event, context) => {
  if (event.probe) return { env: process.env.PROBE_VALUE ?? null, parentOnly: process.env.PARENT_ONLY ?? null, name: context.functionName, remaining: context.getRemainingTimeInMillis(), execArgv: process.execArgv };
  if (event.sleepMs) { await new Promise((r) => setTimeout(r, event.sleepMs)); return { slept: true }; }
  const bodies = event.Records.map((r) => r.body);
  if (bodies.includes("throw")) throw new Error("batch failed");
  if (bodies.includes("hang")) await new Promise((r) => setTimeout(r, 5000));
  return { batchItemFailures: event.Records.filter((r) => r.body.startsWith("fail")).map((r) => ({ itemIdentifier: r.messageId })) };
};`;

describe("functions in worker threads", () => {
  let work: string;
  let codeDir: { dir: string; cleanup(): void };
  const spec = (over: Partial<FunctionSpec> = {}): FunctionSpec => ({
    address: "aws_lambda_function.f",
    name: "fn-a",
    arn: "arn:aws:lambda:us-east-1:123456789012:function:fn-a",
    handler: "index.handler",
    runtime: "nodejs22.x",
    timeoutSeconds: 1,
    memoryMb: 256,
    codeDir: codeDir.dir,
    environment: { PROBE_VALUE: "a" },
    ...over,
  });

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "gcx-test-"));
    writeZip(join(work, "archive.zip"), { "index.js": HANDLER, "lib/readme.txt": "x" });
    codeDir = unpackBundle(work, "archive.zip", "aws_lambda_function.f");
  });
  afterAll(() => {
    codeDir.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  it("reads the deflated entries of a bundle", () => {
    expect(readZip(readFileSync(join(work, "archive.zip"))).map((e) => e.name)).toEqual(["index.js", "lib/readme.txt"]);
  });

  it("gives each function its own environment and a Lambda context", async () => {
    process.env.PARENT_ONLY = "leak";
    const a = new FunctionHost(spec());
    const b = new FunctionHost(spec({ name: "fn-b", environment: { PROBE_VALUE: "b" } }));
    try {
      const [ra, rb] = await Promise.all([a.invoke({ probe: true }), b.invoke({ probe: true })]);
      expect(ra).toMatchObject({ ok: true, payload: { env: "a", parentOnly: null, name: "fn-a" } });
      expect(rb).toMatchObject({ ok: true, payload: { env: "b", parentOnly: null, name: "fn-b" } });
      expect((ra as { payload: { remaining: number } }).payload.remaining).toBeGreaterThan(500);
      expect((ra as { payload: { execArgv: string[] } }).payload.execArgv).toEqual(functionExecArgv(process.execArgv) ?? process.execArgv);
    } finally {
      delete process.env.PARENT_ONLY;
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("starts environments without the host's preloads (ts-node and the like), keeping its other Node options", () => {
    expect(
      functionExecArgv([
        "--enable-source-maps",
        "-r",
        "ts-node/register",
        "--require=tsconfig-paths/register",
        "--import",
        "tsx",
        "--loader=esm-loader",
        "--experimental-loader",
        "x.mjs",
        "--cpu-prof",
        "--max-old-space-size=512",
      ]),
    ).toEqual(["--enable-source-maps", "--cpu-prof", "--max-old-space-size=512"]);
    // ts-node's CLI puts its own path and options in process.execArgv: Node stops at the path, and so does this
    expect(functionExecArgv(["/x/node_modules/ts-node/dist/bin.js", "--transpile-only", "-r", "tsconfig-paths/register"])).toBeUndefined();
    expect(functionExecArgv(["--inspect", "-r", "ts-node/register", "/x/main.ts", "--flag"])).toEqual(["--inspect"]);
    // nothing to strip: the thread inherits the host's options unchanged
    expect(functionExecArgv(["--enable-source-maps"])).toBeUndefined();
    expect(functionExecArgv([])).toBeUndefined();
  });

  it("enforces the timeout: the invocation fails and the next one gets a fresh environment", async () => {
    const host = new FunctionHost(spec());
    try {
      const slow = await host.invoke({ sleepMs: 3000 });
      expect(slow).toMatchObject({
        ok: false,
        errorType: "Sandbox.Timedout",
        errorMessage: "Task timed out after 1.00 seconds",
        timedOut: true,
      });
      expect(await host.invoke({ sleepMs: 10 })).toMatchObject({ ok: true, payload: { slept: true } });
      expect(host.stats).toMatchObject({ invocations: 2, errors: 1, timeouts: 1, coldStarts: 2 });
    } finally {
      await host.close();
    }
  });

  describe("the event source mapping poller", () => {
    let sqs: LocalEndpoint;
    let client: SQSClient;
    beforeAll(async () => {
      sqs = await startSqsServer("us-east-1", LOCAL_ACCOUNT_ID);
      client = new SQSClient({ region: "us-east-1", endpoint: sqs.endpoint, credentials: LOCAL_CREDENTIALS });
    });
    afterAll(async () => {
      client.destroy();
      await sqs.close();
    });

    const runBatch = async (queueName: string, bodies: string[], reportBatchItemFailures = true) => {
      const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: queueName, Attributes: { VisibilityTimeout: "30" } }));
      await client.send(new SendMessageBatchCommand({ QueueUrl, Entries: bodies.map((b, i) => ({ Id: String(i), MessageBody: b })) }));
      const host = new FunctionHost(spec({ timeoutSeconds: 2 }), { maxThreads: 2 });
      const poller = new SqsPoller(
        {
          address: "m",
          queueUrl: QueueUrl!,
          queueArn: `arn:aws:sqs:us-east-1:${LOCAL_ACCOUNT_ID}:${queueName}`,
          batchSize: 10,
          batchingWindowSeconds: 1,
          maximumConcurrency: 2,
          reportBatchItemFailures,
          enabled: true,
        },
        host,
        client,
        "us-east-1",
      );
      poller.start();
      const deadline = Date.now() + 8000;
      while (
        Date.now() < deadline &&
        poller.stats.deleted + poller.stats.itemFailures < bodies.length &&
        poller.stats.failedBatches === 0
      ) {
        await new Promise((r) => setTimeout(r, 100));
      }
      await poller.stop();
      await host.close();
      const attrs = await client.send(
        new GetQueueAttributesCommand({
          QueueUrl,
          AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        }),
      );
      // Everything left is in flight (visibility 30 s); local-aws-sqs also counts in-flight messages in ApproximateNumberOfMessages.
      const left = Number(attrs.Attributes!.ApproximateNumberOfMessagesNotVisible);
      return { stats: poller.stats, left };
    };

    it("deletes the successes and keeps the reported failures (ReportBatchItemFailures)", async () => {
      const { stats, left } = await runBatch("partial", ["ok-1", "fail-1", "ok-2", "fail-2", "ok-3"]);
      expect(stats).toMatchObject({ received: 5, deleted: 3, itemFailures: 2, failedBatches: 0 });
      expect(left).toBe(2);
    });

    it("returns the whole batch when the handler throws", async () => {
      const { stats, left } = await runBatch("thrown", ["ok-1", "throw", "ok-2"]);
      expect(stats).toMatchObject({ received: 3, deleted: 0, failedBatches: 1 });
      expect(left).toBe(3);
    });

    it("returns the whole batch when the function times out", async () => {
      const { stats, left } = await runBatch("timeout", ["ok-1", "hang"]);
      expect(stats).toMatchObject({ received: 2, deleted: 0, failedBatches: 1 });
      expect(left).toBe(2);
    });

    it("invokes with the few messages a queue has at once, as SQS long polling answers on AWS (no batching window)", async () => {
      const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: "few", Attributes: { VisibilityTimeout: "30" } }));
      const host = new FunctionHost(spec({ timeoutSeconds: 2 }), { maxThreads: 2 });
      const poller = new SqsPoller(
        {
          address: "m",
          queueUrl: QueueUrl!,
          queueArn: `arn:aws:sqs:us-east-1:${LOCAL_ACCOUNT_ID}:few`,
          batchSize: 10,
          batchingWindowSeconds: 0,
          maximumConcurrency: 2,
          reportBatchItemFailures: true,
          enabled: true,
        },
        host,
        client,
        "us-east-1",
        undefined,
        { timeline: true },
      );
      try {
        await host.invoke({ probe: true }); // the environment's init is not what this measures
        poller.start();
        await new Promise((r) => setTimeout(r, 300)); // the pollers wait on an empty queue
        const sent = Date.now();
        await client.send(
          new SendMessageBatchCommand({ QueueUrl, Entries: ["ok-1", "ok-2", "ok-3"].map((b, i) => ({ Id: String(i), MessageBody: b })) }),
        );
        const deadline = Date.now() + 5000;
        while (Date.now() < deadline && poller.stats.deleted < 3) await new Promise((r) => setTimeout(r, 20));
        expect(poller.stats.deleted).toBe(3);
        // local-aws-sqs alone would hold a long poll for 10 messages until its 1 s wait ends
        expect(poller.timeline![0].invokedMs - sent).toBeLessThan(800);
      } finally {
        await poller.stop();
        await host.close();
      }
    });

    it("keeps at most maximum concurrency invocations running through a backlog, with every batch full", async () => {
      const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: "backlog", Attributes: { VisibilityTimeout: "30" } }));
      for (let i = 0; i < 60; i += 10) {
        await client.send(
          new SendMessageBatchCommand({
            QueueUrl,
            Entries: Array.from({ length: 10 }, (_, k) => ({ Id: String(k), MessageBody: `ok-${i + k}` })),
          }),
        );
      }
      const host = new FunctionHost(spec({ timeoutSeconds: 2 }), { maxThreads: 2 });
      const poller = new SqsPoller(
        {
          address: "m",
          queueUrl: QueueUrl!,
          queueArn: `arn:aws:sqs:us-east-1:${LOCAL_ACCOUNT_ID}:backlog`,
          batchSize: 10,
          batchingWindowSeconds: 0,
          maximumConcurrency: 2,
          reportBatchItemFailures: true,
          enabled: true,
        },
        host,
        client,
        "us-east-1",
        undefined,
        { timeline: true },
      );
      try {
        poller.start();
        const deadline = Date.now() + 8000;
        while (Date.now() < deadline && poller.stats.deleted < 60) await new Promise((r) => setTimeout(r, 20));
        expect(poller.stats).toMatchObject({ batches: 6, received: 60, deleted: 60, maxInFlight: 2 });
        expect(poller.timeline!.map((t) => t.records)).toEqual([10, 10, 10, 10, 10, 10]);
      } finally {
        await poller.stop();
        await host.close();
      }
    });

    it("rejects a partial batch response naming an id outside the batch, as Lambda does", () => {
      const batch = [{ messageId: "a" }, { messageId: "b" }] as never[];
      expect(failedItemIds({ batchItemFailures: [{ itemIdentifier: "b" }] }, batch)).toEqual(new Set(["b"]));
      expect(failedItemIds({ batchItemFailures: [{ itemIdentifier: "zzz" }] }, batch)).toBeUndefined();
      expect(failedItemIds({ batchItemFailures: [{ itemIdentifier: "" }] }, batch)).toBeUndefined();
      expect(failedItemIds(null, batch)).toEqual(new Set());
    });
  });
});
