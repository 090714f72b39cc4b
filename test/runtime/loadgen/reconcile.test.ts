import { DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { receiptUpdate, retryingMarkUpdate } from "cdktf-genesys-consumer/runtime";
import {
  buildSyntheticRequest,
  decodeHistogram,
  faultForSeq,
  parseProfile,
  planArrivals,
  reconcile,
  runIdUsed,
  runSpike,
} from "../../../lib/runtime/loadgen";
import { createReceiptsTable, LOCAL_AWS, startDynamo, startSqs } from "../../helpers/local-servers";

type Servers = { dynamo: Awaited<ReturnType<typeof startDynamo>>; sqs: Awaited<ReturnType<typeof startSqs>> };
let servers: Servers;
beforeAll(async () => {
  servers = { dynamo: await startDynamo(), sqs: await startSqs() };
});
afterAll(async () => {
  await servers.dynamo.close();
  await servers.sqs.close();
});

const RUN = "run-reconcile";
const SECRET = "reconcile-secret-0123456789";
const TABLE = "receipts";

test("reconciliation counts processed, duplicates, expected and unexpected dead letters (with or without a receipt), lost and fault violations", async () => {
  // Prepare: a 40-message plan with throttle and poison markers
  const profile = parseProfile({
    phases: [{ type: "constant", ratePerSecond: 40, durationSeconds: 1 }],
    faults: { throttle: { fraction: 0.1, retryAfterSeconds: 2 }, poison: { fraction: 0.1 } },
  });
  const plan = planArrivals(profile);
  const startMs = Date.now() - 60_000;
  const seqs = Array.from(plan.keys());
  const kind = (seq: number) => faultForSeq(RUN, seq, profile.faults)?.kind;
  const poison = seqs.filter((s) => kind(s) === "poison");
  const throttle = seqs.filter((s) => kind(s) === "throttle");
  const plain = seqs.filter((s) => kind(s) === undefined);
  expect(poison.length).toBeGreaterThanOrEqual(3);
  expect(throttle.length).toBeGreaterThanOrEqual(3);
  const [notAcked, lost, dlqOnly, unexpectedDl, dupDelivery, dupEffect] = plain;

  const ddb = servers.dynamo.client();
  await createReceiptsTable(ddb, TABLE);

  const doc = DynamoDBDocumentClient.from(ddb);
  const write = async (
    seq: number,
    o: { outcome?: "processed" | "dead-lettered"; attempts?: number; waitedMs?: number; effect?: boolean; reason?: string } = {},
  ) => {
    const first = startMs + plan[seq] + 50;
    await doc.send(
      new UpdateCommand(
        receiptUpdate(TABLE, {
          runId: RUN,
          seq,
          outcome: o.outcome ?? "processed",
          attempts: o.attempts ?? 1,
          firstReceiveMs: first,
          doneMs: first + (o.waitedMs ?? 20),
          effect: o.effect ?? (o.outcome ?? "processed") === "processed",
          reason: o.reason,
          ttl: Math.floor(Date.now() / 1000) + 3600,
        }) as never,
      ),
    );
  };
  for (const seq of plain) {
    if (seq === lost || seq === dlqOnly) continue;
    if (seq === unexpectedDl) await write(seq, { outcome: "dead-lettered", reason: "permanent" });
    else await write(seq);
  }
  await write(dupDelivery, { effect: false }); // redelivered, idempotent replay: deliveries 2, effects 1
  await write(dupEffect, { effect: true }); // the side effect ran twice
  // the first poison message's receipt could not be written: it is only in the quarantine queue
  for (const seq of poison.slice(1)) await write(seq, { outcome: "dead-lettered", attempts: 3, reason: "exhausted" });
  await write(throttle[0], { attempts: 2, waitedMs: 100 }); // processed sooner than its Retry-After: a violation
  // its first receive failed on an idempotency-store outage (retrying mark, no fault injected), so
  // the throttle marker never asked for its Retry-After: processed early, and not a violation
  await doc.send(
    new UpdateCommand(
      retryingMarkUpdate(TABLE, {
        runId: RUN,
        seq: throttle[1],
        attempt: 1,
        maxAttempts: 5,
        firstReceiveMs: startMs + plan[throttle[1]] + 50,
        nextAttemptAtMs: 0,
        ttl: Math.floor(Date.now() / 1000) + 3600,
        faultInjected: false,
      }) as never,
    ),
  );
  await write(throttle[1], { attempts: 2, waitedMs: 100 });
  for (const seq of throttle.slice(2)) await write(seq, { attempts: 2, waitedMs: 2500 });
  // another run's receipt in the same table is ignored
  await doc.send(
    new UpdateCommand(
      receiptUpdate(TABLE, {
        runId: "other-run",
        seq: lost,
        outcome: "processed",
        attempts: 1,
        firstReceiveMs: 1,
        doneMs: 2,
        effect: true,
        ttl: 1,
      }) as never,
    ),
  );

  const sqs = servers.sqs.client();
  const dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: "dlq" }))).QueueUrl!;
  const quarantineUrl = (await sqs.send(new CreateQueueCommand({ QueueName: "quarantine" }))).QueueUrl!;
  const body = (runId: string, seq: number) =>
    buildSyntheticRequest({ runId, seq, plannedSendMs: startMs + plan[seq], profile, secret: SECRET }).body;
  await sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: body(RUN, dlqOnly) }));
  // in the DLQ with a receipt: a processed message's copy (SQS's redrive) and a dead letter
  // sent there with its receipt: unexpected both, each counted once
  await sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: body(RUN, dupDelivery) }));
  await sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: body(RUN, unexpectedDl) }));
  await sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: body("other-run", 1) }));
  for (const seq of poison) await sqs.send(new SendMessageCommand({ QueueUrl: quarantineUrl, MessageBody: body(RUN, seq) }));
  await sqs.send(new SendMessageCommand({ QueueUrl: quarantineUrl, MessageBody: body("other-run", 2) }));
  await sqs.send(new SendMessageCommand({ QueueUrl: quarantineUrl, MessageBody: "not json at all" }));

  // Act
  const began = Date.now();
  const result = await reconcile({
    runId: RUN,
    startMs,
    profile,
    plan,
    notAccepted: [notAcked],
    receipts: { tableName: TABLE, endpoint: servers.dynamo.endpoint, ...LOCAL_AWS },
    dlqUrl,
    quarantineQueueUrl: quarantineUrl,
    sqs: { endpoint: servers.sqs.endpoint, ...LOCAL_AWS },
    deadlineMs: Date.now() + 1500,
    pollIntervalMs: 200,
  });

  // Assess
  expect(Date.now() - began).toBeLessThan(10_000);
  expect(result).toMatchObject({
    accepted: 39,
    processed: plain.length - 3 + throttle.length, // every plain one but lost, dlqOnly and unexpectedDl (the unacknowledged one included)
    duplicateDeliveries: 2,
    duplicateSideEffects: 1,
    deadLetteredExpected: poison.length,
    deadLetteredUnexpected: 3,
    inDlq: 3,
    quarantineDrained: poison.length,
    lost: 1,
    lostSeqs: [lost],
    deliveredUnacknowledged: 1,
    complete: false,
  });
  expect(result.faultChecks.violations).toBe(1);
  expect(result.faultChecks.samples[0]).toMatchObject({ seq: throttle[0], kind: "throttle" });
  expect(result.faultChecks.checked).toBe(poison.length + throttle.length);
  expect(decodeHistogram(result.endToEndUs).totalCount).toBe(result.processed);
  expect(result.deliveredTimeline.reduce((a, b) => a + b, 0)).toBe(result.processed);

  // the DLQ was only peeked: its messages are visible again; the quarantine keeps only other runs' messages
  const visible = async (url: string) => {
    const bodies: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 30 }));
      if (!res.Messages?.length) break;
      bodies.push(...res.Messages.map((m) => m.Body!));
    }
    return bodies;
  };
  expect((await visible(dlqUrl)).sort()).toEqual(
    [body(RUN, dlqOnly), body(RUN, dupDelivery), body(RUN, unexpectedDl), body("other-run", 1)].sort(),
  );
  expect((await visible(quarantineUrl)).sort()).toEqual([body("other-run", 2), "not json at all"].sort());
  sqs.destroy();
  ddb.destroy();
});

test("a run id that already has receipts is refused before any traffic: its receipts would count as the new run's", async () => {
  // Prepare: one receipt of an earlier run under the id
  const ddb = servers.dynamo.client();
  await createReceiptsTable(ddb, "receipts-reuse");
  const doc = DynamoDBDocumentClient.from(ddb);
  const now = Date.now();
  await doc.send(
    new UpdateCommand(
      receiptUpdate("receipts-reuse", {
        runId: "nightly",
        seq: 0,
        outcome: "processed",
        attempts: 1,
        firstReceiveMs: now,
        doneMs: now,
        effect: true,
        ttl: Math.floor(now / 1000) + 3600,
      }) as never,
    ),
  );
  const receipts = { tableName: "receipts-reuse", endpoint: servers.dynamo.endpoint, ...LOCAL_AWS };

  // Act / Assess
  expect(await runIdUsed(receipts, "nightly")).toBe(true);
  expect(await runIdUsed(receipts, "nightly-2")).toBe(false);
  const profile = { phases: [{ type: "constant" as const, ratePerSecond: 1, durationSeconds: 1 }] };
  // port 9 (discard) on loopback: nothing may be sent, and nothing is
  await expect(runSpike({ targetUrl: "http://127.0.0.1:9/hook", secret: SECRET, profile, runId: "nightly", receipts })).rejects.toThrow(
    'run id "nightly" already has receipts in receipts-reuse (an earlier run): give a new run id, or none for a generated one',
  );
  ddb.destroy();
});
