/**
 * A signature miss never holds a FIFO conversation: a message the worker cannot verify yet
 * (the secret was reloaded moments ago) is moved out of its message group, so the genuine
 * messages behind it are handled in the same receive cycle; the moved copy is checked after
 * the next reload: dead-lettered when forged, processed when signed with a just-rotated secret.
 */
import { PutSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { SetQueueAttributesCommand, type Message } from "@aws-sdk/client-sqs";
import {
  createWorker,
  DEAD_LETTER_ATTRIBUTE,
  FIRST_SENT_ATTRIBUTE,
  parseDeadLetterContext,
  sign,
  SIGNATURE_HEADER,
  WORKER_METRICS,
  type NormalizedMessage,
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
  type Bench,
} from "./worker-harness";

/** The reload interval of these tests, seconds (30 in production; short here so a test waits it out). */
const INTERVAL_SECONDS = 5;

const textOf = (m: Message) => JSON.parse(m.Body as string).text as string;

describe("a signature miss on a FIFO queue never holds the message group", () => {
  let bench: Bench;
  beforeAll(async () => {
    bench = await startBench();
  });
  afterAll(async () => {
    await bench.close();
  });

  /**
   * A FIFO pipeline whose worker has cached the signing secret `old-<name>...` and just reloaded
   * it because of a forged request (dead-lettered), so another miss cannot reload for
   * INTERVAL_SECONDS. `handled` lists the texts handled.
   */
  async function fifoWorkerJustReloaded(name: string) {
    const secrets = { old: `old-${name}-secret-0123456789`, new: `new-${name}-secret-9876543210` };
    const arn = bench.secrets.put(`fifo-${name}-secret`, secrets.old);
    const pipeline = await createPipeline(bench, { fifo: true, signatureSecretArn: arn, maxReceiveCount: 5 });
    const handled: string[] = [];
    const { logger, metrics } = quietObservability();
    const addMetric = jest.spyOn(metrics, "addMetric");
    const handler = createWorker(
      {
        handle: async (m: NormalizedMessage) => {
          handled.push(m.text as string);
        },
      },
      {
        contract: pipeline.contract,
        sqs: bench.sqs,
        dynamodb: bench.dynamodb,
        secretsManager: bench.secretsManager,
        logger,
        metrics,
        random: () => 0.5,
        secretRefreshMinIntervalSeconds: INTERVAL_SECONDS,
      },
    );
    await enqueue(bench, pipeline, outboundMessage({ text: "warm-up" }), { secret: secrets.old, groupId: "warm-up" });
    await deliver(bench, pipeline, handler);
    await enqueue(bench, pipeline, outboundMessage({ text: "forged-0" }), { secret: "forged-secret-of-the-attacker", groupId: "probe" });
    await deliver(bench, pipeline, handler); // a miss against the cache: reload, then invalid
    const rotate = () => bench.secretsManager.send(new PutSecretValueCommand({ SecretId: arn, SecretString: secrets.new }));
    const metricCount = (metric: string) => addMetric.mock.calls.filter(([n]) => n === metric).reduce((sum, [, , v]) => sum + Number(v), 0);
    return { pipeline, handler, handled, secrets, rotate, metricCount };
  }

  it("handles a genuine message behind 12 forged ones in its group within one receive cycle, and dead-letters the forged ones after the next reload", async () => {
    // Prepare: 12 forged messages (more than a FIFO batch of 10), then a genuine one, in one conversation.
    const { pipeline, handler, handled, secrets, metricCount } = await fifoWorkerJustReloaded("flood");
    const loadsBefore = bench.secrets.getCount;
    for (let i = 1; i <= 12; i++)
      await enqueue(bench, pipeline, outboundMessage({ text: `forged-${i}` }), {
        secret: "forged-secret-of-the-attacker",
        groupId: "conversation",
      });
    await enqueue(bench, pipeline, outboundMessage({ text: "genuine" }), { secret: secrets.old, groupId: "conversation" });

    // Act: two receives back to back (10 + 3 of the group), no wait between them.
    const first = await deliver(bench, pipeline, handler);
    const second = await deliver(bench, pipeline, handler);

    // Assess: the genuine message is handled in the second receive; nothing failed, nothing waits.
    expect(handled).toEqual(["warm-up", "genuine"]);
    expect(first.messages.map(textOf)).toEqual(Array.from({ length: 10 }, (_, i) => `forged-${i + 1}`));
    expect(first.response.batchItemFailures).toEqual([]);
    expect(second.messages.map(textOf).slice(0, 3)).toEqual(["forged-11", "forged-12", "genuine"]);
    expect(metricCount(WORKER_METRICS.setAside)).toBe(12);
    expect(bench.secrets.getCount - loadsBefore).toBe(0); // no reload within the interval, whatever the flood

    // Act 2: after the reload interval, the copies (each in a group of its own) are settled.
    await sleep(INTERVAL_SECONDS * 1000 + 100);
    const settled: Message[] = [];
    for (let i = 0; i < 4; i++) settled.push(...(await deliver(bench, pipeline, handler)).messages);

    // Assess 2: every forged message in the DLQ once, from its own group; one reload (2 calls); nothing left, nothing lost.
    expect(settled.map(textOf).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `forged-${i + 1}`).sort());
    expect(new Set(settled.map((m) => m.Attributes?.MessageGroupId)).size).toBe(12);
    for (const m of settled) expect(m.Attributes?.MessageGroupId).toMatch(/^unverified:[0-9a-f-]{36}$/);
    const dead = await receive(bench, pipeline.dlqUrl);
    const more = await receive(bench, pipeline.dlqUrl);
    const all = [...dead, ...more];
    expect(all.map(textOf).sort()).toEqual(["forged-0", ...Array.from({ length: 12 }, (_, i) => `forged-${i + 1}`)].sort());
    expect(new Set(all.map((m) => parseDeadLetterContext(m.MessageAttributes?.[DEAD_LETTER_ATTRIBUTE]?.StringValue)?.reason))).toEqual(
      new Set(["invalid-signature"]),
    );
    expect(bench.secrets.getCount - loadsBefore).toBe(2);
    expect(await receive(bench, pipeline.queueUrl)).toEqual([]);
    expect(handled).toEqual(["warm-up", "genuine"]);
  });

  it("keeps the rotation guarantee: a message signed with a just-rotated secret is moved aside, not dead-lettered, and processed after the next reload", async () => {
    // Prepare: the secret rotates within the reload interval; then a message signed with the new
    // value, and behind it in its conversation one signed with the old value (still cached).
    const { pipeline, handler, handled, secrets, rotate, metricCount } = await fifoWorkerJustReloaded("rotation");
    await rotate();
    const newId = await enqueue(bench, pipeline, outboundMessage({ text: "signed with the new secret" }), {
      secret: secrets.new,
      groupId: "conversation",
    });
    await enqueue(bench, pipeline, outboundMessage({ text: "signed with the old secret" }), {
      secret: secrets.old,
      groupId: "conversation",
    });

    // Act: checked within the reload interval; the copy again at once (still within it); then after it.
    const within = await deliver(bench, pipeline, handler);
    const early = await deliver(bench, pipeline, handler);
    await sleep(INTERVAL_SECONDS * 1000 + 200);
    const after = await deliver(bench, pipeline, handler);

    // Assess: the message behind it went on at once; the copy, in a group of its own with its
    // first-delivery time, was put back (not moved again) while unverifiable, then processed.
    expect(within.messages.map(textOf)).toEqual(["signed with the new secret", "signed with the old secret"]);
    expect(within.response.batchItemFailures).toEqual([]);
    expect(early.messages.map((m) => m.Attributes?.MessageGroupId)).toEqual([`unverified:${newId}`]);
    expect(early.messages[0].MessageAttributes?.[FIRST_SENT_ATTRIBUTE]?.StringValue).toBe(within.messages[0].Attributes?.SentTimestamp);
    expect(early.response.batchItemFailures).toEqual([{ itemIdentifier: early.messages[0].MessageId }]);
    expect(metricCount(WORKER_METRICS.setAside)).toBe(1);
    expect(after.messages.map((m) => m.MessageId)).toEqual([early.messages[0].MessageId]);
    expect(after.response.batchItemFailures).toEqual([]);
    expect(handled).toEqual(["warm-up", "signed with the old secret", "signed with the new secret"]);
    expect((await receive(bench, pipeline.dlqUrl)).map(textOf)).toEqual(["forged-0"]);
    expect(await receive(bench, pipeline.queueUrl)).toEqual([]);
  });

  it("moves aside a forged message at the queue's size limit too: its copy goes without the first-delivery time, which would not fit", async () => {
    // Prepare: a 2,048-byte queue and a forged message of exactly 2,048 bytes (body + attributes, as SQS counts them).
    const { pipeline, handler, handled, secrets, metricCount } = await fifoWorkerJustReloaded("limit");
    const limitBytes = 2048;
    await bench.sqs.send(
      new SetQueueAttributesCommand({ QueueUrl: pipeline.queueUrl, Attributes: { MaximumMessageSize: String(limitBytes) } }),
    );
    const attributesBytes = (body: string) =>
      SIGNATURE_HEADER.length + "String".length + sign(body, "x").length + "x-request-id".length + "String".length + "req-1".length;
    const base = outboundMessage({ text: "" });
    const padding = limitBytes - Buffer.byteLength(JSON.stringify(base)) - attributesBytes(JSON.stringify(base));
    const forged = { ...base, text: "f".repeat(padding) };
    expect(Buffer.byteLength(JSON.stringify(forged)) + attributesBytes(JSON.stringify(forged))).toBe(limitBytes);
    await enqueue(bench, pipeline, forged, { secret: "forged-secret-of-the-attacker", groupId: "conversation" });
    await enqueue(bench, pipeline, outboundMessage({ text: "genuine" }), { secret: secrets.old, groupId: "conversation" });

    // Act
    const first = await deliver(bench, pipeline, handler);
    const copy = await deliver(bench, pipeline, handler);

    // Assess: the genuine message handled at once; the copy, in its own group, carries no first-delivery time.
    expect(handled).toEqual(["warm-up", "genuine"]);
    expect(first.response.batchItemFailures).toEqual([]);
    expect(metricCount(WORKER_METRICS.setAside)).toBe(1);
    expect(copy.messages.map((m) => m.Attributes?.MessageGroupId)).toEqual([expect.stringMatching(/^unverified:/)]);
    expect(copy.messages[0].Body).toBe(JSON.stringify(forged));
    expect(copy.messages[0].MessageAttributes?.[FIRST_SENT_ATTRIBUTE]).toBeUndefined();
  });
});
