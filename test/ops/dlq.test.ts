/**
 * DLQ operations against local-aws-sqs: inspect (peek, each reason counted, DLQ left intact),
 * filtered one-by-one redrive (exactly the selected; crash midway loses nothing), full redrive
 * through SQS's message move task, the invalid-signature and purge guards, queue resolution
 * and error mapping.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CreateQueueCommand, SendMessageCommand, StartMessageMoveTaskCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { startSqs } from "../helpers/local-servers";
import {
  describeDeadLetter,
  inspectDlq,
  purgeDlq,
  redriveAll,
  redriveDeduplicationId,
  redriveSelected,
  REDRIVEN_BY_SQS,
  UNREADABLE_CONTEXT,
  type MoveTaskProgress,
} from "../../lib/ops/dlq";
import {
  AwsConfigurationError,
  DestinationError,
  PermissionDeniedError,
  QueueNotFoundError,
  RefusedError,
  mapSqsError,
} from "../../lib/ops/errors";
import { createSqsClient, parseQueueArn, resolveQueue } from "../../lib/ops/queues";
import { renderInspect } from "../../lib/ops/format";
import { DEAD_LETTER_ATTRIBUTE, FIRST_SENT_ATTRIBUTE, encodeDeadLetterContext } from "../../lib/runtime/dead-letter";
import { SIGNATURE_HEADER, verify } from "../../lib/runtime/signature";
import { toSqsRecord } from "../../lib/local/sqs-records";
import {
  CHANNEL,
  SECRET,
  addSourceQueue,
  approximateCount,
  createPipeline,
  normalizedBody,
  putDeadLetter,
  putSqsRedriven,
  receiveAll,
  waitFor,
  type Pipeline,
} from "./fixtures";

const FAST = { waitTimeSeconds: 0 } as const;

describe("DLQ operations (local-aws-sqs)", () => {
  let sqs: Awaited<ReturnType<typeof startSqs>>;
  let client: SQSClient;
  const savedEnv = { ...process.env };
  beforeAll(async () => {
    // The standard credential chain of createSqsClient: any values work locally.
    process.env.AWS_ACCESS_KEY_ID = "local";
    process.env.AWS_SECRET_ACCESS_KEY = "local";
    sqs = await startSqs();
    client = sqs.client();
  });
  afterAll(async () => {
    process.env = savedEnv;
    client.destroy();
    await sqs.close();
  });

  /** A DLQ holding one dead letter of every kind: 2 exhausted, 1 permanent, 1 malformed, 1 invalid-signature, 1 synthetic exhausted, 1 moved by SQS, 1 unreadable. */
  async function mixedDlq(prefix: string): Promise<{ pipeline: Pipeline; ids: Record<string, string[]> }> {
    const pipeline = await createPipeline(client, prefix);
    const ids: Record<string, string[]> = { exhausted: [], permanent: [], malformed: [], "invalid-signature": [], unreadable: [] };
    ids.exhausted.push(await putDeadLetter(client, pipeline, "exhausted", normalizedBody(1)));
    ids.exhausted.push(await putDeadLetter(client, pipeline, "exhausted", normalizedBody(2)));
    ids.exhausted.push(await putDeadLetter(client, pipeline, "exhausted", normalizedBody(3, { synthetic: { runId: "run-7", seq: 42 } })));
    ids.permanent.push(await putDeadLetter(client, pipeline, "permanent", normalizedBody(4)));
    ids.malformed.push(await putDeadLetter(client, pipeline, "malformed", "not json at all"));
    ids["invalid-signature"].push(await putDeadLetter(client, pipeline, "invalid-signature", normalizedBody(5)));
    ids.unreadable.push(await putDeadLetter(client, pipeline, "exhausted", normalizedBody(6), { rawContext: "{broken" }));
    await putSqsRedriven(client, pipeline, normalizedBody(7));
    return { pipeline, ids };
  }

  describe("inspect", () => {
    it("reports each reason with its count and the context fields, and leaves the DLQ intact", async () => {
      // Prepare
      const { pipeline, ids } = await mixedDlq("inspect");

      // Act
      const result = await inspectDlq(client, { queue: pipeline.dlq.url, ...FAST });

      // Assess
      expect(result.countsByReason).toStrictEqual({
        exhausted: 3,
        permanent: 1,
        malformed: 1,
        "invalid-signature": 1,
        [REDRIVEN_BY_SQS]: 1,
        [UNREADABLE_CONTEXT]: 1,
      });
      expect(result.messages).toHaveLength(8);
      expect(new Set(result.messages.map((m) => m.messageId)).size).toBe(8);
      expect(result.complete).toBe(true);
      expect(result.approximateMessages).toBe(8);

      const permanent = result.messages.find((m) => m.messageId === ids.permanent[0])!;
      expect(permanent).toMatchObject({
        reason: "permanent",
        errorName: "PermanentError",
        errorMessage: "customer not found",
        attempts: 2,
        firstAttemptMs: 1_700_000_000_000,
        lastAttemptMs: 1_700_000_060_000,
        orderingKey: `${CHANNEL}:customer-1@acme-chat`,
        sourceQueueArn: pipeline.source.arn,
      });
      expect(result.messages.find((m) => m.messageId === ids.malformed[0])!.orderingKey).toBe("-");
      const synthetic = result.messages.filter((m) => m.syntheticRunId);
      expect(synthetic).toHaveLength(1);
      expect(synthetic[0]).toMatchObject({ syntheticRunId: "run-7", syntheticSeq: 42, reason: "exhausted" });
      const bySqs = result.messages.find((m) => m.reason === REDRIVEN_BY_SQS)!;
      expect(bySqs.sourceQueueArn).toBe(pipeline.source.arn);
      expect(bySqs.errorName).toBeUndefined();
      expect(result.messages.find((m) => m.messageId === ids.unreadable[0])!.errorMessage).toMatch(
        /x-dead-letter is not a dead-letter context/,
      );

      // Nothing consumed: every message is visible again, right away.
      const after = await receiveAll(client, pipeline.dlq.url);
      expect(after.map((m) => m.MessageId).sort()).toStrictEqual(result.messages.map((m) => m.messageId).sort());
    });

    it("pages past one receive's 10 messages, reading each message once, and stops at --limit", async () => {
      // Prepare
      const pipeline = await createPipeline(client, "paging");
      for (let i = 0; i < 25; i++) await putDeadLetter(client, pipeline, "exhausted", normalizedBody(i));

      // Act
      const all = await inspectDlq(client, { queue: pipeline.dlq.url, ...FAST });
      const some = await inspectDlq(client, { queue: pipeline.dlq.url, limit: 12, ...FAST });

      // Assess
      expect(all.messages).toHaveLength(25);
      expect(new Set(all.messages.map((m) => m.messageId)).size).toBe(25);
      expect(all.stoppedBecause).toBe("empty");
      expect(some.messages).toHaveLength(12);
      expect(some).toMatchObject({ complete: false, stoppedBecause: "limit", approximateMessages: 25 });
      expect(await approximateCount(client, pipeline.dlq.url)).toBe(25);
      expect(await receiveAll(client, pipeline.dlq.url)).toHaveLength(25);
    });

    it("resolves the queue by name and by ARN, and the human table names every reason", async () => {
      // Prepare
      const { pipeline } = await mixedDlq("byname");
      const name = pipeline.dlq.url.slice(pipeline.dlq.url.lastIndexOf("/") + 1);

      // Act
      const byName = await inspectDlq(client, { queue: name, ...FAST });
      const byArn = await inspectDlq(client, { queue: pipeline.dlq.arn, ...FAST });
      const text = renderInspect(byName);

      // Assess
      expect(byName.queue).toStrictEqual({ url: pipeline.dlq.url, arn: pipeline.dlq.arn, name, fifo: false });
      expect(byArn.queue.url).toBe(pipeline.dlq.url);
      expect(byArn.messages).toHaveLength(8);
      for (const label of [
        "retries exhausted",
        "permanent error",
        "malformed",
        "invalid signature",
        "redriven by SQS",
        "unreadable context",
      ]) {
        expect(text).toContain(label);
      }
      expect(text).toMatch(/^exhausted\s+3\s+retries ran out/m);
      expect(text).toContain("run-7#42");
    });

    it("fails with a clear error on a missing queue", async () => {
      await expect(inspectDlq(client, { queue: "no-such-dlq", ...FAST })).rejects.toThrow(QueueNotFoundError);
      await expect(inspectDlq(client, { queue: "no-such-dlq", ...FAST })).rejects.toThrow(
        /queue "no-such-dlq" does not exist in this account and region .*check the name\/URL\/ARN, --region/,
      );
      await expect(inspectDlq(client, { queue: `${sqs.endpoint}/123456789012/gone`, ...FAST })).rejects.toThrow(QueueNotFoundError);
    });

    it("refuses a scan budget SQS's 12-hour visibility limit cannot hold", async () => {
      const pipeline = await createPipeline(client, "budget");
      await expect(inspectDlq(client, { queue: pipeline.dlq.url, budgetSeconds: 43_200, ...FAST })).rejects.toThrow(
        "the scan budget must be more than 0 and at most 43170 seconds (SQS's 12-hour visibility limit, less 30 s), got 43200",
      );
    });
  });

  describe("redrive, one by one", () => {
    it("moves exactly the messages of the selected reasons, with their original body and attributes and without the context", async () => {
      // Prepare
      const { pipeline, ids } = await mixedDlq("by-reason");

      // Act
      const result = await redriveSelected(client, { queue: pipeline.dlq.url, reasons: ["exhausted", REDRIVEN_BY_SQS], ...FAST });

      // Assess
      expect(result.moved.map((m) => m.messageId).sort()).toStrictEqual(
        [...ids.exhausted, result.moved.find((m) => m.reason === REDRIVEN_BY_SQS)!.messageId].sort(),
      );
      expect(result.moved).toHaveLength(4);
      expect(result).toMatchObject({ matched: 4, refused: [], unresolved: [], complete: true });
      const inSource = await receiveAll(client, pipeline.source.url);
      expect(inSource.map((m) => JSON.parse(m.Body!).id).sort()).toStrictEqual(["msg-1", "msg-2", "msg-3", "msg-7"]);
      for (const m of inSource) {
        expect(m.MessageAttributes?.[DEAD_LETTER_ATTRIBUTE]).toBeUndefined();
        // The original signature still verifies: the worker accepts the redriven message.
        expect(verify(m.Body!, m.MessageAttributes?.[SIGNATURE_HEADER]?.StringValue, [SECRET])).toBe(true);
      }
      const left = await inspectDlq(client, { queue: pipeline.dlq.url, ...FAST });
      expect(left.countsByReason).toStrictEqual({ permanent: 1, malformed: 1, "invalid-signature": 1, [UNREADABLE_CONTEXT]: 1 });
    });

    it("moves exactly the selected ids, rate-limited, and reports ids it did not find", async () => {
      // Prepare
      const pipeline = await createPipeline(client, "by-id");
      const all: string[] = [];
      for (let i = 0; i < 6; i++) all.push(await putDeadLetter(client, pipeline, "permanent", normalizedBody(i)));
      const chosen = [all[1], all[4], all[5]];

      // Act
      const started = Date.now();
      const result = await redriveSelected(client, { queue: pipeline.dlq.url, ids: [...chosen, "missing-id"], ratePerSecond: 10, ...FAST });
      const elapsed = Date.now() - started;

      // Assess
      expect(result.moved.map((m) => m.messageId).sort()).toStrictEqual([...chosen].sort());
      expect(result.missingIds).toStrictEqual(["missing-id"]);
      expect(elapsed).toBeGreaterThanOrEqual(190); // 3 sends at 10/s: at least 2 intervals of 100 ms
      expect((await receiveAll(client, pipeline.source.url)).map((m) => JSON.parse(m.Body!).id).sort()).toStrictEqual([
        "msg-1",
        "msg-4",
        "msg-5",
      ]);
      expect((await receiveAll(client, pipeline.dlq.url)).map((m) => m.MessageId).sort()).toStrictEqual([all[0], all[2], all[3]].sort());
    });

    it("refuses invalid-signature dead letters without force, and moves them with it", async () => {
      // Prepare
      const { pipeline, ids } = await mixedDlq("refuse");

      // Act + Assess: by reason, refused before anything moves
      await expect(redriveSelected(client, { queue: pipeline.dlq.url, reasons: ["invalid-signature"], ...FAST })).rejects.toThrow(
        RefusedError,
      );
      await expect(redriveSelected(client, { queue: pipeline.dlq.url, reasons: ["invalid-signature"], ...FAST })).rejects.toThrow(
        /never verified to come from Genesys/,
      );
      expect(await approximateCount(client, pipeline.dlq.url)).toBe(8);

      // by id: the invalid one is refused and left, the other moves
      const mixed = await redriveSelected(client, {
        queue: pipeline.dlq.url,
        ids: [ids["invalid-signature"][0], ids.permanent[0]],
        ...FAST,
      });
      expect(mixed.refused.map((m) => m.messageId)).toStrictEqual(ids["invalid-signature"]);
      expect(mixed.moved.map((m) => m.messageId)).toStrictEqual(ids.permanent);

      // with force it moves
      const forced = await redriveSelected(client, { queue: pipeline.dlq.url, reasons: ["invalid-signature"], force: true, ...FAST });
      expect(forced.moved.map((m) => m.messageId)).toStrictEqual(ids["invalid-signature"]);
      expect(await approximateCount(client, pipeline.dlq.url)).toBe(6);
    });

    it("loses nothing when the process dies between a send and its delete: a second run finishes with at most one duplicate", async () => {
      // Prepare
      const pipeline = await createPipeline(client, "crash");
      const exhausted: string[] = [];
      for (let i = 0; i < 7; i++) exhausted.push(await putDeadLetter(client, pipeline, "exhausted", normalizedBody(i)));
      const keep = await putDeadLetter(client, pipeline, "permanent", normalizedBody(100));
      let sends = 0;
      const crashAfterThirdSend = () => {
        sends += 1;
        if (sends === 3) throw new Error("simulated crash after the send, before the delete");
      };

      // Act
      await expect(
        redriveSelected(client, { queue: pipeline.dlq.url, reasons: ["exhausted"], hooks: { afterSend: crashAfterThirdSend }, ...FAST }),
      ).rejects.toThrow("simulated crash");
      const second = await redriveSelected(client, { queue: pipeline.dlq.url, reasons: ["exhausted"], ...FAST });

      // Assess
      expect(second.moved).toHaveLength(5); // 7 - the 2 the first run finished
      const received = (await receiveAll(client, pipeline.source.url)).map((m) => JSON.parse(m.Body!).id as string);
      const copies = new Map<string, number>();
      for (const id of received) copies.set(id, (copies.get(id) ?? 0) + 1);
      expect([...copies.keys()].sort()).toStrictEqual(Array.from({ length: 7 }, (_, i) => `msg-${i}`).sort()); // none lost
      expect([...copies.values()].filter((n) => n > 1)).toStrictEqual([2]); // exactly the message in hand, once more
      expect(received).toHaveLength(8);
      expect((await receiveAll(client, pipeline.dlq.url)).map((m) => m.MessageId)).toStrictEqual([keep]);
    });

    it("FIFO: keeps the message group and deduplicates a re-run after a crash, so each message arrives exactly once", async () => {
      // Prepare
      const pipeline = await createPipeline(client, "crashfifo", { fifo: true });
      for (let i = 0; i < 4; i++) await putDeadLetter(client, pipeline, "exhausted", normalizedBody(i), { groupId: `group-${i % 2}` });
      let sends = 0;

      // Act
      await expect(
        redriveSelected(client, {
          queue: pipeline.dlq.url,
          reasons: ["exhausted"],
          hooks: {
            afterSend: () => {
              if (++sends === 2) throw new Error("simulated crash");
            },
          },
          ...FAST,
        }),
      ).rejects.toThrow("simulated crash");
      await redriveSelected(client, { queue: pipeline.dlq.url, reasons: ["exhausted"], ...FAST });

      // Assess
      const received = await receiveAll(client, pipeline.source.url);
      expect(received.map((m) => JSON.parse(m.Body!).id).sort()).toStrictEqual(["msg-0", "msg-1", "msg-2", "msg-3"]);
      expect(received.map((m) => m.Attributes?.MessageGroupId).sort()).toStrictEqual(["group-0", "group-0", "group-1", "group-1"]);
      expect(received.every((m) => m.Attributes?.MessageDeduplicationId?.startsWith("redrive-"))).toBe(true);
      expect(await receiveAll(client, pipeline.dlq.url)).toHaveLength(0);
    });

    it("takes the destination from --to, else from the context, and leaves a message with no resolvable destination in place", async () => {
      // Prepare: two queues use the same DLQ, and one dead letter names no source.
      const pipeline = await createPipeline(client, "dest");
      const other = (
        await client.send(
          new CreateQueueCommand({
            QueueName: `dest-other-${process.pid}`,
            Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: pipeline.dlq.arn, maxReceiveCount: 1 }) },
          }),
        )
      ).QueueUrl!;
      const named = await putDeadLetter(client, pipeline, "exhausted", normalizedBody(1));
      const nameless = await putDeadLetter(client, pipeline, "exhausted", normalizedBody(2), { sourceQueueArn: "" });

      // Act
      const first = await redriveSelected(client, { queue: pipeline.dlq.url, ...FAST });
      const second = await redriveSelected(client, { queue: pipeline.dlq.url, to: other, ...FAST });

      // Assess
      expect(first.moved).toStrictEqual([expect.objectContaining({ messageId: named, destination: pipeline.source.url })]);
      expect(first.unresolved.map((m) => m.messageId)).toStrictEqual([nameless]);
      expect(second.moved).toStrictEqual([expect.objectContaining({ messageId: nameless, destination: other })]);
      expect((await receiveAll(client, other)).map((m) => JSON.parse(m.Body!).id)).toStrictEqual(["msg-2"]);
      await expect(redriveSelected(client, { queue: pipeline.dlq.url, to: pipeline.dlq.url, ...FAST })).rejects.toThrow(
        /is the DLQ itself: name the source queue with --to/,
      );
    });
  });

  describe("redrive, one by one, when a source queue is gone", () => {
    it("leaves the dead letters of a deleted source queue unresolved and moves the others", async () => {
      // Prepare: one dead letter naming a queue that no longer exists, then two of the pipeline's
      const pipeline = await createPipeline(client, "gone");
      const goneArn = pipeline.source.arn.replace(/:[^:]+$/, ":orders-old-queue");
      const orphan = await putDeadLetter(client, pipeline, "exhausted", normalizedBody(1), { sourceQueueArn: goneArn });
      await putDeadLetter(client, pipeline, "exhausted", normalizedBody(2));
      await putDeadLetter(client, pipeline, "exhausted", normalizedBody(3));

      // Act
      const result = await redriveSelected(client, { queue: pipeline.dlq.url, reasons: ["exhausted"], ...FAST });

      // Assess
      expect(result.moved).toHaveLength(2);
      expect(result.unresolved.map((l) => l.messageId)).toStrictEqual([orphan]);
      expect((await receiveAll(client, pipeline.source.url)).map((m) => JSON.parse(m.Body!).id).sort()).toStrictEqual(["msg-2", "msg-3"]);
      expect((await receiveAll(client, pipeline.dlq.url)).map((m) => m.MessageId)).toStrictEqual([orphan]);
    });
  });

  describe("redrive, all, through the message move task", () => {
    it("completes, reports progress, empties the DLQ, and a worker-like consumer receives every message intact", async () => {
      // Prepare
      const pipeline = await createPipeline(client, "movetask");
      for (let i = 0; i < 5; i++) await putDeadLetter(client, pipeline, "exhausted", normalizedBody(i));
      await putSqsRedriven(client, pipeline, normalizedBody(5));
      const progress: MoveTaskProgress[] = [];

      // Act
      const result = await redriveAll(client, {
        queue: pipeline.dlq.url,
        ratePerSecond: 4,
        pollIntervalMs: 250,
        onProgress: (p) => progress.push(p),
        ...FAST,
      });

      // Assess
      expect(result).toMatchObject({
        status: "COMPLETED",
        moved: 6,
        toMove: 6,
        destination: pipeline.source.arn,
        resumed: false,
        scanned: 6,
      });
      expect(result.countsByReason).toStrictEqual({ exhausted: 5, [REDRIVEN_BY_SQS]: 1 });
      expect(progress[0].status).toBe("RUNNING");
      expect(progress.some((p) => p.moved > 0 && p.moved < 6)).toBe(true); // 4/s: seen part-way
      expect(progress.at(-1)).toMatchObject({ status: "COMPLETED", moved: 6 });
      expect(await approximateCount(client, pipeline.dlq.url)).toBe(0);

      // The worker's view: Lambda SQS records whose signature verifies.
      const records = (await receiveAll(client, pipeline.source.url)).map((m) => toSqsRecord(m, pipeline.source.arn, "us-east-1"));
      expect(records.map((r) => JSON.parse(r.body).id).sort()).toStrictEqual(["msg-0", "msg-1", "msg-2", "msg-3", "msg-4", "msg-5"]);
      for (const r of records) expect(verify(r.body, r.messageAttributes[SIGNATURE_HEADER]?.stringValue, [SECRET])).toBe(true);
    });

    it("follows a move task that is already running (an interrupted run) instead of starting a second one", async () => {
      // Prepare
      const pipeline = await createPipeline(client, "resume");
      for (let i = 0; i < 3; i++) await putDeadLetter(client, pipeline, "exhausted", normalizedBody(i));
      // local-aws-sqs counts a message sent a moment ago only once a 0 ms timer has run; a task
      // started before that snapshots 2 to move (measured: 91 of 200 tries), so wait for the count.
      await waitFor(async () => (await approximateCount(client, pipeline.dlq.url)) === 3);
      await client.send(
        new StartMessageMoveTaskCommand({
          SourceArn: pipeline.dlq.arn,
          DestinationArn: pipeline.source.arn,
          MaxNumberOfMessagesPerSecond: 2,
        }),
      );

      // Act
      const result = await redriveAll(client, { queue: pipeline.dlq.url, pollIntervalMs: 250, ...FAST });

      // Assess
      expect(result).toMatchObject({ resumed: true, status: "COMPLETED", moved: 3, warnings: [] });
      expect(await receiveAll(client, pipeline.source.url)).toHaveLength(3);
    });

    it("warns when dead letters are still in the DLQ after the task completed (one arrived after the task started)", async () => {
      // Prepare: a task sized for 3 at 1 message a second, then a fourth dead letter.
      const pipeline = await createPipeline(client, "late");
      for (let i = 0; i < 3; i++) await putDeadLetter(client, pipeline, "exhausted", normalizedBody(i));
      await waitFor(async () => (await approximateCount(client, pipeline.dlq.url)) === 3);
      await client.send(
        new StartMessageMoveTaskCommand({
          SourceArn: pipeline.dlq.arn,
          DestinationArn: pipeline.source.arn,
          MaxNumberOfMessagesPerSecond: 1,
        }),
      );
      await putDeadLetter(client, pipeline, "exhausted", normalizedBody(3));

      // Act
      const result = await redriveAll(client, { queue: pipeline.dlq.url, pollIntervalMs: 250, ...FAST });

      // Assess
      expect(result).toMatchObject({ resumed: true, status: "COMPLETED", moved: 3, toMove: 3 });
      expect(result.warnings).toStrictEqual([
        expect.stringMatching(
          /^about 1 message\(s\) are still in .* after the move task completed .*: run the redrive again to move them$/,
        ),
      ]);
      expect(await approximateCount(client, pipeline.dlq.url)).toBe(1);
    });

    it("refuses when invalid-signature dead letters are present, suggesting the reasons to move instead; moves all with force", async () => {
      // Prepare
      const pipeline = await createPipeline(client, "allrefuse");
      await putDeadLetter(client, pipeline, "exhausted", normalizedBody(1));
      await putDeadLetter(client, pipeline, "invalid-signature", normalizedBody(2));

      // Act + Assess
      await expect(redriveAll(client, { queue: pipeline.dlq.url, pollIntervalMs: 250, ...FAST })).rejects.toThrow(
        /1 of the 2 dead letter\(s\) read failed signature verification.*To move the others only: --reason exhausted\./,
      );
      expect(await receiveAll(client, pipeline.dlq.url)).toHaveLength(2);
    });

    it("needs --to when several queues use the DLQ and the dead letters name none, and says to go one by one for a queue that is no DLQ", async () => {
      // Prepare
      const pipeline = await createPipeline(client, "ambiguous");
      await addSourceQueue(client, pipeline, "ambiguous-second");
      await putDeadLetter(client, pipeline, "exhausted", normalizedBody(1), { sourceQueueArn: "" });
      const quarantine = (await client.send(new CreateQueueCommand({ QueueName: `quarantine-${process.pid}` }))).QueueUrl!;
      await client.send(
        new SendMessageCommand({ QueueUrl: quarantine, MessageBody: normalizedBody(9, { synthetic: { runId: "r", seq: 9 } }) }),
      );

      // Act + Assess
      await expect(redriveAll(client, { queue: pipeline.dlq.url, ...FAST })).rejects.toThrow(DestinationError);
      await expect(redriveAll(client, { queue: pipeline.dlq.url, ...FAST })).rejects.toThrow(
        /2 queues use .* as their DLQ .*name one with --to/,
      );
      await expect(redriveAll(client, { queue: quarantine, to: pipeline.source.url, ...FAST })).rejects.toThrow(
        /no queue's redrive policy targets it.*--one-by-one/,
      );
      const peek = await inspectDlq(client, { queue: quarantine, ...FAST });
      expect(peek.messages).toStrictEqual([expect.objectContaining({ syntheticRunId: "r", syntheticSeq: 9 })]);
      const oneByOne = await redriveSelected(client, { queue: quarantine, to: pipeline.source.url, ...FAST });
      expect(oneByOne.moved).toHaveLength(1);
    });

    it("needs --to when the scan read only part of a DLQ that several queues use, even if every letter read names one", async () => {
      // Prepare: a second queue using the DLQ; three dead letters of the pipeline, of which the scan reads two
      const pipeline = await createPipeline(client, "partial");
      await addSourceQueue(client, pipeline, "partial-second");
      for (let i = 0; i < 3; i++) await putDeadLetter(client, pipeline, "exhausted", normalizedBody(i));
      await waitFor(async () => (await approximateCount(client, pipeline.dlq.url)) === 3);

      // Act + Assess: unread letters could name the second queue
      await expect(redriveAll(client, { queue: pipeline.dlq.url, scanLimit: 2, ...FAST })).rejects.toThrow(
        /2 queues use .* as their DLQ .* and not every dead letter was read, so they may come from more than one: name the destination with --to/,
      );
      const named = await redriveAll(client, {
        queue: pipeline.dlq.url,
        scanLimit: 2,
        to: pipeline.source.url,
        pollIntervalMs: 250,
        ...FAST,
      });
      expect(named).toMatchObject({ status: "COMPLETED", moved: 3, scanned: 2 });
      expect(named.warnings).toStrictEqual([
        expect.stringMatching(/^only 2 of ~3 dead letter\(s\) were read before starting \(scan limit\); the move task moves all of them/),
      ]);
    });

    it("rejects a rate SQS would refuse", async () => {
      await expect(redriveAll(client, { queue: "anything", ratePerSecond: 501 })).rejects.toThrow(
        /whole number of messages per second from 1 to 500/,
      );
    });
  });

  describe("the first delivery's time, carried back for the worker's replay window", () => {
    it("redrive one by one sets x-first-sent-timestamp: the context's firstSentMs, else its firstReceiveMs, else the dead letter's own SentTimestamp", async () => {
      // Prepare
      const pipeline = await createPipeline(client, "firstsent");
      const withFirstSent = encodeDeadLetterContext({
        reason: "permanent",
        error: "PermanentError",
        message: "customer not found",
        attempts: 1,
        firstReceiveMs: 1_700_000_000_000,
        lastReceiveMs: 1_700_000_060_000,
        firstSentMs: 1_699_999_990_000,
        requestId: "req-1",
        sourceQueueArn: pipeline.source.arn,
      });
      await putDeadLetter(client, pipeline, "permanent", normalizedBody(1), { rawContext: withFirstSent });
      await putDeadLetter(client, pipeline, "exhausted", normalizedBody(2)); // a context written before firstSentMs existed
      await putSqsRedriven(client, pipeline, normalizedBody(3));
      const sqsMovedSentMs = (await inspectDlq(client, { queue: pipeline.dlq.url, ...FAST })).messages.find(
        (m) => m.reason === REDRIVEN_BY_SQS,
      )?.sentMs;

      // Act
      const result = await redriveSelected(client, {
        queue: pipeline.dlq.url,
        reasons: ["permanent", "exhausted", REDRIVEN_BY_SQS],
        ...FAST,
      });

      // Assess
      expect(result.moved).toHaveLength(3);
      const carried = Object.fromEntries(
        (await receiveAll(client, pipeline.source.url)).map((m) => [
          JSON.parse(m.Body!).id,
          m.MessageAttributes?.[FIRST_SENT_ATTRIBUTE]?.StringValue,
        ]),
      );
      expect(carried).toStrictEqual({ "msg-1": "1699999990000", "msg-2": "1700000000000", "msg-3": String(sqsMovedSentMs) });
    });

    it("a move task warns that dead letters SQS's own redrive moved carry no first-delivery time, and says how to move them", async () => {
      // Prepare
      const pipeline = await createPipeline(client, "firstsent-task");
      await putDeadLetter(client, pipeline, "exhausted", normalizedBody(1));
      await putSqsRedriven(client, pipeline, normalizedBody(2));

      // Act
      const result = await redriveAll(client, { queue: pipeline.dlq.url, pollIntervalMs: 250, ...FAST });

      // Assess
      expect(result).toMatchObject({ status: "COMPLETED", moved: 2 });
      expect(result.warnings).toContain(
        "1 dead letter(s) were moved here by SQS's own redrive and carry no first-delivery time: the move task gives them a new SentTimestamp, so one whose signed channel.time is older than the worker's replay window (default 900 s) is dead-lettered again as stale. Move them one by one first (--reason redriven-by-sqs), which carries their original SentTimestamp.",
      );
    });
  });

  describe("purge", () => {
    it("refuses without the guard, saying how many messages are there, and purges with it", async () => {
      // Prepare
      const { pipeline } = await mixedDlq("purge");

      // Act + Assess
      await expect(purgeDlq(client, { queue: pipeline.dlq.url })).rejects.toThrow(RefusedError);
      await expect(purgeDlq(client, { queue: pipeline.dlq.url })).rejects.toThrow(
        /without --yes: it holds ~8 message\(s\).*Nothing was deleted/,
      );
      expect(await approximateCount(client, pipeline.dlq.url)).toBe(8);
      const result = await purgeDlq(client, { queue: pipeline.dlq.url, yes: true });
      expect(result.purged).toBe(8);
      // SQS finishes a purge within 60 s (local-aws-sqs waits the full 60 s) and allows one a minute:
      // a second purge is answered PurgeQueueInProgress, proof that the first was accepted.
      await expect(purgeDlq(client, { queue: pipeline.dlq.url, yes: true })).rejects.toThrow(
        /one purge a queue every 60 seconds; wait and retry/,
      );
    });
  });

  describe("what SQS hides or moves on its own", () => {
    it("calls a dead letter that SQS's redrive moved back here after a move task redriven-by-sqs, not by its earlier context", () => {
      const context = encodeDeadLetterContext({
        reason: "permanent",
        error: "PermanentError",
        message: "customer not found",
        attempts: 2,
        firstReceiveMs: 1_700_000_000_000,
        lastReceiveMs: 1_700_000_060_000,
        requestId: "req-1",
        sourceQueueArn: "arn:aws:sqs:eu-west-1:111122223333:orders",
      });
      const letter = describeDeadLetter({
        MessageId: "m-1",
        Body: normalizedBody(1),
        Attributes: { DeadLetterQueueSourceArn: "arn:aws:sqs:eu-west-1:111122223333:orders" },
        MessageAttributes: { [DEAD_LETTER_ATTRIBUTE]: { DataType: "String", StringValue: context } },
      });
      expect(letter).toMatchObject({ reason: REDRIVEN_BY_SQS, sourceQueueArn: "arn:aws:sqs:eu-west-1:111122223333:orders" });
      expect(letter.errorMessage).toBe(
        "moved here by SQS's redrive after a redrive; the x-dead-letter context is from before (permanent: customer not found)",
      );
      expect(letter.attempts).toBeUndefined();
    });

    it("does not call a FIFO scan complete when SQS stops answering because the rest of each group is held", async () => {
      // A FIFO DLQ of 5 visible messages in one group; like SQS, it answers nothing more while one of the group is held.
      const fifo = {
        url: "https://sqs.eu-west-1.amazonaws.com/111122223333/orders-dlq.fifo",
        arn: "arn:aws:sqs:eu-west-1:111122223333:orders-dlq.fifo",
        name: "orders-dlq.fifo",
        fifo: true,
      };
      let handedOut = false;
      const fake = {
        send: async (command: { constructor: { name: string } }) => {
          switch (command.constructor.name) {
            case "GetQueueAttributesCommand":
              return {
                Attributes: {
                  ApproximateNumberOfMessages: "5",
                  ApproximateNumberOfMessagesNotVisible: "0",
                  ApproximateNumberOfMessagesDelayed: "0",
                },
              };
            case "ReceiveMessageCommand":
              if (handedOut) return { Messages: [] };
              handedOut = true;
              return {
                Messages: [0, 1].map((i) => ({
                  MessageId: `m-${i}`,
                  ReceiptHandle: `rh-${i}`,
                  Body: normalizedBody(i),
                  Attributes: { MessageGroupId: "g" },
                })),
              };
            case "ChangeMessageVisibilityBatchCommand":
              return { Successful: [{ Id: "0" }, { Id: "1" }], Failed: [] };
            default:
              throw new Error(`unexpected ${command.constructor.name}`);
          }
        },
      } as unknown as SQSClient;

      const result = await inspectDlq(fake, { queue: fifo, ...FAST });

      expect(result).toMatchObject({ complete: false, stoppedBecause: "fifo-groups" });
      expect(result.messages).toHaveLength(2);
      expect(result.warnings).toContain(
        "read 2 of ~5 visible dead letter(s): on a FIFO queue a scan sees only the first messages of each message group (SQS hides the rest while those are held)",
      );
    });
  });

  describe("resolution and errors", () => {
    it("parses queue ARNs and derives stable FIFO deduplication ids", () => {
      expect(parseQueueArn("arn:aws:sqs:eu-west-1:123456789012:orders-dlq.fifo")).toStrictEqual({
        region: "eu-west-1",
        account: "123456789012",
        name: "orders-dlq.fifo",
      });
      expect(parseQueueArn("arn:aws:sns:eu-west-1:123456789012:topic")).toBeUndefined();
      expect(redriveDeduplicationId("a")).toBe(redriveDeduplicationId("a"));
      expect(redriveDeduplicationId("a")).not.toBe(redriveDeduplicationId("b"));
      expect(redriveDeduplicationId("x".repeat(200)).length).toBeLessThanOrEqual(128);
    });

    it("names the IAM action when SQS answers AccessDenied", async () => {
      // Prepare: an endpoint that denies everything, in SQS's JSON protocol.
      const denying: Server = createServer((req, res) => {
        const target = String(req.headers["x-amz-target"] ?? "");
        res.writeHead(400, { "content-type": "application/x-amz-json-1.0", "x-amzn-query-error": "AccessDenied;Sender" });
        res.end(
          JSON.stringify({ __type: "com.amazon.coral.service#AccessDeniedException", message: `not authorized to perform: ${target}` }),
        );
      });
      await new Promise<void>((resolve) => denying.listen(0, "127.0.0.1", resolve));
      const endpoint = `http://127.0.0.1:${(denying.address() as AddressInfo).port}`;
      const denied = createSqsClient({ region: "us-east-1", endpoint });
      try {
        // Act + Assess
        await expect(resolveQueue(denied, "orders-dlq")).rejects.toThrow(PermissionDeniedError);
        await expect(resolveQueue(denied, "orders-dlq")).rejects.toThrow(/the caller needs sqs:GetQueueUrl on orders-dlq/);
        await expect(purgeDlq(denied, { queue: `${endpoint}/123456789012/orders-dlq`, yes: true })).rejects.toThrow(
          /needs sqs:GetQueueAttributes on http/,
        );
      } finally {
        denied.destroy();
        await new Promise((r) => denying.close(r));
      }
    });

    it("maps KMS, credential and connection failures to errors that say what to do", () => {
      const kms = Object.assign(new Error("The ciphertext refers to a customer master key that does not exist"), {
        name: "KmsAccessDenied",
      });
      expect(mapSqsError(kms, "sqs:SendMessage", "q")).toBeInstanceOf(PermissionDeniedError);
      expect(mapSqsError(kms, "sqs:SendMessage", "q").message).toMatch(/needs kms:GenerateDataKey/);
      expect(mapSqsError(kms, "sqs:ReceiveMessage", "q").message).toMatch(/needs kms:Decrypt/);
      const creds = Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" });
      expect(mapSqsError(creds, "sqs:GetQueueUrl", "q")).toBeInstanceOf(AwsConfigurationError);
      expect(mapSqsError(creds, "sqs:GetQueueUrl", "q").message).toMatch(/no AWS credentials found: set AWS_PROFILE/);
      expect(mapSqsError(new Error("Region is missing"), "sqs:GetQueueUrl", "q").message).toMatch(/pass --region or set AWS_REGION/);
    });

    it("says the endpoint is unreachable", async () => {
      const nowhere = createSqsClient({ region: "us-east-1", endpoint: "http://127.0.0.1:9" });
      try {
        await expect(resolveQueue(nowhere, "x")).rejects.toThrow(/cannot reach the SQS endpoint/);
      } finally {
        nowhere.destroy();
      }
    });
  });
});
