/**
 * The replay window against real local servers: a signed body is judged on its signed
 * `channel.time` against the time SQS first received it (SentTimestamp, carried across
 * redrives), never against the clock: a replay is dead-lettered as `stale`, a backlog is not,
 * and a dead letter redriven an hour later (one by one or by a move task) is processed.
 */
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { ReceiveMessageCommand, type Message } from "@aws-sdk/client-sqs";
import type { SQSEvent, SQSRecord } from "aws-lambda";
import {
  createWorker,
  DEAD_LETTER_ATTRIBUTE,
  FIRST_SENT_ATTRIBUTE,
  parseDeadLetterContext,
  PermanentError,
  SIGNATURE_HEADER,
  type NormalizedMessage,
} from "cdktf-genesys-consumer/runtime";
import { redriveAll, redriveSelected } from "../../lib/ops/dlq";
import { toSqsRecord } from "../../lib/local/sqs-records";
import {
  createPipeline,
  enqueue,
  lambdaContext,
  outboundMessage,
  quietObservability,
  receive,
  REGION,
  startBench,
  syntheticMessage,
  type Bench,
  type Pipeline,
} from "./worker-harness";

const HOUR_MS = 3_600_000;

/** A message whose signed channel.time is `time` (undefined: no time at all). */
function signedAt(time: string | undefined, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const message = outboundMessage(overrides);
  const channel = { ...(message.channel as Record<string, unknown>) };
  if (time === undefined) delete channel.time;
  else channel.time = time;
  return { ...message, channel };
}

const iso = (ms: number) => new Date(ms).toISOString();
const contextOf = (m: Message) => parseDeadLetterContext(m.MessageAttributes?.[DEAD_LETTER_ATTRIBUTE]?.StringValue);

describe("the worker's replay window (signed time vs the time SQS first received the message)", () => {
  let bench: Bench;
  beforeAll(async () => {
    bench = await startBench();
  });
  afterAll(async () => {
    await bench.close();
  });

  function worker(pipeline: Pipeline, handle: (m: NormalizedMessage) => Promise<void>) {
    const { logger, metrics } = quietObservability();
    return createWorker(
      { handle },
      {
        contract: pipeline.contract,
        sqs: bench.sqs,
        dynamodb: bench.dynamodb,
        secretsManager: bench.secretsManager,
        logger,
        metrics,
        random: () => 0.5,
      },
    );
  }

  /** Reads a queue's messages without hiding them (visibility 0). */
  async function peek(url: string): Promise<Message[]> {
    const out = await bench.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 0,
        AttributeNames: ["All"],
        MessageAttributeNames: ["All"],
        WaitTimeSeconds: 0,
      }),
    );
    // local-aws-sqs may hand a message visible again at once twice in one answer.
    return [...new Map((out.Messages ?? []).map((m) => [m.MessageId, m])).values()];
  }

  /** Receives one batch, lets `mutate` change each record (as SQS would have set it), and invokes the handler. */
  async function deliverAs(pipeline: Pipeline, handler: ReturnType<typeof worker>, mutate: (record: SQSRecord) => void = () => undefined) {
    const messages = await receive(bench, pipeline.queueUrl);
    const event: SQSEvent = { Records: messages.map((m) => toSqsRecord(m, pipeline.queueArn, REGION)) };
    event.Records.forEach(mutate);
    const response = await handler(event, lambdaContext());
    return { messages, response };
  }

  it("dead-letters a body whose signed time is older than the window vs its SentTimestamp as stale, and processes one inside it", async () => {
    // Prepare
    const pipeline = await createPipeline(bench);
    const handled: string[] = [];
    const handler = worker(pipeline, async (m) => {
      handled.push(m.text as string);
    });
    const now = Date.now();
    await enqueue(bench, pipeline, signedAt(iso(now - 16 * 60_000), { text: "replayed after 16 min" }));
    await enqueue(bench, pipeline, signedAt(iso(now - 14 * 60_000), { text: "14 min old" }));

    // Act
    const { messages, response } = await deliverAs(pipeline, handler);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(handled).toEqual(["14 min old"]);
    const [dead] = await receive(bench, pipeline.dlqUrl);
    const sent = messages.find((m) => JSON.parse(m.Body as string).text === "replayed after 16 min") as Message;
    expect(dead.Body).toBe(sent.Body);
    expect(dead.MessageAttributes?.[SIGNATURE_HEADER]?.StringValue).toBe(sent.MessageAttributes?.[SIGNATURE_HEADER]?.StringValue);
    const context = contextOf(dead);
    expect(context).toMatchObject({
      reason: "stale",
      error: "StaleSignedTimeError",
      attempts: 1,
      firstSentMs: Number(sent.Attributes?.SentTimestamp),
      sourceQueueArn: pipeline.queueArn,
    });
    expect(context?.message).toMatch(
      /^the signed channel\.time \S+ is 9\d\d s older than the time SQS first received the message \(\S+\), more than the 900 s replay window$/,
    );
    expect(await receive(bench, pipeline.queueUrl)).toEqual([]);
  });

  it("processes a backlog: signed and received by SQS an hour ago, processed now", async () => {
    // Prepare
    const pipeline = await createPipeline(bench);
    const handled: string[] = [];
    const handler = worker(pipeline, async (m) => {
      handled.push(m.text as string);
    });
    const receivedMs = Date.now() - HOUR_MS;
    await enqueue(bench, pipeline, signedAt(iso(receivedMs - 2_000), { text: "waited an hour in the queue" }));

    // Act: SQS received it an hour ago (an outage since); the worker sees it now.
    const { response } = await deliverAs(pipeline, handler, (r) => (r.attributes.SentTimestamp = String(receivedMs)));

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(handled).toEqual(["waited an hour in the queue"]);
    expect(await receive(bench, pipeline.dlqUrl)).toEqual([]);
  });

  it("dead-letters a missing, an unparseable and a far-ahead signed time as stale, each with its error; a stale synthetic message is quarantined", async () => {
    // Prepare
    const pipeline = await createPipeline(bench);
    const handle = jest.fn(async () => undefined);
    const handler = worker(pipeline, handle);
    const now = Date.now();
    await enqueue(bench, pipeline, signedAt(undefined, { text: "no time" }));
    await enqueue(bench, pipeline, signedAt("last tuesday", { text: "unparseable" }));
    await enqueue(bench, pipeline, signedAt(iso(now + 10 * 60_000), { text: "10 min ahead" }));
    const runId = `run-${now}`;
    const synthetic = syntheticMessage({ runId, seq: 3, plannedSendMs: now - HOUR_MS });
    await enqueue(bench, pipeline, { ...synthetic, channel: { ...(synthetic.channel as object), time: iso(now - HOUR_MS) } });

    // Act
    const { response } = await deliverAs(pipeline, handler);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(handle).not.toHaveBeenCalled();
    const dead = await receive(bench, pipeline.dlqUrl);
    const byText = Object.fromEntries(dead.map((m) => [JSON.parse(m.Body as string).text, contextOf(m)]));
    expect(byText["no time"]).toMatchObject({
      reason: "stale",
      error: "MissingSignedTimeError",
      message: "the signed body has no channel.time, so the 900 s replay window cannot place it",
    });
    expect(byText.unparseable).toMatchObject({
      reason: "stale",
      error: "UnparseableSignedTimeError",
      message: 'the signed channel.time "last tuesday" is not an ISO-8601 time with a time zone',
    });
    expect(byText["10 min ahead"]).toMatchObject({ reason: "stale", error: "SignedTimeAheadError" });
    expect(byText["10 min ahead"]?.message).toMatch(
      / is (599|600) s ahead of the time SQS first received the message \(\S+\), more than the 300 s clock-skew allowance$/,
    );
    expect(dead).toHaveLength(3);
    const quarantined = await receive(bench, pipeline.quarantineUrl);
    expect(quarantined.map((m) => contextOf(m)?.reason)).toEqual(["stale"]);
    const receipt = (
      await DynamoDBDocumentClient.from(bench.dynamodb).send(
        new GetCommand({ TableName: pipeline.contract.receiptsTable, Key: { runId, seq: 3 } }),
      )
    ).Item;
    expect(receipt).toMatchObject({ outcome: "dead-lettered", reason: "stale", effects: 0 });
  });

  it("processes a dead letter redriven an hour after its first delivery, one by one and by a move task, judged against that delivery", async () => {
    // Prepare: two messages SQS received an hour ago, dead-lettered (permanent) when processed.
    const pipeline = await createPipeline(bench);
    let fixed = false;
    const handled: string[] = [];
    const handler = worker(pipeline, async (m) => {
      if (!fixed) throw new PermanentError("CRM rejects the customer id");
      handled.push(m.text as string);
    });
    const receivedMs = Date.now() - HOUR_MS;
    for (const text of ["first", "second"]) await enqueue(bench, pipeline, signedAt(iso(receivedMs - 1_000), { text }));
    await deliverAs(pipeline, handler, (r) => (r.attributes.SentTimestamp = String(receivedMs)));
    expect((await peek(pipeline.dlqUrl)).map((m) => contextOf(m)?.firstSentMs)).toEqual([receivedMs, receivedMs]);
    fixed = true;

    // Act: now, an hour later: one dead letter one by one, then the rest by a move task.
    const oneByOne = await redriveSelected(bench.sqs, {
      queue: pipeline.dlqUrl,
      limit: 1,
      waitTimeSeconds: 0,
      visibilityTimeoutSeconds: 5,
    });
    const afterOneByOne = await deliverAs(pipeline, handler);
    const moved = await redriveAll(bench.sqs, { queue: pipeline.dlqUrl, pollIntervalMs: 250, waitTimeSeconds: 0 });
    const afterMoveTask = await deliverAs(pipeline, handler);

    // Assess: each came back as a new message (new SentTimestamp) carrying the first delivery's time, and was processed.
    expect(oneByOne.moved).toHaveLength(1);
    expect(afterOneByOne.messages.map((m) => m.MessageAttributes?.[FIRST_SENT_ATTRIBUTE]?.StringValue)).toEqual([String(receivedMs)]);
    expect(afterOneByOne.response.batchItemFailures).toEqual([]);
    expect(moved).toMatchObject({ status: "COMPLETED", moved: 1 });
    expect(afterMoveTask.messages.map((m) => contextOf(m)?.firstSentMs)).toEqual([receivedMs]);
    expect(Number(afterMoveTask.messages[0].Attributes?.SentTimestamp)).toBeGreaterThan(receivedMs + HOUR_MS - 60_000);
    expect(afterMoveTask.response.batchItemFailures).toEqual([]);
    expect(handled.sort()).toEqual(["first", "second"]);
    expect(await receive(bench, pipeline.dlqUrl)).toEqual([]);
  });
});
