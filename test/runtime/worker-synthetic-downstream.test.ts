/**
 * What a worker's downstream calls do, by message kind and declaration, against real local
 * servers (local-aws-sqs, dynalite, the Secrets Manager server, the fake Genesys, a counting
 * HTTP server standing for a CRM): synthetic calls simulated by default, made for real only
 * when the stack opts in and names the target; `ctx.genesys` without declared credentials
 * failing at its first use, not at cold start.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { GetCommand, DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { CreateSecretCommand } from "@aws-sdk/client-secrets-manager";
import {
  ContractError,
  createWorker,
  DEAD_LETTER_ATTRIBUTE,
  missingWorkerSettings,
  parseDeadLetterContext,
  parseWorkerContract,
  workerEnvironment,
  WORKER_CONTRACT,
  WORKER_METRICS,
  type NormalizedMessage,
  type WorkerContext,
  type WorkerHandlers,
} from "cdktf-genesys-consumer/runtime";
import {
  createPipeline,
  deliver,
  enqueue,
  outboundMessage,
  quietObservability,
  receive,
  startBench,
  syntheticMessage,
  type Bench,
  type Pipeline,
} from "./worker-harness";

/** A local HTTP server answering 200 and counting the requests it received. */
async function countingServer(): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let requests = 0;
  const server: Server = createServer((req, res) => {
    requests++;
    req.resume();
    res.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/tickets`,
    requests: () => requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe("a worker's downstream calls, by message kind and by what the stack declared", () => {
  let bench: Bench;
  let crm: Awaited<ReturnType<typeof countingServer>>;
  beforeAll(async () => {
    [bench, crm] = await Promise.all([startBench(), countingServer()]);
  });
  afterAll(async () => {
    await Promise.all([bench.close(), crm.close()]);
  });
  beforeEach(() => bench.genesys.reset());

  /** Acknowledges through Genesys, then posts to the CRM: what the demo and a CRM handler do. */
  const acknowledgeAndPost = async (m: NormalizedMessage, ctx: WorkerContext) => {
    await ctx.genesys.sendReceipt(m.channel.id as string, {
      id: m.id,
      channel: { to: m.channel.to },
      status: "Delivered",
      direction: "Outbound",
    });
    await ctx.downstream("crm").fetch(crm.url, { method: "POST", body: JSON.stringify({ id: m.id }) });
  };

  function worker(pipeline: Pipeline, handlers: WorkerHandlers, options: Parameters<typeof createWorker>[1] = {}) {
    const { logger, metrics } = quietObservability();
    const addMetric = jest.spyOn(metrics, "addMetric");
    const handler = createWorker(handlers, {
      contract: pipeline.contract,
      sqs: bench.sqs,
      dynamodb: bench.dynamodb,
      secretsManager: bench.secretsManager,
      logger,
      metrics,
      random: () => 0,
      ...options,
    });
    const metricCount = (name: string) => addMetric.mock.calls.filter(([n]) => n === name).reduce((sum, [, , v]) => sum + Number(v), 0);
    return { handler, metricCount };
  }

  const marker = (seq: number, runId = `run-${Date.now()}-${seq}`) => ({ runId, seq, plannedSendMs: Date.now() });

  it("by default simulates a synthetic message's Genesys and fetch calls (202, no network) while a real message calls both", async () => {
    // Prepare
    const pipeline = await createPipeline(bench);
    const { handler, metricCount } = worker(pipeline, { handle: acknowledgeAndPost, handleSynthetic: acknowledgeAndPost });
    const synthetic = syntheticMessage(marker(1));
    await enqueue(bench, pipeline, synthetic);
    const crmBefore = crm.requests();

    // Act
    const { response } = await deliver(bench, pipeline, handler);

    // Assess: processed, receipt written, nothing reached Genesys or the CRM
    expect(response.batchItemFailures).toEqual([]);
    expect(bench.genesys.stats()).toMatchObject({ requests: 0, tokensIssued: 0 });
    expect(crm.requests()).toBe(crmBefore);
    expect(metricCount(WORKER_METRICS.syntheticCallsSimulated)).toBe(2);
    expect(metricCount(WORKER_METRICS.syntheticCallsMade)).toBe(0);
    const documents = DynamoDBDocumentClient.from(bench.dynamodb);
    const { runId, seq } = synthetic["x-synthetic"] as { runId: string; seq: number };
    expect((await documents.send(new GetCommand({ TableName: pipeline.contract.receiptsTable, Key: { runId, seq } }))).Item).toMatchObject({
      outcome: "processed",
      effects: 1,
    });

    // Act: a real message through the same worker
    await enqueue(bench, pipeline, outboundMessage());
    const real = await deliver(bench, pipeline, handler);

    // Assess
    expect(real.response.batchItemFailures).toEqual([]);
    expect(bench.genesys.stats().accepted).toBe(1);
    expect(crm.requests()).toBe(crmBefore + 1);
  });

  it("spends the same rate-limit budget for a simulated call as for a real one", async () => {
    // Prepare: one token a minute, no waiting; a real message then a synthetic one, one at a time
    const pipeline = await createPipeline(bench, { downstreamRatePerSecond: 1 / 60, downstreamBurst: 1 });
    const { handler, metricCount } = worker(
      pipeline,
      { handle: acknowledgeAndPost, handleSynthetic: acknowledgeAndPost },
      { concurrency: 1 },
    );
    await enqueue(bench, pipeline, outboundMessage());
    const synthetic = await enqueue(bench, pipeline, syntheticMessage(marker(2)));

    // Act
    const { messages, response } = await deliver(bench, pipeline, handler);

    // Assess: the synthetic message found the bucket empty and went back on the queue, throttled
    expect(messages).toHaveLength(2);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: synthetic }]);
    expect(metricCount(WORKER_METRICS.syntheticCallsSimulated)).toBe(0);
    expect(bench.genesys.stats().accepted).toBe(1);
  });

  it("refuses ctx.downstream(name).call(fn) for a synthetic message in simulate mode, quarantining it with an error naming the opt-in", async () => {
    // Prepare
    const pipeline = await createPipeline(bench);
    const ran = jest.fn(async () => "done");
    const { handler } = worker(pipeline, {
      handle: async () => undefined,
      async handleSynthetic(_m, ctx) {
        await ctx.downstream("servicenow").call(ran);
      },
    });
    await enqueue(bench, pipeline, syntheticMessage(marker(3)));

    // Act
    const { response } = await deliver(bench, pipeline, handler);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(ran).not.toHaveBeenCalled();
    const [quarantined] = await receive(bench, pipeline.quarantineUrl);
    const context = parseDeadLetterContext(quarantined.MessageAttributes?.[DEAD_LETTER_ATTRIBUTE]?.StringValue);
    expect(context).toMatchObject({ reason: "permanent", error: "SimulatedCallRefusedError", attempts: 1 });
    expect(context?.message).toContain(
      'ctx.downstream("servicenow").call(fn) cannot be simulated for a synthetic message (GCX_SYNTHETIC_DOWNSTREAM=simulate)',
    );
    expect(context?.message).toContain('synthetic: { downstream: "call", target: "<what it calls>" }');
  });

  it("with call-genesys makes a synthetic message's Genesys calls for real and simulates the others; with call, makes both", async () => {
    // Prepare
    const genesysOnly = await createPipeline(bench, {
      syntheticDownstream: "call-genesys",
      syntheticDownstreamTarget: "Genesys sandbox org acme-test",
    });
    const all = await createPipeline(bench, {
      syntheticDownstream: "call",
      syntheticDownstreamTarget: "Genesys sandbox org acme-test and the CRM sandbox",
    });
    const first = worker(genesysOnly, { handle: acknowledgeAndPost, handleSynthetic: acknowledgeAndPost });
    const second = worker(all, { handle: acknowledgeAndPost, handleSynthetic: acknowledgeAndPost });
    await enqueue(bench, genesysOnly, syntheticMessage(marker(4)));
    await enqueue(bench, all, syntheticMessage(marker(5)));
    const crmBefore = crm.requests();

    // Act
    const a = await deliver(bench, genesysOnly, first.handler);
    const genesysAfterFirst = bench.genesys.stats().accepted;
    const crmAfterFirst = crm.requests();
    const b = await deliver(bench, all, second.handler);

    // Assess
    expect(a.response.batchItemFailures).toEqual([]);
    expect(b.response.batchItemFailures).toEqual([]);
    expect(genesysAfterFirst).toBe(1);
    expect(crmAfterFirst).toBe(crmBefore);
    expect(first.metricCount(WORKER_METRICS.syntheticCallsSimulated)).toBe(1);
    expect(first.metricCount(WORKER_METRICS.syntheticCallsMade)).toBeGreaterThanOrEqual(1);
    expect(bench.genesys.stats().accepted).toBe(2);
    expect(crm.requests()).toBe(crmBefore + 1);
    expect(second.metricCount(WORKER_METRICS.syntheticCallsSimulated)).toBe(0);
  });

  it("without declared Genesys credentials starts and processes messages that do not call Genesys, and fails the first ctx.genesys call with the prop to set", async () => {
    // Prepare: no GCX_GENESYS_CREDENTIALS_SECRET_ARN; two attempts allowed, no backoff
    const pipeline = await createPipeline(bench, { genesysCredentialsSecretArn: undefined, maxReceiveCount: 2, backoffBaseSeconds: 0 });
    const { handler } = worker(pipeline, {
      async handle(m, ctx) {
        if (m.text === "no genesys") return;
        await ctx.genesys.sendReceipt(m.channel.id as string, { id: m.id, status: "Delivered" });
      },
    });
    await enqueue(bench, pipeline, outboundMessage({ text: "no genesys" }));
    const calling = await enqueue(bench, pipeline, outboundMessage({ text: "acknowledge" }));

    // Act
    const first = await deliver(bench, pipeline, handler);
    const second = await deliver(bench, pipeline, handler);

    // Assess: the other message is processed; the calling one is exhausted with the named error, nothing reached Genesys
    expect(first.response.batchItemFailures).toEqual([{ itemIdentifier: calling }]);
    expect(second.response.batchItemFailures).toEqual([]);
    expect(bench.genesys.stats()).toMatchObject({ requests: 0, tokensIssued: 0 });
    const [dead] = await receive(bench, pipeline.dlqUrl);
    const context = parseDeadLetterContext(dead.MessageAttributes?.[DEAD_LETTER_ATTRIBUTE]?.StringValue);
    expect(context).toMatchObject({ reason: "exhausted", error: "GenesysNotConfiguredError", attempts: 2 });
    expect(context?.message).toContain(
      "the handler called ctx.genesys but the stack declared no Genesys credentials (GCX_GENESYS_CREDENTIALS_SECRET_ARN is not set)",
    );
    expect(context?.message).toContain("genesys: { createCredentialsSecret: true }");
  });

  it("with a declared secret the team has not filled yet, the error names the secret and the command that fills it", async () => {
    // Prepare: a secret created without a value, as GenesysCredentialsSecret leaves it
    const created = await bench.secretsManager.send(new CreateSecretCommand({ Name: `unfilled-${Date.now()}` }));
    const pipeline = await createPipeline(bench, { genesysCredentialsSecretArn: created.ARN, maxReceiveCount: 1 });
    const { handler } = worker(pipeline, { handle: acknowledgeAndPost });
    await enqueue(bench, pipeline, outboundMessage());

    // Act
    await deliver(bench, pipeline, handler);

    // Assess
    const [dead] = await receive(bench, pipeline.dlqUrl);
    const context = parseDeadLetterContext(dead.MessageAttributes?.[DEAD_LETTER_ATTRIBUTE]?.StringValue);
    expect(context).toMatchObject({ reason: "exhausted", attempts: 1 });
    expect(context?.message).toContain(
      `secret ${created.ARN} has no value (Secrets Manager can't find the specified secret value for staging label: AWSCURRENT): put the Genesys OAuth client credentials in it, e.g. aws secretsmanager put-secret-value --secret-id ${created.ARN}`,
    );
    expect(bench.genesys.stats().requests).toBe(0);
  });
});

describe("the synthetic downstream settings of the contract", () => {
  const base = workerEnvironment({
    ingressKind: "webhook",
    queueUrl: "https://sqs.eu-west-1.amazonaws.com/123456789012/q",
    queueArn: "arn:aws:sqs:eu-west-1:123456789012:q",
    dlqUrl: "https://sqs.eu-west-1.amazonaws.com/123456789012/dlq",
    quarantineQueueUrl: "https://sqs.eu-west-1.amazonaws.com/123456789012/quarantine",
    maxReceiveCount: 5,
    signatureSecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:s",
    idempotencyTable: "idempotency",
    receiptsTable: "receipts",
  });

  it("defaults to simulate, and refuses a mode that calls for real without a named target", () => {
    expect(parseWorkerContract(base).syntheticDownstream).toBe("simulate");
    expect(() => parseWorkerContract({ ...base, [WORKER_CONTRACT.syntheticDownstream.env]: "call" })).toThrow(ContractError);
    expect(() => parseWorkerContract({ ...base, [WORKER_CONTRACT.syntheticDownstream.env]: "call-genesys" })).toThrow(
      "GCX_SYNTHETIC_DOWNSTREAM_TARGET is missing (required when GCX_SYNTHETIC_DOWNSTREAM=call-genesys: name what synthetic messages call for real)",
    );
    expect(
      parseWorkerContract({
        ...base,
        [WORKER_CONTRACT.syntheticDownstream.env]: "call",
        [WORKER_CONTRACT.syntheticDownstreamTarget.env]: "CRM sandbox",
      }),
    ).toMatchObject({
      syntheticDownstream: "call",
      syntheticDownstreamTarget: "CRM sandbox",
    });
    expect(() => parseWorkerContract({ ...base, [WORKER_CONTRACT.syntheticDownstream.env]: "sometimes" })).toThrow(
      /GCX_SYNTHETIC_DOWNSTREAM="sometimes" is invalid/,
    );
  });

  it("missingWorkerSettings names each setting a declared capability lacks, with its fix", () => {
    expect(missingWorkerSettings(base, ["synthetic"])).toEqual([]);
    expect(missingWorkerSettings(base, ["genesys"])).toEqual([
      expect.stringMatching(
        /^GCX_GENESYS_CREDENTIALS_SECRET_ARN \(the handler uses genesys: declare the Genesys credentials on the worker: genesys: \{ createCredentialsSecret: true \}/,
      ),
    ]);
    expect(
      missingWorkerSettings({ ...base, [WORKER_CONTRACT.genesysCredentialsSecretArn.env]: "${aws_secretsmanager_secret.x.arn}" }, [
        "genesys",
      ]),
    ).toEqual([]);
    const { [WORKER_CONTRACT.receiptsTable.env]: _receipts, [WORKER_CONTRACT.queueUrl.env]: _queue, ...without } = base;
    expect(missingWorkerSettings(without, ["synthetic"])).toEqual([
      expect.stringMatching(/^GCX_QUEUE_URL \(/),
      expect.stringMatching(/^GCX_RECEIPTS_TABLE \(the handler uses synthetic: /),
    ]);
    expect(missingWorkerSettings({ ...base, [WORKER_CONTRACT.syntheticDownstream.env]: "call" }, [])).toEqual([
      "GCX_SYNTHETIC_DOWNSTREAM_TARGET (required when GCX_SYNTHETIC_DOWNSTREAM=call)",
    ]);
  });
});
