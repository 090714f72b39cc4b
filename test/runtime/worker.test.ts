/**
 * The worker against real local servers (local-aws-sqs, dynalite, the Secrets Manager
 * server, the fake Genesys): outcomes, dead letters, idempotency, signatures, synthetic path.
 */
import { GetCommand, DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { PutSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { ChangeMessageVisibilityCommand, GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import {
  ContractError,
  createWorker,
  DEAD_LETTER_ATTRIBUTE,
  parseDeadLetterContext,
  PermanentError,
  RECEIPTS_TABLE,
  RetryableError,
  workerEnvironment,
  WORKER_METRICS,
  type NormalizedMessage,
  type WorkerContext,
} from "cdktf-genesys-consumer/runtime";
import {
  createPipeline,
  deliver,
  enqueue,
  outboundMessage,
  quietObservability,
  receive,
  sleep,
  startBench,
  syntheticMessage,
  type Bench,
  type Pipeline,
} from "./worker-harness";

describe("createWorker against local SQS, DynamoDB, Secrets Manager and a fake Genesys", () => {
  let bench: Bench;
  beforeAll(async () => {
    bench = await startBench();
  });
  afterAll(async () => {
    await bench.close();
  });

  function worker(
    pipeline: Pipeline,
    handle: (m: NormalizedMessage, ctx: WorkerContext) => Promise<void>,
    extra: Parameters<typeof createWorker>[0] = {},
    options: Parameters<typeof createWorker>[1] = {},
  ) {
    const { logger, metrics } = quietObservability();
    const addMetric = jest.spyOn(metrics, "addMetric");
    const handler = createWorker(
      { handle, ...extra },
      {
        contract: pipeline.contract,
        sqs: bench.sqs,
        dynamodb: bench.dynamodb,
        secretsManager: bench.secretsManager,
        logger,
        metrics,
        random: () => 0.5,
        ...options,
      },
    );
    const metricCount = (name: string) => addMetric.mock.calls.filter(([n]) => n === name).reduce((sum, [, , v]) => sum + Number(v), 0);
    return { handler, metricCount };
  }

  /**
   * A pipeline whose signing secret is `old-<name>-secret...`, and a worker that has cached it
   * (one message signed with it delivered, its text "warm-up"); `handled` lists the texts handled.
   */
  async function workerWithCachedSecret(name: string, options: Parameters<typeof createWorker>[1] = {}) {
    const secrets = { old: `old-${name}-secret-0123456789`, new: `new-${name}-secret-9876543210` };
    const arn = bench.secrets.put(`rotating-${name}-secret`, secrets.old);
    const pipeline = await createPipeline(bench, { signatureSecretArn: arn });
    const handled: string[] = [];
    const { handler } = worker(
      pipeline,
      async (m) => {
        handled.push(m.text ?? "");
      },
      {},
      options,
    );
    await enqueue(bench, pipeline, outboundMessage({ text: "warm-up" }), { secret: secrets.old });
    await deliver(bench, pipeline, handler);
    const rotate = () => bench.secretsManager.send(new PutSecretValueCommand({ SecretId: arn, SecretString: secrets.new }));
    return { pipeline, handler, handled, secrets, rotate };
  }

  it("processes a valid signed message and acknowledges it", async () => {
    // Prepare
    const pipeline = await createPipeline(bench);
    const seen: string[] = [];
    const { handler, metricCount } = worker(pipeline, async (m) => {
      seen.push(m.id);
    });
    const body = outboundMessage();
    await enqueue(bench, pipeline, body);

    // Act
    const { response } = await deliver(bench, pipeline, handler);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(seen).toEqual([body.id]);
    expect(metricCount(WORKER_METRICS.processed)).toBe(1);
  });

  it("returns exactly the failed ids of a batch with mixed outcomes", async () => {
    // Prepare
    const pipeline = await createPipeline(bench);
    const { handler } = worker(pipeline, async (m) => {
      if (m.text === "retry") throw new RetryableError("CRM busy");
      if (m.text === "permanent") throw new PermanentError("no such customer");
      if (m.text === "boom") throw new Error("unexpected");
    });
    const ok1 = await enqueue(bench, pipeline, outboundMessage({ text: "ok" }));
    const retry = await enqueue(bench, pipeline, outboundMessage({ text: "retry" }));
    const permanent = await enqueue(bench, pipeline, outboundMessage({ text: "permanent" }));
    const boom = await enqueue(bench, pipeline, outboundMessage({ text: "boom" }));
    const ok2 = await enqueue(bench, pipeline, outboundMessage({ text: "ok" }));

    // Act
    const { messages, response } = await deliver(bench, pipeline, handler);

    // Assess
    expect(messages).toHaveLength(5);
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual([retry, boom].sort());
    const dead = await receive(bench, pipeline.dlqUrl);
    expect(dead).toHaveLength(1);
    expect(parseDeadLetterContext(dead[0].MessageAttributes?.[DEAD_LETTER_ATTRIBUTE]?.StringValue)).toMatchObject({
      reason: "permanent",
      error: "PermanentError",
      message: "no such customer",
      attempts: 1,
    });
    expect([ok1, ok2, permanent]).not.toContain(response.batchItemFailures[0].itemIdentifier);
  });

  it("dead-letters on the last allowed attempt with the body, the original attributes and the context, and removes the original", async () => {
    // Prepare: two attempts allowed, no backoff so the second delivery is immediate.
    const pipeline = await createPipeline(bench, { maxReceiveCount: 2, backoffBaseSeconds: 0 });
    let calls = 0;
    const { handler, metricCount } = worker(pipeline, async () => {
      calls++;
      throw new RetryableError("downstream still failing");
    });
    const body = outboundMessage();
    await enqueue(bench, pipeline, body);

    // Act
    const first = await deliver(bench, pipeline, handler);
    const second = await deliver(bench, pipeline, handler);

    // Assess
    expect(first.response.batchItemFailures).toHaveLength(1);
    expect(second.messages[0].Attributes?.ApproximateReceiveCount).toBe("2");
    expect(second.response.batchItemFailures).toEqual([]);
    expect(calls).toBe(2);
    const dead = await receive(bench, pipeline.dlqUrl);
    expect(dead).toHaveLength(1);
    expect(dead[0].Body).toBe(JSON.stringify(body));
    expect(dead[0].MessageAttributes?.["x-request-id"]?.StringValue).toBe("req-1");
    expect(dead[0].MessageAttributes?.["X-Hub-Signature-256"]?.StringValue).toMatch(/^sha256=/);
    const context = parseDeadLetterContext(dead[0].MessageAttributes?.[DEAD_LETTER_ATTRIBUTE]?.StringValue);
    expect(context).toMatchObject({
      reason: "exhausted",
      error: "RetryableError",
      message: "downstream still failing",
      attempts: 2,
      sourceQueueArn: pipeline.queueArn,
    });
    expect(context?.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(context?.lastReceiveMs).toBeGreaterThanOrEqual(context?.firstReceiveMs ?? Infinity);
    expect(await receive(bench, pipeline.queueUrl)).toEqual([]);
    await sleep(50);
    const attrs = await bench.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: pipeline.queueUrl,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
      }),
    );
    expect(attrs.Attributes).toMatchObject({ ApproximateNumberOfMessages: "0", ApproximateNumberOfMessagesNotVisible: "0" });
    expect(metricCount(WORKER_METRICS.deadLettered)).toBe(1);
    expect(metricCount(WORKER_METRICS.retried)).toBe(1);
  });

  it("calls handle once for a duplicate delivery, sequential or concurrent", async () => {
    // Prepare: the same Genesys message delivered as two SQS messages, twice over.
    const pipeline = await createPipeline(bench);
    const handled: string[] = [];
    const { handler, metricCount } = worker(pipeline, async (m) => {
      await sleep(200);
      handled.push(m.id);
    });
    const body = outboundMessage();
    await enqueue(bench, pipeline, body);
    await enqueue(bench, pipeline, body);

    // Act: both copies in one batch (processed concurrently), then a later redelivery.
    const concurrent = await deliver(bench, pipeline, handler);
    await sleep(1100); // the copy that met the in-progress record comes back after its backoff (1 s)
    const later = await deliver(bench, pipeline, handler);
    await enqueue(bench, pipeline, body);
    const third = await deliver(bench, pipeline, handler);

    // Assess
    expect(concurrent.messages).toHaveLength(2);
    expect(concurrent.response.batchItemFailures).toHaveLength(1); // the in-progress copy is retried, not run
    expect(later.messages).toHaveLength(1);
    expect(later.response.batchItemFailures).toEqual([]);
    expect(third.response.batchItemFailures).toEqual([]);
    expect(handled).toEqual([body.id]);
    expect(metricCount(WORKER_METRICS.duplicate)).toBe(2);
  });

  it("dead-letters an invalid signature and a malformed body at once, with their reasons, never calling handle", async () => {
    // Prepare
    const pipeline = await createPipeline(bench);
    const handle = jest.fn(async () => undefined);
    const { handler, metricCount } = worker(pipeline, handle);
    const cases: [unknown, { signature?: string | null; secret?: string }, string, string][] = [
      [
        outboundMessage({ text: "wrong secret" }),
        { secret: "another-secret-entirely" },
        "invalid-signature",
        "matches neither the current nor the previous secret",
      ],
      [outboundMessage({ text: "no signature" }), { signature: null }, "invalid-signature", "no X-Hub-Signature-256 message attribute"],
      [outboundMessage({ text: "hex digest" }), { signature: "sha256=" + "ab".repeat(32) }, "invalid-signature", "matches neither"],
      ["{not json", {}, "malformed", "the body is not JSON"],
      [{ hello: "world" }, {}, "malformed", "not a NormalizedMessage"],
      [outboundMessage({ text: "bad marker", "x-synthetic": { runId: "" } }), {}, "malformed", 'invalid "x-synthetic" marker'],
    ];
    for (const [body, options] of cases) await enqueue(bench, pipeline, body, options);

    // Act
    const { response } = await deliver(bench, pipeline, handler);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(handle).not.toHaveBeenCalled();
    const dead = await receive(bench, pipeline.dlqUrl);
    const contextByBody = new Map(
      dead.map((m) => [m.Body as string, parseDeadLetterContext(m.MessageAttributes?.[DEAD_LETTER_ATTRIBUTE]?.StringValue)]),
    );
    expect(dead).toHaveLength(cases.length);
    for (const [body, , reason, message] of cases) {
      const context = contextByBody.get(typeof body === "string" ? body : JSON.stringify(body));
      expect(context).toMatchObject({ reason, attempts: 1, sourceQueueArn: pipeline.queueArn });
      expect(context?.message).toContain(message);
    }
    expect(metricCount(WORKER_METRICS.invalidSignature)).toBe(3);
    expect(metricCount(WORKER_METRICS.deadLettered)).toBe(6);
    expect(await receive(bench, pipeline.queueUrl)).toEqual([]);
  });

  it("rejects an EventBridge-shaped body on a webhook pipeline, signed or not", async () => {
    // Prepare
    const pipeline = await createPipeline(bench);
    const handle = jest.fn(async () => undefined);
    const handleEvent = jest.fn(async () => undefined);
    const { handler } = worker(pipeline, handle, { handleEvent });
    const forged = {
      version: "0",
      id: "e-1",
      "detail-type": "conversation",
      source: "aws.partner/genesys.com",
      detail: { topicName: "v2.detail.events.conversation.x.customer.start", eventBody: {} },
    };
    await enqueue(bench, pipeline, forged);
    await enqueue(bench, pipeline, forged, { signature: null });

    // Act
    const { response } = await deliver(bench, pipeline, handler);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(handle).not.toHaveBeenCalled();
    expect(handleEvent).not.toHaveBeenCalled();
    const reasons = (await receive(bench, pipeline.dlqUrl)).map((m) =>
      parseDeadLetterContext(m.MessageAttributes?.[DEAD_LETTER_ATTRIBUTE]?.StringValue),
    );
    expect(reasons.map((r) => r?.reason).sort()).toEqual(["invalid-signature", "malformed"]);
    expect(reasons.find((r) => r?.reason === "malformed")?.message).toMatch(/EventBridge-shaped body reached a webhook pipeline/);
  });

  it("verifies a message signed with a rotated (previous) secret and one signed with the new secret", async () => {
    // Prepare: a worker that cached the old secret, then a rotation.
    const { pipeline, handler, handled, secrets, rotate } = await workerWithCachedSecret("value");
    await rotate();

    // Act: signed with the new secret (a cache miss triggers one reload), then with the previous one.
    await enqueue(bench, pipeline, outboundMessage({ text: "new" }), { secret: secrets.new });
    const afterRotation = await deliver(bench, pipeline, handler);
    await enqueue(bench, pipeline, outboundMessage({ text: "previous" }), { secret: secrets.old });
    const previous = await deliver(bench, pipeline, handler);

    // Assess
    expect(afterRotation.response.batchItemFailures).toEqual([]);
    expect(previous.response.batchItemFailures).toEqual([]);
    expect(handled).toEqual(["warm-up", "new", "previous"]);
    expect(await receive(bench, pipeline.dlqUrl)).toEqual([]);
  });

  it("after a rotation, every record of a batch signed with the new secret waits for the one reload its misses cause", async () => {
    // Prepare: a worker that cached the old secret, then a rotation, then a batch of five.
    const { pipeline, handler, handled, secrets, rotate } = await workerWithCachedSecret("batch");
    await rotate();
    for (let i = 0; i < 5; i++) await enqueue(bench, pipeline, outboundMessage({ text: `new-${i}` }), { secret: secrets.new });
    const before = bench.secrets.getCount;

    // Act: the five records are checked at once; before, only the first one waited for the reload.
    const { response } = await deliver(bench, pipeline, handler);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(handled.sort()).toEqual(["new-0", "new-1", "new-2", "new-3", "new-4", "warm-up"]);
    expect(bench.secrets.getCount - before).toBe(2); // one reload: AWSCURRENT and AWSPREVIOUS
    expect(await receive(bench, pipeline.dlqUrl)).toEqual([]);
  });

  it("puts back, rather than dead-letters, a message it cannot check because the secret was reloaded moments ago", async () => {
    // Prepare: a forged request makes the worker reload, then the secret rotates within the reload interval.
    const { pipeline, handler, handled, secrets, rotate } = await workerWithCachedSecret("floor", {
      random: () => 0,
      secretRefreshMinIntervalSeconds: 1,
    });
    await sleep(1100);
    await enqueue(bench, pipeline, outboundMessage({ text: "forged" }), { secret: "forged-floor-secret-xxxxxxxx" });
    await deliver(bench, pipeline, handler); // reloads, and the forged request is dead-lettered
    await rotate();
    const genuine = await enqueue(bench, pipeline, outboundMessage({ text: "genuine" }), { secret: secrets.new });

    // Act: checked within the reload interval, then again once it has passed.
    const within = await deliver(bench, pipeline, handler);
    await sleep(1100);
    const after = await deliver(bench, pipeline, handler);

    // Assess
    expect(within.response.batchItemFailures).toEqual([{ itemIdentifier: genuine }]);
    expect(after.messages.map((m) => m.MessageId)).toEqual([genuine]);
    expect(after.response.batchItemFailures).toEqual([]);
    expect(handled).toEqual(["warm-up", "genuine"]);
    const reasons = (await receive(bench, pipeline.dlqUrl)).map((m) =>
      parseDeadLetterContext(m.MessageAttributes?.[DEAD_LETTER_ATTRIBUTE]?.StringValue),
    );
    expect(reasons.map((r) => r?.reason)).toEqual(["invalid-signature"]); // the forged one only
  });

  it("reloads the secret at most once per interval under a flood of bad signatures", async () => {
    // Prepare
    const pipeline = await createPipeline(bench);
    const { handler } = worker(pipeline, async () => undefined);
    for (let i = 0; i < 8; i++) await enqueue(bench, pipeline, outboundMessage(), { secret: `forged-secret-${i}-xxxxxxxx` });
    const before = bench.secrets.getCount;

    // Act
    await deliver(bench, pipeline, handler);

    // Assess: the first load (2 calls: AWSCURRENT, AWSPREVIOUS) plus one reload (2 calls).
    expect(bench.secrets.getCount - before).toBeLessThanOrEqual(4);
    expect(await receive(bench, pipeline.dlqUrl)).toHaveLength(8);
  });

  it("runs synthetic messages through idempotency and receipts, never through handle", async () => {
    // Prepare (synthetic calls made for real, so the fake Genesys counts the effect)
    const pipeline = await createPipeline(bench, { syntheticDownstream: "call", syntheticDownstreamTarget: "the test's fake Genesys" });
    const handle = jest.fn(async () => undefined);
    const synthetic: string[] = [];
    const { handler } = worker(pipeline, handle, {
      async handleSynthetic(m, ctx) {
        synthetic.push(m.id);
        await ctx.genesys.sendReceipt(m.channel.id as string, {
          id: m.id,
          channel: { to: m.channel.to },
          status: "Delivered",
          direction: "Outbound",
        });
      },
    });
    const runId = `run-${Date.now()}`;
    const body = syntheticMessage({ runId, seq: 7, plannedSendMs: Date.now(), workMs: 20 });
    await enqueue(bench, pipeline, body);
    await enqueue(bench, pipeline, body); // a duplicate delivery of the same message

    // Act
    const first = await deliver(bench, pipeline, handler, 1);
    const second = await deliver(bench, pipeline, handler, 1);

    // Assess
    expect(first.response.batchItemFailures).toEqual([]);
    expect(second.response.batchItemFailures).toEqual([]);
    expect(handle).not.toHaveBeenCalled();
    expect(synthetic).toEqual([body.id]);
    expect(bench.genesys.effects(body.id as string)).toBe(1);
    const documents = DynamoDBDocumentClient.from(bench.dynamodb);
    const receipt = (
      await documents.send(
        new GetCommand({
          TableName: pipeline.contract.receiptsTable,
          Key: { [RECEIPTS_TABLE.partitionKey]: runId, [RECEIPTS_TABLE.sortKey]: 7 },
        }),
      )
    ).Item;
    expect(receipt).toMatchObject({ runId, seq: 7, deliveries: 2, effects: 1, outcome: "processed", attempts: 1 });
    expect(receipt?.doneMs).toBeGreaterThanOrEqual(receipt?.firstReceiveMs);
  });

  it("quarantines an exhausted poison synthetic message and writes a dead-lettered receipt", async () => {
    // Prepare
    const pipeline = await createPipeline(bench, { maxReceiveCount: 2, backoffBaseSeconds: 0 });
    const handle = jest.fn(async () => undefined);
    const { handler } = worker(pipeline, handle);
    const runId = `run-${Date.now()}`;
    await enqueue(bench, pipeline, syntheticMessage({ runId, seq: 1, plannedSendMs: Date.now(), fault: { kind: "poison" } }));
    await enqueue(
      bench,
      pipeline,
      syntheticMessage({ runId, seq: 2, plannedSendMs: Date.now(), fault: { kind: "transient", attempts: 1 } }),
    );

    // Act
    const first = await deliver(bench, pipeline, handler);
    const second = await deliver(bench, pipeline, handler);

    // Assess
    expect(first.response.batchItemFailures).toHaveLength(2);
    expect(second.response.batchItemFailures).toEqual([]);
    expect(handle).not.toHaveBeenCalled();
    const quarantined = await receive(bench, pipeline.quarantineUrl);
    expect(quarantined).toHaveLength(1);
    expect(parseDeadLetterContext(quarantined[0].MessageAttributes?.[DEAD_LETTER_ATTRIBUTE]?.StringValue)).toMatchObject({
      reason: "exhausted",
      error: "SyntheticPoisonError",
      attempts: 2,
    });
    expect(await receive(bench, pipeline.dlqUrl)).toEqual([]);
    const documents = DynamoDBDocumentClient.from(bench.dynamodb);
    const get = async (seq: number) =>
      (await documents.send(new GetCommand({ TableName: pipeline.contract.receiptsTable, Key: { runId, seq } }))).Item;
    expect(await get(1)).toMatchObject({ outcome: "dead-lettered", reason: "exhausted", attempts: 2, deliveries: 1, effects: 0 });
    expect(await get(2)).toMatchObject({ outcome: "processed", attempts: 2, deliveries: 1, effects: 1 });
  });

  it("keeps FIFO order within a group under failure", async () => {
    // Prepare
    const pipeline = await createPipeline(bench, { fifo: true, backoffBaseSeconds: 0 });
    const order: string[] = [];
    let failOnce = true;
    const { handler } = worker(pipeline, async (m) => {
      if (m.text === "a2" && failOnce) {
        failOnce = false;
        throw new RetryableError("first try of a2 fails");
      }
      order.push(m.text as string);
    });
    const ids: Record<string, string> = {};
    for (const [text, group] of [
      ["a1", "A"],
      ["a2", "A"],
      ["b1", "B"],
      ["a3", "A"],
      ["b2", "B"],
    ]) {
      ids[text] = await enqueue(bench, pipeline, outboundMessage({ text }), { groupId: group });
    }

    // Act
    const first = await deliver(bench, pipeline, handler);
    const second = await deliver(bench, pipeline, handler);

    // Assess
    expect(first.messages).toHaveLength(5);
    expect(first.response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([ids.a2, ids.a3]);
    expect(second.messages.map((m) => JSON.parse(m.Body as string).text)).toEqual(["a2", "a3"]);
    expect(second.response.batchItemFailures).toEqual([]);
    expect(order.filter((t) => t.startsWith("a"))).toEqual(["a1", "a2", "a3"]);
    expect(order.filter((t) => t.startsWith("b"))).toEqual(["b1", "b2"]);
  });

  it("opens the circuit breaker after repeated downstream failures and stops calling the downstream", async () => {
    // Prepare
    const pipeline = await createPipeline(bench);
    bench.genesys.reset();
    bench.genesys.failNext(100, 503);
    const { logger, metrics } = quietObservability();
    const addMetric = jest.spyOn(metrics, "addMetric");
    const handler = createWorker(
      {
        async handle(m, ctx) {
          await ctx.genesys.sendReceipt(m.channel.id as string, { id: m.id, status: "Delivered" });
        },
      },
      {
        contract: pipeline.contract,
        sqs: bench.sqs,
        dynamodb: bench.dynamodb,
        secretsManager: bench.secretsManager,
        logger,
        metrics,
        concurrency: 1,
        breaker: { consecutiveFailures: 2, halfOpenAfterSeconds: 30 },
      },
    );
    for (let i = 0; i < 5; i++) await enqueue(bench, pipeline, outboundMessage());

    // Act
    const { response } = await deliver(bench, pipeline, handler);

    // Assess
    expect(response.batchItemFailures).toHaveLength(5);
    expect(bench.genesys.stats()).toMatchObject({ requests: 2, failed: 2, accepted: 0 });
    expect(addMetric.mock.calls.filter(([n]) => n === WORKER_METRICS.circuitOpen)).toHaveLength(3);
    bench.genesys.reset();
  });

  it("rate-limits ctx.downstream(name) as the downstreams option sets it, and leaves other names unlimited", async () => {
    // Prepare: "crm" allows one call (burst 1, a token a minute, no waiting); "audit" is not configured.
    const pipeline = await createPipeline(bench);
    const calls: string[] = [];
    const { handler } = worker(
      pipeline,
      async (m, ctx) => {
        await ctx.downstream("audit").call(async () => calls.push(`audit:${m.text}`));
        await ctx.downstream("crm").call(async () => calls.push(`crm:${m.text}`));
      },
      {},
      { concurrency: 1, random: () => 0, downstreams: { crm: { ratePerSecond: 1 / 60, burst: 1, maxWaitMs: 0 } } },
    );
    await enqueue(bench, pipeline, outboundMessage({ text: "a" }));
    const second = await enqueue(bench, pipeline, outboundMessage({ text: "b" }));
    const send = jest.spyOn(bench.sqs, "send");

    // Act
    const { messages, response } = await deliver(bench, pipeline, handler);

    // Assess: the second message goes back on the queue for the token's minute instead of calling "crm".
    expect(messages).toHaveLength(2);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: second }]);
    expect(calls).toEqual(["audit:a", "crm:a", "audit:b"]);
    const delays = send.mock.calls
      .map(([c]) => c as unknown)
      .filter((c): c is ChangeMessageVisibilityCommand => c instanceof ChangeMessageVisibilityCommand);
    send.mockRestore();
    expect(delays.map((c) => c.input.VisibilityTimeout)).toEqual([60]);
  });

  it("processes an Event Streams event on an eventStreams pipeline, without a signature, once per event id", async () => {
    // Prepare
    const pipeline = await createPipeline(bench, { ingressKind: "eventStreams", signatureSecretArn: undefined });
    const events: string[] = [];
    const { logger, metrics } = quietObservability();
    const handler = createWorker(
      {
        async handleEvent(event) {
          events.push(`${event.detail.topicName}/${event.detail.metadata?.CorrelationId}`);
        },
      },
      { contract: pipeline.contract, sqs: bench.sqs, dynamodb: bench.dynamodb, secretsManager: bench.secretsManager, logger, metrics },
    );
    const event = {
      version: "0",
      id: "5e7b2a4c-0000-4000-8000-000000000001",
      "detail-type": "v2.detail.events.conversation.{id}.customer.start",
      source: "aws.partner/genesys.com/cloud/org/suffix",
      account: "123456789012",
      time: new Date().toISOString(),
      region: "us-east-1",
      resources: [],
      detail: {
        topicName: "v2.detail.events.conversation.c1.customer.start",
        version: "2",
        eventBody: { conversationId: "c1" },
        metadata: { CorrelationId: "corr-1" },
      },
    };
    await enqueue(bench, pipeline, event, { signature: null });
    await enqueue(bench, pipeline, event, { signature: null });
    await enqueue(bench, pipeline, outboundMessage(), { signature: null });

    // Act
    const first = await deliver(bench, pipeline, handler, 1);
    const rest = await deliver(bench, pipeline, handler);

    // Assess
    expect(first.response.batchItemFailures).toEqual([]);
    expect(rest.response.batchItemFailures).toEqual([]);
    expect(events).toEqual(["v2.detail.events.conversation.c1.customer.start/corr-1"]);
    const dead = await receive(bench, pipeline.dlqUrl);
    expect(dead.map((m) => parseDeadLetterContext(m.MessageAttributes?.[DEAD_LETTER_ATTRIBUTE]?.StringValue)?.reason)).toEqual([
      "malformed",
    ]);
  });

  it("uses the standard AWS_ENDPOINT_URL_* variables when no clients are injected (as in the local emulator)", async () => {
    // Prepare
    const pipeline = await createPipeline(bench);
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SQS: bench.endpoints.sqs,
      AWS_ENDPOINT_URL_DYNAMODB: bench.endpoints.dynamodb,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: bench.endpoints.secretsManager,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
    });
    const seen: string[] = [];
    try {
      const { logger, metrics } = quietObservability();
      const handler = createWorker(
        {
          async handle(m) {
            seen.push(m.id);
          },
        },
        { env: workerEnvironment(pipeline.contract), logger, metrics },
      );
      await enqueue(bench, pipeline, outboundMessage({ text: "ok" }));
      await enqueue(bench, pipeline, "{not json");

      // Act
      const { response } = await deliver(bench, pipeline, handler);

      // Assess: the signature (Secrets Manager), idempotency (DynamoDB) and the dead letter (SQS) all went through the variables.
      expect(response.batchItemFailures).toEqual([]);
      expect(seen).toHaveLength(1);
      expect(await receive(bench, pipeline.dlqUrl)).toHaveLength(1);
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });

  it("fails at creation with an error naming each bad variable", () => {
    const env = workerEnvironment({ ingressKind: "webhook", queueUrl: "not a url", maxReceiveCount: 0, idempotencyTable: "t" });
    expect(() => createWorker({ handle: async () => undefined }, { env })).toThrow(ContractError);
    expect(() => createWorker({ handle: async () => undefined }, { env })).toThrow(/GCX_QUEUE_URL="not a url" is invalid/);
    expect(() => createWorker({ handle: async () => undefined }, { env })).toThrow(/GCX_QUEUE_ARN is missing/);
    expect(() => createWorker({ handle: async () => undefined }, { env })).toThrow(/GCX_MAX_RECEIVE_COUNT="0" is invalid/);
  });

  it("fails at creation when the handler the ingress kind needs is missing", () => {
    const contract = {
      ingressKind: "eventStreams",
      queueUrl: "http://q",
      queueArn: "arn",
      dlqUrl: "http://d",
      quarantineQueueUrl: "http://q2",
      maxReceiveCount: 3,
      idempotencyTable: "t",
    } as const;
    expect(() => createWorker({ handle: async () => undefined }, { contract })).toThrow(
      "createWorker: an eventStreams pipeline (GCX_INGRESS_KIND=eventStreams) needs handlers.handleEvent(event, ctx)",
    );
  });
});
