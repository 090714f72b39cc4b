/**
 * The worker's seams, tested without queues or tables: intake (what is refused before a
 * handler runs, and why), the redelivery delay, and the batch helpers (grouping, concurrency,
 * the partial batch response).
 */
import type { SQSRecord, SQSRecordAttributes } from "aws-lambda";
import { randomUUID } from "node:crypto";
import { withWorkerDefaults, type WorkerContract } from "../../lib/runtime/contract";
import { RetryableError } from "../../lib/runtime/errors";
import { SQS_MAX_VISIBILITY_SECONDS } from "../../lib/runtime/aws-limits";
import { UnverifiedSignatureError } from "../../lib/runtime/worker/aside";
import { batchResponse, groupByMessageGroup, isFifoBatch, pool } from "../../lib/runtime/worker/batch";
import { intake, RejectedMessage, type IntakeDeps } from "../../lib/runtime/worker/intake";
import { redeliveryDelay } from "../../lib/runtime/worker/redelivery";
import type { RotatingSecret, SignatureCheck } from "../../lib/runtime/worker/secrets";
import { outboundMessage } from "./worker-harness";

const required = {
  queueUrl: "http://q",
  queueArn: "arn:q",
  dlqUrl: "http://d",
  quarantineQueueUrl: "http://q2",
  maxReceiveCount: 3,
  idempotencyTable: "t",
} as const;

function record(body: string, attributes: Partial<SQSRecordAttributes> = {}): SQSRecord {
  const now = String(Date.now());
  return {
    messageId: randomUUID(),
    receiptHandle: "rh",
    body,
    attributes: { ApproximateReceiveCount: "1", SentTimestamp: now, SenderId: "", ApproximateFirstReceiveTimestamp: now, ...attributes },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:q",
    awsRegion: "us-east-1",
  };
}

/** Intake of a webhook pipeline whose signature check always answers `verdict`. */
function webhookDeps(verdict: SignatureCheck, contract: Partial<WorkerContract> = {}): IntakeDeps {
  return {
    contract: withWorkerDefaults({ ...required, ingressKind: "webhook", signatureSecretArn: "arn:s", ...contract }),
    signingSecret: { check: async () => verdict } as unknown as RotatingSecret,
    idempotencyKeyOf: (message) => `key:${message.id}`,
    eventKeyOf: (event) => event.id,
  };
}

const eventStreamsDeps: IntakeDeps = {
  contract: withWorkerDefaults({ ...required, ingressKind: "eventStreams" }),
  idempotencyKeyOf: (message) => message.id,
  eventKeyOf: (event) => `event:${event.id}`,
};

/** The RejectedMessage intake throws for `r`, or undefined when it admits it. */
async function rejection(deps: IntakeDeps, r: SQSRecord): Promise<{ reason: string; errorName: string } | undefined> {
  try {
    await intake(deps, r);
    return undefined;
  } catch (error) {
    if (!(error instanceof RejectedMessage)) throw error;
    return { reason: error.reason, errorName: error.errorName };
  }
}

describe("intake", () => {
  it("admits a verified message with its idempotency key", async () => {
    const message = outboundMessage();
    const admitted = await intake(webhookDeps({ verdict: "valid" }), record(JSON.stringify(message)));
    expect(admitted).toMatchObject({ kind: "message", key: `key:${message.id}` });
  });

  it("rejects a bad signature before reading the body", async () => {
    expect(await rejection(webhookDeps({ verdict: "invalid" }), record("not json"))).toEqual({
      reason: "invalid-signature",
      errorName: "InvalidSignatureError",
    });
  });

  it("throws an UnverifiedSignatureError, retryable after the reload interval, when the signature cannot be settled yet", async () => {
    const error = await intake(webhookDeps({ verdict: "unverified", retryAfterMs: 1500 }), record("{}")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnverifiedSignatureError);
    expect((error as UnverifiedSignatureError).retryAfterSeconds).toBe(2);
  });

  it("rejects a body that is not JSON, an EventBridge event and a body that is not a message as malformed", async () => {
    const deps = webhookDeps({ verdict: "valid" });
    expect(await rejection(deps, record("{"))).toEqual({ reason: "malformed", errorName: "SyntaxError" });
    const event = { id: "e1", "detail-type": "x", source: "aws.partner/genesys.com/x", detail: {} };
    expect(await rejection(deps, record(JSON.stringify(event)))).toEqual({ reason: "malformed", errorName: "UnexpectedEventBridgeEvent" });
    expect(await rejection(deps, record(JSON.stringify({ hello: "world" })))).toEqual({ reason: "malformed", errorName: "ZodError" });
  });

  it("judges the signed time against the contract's replay window (its default when not set)", async () => {
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    const old = record(JSON.stringify(outboundMessage({ channel: { ...(outboundMessage().channel as object), time: hourAgo } })));
    expect(await rejection(webhookDeps({ verdict: "valid" }), old)).toEqual({ reason: "stale", errorName: "StaleSignedTimeError" });
    expect(await rejection(webhookDeps({ verdict: "valid" }, { replayWindowSeconds: 7200 }), old)).toBeUndefined();
    expect(await rejection(webhookDeps({ verdict: "valid" }, { replayWindowSeconds: 0 }), old)).toBeUndefined();
  });

  it("parses an Event Streams event, keyed by the event key", async () => {
    const event = {
      id: "e1",
      "detail-type": "v2.users.x",
      source: "aws.partner/genesys.com/x",
      detail: { topicName: "v2.users.x", eventBody: {} },
    };
    expect(await intake(eventStreamsDeps, record(JSON.stringify(event)))).toMatchObject({ kind: "event", key: "event:e1" });
    expect(await rejection(eventStreamsDeps, record(JSON.stringify({ nope: 1 })))).toEqual({ reason: "malformed", errorName: "ZodError" });
  });
});

describe("redelivery delay", () => {
  const deps = (backoffMaxSeconds: number) => ({
    contract: withWorkerDefaults({ ...required, ingressKind: "eventStreams", backoffBaseSeconds: 2, backoffMaxSeconds }),
    random: () => 0.999,
  });

  it("honours a Retry-After, capped by GCX_BACKOFF_MAX_SECONDS", () => {
    const throttled = new RetryableError("429", { retryAfterSeconds: 120 });
    expect(redeliveryDelay(deps(900), Date.now(), 1, throttled)).toBe(120);
    expect(redeliveryDelay(deps(60), Date.now(), 1, throttled)).toBe(60);
  });

  it("draws full jitter from the contract's backoff base", () => {
    expect(redeliveryDelay(deps(900), Date.now(), 3, new Error("x"))).toBe(8); // round(0.999 * 2 * 2^2)
  });

  it("keeps the delay within what is left of SQS's visibility limit, counted from the receive", () => {
    // Invoked so long ago that only about 10 s of the 12 h are left after the receive allowance (batching window + a minute).
    const invokedMs = Date.now() - (SQS_MAX_VISIBILITY_SECONDS - 360 - 10) * 1000;
    const delay = redeliveryDelay(deps(43_200), invokedMs, 1, new RetryableError("429", { retryAfterSeconds: 3600 }));
    expect(delay).toBeLessThanOrEqual(10);
    expect(delay).toBeGreaterThanOrEqual(9);
  });
});

describe("batch helpers", () => {
  const inGroup = (group: string) => record("{}", { MessageGroupId: group });

  it("groups FIFO records by message group, keeping the batch's order in each", () => {
    const [a1, b1, a2, b2, a3] = [inGroup("a"), inGroup("b"), inGroup("a"), inGroup("b"), inGroup("a")];
    expect(groupByMessageGroup([a1, b1, a2, b2, a3])).toEqual([
      [a1, a2, a3],
      [b1, b2],
    ]);
  });

  it("treats a batch as FIFO when the contract says so or a record carries a group", () => {
    const standard = { contract: withWorkerDefaults({ ...required, ingressKind: "eventStreams" }) };
    const fifo = { contract: withWorkerDefaults({ ...required, ingressKind: "eventStreams", fifo: true }) };
    expect(isFifoBatch(standard, [record("{}")])).toBe(false);
    expect(isFifoBatch(standard, [record("{}"), inGroup("g")])).toBe(true);
    expect(isFifoBatch(fifo, [])).toBe(true);
  });

  it("reports the failed records in the batch's order", () => {
    const records = [record("1"), record("2"), record("3")];
    const failures = new Set([records[2].messageId, records[0].messageId]);
    expect(batchResponse(records, failures)).toEqual({
      batchItemFailures: [{ itemIdentifier: records[0].messageId }, { itemIdentifier: records[2].messageId }],
    });
  });

  it("runs every item with at most `limit` in flight", async () => {
    let inFlight = 0;
    let most = 0;
    const seen: number[] = [];
    await pool([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      seen.push(n);
      inFlight--;
    });
    expect(most).toBe(3);
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
});
