/**
 * Reconciliation: after sending, read the receipts the worker wrote (DynamoDB Query on
 * the run id) until every accepted message is accounted for or the deadline passes;
 * peek the operational DLQ for this run's messages (unexpected; made visible again);
 * drain this run's messages from the synthetic quarantine queue (other runs' messages
 * are made visible again). Then count processed, duplicates, dead letters and lost.
 */
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
import { accountedFor, countDelivery, type Sightings } from "./reconcile-count";
import { SQS_MAX_BATCH_MESSAGES } from "../aws-limits";
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
          MaxNumberOfMessages: SQS_MAX_BATCH_MESSAGES,
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
    for (let i = 0; i < release.length; i += SQS_MAX_BATCH_MESSAGES) {
      const batch = release.slice(i, i + SQS_MAX_BATCH_MESSAGES);
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
    for (let i = 0; i < own.length; i += SQS_MAX_BATCH_MESSAGES) {
      const batch = own.slice(i, i + SQS_MAX_BATCH_MESSAGES);
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
export async function reconcile(options: ReconcileOptions): Promise<DeliveryResult> {
  const result = await reconcileUntil({ ...options, stopAtMs: undefined });
  if (!result.reconciled) throw new Error("reconcile: paused without a stop time"); // unreachable
  return result;
}

/** The clients and the accepted messages one reconciliation reads for. */
interface ReconcileReading {
  readonly options: ReconcileOptions;
  readonly dynamo: DynamoDBDocumentClient;
  readonly sqs: SQSClient | undefined;
  readonly seen: Sightings;
  readonly acceptedSeqs: readonly number[];
  /** Epoch ms polling stops at: the stop time when before the deadline, else the deadline. */
  readonly stopAt: number;
}

/**
 * Reads the receipts (from the lowest message still open) until every accepted message is
 * accounted for or `stopAt` comes; messages SQS itself moved to the DLQ, and dead letters
 * whose receipt could not be written, leave no receipt, so the DLQ and the quarantine queue
 * are looked in every 15 s. Returns how many accepted messages are still open.
 */
async function pollUntilAccounted(r: ReconcileReading): Promise<number> {
  const { options, dynamo, sqs, seen, acceptedSeqs, stopAt } = r;
  const { runId } = options;
  let lastDlqPeek = 0;
  let firstOpen = 0; // index into acceptedSeqs of the lowest not yet accounted for
  let open = acceptedSeqs.length;
  for (;;) {
    const from = firstOpen < acceptedSeqs.length ? acceptedSeqs[firstOpen] : 0;
    for (const receipt of await readReceipts(dynamo, options.receipts.tableName, runId, from))
      seen.receipts.set(Number(receipt.seq), receipt);
    while (firstOpen < acceptedSeqs.length && accountedFor(seen, acceptedSeqs[firstOpen])) firstOpen++;
    open = acceptedSeqs.length - acceptedSeqs.filter((seq) => accountedFor(seen, seq)).length;
    options.onProgress?.(acceptedSeqs.length - open, acceptedSeqs.length);
    if (open === 0) break;
    if (sqs && (options.dlqUrl || options.quarantineQueueUrl) && Date.now() - lastDlqPeek > 15_000) {
      lastDlqPeek = Date.now();
      if (options.dlqUrl) for (const seq of await scanQueue(sqs, options.dlqUrl, runId, false)) seen.dlqSeqs.add(seq);
      if (options.quarantineQueueUrl)
        for (const seq of await scanQueue(sqs, options.quarantineQueueUrl, runId, false)) seen.quarantineSeqs.add(seq);
      // a scan of a long queue may itself outlast the deadline: check it before looking again
      if (Date.now() >= stopAt) break;
      continue;
    }
    if (Date.now() + options.pollIntervalMs > stopAt) break;
    await sleep(options.pollIntervalMs);
  }
  return open;
}

/**
 * {@link reconcile}, stopping at `stopAtMs` (when given and before the deadline) with a
 * {@link PausedReconciliation} when messages are still open. Nothing is kept in memory
 * between a pause and its resumption: the receipts and queues are read again.
 */
export async function reconcileUntil(options: ReconcileOptions): Promise<DeliveryResult | PausedReconciliation> {
  const { runId, plan } = options;
  const began = options.waitingSinceMs ?? Date.now();
  const stopAt = options.stopAtMs !== undefined && options.stopAtMs < options.deadlineMs ? options.stopAtMs : options.deadlineMs;
  const notAccepted = new Set(options.notAccepted);
  const acceptedSeqs: number[] = [];
  for (let seq = 0; seq < plan.length; seq++) if (!notAccepted.has(seq)) acceptedSeqs.push(seq);

  const dynamo = dynamoDocClient(options.receipts);
  const sqs = options.dlqUrl || options.quarantineQueueUrl ? sqsClient(options.sqs) : undefined;
  const seen: Sightings = { receipts: new Map<number, Receipt>(), dlqSeqs: new Set<number>(), quarantineSeqs: new Set<number>() };
  try {
    const open = await pollUntilAccounted({ options, dynamo, sqs, seen, acceptedSeqs, stopAt });
    if (open > 0 && stopAt < options.deadlineMs) {
      // stopped for another invocation to resume: no final scans, nothing drained
      const inFlight = acceptedSeqs.filter((seq) => !accountedFor(seen, seq) && seen.receipts.has(seq)).length;
      sqs?.destroy(); // the table client is destroyed below
      return { reconciled: false, paused: true, accounted: acceptedSeqs.length - open, accepted: acceptedSeqs.length, inFlight };
    }
    // one full read at the end catches late duplicate deliveries of early messages
    for (const r of await readReceipts(dynamo, options.receipts.tableName, runId, 0)) seen.receipts.set(Number(r.seq), r);
    if (sqs && options.dlqUrl) for (const seq of await scanQueue(sqs, options.dlqUrl, runId, false)) seen.dlqSeqs.add(seq);
  } finally {
    dynamo.destroy();
  }
  const quarantined = sqs && options.quarantineQueueUrl ? await scanQueue(sqs, options.quarantineQueueUrl, runId, true) : [];
  sqs?.destroy();
  for (const seq of quarantined) seen.quarantineSeqs.add(seq);
  return countDelivery(
    {
      runId,
      startMs: options.startMs,
      profile: options.profile,
      plan,
      notAccepted,
      acceptedSeqs,
      quarantineDrained: quarantined.length,
      began,
    },
    seen,
  );
}
