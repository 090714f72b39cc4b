/**
 * Reconciliation: after sending, read the receipts the worker wrote (DynamoDB Query on
 * the run id) until every accepted message is accounted for or the deadline passes;
 * peek the operational DLQ for this run's messages (unexpected; made visible again);
 * drain this run's messages from the synthetic quarantine queue (other runs' messages
 * are made visible again). Then count processed, duplicates, dead letters and lost.
 */
import { scenarioPlanOf } from "./scenarios";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from "@aws-sdk/client-sqs";
import { setTimeout as sleep } from "node:timers/promises";
import { RECEIPTS_TABLE, type Receipt } from "../tables";
import { SYNTHETIC_KEY } from "../synthetic";
import { decodedTextOrUndefined, type MessageAttributesLike } from "../ingress-body";
import { newHistogram, recordMs, encodeHistogram, type Histogram } from "./histogram";
import { faultForSeq } from "./message";
import type { SpikeProfile } from "./profile";

/** Where an AWS client connects: explicit endpoint (local emulator, tests) or the SDK defaults. */
export interface AwsClientOptions {
  /** e.g. http://127.0.0.1:4566. Default: the SDK's (AWS_ENDPOINT_URL_*, then the regional endpoint). */
  readonly endpoint?: string;
  /** Default: the SDK's (AWS_REGION). */
  readonly region?: string;
  /** Default: the SDK's credential chain. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
}

export interface ReceiptsSource extends AwsClientOptions {
  readonly tableName: string;
}

export interface ReconcileOptions {
  readonly runId: string;
  /** Epoch ms of the plan's start. */
  readonly startMs: number;
  readonly profile: SpikeProfile;
  /** Planned offsets (ms from start) by sequence number. */
  readonly plan: Float64Array;
  /** Sequence numbers not accepted at the ingress (dropped or failed); every other planned one was accepted. */
  readonly notAccepted: readonly number[];
  readonly receipts: ReceiptsSource;
  readonly dlqUrl?: string;
  readonly quarantineQueueUrl?: string;
  /** Client settings for the queues. Default: the receipts' endpoint settings are not reused; SDK defaults. */
  readonly sqs?: AwsClientOptions;
  /** Epoch ms after which polling stops. */
  readonly deadlineMs: number;
  readonly pollIntervalMs: number;
  readonly onProgress?: (accounted: number, accepted: number) => void;
  /**
   * Epoch ms at which to stop polling before the deadline (a Lambda invocation about to end):
   * when reached with messages still open, {@link reconcileUntil} returns a
   * {@link PausedReconciliation} without the final scans (nothing is drained), to be resumed.
   * Default: none (poll until everything is accounted for or the deadline passes).
   */
  readonly stopAtMs?: number;
  /** Epoch ms the waiting began (an earlier invocation's start, when resumed), for `waitedSeconds`. Default: now. */
  readonly waitingSinceMs?: number;
}

/** A reconciliation stopped at `stopAtMs` with messages still open: resume it before its deadline. */
export interface PausedReconciliation {
  readonly reconciled: false;
  readonly paused: true;
  /** Accepted messages accounted for so far. */
  readonly accounted: number;
  readonly accepted: number;
  /** Accepted messages the worker is retrying (a retrying mark, no outcome yet). */
  readonly inFlight: number;
}

/** A message still being retried when the reconciliation ended: the worker's last retrying mark. */
export interface InFlightMessage {
  readonly seq: number;
  /** The receive that failed and was put back (the next attempt is attempt + 1). */
  readonly attempt: number;
  /** The worker's maxReceiveCount (it dead-letters on that attempt). */
  readonly maxAttempts?: number;
  /** Epoch ms the next attempt is due (the put-back time plus its delay). */
  readonly nextAttemptAtMs?: number;
}

/** A fault-marked message that did not behave as its marker demanded. */
export interface FaultViolation {
  readonly seq: number;
  readonly kind: string;
  readonly problem: string;
}

/** The delivery side of a run. */
export interface DeliveryResult {
  readonly reconciled: true;
  /** Accepted at the ingress. */
  readonly accepted: number;
  /** Messages with outcome processed (their end-to-end latency is in endToEndUs). */
  readonly processed: number;
  /** Messages with deliveries > 1 (normal at-least-once behaviour). */
  readonly duplicateDeliveries: number;
  /** Messages whose side effect ran more than once (must be 0). */
  readonly duplicateSideEffects: number;
  /** Poison-marked messages dead-lettered, as expected. */
  readonly deadLetteredExpected: number;
  /** Other dead letters: non-poison messages dead-lettered by the worker, or any of this run's messages in the operational DLQ. */
  readonly deadLetteredUnexpected: number;
  /** This run's messages found in the operational DLQ. */
  readonly inDlq: number;
  /** This run's messages deleted from the quarantine queue. */
  readonly quarantineDrained: number;
  /** Accepted but neither processed nor dead-lettered by the deadline, and never seen retrying. */
  readonly lost: number;
  /** Up to 50 lost sequence numbers. */
  readonly lostSeqs: number[];
  /**
   * Accepted, not resolved by the deadline, and still being retried by the worker (its
   * retrying mark is the last thing it wrote): reported next to `lost`, and failing the verdict
   * all the same (absent from reports written before it existed).
   */
  readonly inFlight?: number;
  /** Up to 50 of them, with their attempt ("attempt n of m"). */
  readonly inFlightSamples?: InFlightMessage[];
  /** Receipts of messages the ingress did not acknowledge (a timeout after the enqueue, for instance). */
  readonly deliveredUnacknowledged: number;
  /** Fault markers checked and the ones that misbehaved. */
  readonly faultChecks: { readonly checked: number; readonly violations: number; readonly samples: FaultViolation[] };
  /** Per-second count of processed messages by doneMs, index = second since the run start. */
  readonly deliveredTimeline: number[];
  /** A multi-scenario run: processed and lost per scenario, in the profile's scenario order. */
  readonly byScenario?: { readonly processed: number[]; readonly lost: number[] };
  /** Encoded histogram of planned send -> doneMs of processed messages, microseconds. */
  readonly endToEndUs: string;
  /** True when every accepted message was accounted for before the deadline. */
  readonly complete: boolean;
  /** Seconds spent waiting for receipts. */
  readonly waitedSeconds: number;
}

function dynamoDocClient(o: AwsClientOptions): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(
    new DynamoDBClient({
      ...(o.endpoint ? { endpoint: o.endpoint } : {}),
      ...(o.region ? { region: o.region } : {}),
      ...(o.credentials ? { credentials: o.credentials } : {}),
    }),
  );
}

/** An SQS client with explicit endpoint settings, or the SDK defaults. */
export function sqsClient(o: AwsClientOptions = {}): SQSClient {
  return new SQSClient({
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    ...(o.region ? { region: o.region } : {}),
    ...(o.credentials ? { credentials: o.credentials } : {}),
  });
}

/**
 * Whether a receipts table already holds receipts of `runId`. A run id names one run:
 * receipts are keyed by it and kept for days, so a second run under the same id would count
 * the first run's receipts as its own deliveries (and its own as duplicates).
 */
export async function runIdUsed(source: ReceiptsSource, runId: string): Promise<boolean> {
  const client = dynamoDocClient(source);
  try {
    const page = await client.send(
      new QueryCommand({
        TableName: source.tableName,
        KeyConditionExpression: "#pk = :run",
        ExpressionAttributeNames: { "#pk": RECEIPTS_TABLE.partitionKey },
        ExpressionAttributeValues: { ":run": runId },
        Limit: 1,
        ProjectionExpression: "#pk",
      }),
    );
    return (page.Items?.length ?? 0) > 0;
  } finally {
    client.destroy();
  }
}

/** Reads every receipt of a run with seq >= fromSeq. */
export async function readReceipts(client: DynamoDBDocumentClient, tableName: string, runId: string, fromSeq = 0): Promise<Receipt[]> {
  const out: Receipt[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: "#pk = :run AND #sk >= :from",
        ExpressionAttributeNames: { "#pk": RECEIPTS_TABLE.partitionKey, "#sk": RECEIPTS_TABLE.sortKey },
        ExpressionAttributeValues: { ":run": runId, ":from": fromSeq },
        ExclusiveStartKey: startKey,
        ConsistentRead: true,
      }),
    );
    out.push(...((page.Items ?? []) as Receipt[]));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return out;
}

/**
 * The synthetic marker's run id and seq of an SQS message, if its body has one: the body is
 * decoded first when its attributes mark it encoded (the ingress stores webhook bodies
 * base64-encoded, `x-body-encoding`), as every reader of a stored body does.
 */
export function syntheticIdentity(
  body: string | undefined,
  attributes?: MessageAttributesLike,
): { runId: string; seq: number } | undefined {
  const text = decodedTextOrUndefined(body, attributes);
  if (!text) return undefined;
  try {
    const marker = (JSON.parse(text) as Record<string, unknown>)[SYNTHETIC_KEY] as { runId?: unknown; seq?: unknown } | undefined;
    if (marker && typeof marker.runId === "string" && typeof marker.seq === "number") return { runId: marker.runId, seq: marker.seq };
  } catch {
    // not JSON: no marker
  }
  return undefined;
}

/**
 * Receives every visible message of a queue once (each hidden while the scan runs), keeps
 * this run's, then deletes them (`deleteOwn`) or makes them visible again, and always makes
 * other messages visible again. Returns this run's sequence numbers.
 */
export async function scanQueue(
  client: SQSClient,
  queueUrl: string,
  runId: string,
  deleteOwn: boolean,
  maxBatches = 1000,
): Promise<number[]> {
  const own: Message[] = [];
  const others: Message[] = [];
  const seen = new Set<string>();
  const seqs: number[] = [];
  try {
    for (let i = 0; i < maxBatches; i++) {
      const res = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          VisibilityTimeout: 60,
          MessageAttributeNames: ["All"],
        }),
      );
      const messages = res.Messages ?? [];
      if (messages.length === 0) break;
      for (const m of messages) {
        if (m.MessageId && seen.has(m.MessageId)) continue;
        if (m.MessageId) seen.add(m.MessageId);
        const id = syntheticIdentity(m.Body, m.MessageAttributes);
        if (id?.runId === runId) {
          own.push(m);
          seqs.push(id.seq);
        } else others.push(m);
      }
    }
  } finally {
    const release = deleteOwn ? others : [...others, ...own];
    for (let i = 0; i < release.length; i += 10) {
      const batch = release.slice(i, i + 10);
      await client
        .send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: queueUrl,
            Entries: batch.map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 })),
          }),
        )
        .catch(() => undefined);
    }
  }
  if (deleteOwn) {
    for (let i = 0; i < own.length; i += 10) {
      const batch = own.slice(i, i + 10);
      await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
    }
  }
  return [...new Set(seqs)].sort((a, b) => a - b);
}

/** What {@link inspectRedrivePolicy} reads: the ingress queue's SQS redrive policy and what it is checked against. */
export interface RedriveInspection {
  /** The ingress queue whose policy was read. */
  readonly queueUrl: string;
  readonly queueArn?: string;
  /** The queue's redrive policy; undefined when it has none. */
  readonly policy?: { readonly deadLetterTargetArn: string; readonly maxReceiveCount: number };
  /** The ARN of the DLQ given as `dlqUrl` (the one the policy must target); undefined when none was given. */
  readonly expectedDlqArn?: string;
  /** The worker's maxReceiveCount (the receive on which it dead-letters by itself); undefined when not known. */
  readonly workerMaxReceiveCount?: number;
  /** Set when the attributes could not be read (access denied, no such queue...): the check fails with it. */
  readonly error?: string;
}

/** Parses an SQS `RedrivePolicy` attribute (JSON; maxReceiveCount may be a number or a numeric string). */
export function parseRedrivePolicy(text: string | undefined): RedriveInspection["policy"] {
  if (!text) return undefined;
  const raw = JSON.parse(text) as { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
  const maxReceiveCount = Number(raw.maxReceiveCount);
  if (typeof raw.deadLetterTargetArn !== "string" || !raw.deadLetterTargetArn || !Number.isFinite(maxReceiveCount)) {
    throw new Error(`unreadable RedrivePolicy ${JSON.stringify(text.slice(0, 300))}`);
  }
  return { deadLetterTargetArn: raw.deadLetterTargetArn, maxReceiveCount };
}

/**
 * Reads the ingress queue's redrive policy (`GetQueueAttributes` RedrivePolicy and QueueArn)
 * and, when `dlqUrl` is given, the DLQ's ARN, for the verdict's `redrivePolicy` check.
 * Never throws: a failed read is returned in `error` (the check then fails and says why).
 * `sqs` is a client (left open) or the settings of one (created and destroyed here).
 */
export async function inspectRedrivePolicy(options: {
  readonly queueUrl: string;
  readonly dlqUrl?: string;
  readonly workerMaxReceiveCount?: number;
  readonly sqs?: AwsClientOptions | SQSClient;
}): Promise<RedriveInspection> {
  const own = !(options.sqs instanceof SQSClient);
  const client = options.sqs instanceof SQSClient ? options.sqs : sqsClient(options.sqs);
  const base = {
    queueUrl: options.queueUrl,
    ...(options.workerMaxReceiveCount !== undefined ? { workerMaxReceiveCount: options.workerMaxReceiveCount } : {}),
  };
  let queueArn: string | undefined;
  try {
    const queue = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: options.queueUrl, AttributeNames: ["RedrivePolicy", "QueueArn"] }),
    );
    queueArn = queue.Attributes?.QueueArn;
    const policy = parseRedrivePolicy(queue.Attributes?.RedrivePolicy);
    let expectedDlqArn: string | undefined;
    if (options.dlqUrl) {
      const dlq = await client.send(new GetQueueAttributesCommand({ QueueUrl: options.dlqUrl, AttributeNames: ["QueueArn"] }));
      expectedDlqArn = dlq.Attributes?.QueueArn;
      if (!expectedDlqArn) throw new Error(`the DLQ ${options.dlqUrl} returned no QueueArn`);
    }
    return { ...base, ...(queueArn ? { queueArn } : {}), ...(policy ? { policy } : {}), ...(expectedDlqArn ? { expectedDlqArn } : {}) };
  } catch (error) {
    const e = error as Error;
    return { ...base, ...(queueArn ? { queueArn } : {}), error: `${e.name && e.name !== "Error" ? `${e.name}: ` : ""}${e.message}` };
  } finally {
    if (own) client.destroy();
  }
}

/** Polls the receipts until the accepted messages are accounted for or the deadline passes, then counts. */
/** Clock and timer slack allowed per attempt when checking a throttle marker's wait, milliseconds. */
const TIMER_TOLERANCE_MS = 10;

export async function reconcile(options: ReconcileOptions): Promise<DeliveryResult> {
  const result = await reconcileUntil({ ...options, stopAtMs: undefined });
  if (!result.reconciled) throw new Error("reconcile: paused without a stop time"); // unreachable
  return result;
}

/**
 * {@link reconcile}, stopping at `stopAtMs` (when given and before the deadline) with a
 * {@link PausedReconciliation} when messages are still open. Nothing is kept in memory
 * between a pause and its resumption: the receipts and queues are read again.
 */
export async function reconcileUntil(options: ReconcileOptions): Promise<DeliveryResult | PausedReconciliation> {
  const { runId, startMs, plan, profile } = options;
  const began = options.waitingSinceMs ?? Date.now();
  const stopAt = options.stopAtMs !== undefined && options.stopAtMs < options.deadlineMs ? options.stopAtMs : options.deadlineMs;
  const notAccepted = new Set(options.notAccepted);
  const acceptedSeqs: number[] = [];
  for (let seq = 0; seq < plan.length; seq++) if (!notAccepted.has(seq)) acceptedSeqs.push(seq);

  const dynamo = dynamoDocClient(options.receipts);
  const sqs = options.dlqUrl || options.quarantineQueueUrl ? sqsClient(options.sqs) : undefined;
  const receipts = new Map<number, Receipt>();
  const dlqSeqs = new Set<number>();
  // This run's synthetic dead letters: a receipt may be missing (its write failed before the
  // dead letter was deleted), but a message in the quarantine queue is dead-lettered, not lost.
  const quarantineSeqs = new Set<number>();
  let lastDlqPeek = 0;

  // A receipt without an outcome is the worker's retrying mark: the message is still in flight.
  const resolved = (seq: number) => receipts.get(seq)?.outcome !== undefined;
  const accountedFor = (seq: number) => resolved(seq) || dlqSeqs.has(seq) || quarantineSeqs.has(seq);
  let firstOpen = 0; // index into acceptedSeqs of the lowest not yet accounted for
  let open = acceptedSeqs.length;
  try {
    for (;;) {
      const from = firstOpen < acceptedSeqs.length ? acceptedSeqs[firstOpen] : 0;
      for (const r of await readReceipts(dynamo, options.receipts.tableName, runId, from)) receipts.set(Number(r.seq), r);
      while (firstOpen < acceptedSeqs.length && accountedFor(acceptedSeqs[firstOpen])) firstOpen++;
      open = acceptedSeqs.length - acceptedSeqs.filter(accountedFor).length;
      options.onProgress?.(acceptedSeqs.length - open, acceptedSeqs.length);
      if (open === 0) break;
      // messages SQS itself moved to the DLQ, and dead letters whose receipt could not be
      // written, leave no receipt: look in the DLQ and the quarantine queue every 15 s
      if (sqs && (options.dlqUrl || options.quarantineQueueUrl) && Date.now() - lastDlqPeek > 15_000) {
        lastDlqPeek = Date.now();
        if (options.dlqUrl) for (const seq of await scanQueue(sqs, options.dlqUrl, runId, false)) dlqSeqs.add(seq);
        if (options.quarantineQueueUrl)
          for (const seq of await scanQueue(sqs, options.quarantineQueueUrl, runId, false)) quarantineSeqs.add(seq);
        // a scan of a long queue may itself outlast the deadline: check it before looking again
        if (Date.now() >= stopAt) break;
        continue;
      }
      if (Date.now() + options.pollIntervalMs > stopAt) break;
      await sleep(options.pollIntervalMs);
    }
    if (open > 0 && stopAt < options.deadlineMs) {
      // stopped for another invocation to resume: no final scans, nothing drained
      const inFlight = acceptedSeqs.filter((seq) => !accountedFor(seq) && receipts.has(seq)).length;
      sqs?.destroy(); // the table client is destroyed below
      return { reconciled: false, paused: true, accounted: acceptedSeqs.length - open, accepted: acceptedSeqs.length, inFlight };
    }
    // one full read at the end catches late duplicate deliveries of early messages
    for (const r of await readReceipts(dynamo, options.receipts.tableName, runId, 0)) receipts.set(Number(r.seq), r);
    if (sqs && options.dlqUrl) for (const seq of await scanQueue(sqs, options.dlqUrl, runId, false)) dlqSeqs.add(seq);
  } finally {
    dynamo.destroy();
  }
  const quarantined = sqs && options.quarantineQueueUrl ? await scanQueue(sqs, options.quarantineQueueUrl, runId, true) : [];
  sqs?.destroy();
  for (const seq of quarantined) quarantineSeqs.add(seq);

  const e2e: Histogram = newHistogram();
  const deliveredTimeline: number[] = [];
  let processed = 0;
  let duplicateDeliveries = 0;
  let duplicateSideEffects = 0;
  let deadLetteredExpected = 0;
  let deadLetteredUnexpected = 0;
  let deliveredUnacknowledged = 0;
  const samples: FaultViolation[] = [];
  let checked = 0;
  let violations = 0;
  const violate = (v: FaultViolation) => {
    violations++;
    if (samples.length < 20) samples.push(v);
  };

  for (const [seq, r] of receipts) {
    if (seq < 0 || seq >= plan.length || r.outcome === undefined) continue;
    if (notAccepted.has(seq)) deliveredUnacknowledged++;
    if (Number(r.deliveries ?? 0) > 1) duplicateDeliveries++;
    if (Number(r.effects ?? 0) > 1) duplicateSideEffects++;
    const fault = faultForSeq(runId, seq, profile.faults);
    if (r.outcome === "processed") {
      processed++;
      recordMs(e2e, Number(r.doneMs) - (startMs + plan[seq]));
      const second = Math.max(0, Math.floor((Number(r.doneMs) - startMs) / 1000));
      while (deliveredTimeline.length <= second) deliveredTimeline.push(0);
      deliveredTimeline[second]++;
    } else if (dlqSeqs.has(seq)) {
      // counted below, with every message of this run in the operational DLQ
    } else if (fault?.kind === "poison") deadLetteredExpected++;
    else deadLetteredUnexpected++;

    if (fault) {
      checked++;
      if (fault.kind === "poison" && r.outcome === "processed") violate({ seq, kind: "poison", problem: "a poison message was processed" });
      if (fault.kind !== "poison" && r.outcome === "processed") {
        const expectedAttempts = (fault.attempts ?? 1) + 1;
        if (Number(r.attempts) < expectedAttempts) {
          violate({ seq, kind: fault.kind, problem: `processed after ${r.attempts} attempt(s), expected at least ${expectedAttempts}` });
        }
        // A receive spent on another failure (an idempotency-store outage, say) before the fault
        // applied shifts the marker's receive count: its Retry-After was then never asked for.
        if (fault.kind === "throttle" && !(Number(r.otherFailures ?? 0) > 0)) {
          const waited = Number(r.doneMs) - Number(r.firstReceiveMs);
          // Every attempt spends workMs before its fault applies, so an honoured Retry-After
          // means at least: throttled attempts x (work + Retry-After) + the last attempt's work.
          // Without the work terms, a large workMs would hide an immediate retry.
          const throttled = fault.attempts ?? 1;
          const retryAfterMs = (fault.retryAfterSeconds ?? 1) * 1000;
          const minimum = throttled * (profile.workMs + retryAfterMs) + profile.workMs - TIMER_TOLERANCE_MS * (throttled + 1);
          if (waited < minimum) {
            violate({
              seq,
              kind: "throttle",
              problem: `processed ${waited} ms after its first receive, sooner than ${throttled} x (work ${profile.workMs} ms + Retry-After ${retryAfterMs} ms) + work allows`,
            });
          }
        }
      }
    }
  }
  // Any message of this run in the operational DLQ is unexpected (synthetic dead letters go to
  // the quarantine queue), receipt or not: a processed message's copy moved there by SQS's
  // redrive, or a dead letter sent to the wrong queue, would page on-call.
  for (const seq of dlqSeqs) {
    if (seq >= 0 && seq < plan.length) deadLetteredUnexpected++;
  }
  for (const seq of quarantineSeqs) {
    if (resolved(seq) || dlqSeqs.has(seq) || seq < 0 || seq >= plan.length) continue;
    const fault = faultForSeq(runId, seq, profile.faults);
    if (fault?.kind === "poison") {
      deadLetteredExpected++;
      checked++; // a poison message dead-lettered, not processed: its check holds
    } else deadLetteredUnexpected++;
  }
  const unresolved = acceptedSeqs.filter((seq) => !accountedFor(seq));
  const lostSeqs = unresolved.filter((seq) => !receipts.has(seq));
  const inFlight: InFlightMessage[] = unresolved
    .filter((seq) => receipts.has(seq))
    .map((seq) => {
      const r = receipts.get(seq)!;
      return {
        seq,
        attempt: Number(r.retryAttempt ?? 0),
        ...(r.retryOf !== undefined ? { maxAttempts: Number(r.retryOf) } : {}),
        ...(r.nextAttemptAtMs !== undefined ? { nextAttemptAtMs: Number(r.nextAttemptAtMs) } : {}),
      };
    });
  const scenarioPlan = scenarioPlanOf(profile);
  let byScenario: DeliveryResult["byScenario"];
  if (scenarioPlan && profile.scenarios) {
    const tally = { processed: profile.scenarios.map(() => 0), lost: profile.scenarios.map(() => 0) };
    for (const [seq, r] of receipts)
      if (r.outcome === "processed" && seq >= 0 && seq < plan.length) tally.processed[scenarioPlan.scenarioOf[seq]]++;
    for (const seq of lostSeqs) tally.lost[scenarioPlan.scenarioOf[seq]]++;
    byScenario = tally;
  }
  return {
    ...(byScenario ? { byScenario } : {}),
    reconciled: true,
    accepted: acceptedSeqs.length,
    processed,
    duplicateDeliveries,
    duplicateSideEffects,
    deadLetteredExpected,
    deadLetteredUnexpected,
    inDlq: dlqSeqs.size,
    quarantineDrained: quarantined.length,
    lost: lostSeqs.length,
    lostSeqs: lostSeqs.slice(0, 50),
    inFlight: inFlight.length,
    inFlightSamples: inFlight.slice(0, 50),
    deliveredUnacknowledged,
    faultChecks: { checked, violations, samples },
    deliveredTimeline,
    endToEndUs: encodeHistogram(e2e),
    complete: unresolved.length === 0,
    waitedSeconds: Math.round((Date.now() - began) / 100) / 10,
  };
}
