/**
 * `createWorker`: the SQS batch handler of a pipeline's worker function.
 *
 * Per record: signature (webhook pipelines) -> parse -> idempotency -> handler (or the
 * synthetic path) -> outcome. Failures go back on the queue with a visibility change
 * (Retry-After / full-jitter backoff, never a sleep), or to the DLQ with the
 * `x-dead-letter` context. Returns `{ batchItemFailures }` (ReportBatchItemFailures).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { IdempotencyAlreadyInProgressError, IdempotencyConfig, makeIdempotent } from "@aws-lambda-powertools/idempotency";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { DEFAULT_BACKOFF_MAX_SECONDS, redeliveryDelaySeconds, SQS_MAX_VISIBILITY_SECONDS } from "../backoff";
import {
  DEFAULT_SYNTHETIC_DOWNSTREAM,
  parseWorkerContract,
  WORKER_CAPABILITY_SETTINGS,
  WORKER_CONTRACT,
  type WorkerContract,
} from "../contract";
import { DEAD_LETTER_ATTRIBUTE, encodeDeadLetterContext, type DeadLetterReason } from "../dead-letter";
import { CircuitOpenError, PermanentError, RetryableError, ThrottledError } from "../errors";
import { withInvocationDeadline } from "../invocation";
import { decodeMessageBody, decodedTextOrUndefined } from "../ingress-body";
import { GenesysClient, GenesysNotConfiguredError, simulatedGenesysTransport } from "../genesys/client";
import { Downstream, simulatedTransport, type HttpTransport } from "../genesys/downstream";
import {
  defaultIdempotencyKey,
  genesysEventBridgeEventSchema,
  looksLikeEventBridgeEvent,
  normalizedMessageSchema,
  type GenesysEventBridgeEvent,
  type NormalizedMessage,
} from "../normalized-message";
import { DEFAULT_REPLAY_WINDOW_SECONDS, judgeSignedTime } from "../replay-window";
import { SIGNATURE_HEADER } from "../signature";
import { faultFor, readSyntheticMarker, type SyntheticMarker } from "../synthetic";
import { DEFAULT_IDEMPOTENCY_TTL_SECONDS, receiptUpdate, retryingMarkUpdate, IDEMPOTENCY_TABLE } from "../tables";
import { moveAside, UnverifiedSignatureError } from "./aside";
import { forwardedAttributes, recordFirstSentMs } from "./attributes";
import { WORKER_METRICS, type WorkerMetricName } from "./metrics";
import { RotatingSecret, loadGenesysCredentials } from "./secrets";
import type { WorkerContext, WorkerHandlers, WorkerOptions } from "./types";

/**
 * Powertools' DynamoDB persistence, with one change: when recording a completed message fails
 * (the idempotency table briefly unreachable), the write is retried with backoff for as long
 * as the invocation has time, instead of failing at once. The side effect has already
 * happened; a failed completion would leave the record in progress, and the redelivery after
 * it expires would run the handler again. Bounded by the invocation's remaining time, so it
 * never turns into a timeout; what cannot be recorded in time fails as before (at-least-once).
 */
class CompletionRetryingPersistenceLayer extends DynamoDBPersistenceLayer {
  /** Milliseconds this invocation may still spend; set per invocation. */
  completionBudgetMs: () => number = () => 0;

  protected override async _updateRecord(record: Parameters<DynamoDBPersistenceLayer["_updateRecord"]>[0]): Promise<void> {
    return retryWithinBudget(() => super._updateRecord(record), this.completionBudgetMs);
  }
}

/**
 * How long before the invocation SQS may have handed out its records, seconds: the event
 * source mapping's longest batching window (300 s) plus a minute of polling and queueing.
 */
const RECEIVE_BEFORE_INVOCATION_SECONDS = 360;

/** Time kept at the invocation's end for answering the batch, after the bookkeeping, milliseconds. */
const BOOKKEEPING_RESERVE_MS = 500;

/**
 * Retries a bookkeeping write (a completion record, a receipt) with full-jitter backoff while
 * a try can still finish within `budgetMs()`: a new try starts only when a second (for the
 * write) is left after its wait. These writes follow work already done, so giving up early
 * would repeat or hide that work.
 */
async function retryWithinBudget<T>(write: () => Promise<T>, budgetMs: () => number): Promise<T> {
  let delayMs = 100;
  for (;;) {
    try {
      return await write();
    } catch (error) {
      const waitMs = Math.random() * delayMs;
      if (budgetMs() < waitMs + 1000) throw error;
      await sleep(waitMs);
      delayMs = Math.min(delayMs * 2, 2000);
    }
  }
}

/** The Lambda handler createWorker returns. */
export type SqsBatchHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/** A body the worker refuses before the handler: dead-lettered at once. */
class RejectedMessage extends Error {
  constructor(
    readonly reason: Extract<DeadLetterReason, "invalid-signature" | "malformed" | "stale">,
    readonly errorName: string,
    message: string,
  ) {
    super(message);
  }
}

/** A synthetic poison fault: fails every attempt, so the message is exhausted. */
export class SyntheticPoisonError extends Error {
  override readonly name = "SyntheticPoisonError";
}

type Intake =
  | { kind: "message"; message: NormalizedMessage; marker?: SyntheticMarker; key: string }
  | { kind: "event"; event: GenesysEventBridgeEvent; key: string };

const DEFAULTS = {
  idempotencyTtlSeconds: DEFAULT_IDEMPOTENCY_TTL_SECONDS,
  receiptTtlSeconds: 604_800,
  backoffBaseSeconds: 2,
  backoffMaxSeconds: DEFAULT_BACKOFF_MAX_SECONDS,
  concurrency: 10,
  timeoutMarginMs: 2000,
  metricsNamespace: "GenesysConsumer",
  serviceName: "genesys-consumer-worker",
} as const;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Creates the worker's Lambda handler. The contract is parsed here, once, at cold start:
 * a bad environment throws a ContractError naming every bad variable.
 */
export function createWorker(handlers: WorkerHandlers, options: WorkerOptions = {}): SqsBatchHandler {
  const contract: WorkerContract = options.contract ?? parseWorkerContract(options.env ?? process.env);
  if (contract.ingressKind === "webhook" && typeof handlers.handle !== "function") {
    throw new TypeError("createWorker: a webhook pipeline (GCX_INGRESS_KIND=webhook) needs handlers.handle(message, ctx)");
  }
  if (contract.ingressKind === "eventStreams" && typeof handlers.handleEvent !== "function") {
    throw new TypeError("createWorker: an eventStreams pipeline (GCX_INGRESS_KIND=eventStreams) needs handlers.handleEvent(event, ctx)");
  }
  const concurrency = options.concurrency ?? DEFAULTS.concurrency;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new RangeError(`createWorker: concurrency must be an integer >= 1, got ${concurrency}`);

  const sqs = options.sqs ?? new SQSClient({});
  const dynamodb = options.dynamodb ?? new DynamoDBClient({});
  const documents = DynamoDBDocumentClient.from(dynamodb);
  let secretsManager = options.secretsManager;
  const secrets = () => (secretsManager ??= new SecretsManagerClient({}));
  const logger = options.logger ?? new Logger({ serviceName: DEFAULTS.serviceName });
  const metrics =
    options.metrics ??
    new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? DEFAULTS.metricsNamespace, serviceName: DEFAULTS.serviceName });
  const random = options.random ?? Math.random;
  const timeoutMarginMs = options.timeoutMarginMs ?? DEFAULTS.timeoutMarginMs;
  const backoffBase = contract.backoffBaseSeconds ?? DEFAULTS.backoffBaseSeconds;
  const backoffMax = contract.backoffMaxSeconds ?? DEFAULTS.backoffMaxSeconds;
  const idempotencyKeyOf = options.idempotencyKey ?? defaultIdempotencyKey;
  const eventKeyOf = options.eventIdempotencyKey ?? ((event: GenesysEventBridgeEvent) => event.id);

  const signingSecret =
    contract.ingressKind === "webhook"
      ? new RotatingSecret(secrets(), contract.signatureSecretArn as string, {
          minRefreshIntervalMs: (options.secretRefreshMinIntervalSeconds ?? 30) * 1000,
          maxAgeMs: (options.secretMaxAgeSeconds ?? 300) * 1000,
        })
      : undefined;

  const count = (name: WorkerMetricName, value = 1) => metrics.addMetric(name, MetricUnit.Count, value);

  const genesys =
    options.genesys ??
    new GenesysClient({
      region: contract.genesysRegion ?? "us-east-1",
      apiBaseUrl: contract.genesysApiBaseUrl,
      loginBaseUrl: contract.genesysLoginBaseUrl,
      ratePerSecond: contract.downstreamRatePerSecond ?? 1,
      burst: contract.downstreamBurst,
      breaker: options.breaker,
      // Nothing declared: the first ctx.genesys call fails (not the cold start: a worker that never calls Genesys keeps working).
      notConfigured: contract.genesysCredentialsSecretArn ? undefined : genesysNotDeclared(),
      credentials: () => loadGenesysCredentials(secrets(), contract.genesysCredentialsSecretArn as string),
    });

  const downstreams = new Map<string, Downstream>();
  const downstream = (name: string) => {
    let d = downstreams.get(name);
    if (!d) downstreams.set(name, (d = new Downstream({ breaker: options.breaker, ...options.downstreams?.[name], name })));
    return d;
  };

  // What a synthetic message's downstream calls do: simulated by default (the nightly spike
  // touches no real downstream), for real only when the stack names what is called.
  const syntheticMode = contract.syntheticDownstream ?? DEFAULT_SYNTHETIC_DOWNSTREAM;
  const syntheticTarget = syntheticMode === "simulate" ? undefined : contract.syntheticDownstreamTarget;
  const syntheticLabel = syntheticTarget === undefined ? "simulate" : `${syntheticMode}: ${syntheticTarget}`;
  const countSimulated = () => count(WORKER_METRICS.syntheticCallsSimulated);
  const countingFetch: HttpTransport = (url, init) => {
    count(WORKER_METRICS.syntheticCallsMade);
    return fetch(url, init);
  };
  const syntheticGenesys =
    syntheticMode === "simulate"
      ? genesys.withTransport(simulatedGenesysTransport(countSimulated))
      : genesys.withTransport(countingFetch, { shareTokens: true });
  const syntheticDownstreams = new Map<string, Downstream>();
  const syntheticDownstream = (name: string) => {
    let d = syntheticDownstreams.get(name);
    if (!d) {
      d =
        syntheticMode === "call"
          ? downstream(name).withTransport(countingFetch)
          : downstream(name).withTransport(simulatedTransport(countSimulated), {
              refuseCall: `ctx.downstream("${name}").call(fn) cannot be simulated for a synthetic message (${WORKER_CONTRACT.syntheticDownstream.env}=${syntheticMode}): use .fetch(url, init), skip the call when ctx.synthetic is set, or let synthetic messages call it for real with the worker prop synthetic: { downstream: "call", target: "<what it calls>" }`,
            });
      syntheticDownstreams.set(name, d);
    }
    return d;
  };
  logger.info("synthetic messages' downstream calls", {
    syntheticDownstream: syntheticMode,
    target: syntheticTarget ?? "none (simulated, no network call)",
  });

  const persistenceStore = new CompletionRetryingPersistenceLayer({
    tableName: contract.idempotencyTable,
    keyAttr: IDEMPOTENCY_TABLE.partitionKey,
    expiryAttr: IDEMPOTENCY_TABLE.ttlAttribute,
    awsSdkV3Client: dynamodb,
  });

  /** Checks the signature and parses the body; throws RejectedMessage for a body to dead-letter. */
  async function intake(record: SQSRecord): Promise<Intake> {
    // When SQS first received it (carried across redrives): what the signature and the signed time are judged against.
    const firstSent = recordFirstSentMs(record) ?? Date.now();
    // The body as the producer sent it (the ingress stores it base64-encoded, x-body-encoding):
    // the signature is checked on these exact bytes (read as UTF-8, which keeps any valid UTF-8).
    let body: string;
    try {
      body = decodeMessageBody(record.body, record.messageAttributes).text;
    } catch (error) {
      throw new RejectedMessage("malformed", (error as Error).name, (error as Error).message);
    }
    if (contract.ingressKind === "webhook") {
      const header = attributeValue(record, SIGNATURE_HEADER);
      const check = await (signingSecret as RotatingSecret).check(body, header, firstSent);
      if (check.verdict === "unverified") {
        // Possibly signed with a secret rotated in since the last reload, which was too recent
        // to reload again: checked again after the next reload (FIFO: out of its group), not dead-lettered.
        throw new UnverifiedSignatureError(
          `${SIGNATURE_HEADER} matches no cached secret version and the secret was reloaded moments ago; checked again after the next reload`,
          {
            retryAfterSeconds: Math.ceil(check.retryAfterMs / 1000),
          },
        );
      }
      if (check.verdict === "invalid") {
        throw new RejectedMessage(
          "invalid-signature",
          "InvalidSignatureError",
          header === undefined
            ? `no ${SIGNATURE_HEADER} message attribute`
            : `${SIGNATURE_HEADER} matches neither the current nor the previous secret`,
        );
      }
    }
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch (error) {
      throw new RejectedMessage("malformed", "SyntaxError", `the body is not JSON: ${(error as Error).message}`);
    }
    if (contract.ingressKind === "eventStreams") {
      const parsed = genesysEventBridgeEventSchema.safeParse(json);
      if (!parsed.success) throw new RejectedMessage("malformed", "ZodError", `not a Genesys EventBridge event: ${issues(parsed.error)}`);
      return { kind: "event", event: parsed.data, key: eventKeyOf(parsed.data) };
    }
    if (looksLikeEventBridgeEvent(json)) {
      // The ingress kind comes from the contract, never from the body: no EventBridge path here.
      throw new RejectedMessage(
        "malformed",
        "UnexpectedEventBridgeEvent",
        "an EventBridge-shaped body reached a webhook pipeline; it is not a NormalizedMessage",
      );
    }
    let marker: SyntheticMarker | undefined;
    try {
      marker = readSyntheticMarker(json);
    } catch (error) {
      throw new RejectedMessage("malformed", (error as Error).name, (error as Error).message);
    }
    const parsed = normalizedMessageSchema.safeParse(json);
    if (!parsed.success) throw new RejectedMessage("malformed", "ZodError", `not a NormalizedMessage: ${issues(parsed.error)}`);
    const signedTime = judgeSignedTime(parsed.data.channel.time, firstSent, contract.replayWindowSeconds ?? DEFAULT_REPLAY_WINDOW_SECONDS);
    if (!signedTime.ok) throw new RejectedMessage("stale", signedTime.errorName, signedTime.message);
    return { kind: "message", message: parsed.data, marker, key: idempotencyKeyOf(parsed.data) };
  }

  return async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
    const requestId = context?.awsRequestId ?? "";
    const invokedMs = Date.now();
    const remaining = () =>
      typeof context?.getRemainingTimeInMillis === "function" ? context.getRemainingTimeInMillis() : Number.POSITIVE_INFINITY;
    // Bookkeeping of work already done may use all but the last moments of the invocation
    // (not timeoutMarginMs, which keeps new records from starting): giving up earlier would
    // repeat the work on redelivery.
    persistenceStore.completionBudgetMs = () => remaining() - BOOKKEEPING_RESERVE_MS;
    const idempotent = makeIdempotent(async (_key: { key: string }, work: () => Promise<{ doneMs: number }>) => work(), {
      persistenceStore,
      keyPrefix: "message",
      config: new IdempotencyConfig({
        expiresAfterSeconds: contract.idempotencyTtlSeconds ?? DEFAULTS.idempotencyTtlSeconds,
        // The in-progress record expires with this invocation, so a crash does not block redelivery.
        lambdaContext: typeof context?.getRemainingTimeInMillis === "function" ? context : undefined,
      }),
    });

    async function deadLetter(
      record: SQSRecord,
      reason: DeadLetterReason,
      error: { name: string; message: string },
      attempt: number,
      marker: SyntheticMarker | undefined,
      log: Logger,
    ): Promise<boolean> {
      const now = Date.now();
      const quarantine = marker !== undefined && reason !== "invalid-signature";
      const target = quarantine ? contract.quarantineQueueUrl : contract.dlqUrl;
      const context = encodeDeadLetterContext({
        reason,
        error: error.name,
        message: error.message,
        attempts: attempt,
        firstReceiveMs: Number(record.attributes.ApproximateFirstReceiveTimestamp) || now,
        lastReceiveMs: now,
        firstSentMs: recordFirstSentMs(record),
        requestId,
        sourceQueueArn: contract.queueArn,
      });
      const attributes = forwardedAttributes(record);
      attributes[DEAD_LETTER_ATTRIBUTE] = { DataType: "String", StringValue: context };
      const groupId = record.attributes.MessageGroupId;
      try {
        await sqs.send(
          new SendMessageCommand({
            QueueUrl: target,
            MessageBody: record.body,
            MessageAttributes: attributes,
            ...(groupId ? { MessageGroupId: groupId, MessageDeduplicationId: record.messageId } : {}),
          }),
        );
      } catch (sendError) {
        log.error("dead-lettering failed; the message stays on the queue", { reason, error: sendError as Error });
        count(WORKER_METRICS.batchItemFailures);
        return false;
      }
      count(WORKER_METRICS.deadLettered);
      if (reason === "invalid-signature") count(WORKER_METRICS.invalidSignature);
      log.warn("message dead-lettered", {
        reason,
        error: error.name,
        detail: error.message.slice(0, 300),
        attempts: attempt,
        target: quarantine ? "quarantine" : "dlq",
      });
      if (marker) await writeReceipt(marker, "dead-lettered", attempt, record, false, log, reason);
      try {
        await sqs.send(new DeleteMessageCommand({ QueueUrl: contract.queueUrl, ReceiptHandle: record.receiptHandle }));
      } catch (deleteError) {
        // Reported failed: it comes back, and idempotency/redrive prevent a second effect.
        log.error("deleting a dead-lettered message failed; reporting it failed", { error: deleteError as Error });
        count(WORKER_METRICS.batchItemFailures);
        return false;
      }
      return true;
    }

    async function writeReceipt(
      marker: SyntheticMarker,
      outcome: "processed" | "dead-lettered",
      attempt: number,
      record: SQSRecord,
      effect: boolean,
      log: Logger,
      reason?: string,
    ): Promise<boolean> {
      const table = contract.receiptsTable;
      if (!table) {
        log.warn("synthetic message without GCX_RECEIPTS_TABLE: no receipt written");
        return true;
      }
      const now = Date.now();
      // One input for every try: its writeId makes a retry of a write that committed (reply
      // lost to a timeout or a cut connection) a conditional no-op, not a second delivery.
      const update = receiptUpdate(table, {
        runId: marker.runId,
        seq: marker.seq,
        outcome,
        attempts: attempt,
        firstReceiveMs: Number(record.attributes.ApproximateFirstReceiveTimestamp) || now,
        doneMs: now,
        effect,
        reason,
        ttl: Math.floor(now / 1000) + (contract.receiptTtlSeconds ?? DEFAULTS.receiptTtlSeconds),
      });
      try {
        // A dead-lettered synthetic message is deleted right after this write: without the
        // receipt the generator would count it lost, so the write gets the invocation's time.
        await retryWithinBudget(
          async () => {
            try {
              await documents.send(new UpdateCommand(update));
            } catch (error) {
              if ((error as Error).name !== "ConditionalCheckFailedException") throw error;
              log.debug("receipt write already applied by an earlier try");
            }
          },
          () => persistenceStore.completionBudgetMs(),
        );
        return true;
      } catch (error) {
        log.error("writing the synthetic receipt failed", { error: error as Error });
        return false;
      }
    }

    /** Processes one record; returns true when it may be deleted (success or dead-lettered). */
    async function processRecord(record: SQSRecord): Promise<boolean> {
      const attempt = Number(record.attributes.ApproximateReceiveCount) || 1;
      const log = logger.createChild({ persistentKeys: { messageId: record.messageId, requestId } });
      let intakeResult: Intake;
      try {
        intakeResult = await intake(record);
      } catch (error) {
        if (error instanceof RejectedMessage) {
          // A synthetic marker is only trusted once the signature is: pass it for a malformed or stale message with a valid one.
          const marker = error.reason !== "invalid-signature" ? safeMarker(record) : undefined;
          return deadLetter(record, error.reason, { name: error.errorName, message: error.message }, attempt, marker, log);
        }
        // FIFO: a signature miss never holds the group; elsewhere (or if moving fails) it is put back.
        if (error instanceof UnverifiedSignatureError && (await moveAside({ sqs, queueUrl: contract.queueUrl, record, log }))) {
          count(WORKER_METRICS.setAside);
          return true;
        }
        // Secrets Manager unavailable and the like: not the message's fault.
        return fail(record, error, attempt, undefined, log);
      }
      const marker = intakeResult.kind === "message" ? intakeResult.marker : undefined;
      const runLog = marker
        ? log.createChild({ persistentKeys: { runId: marker.runId, seq: marker.seq, syntheticDownstream: syntheticLabel } })
        : log;
      const ctx: WorkerContext = {
        genesys: marker ? syntheticGenesys : genesys,
        downstream: marker ? syntheticDownstream : downstream,
        logger: runLog,
        attempt,
        messageId: record.messageId,
        requestId,
        synthetic: marker,
        idempotencyKey: intakeResult.key,
      };
      let ran = false;
      // A synthetic effect's receipt is written as soon as the effect has run, alongside the
      // completion record rather than after it: an effect whose completion then fails to be
      // recorded (and may run again) is still counted, and the synthetic path costs a
      // message no more round trips than a real one.
      let effectReceipt: Promise<boolean> | undefined;
      const work = async () => {
        if (intakeResult.kind === "event") {
          await (handlers.handleEvent as NonNullable<WorkerHandlers["handleEvent"]>)(intakeResult.event, ctx);
        } else if (marker) {
          await runSynthetic(intakeResult.message, marker, ctx);
          effectReceipt = writeReceipt(marker, "processed", attempt, record, true, runLog);
        } else {
          await (handlers.handle as NonNullable<WorkerHandlers["handle"]>)(intakeResult.message, ctx);
        }
        ran = true;
        return { doneMs: Date.now() };
      };
      try {
        await idempotent({ key: intakeResult.key }, work);
      } catch (error) {
        await effectReceipt;
        return fail(record, error, attempt, marker, runLog);
      }
      if (!ran) {
        count(WORKER_METRICS.duplicate);
        runLog.debug("duplicate delivery acknowledged without running the handler", { idempotencyKey: intakeResult.key });
      } else {
        count(WORKER_METRICS.processed);
      }
      const sentMs = Number(record.attributes.SentTimestamp);
      if (sentMs) metrics.addMetric(WORKER_METRICS.messageAge, MetricUnit.Milliseconds, Math.max(0, Date.now() - sentMs));
      if (marker) return effectReceipt ?? writeReceipt(marker, "processed", attempt, record, false, runLog);
      return true;
    }

    async function runSynthetic(message: NormalizedMessage, marker: SyntheticMarker, ctx: WorkerContext): Promise<void> {
      if (marker.workMs) await sleep(marker.workMs); // simulated work, spent on every attempt
      const fault = faultFor(marker, ctx.attempt);
      const injected = (error: Error) => {
        syntheticFaultErrors.add(error);
        return error;
      };
      switch (fault.action) {
        case "throttle":
          throw injected(
            new ThrottledError(`synthetic throttle fault (Retry-After ${fault.retryAfterSeconds} s)`, 429, {
              retryAfterSeconds: fault.retryAfterSeconds,
            }),
          );
        case "transient":
          throw injected(new RetryableError("synthetic transient fault"));
        case "poison":
          throw injected(new SyntheticPoisonError("synthetic poison fault: fails on every attempt"));
      }
      if (handlers.handleSynthetic) await handlers.handleSynthetic(message, ctx);
    }

    /** PermanentError: dead-letter; the last allowed attempt: dead-letter (exhausted); otherwise retry later. */
    function fail(record: SQSRecord, error: unknown, attempt: number, marker: SyntheticMarker | undefined, log: Logger): Promise<boolean> {
      if (error instanceof PermanentError) return deadLetter(record, "permanent", errorInfo(error), attempt, marker, log);
      if (attempt >= contract.maxReceiveCount) return deadLetter(record, "exhausted", errorInfo(error), attempt, marker, log);
      return retryLater(record, error, attempt, log).then(async (done) => {
        // a synthetic message put back is marked retrying, so the load generator reports it in flight, not lost
        if (marker) await markRetrying(marker, attempt, record, log, error instanceof Error && syntheticFaultErrors.has(error));
        return done;
      });
    }

    /**
     * Marks a synthetic message put back for a retry on its receipt item (attempt n of
     * maxReceiveCount, when the next one is due), so the load generator reports it "in flight"
     * rather than lost at its deadline. Best effort: one write, never fails the record.
     */
    async function markRetrying(
      marker: SyntheticMarker,
      attempt: number,
      record: SQSRecord,
      log: Logger,
      faultInjected: boolean,
    ): Promise<void> {
      if (!contract.receiptsTable) return;
      const now = Date.now();
      try {
        await documents.send(
          new UpdateCommand(
            retryingMarkUpdate(contract.receiptsTable, {
              runId: marker.runId,
              seq: marker.seq,
              attempt,
              maxAttempts: contract.maxReceiveCount,
              firstReceiveMs: Number(record.attributes.ApproximateFirstReceiveTimestamp) || now,
              nextAttemptAtMs: now + (delays.get(record.messageId) ?? 0) * 1000,
              faultInjected,
              ttl: Math.floor(now / 1000) + (contract.receiptTtlSeconds ?? DEFAULTS.receiptTtlSeconds),
            }),
          ),
        );
      } catch (error) {
        // ConditionalCheckFailed: an outcome or a later attempt is already recorded
        if ((error as Error).name !== "ConditionalCheckFailedException")
          log.debug("marking a synthetic message retrying failed", { error: error as Error });
      }
    }

    async function retryLater(record: SQSRecord, error: unknown, attempt: number, log: Logger): Promise<boolean> {
      const retryAfterSeconds = error instanceof RetryableError ? error.retryAfterSeconds : undefined;
      // SQS counts a message's 12 h visibility limit from the receive, not from this call: keep
      // the delay within what is left (the receive was at most a batching window before the
      // invocation), or SQS refuses it and the queue's much shorter timeout applies instead.
      const leftSeconds = SQS_MAX_VISIBILITY_SECONDS - RECEIVE_BEFORE_INVOCATION_SECONDS - Math.ceil((Date.now() - invokedMs) / 1000);
      const delay = redeliveryDelaySeconds({
        attempt,
        baseSeconds: backoffBase,
        maxSeconds: Math.min(backoffMax, leftSeconds),
        retryAfterSeconds,
        random,
      });
      delays.set(record.messageId, delay);
      count(WORKER_METRICS.retried);
      if (error instanceof ThrottledError) count(WORKER_METRICS.throttled);
      if (error instanceof CircuitOpenError) count(WORKER_METRICS.circuitOpen);
      const level =
        (error instanceof RetryableError && !(error instanceof GenesysNotConfiguredError)) ||
        error instanceof IdempotencyAlreadyInProgressError
          ? "debug"
          : "warn";
      log[level]("message put back on the queue", { attempt, delaySeconds: delay, error: errorInfo(error) });
      try {
        await sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: contract.queueUrl,
            ReceiptHandle: record.receiptHandle,
            VisibilityTimeout: delay,
          }),
        );
      } catch (visibilityError) {
        // It still comes back, after the queue's own visibility timeout.
        log.warn("changing the visibility failed; the queue's visibility timeout applies", { error: visibilityError as Error });
      }
      return false;
    }

    const failures = new Set<string>();
    /** Delay given to each record put back on the queue, seconds. */
    const delays = new Map<string, number>();
    // The errors the synthetic fault markers threw: a retry caused by anything else (an idempotency-store
    // outage, say) spent an attempt the marker counts, and the retrying mark says so.
    const syntheticFaultErrors = new WeakSet<Error>();
    const guarded = async (record: SQSRecord) => {
      if (remaining() < timeoutMarginMs) {
        failures.add(record.messageId); // not started: it comes back after the visibility timeout
        count(WORKER_METRICS.batchItemFailures);
        return false;
      }
      let ok: boolean;
      try {
        ok = await processRecord(record);
      } catch (error) {
        logger.error("unexpected error while processing a record", { messageId: record.messageId, error: error as Error });
        ok = false;
      }
      if (!ok) failures.add(record.messageId);
      return ok;
    };

    const records = event?.Records ?? [];
    const fifo = contract.fifo === true || records.some((r) => r.attributes?.MessageGroupId);
    // Downstream calls (Downstream, GenesysClient): none starts in the last timeoutMarginMs, and
    // one in flight is cut just before the invocation would end.
    const left = remaining();
    const withDeadline = <T>(fn: () => Promise<T>) =>
      Number.isFinite(left) ? withInvocationDeadline({ deadlineMs: Date.now() + left, startMarginMs: timeoutMarginMs }, fn) : fn();
    try {
      await withDeadline(processBatch);
    } finally {
      metrics.publishStoredMetrics();
    }
    // Keep the batch's order (FIFO: Lambda stops at the first failure it finds).
    return { batchItemFailures: records.filter((r) => failures.has(r.messageId)).map((r) => ({ itemIdentifier: r.messageId })) };

    async function processBatch(): Promise<void> {
      if (fifo) {
        // In order within a group; after a failure the rest of the group is reported failed, untouched.
        const groups = new Map<string, SQSRecord[]>();
        for (const r of records) {
          const g = r.attributes.MessageGroupId ?? "";
          groups.set(g, [...(groups.get(g) ?? []), r]);
        }
        await pool([...groups.values()], concurrency, async (group) => {
          for (let i = 0; i < group.length; i++) {
            if (!(await guarded(group[i]))) {
              // The rest of the group comes back with the failed message, behind it, in order.
              const delay = delays.get(group[i].messageId) ?? 0;
              await Promise.all(
                group.slice(i + 1).map(async (rest) => {
                  failures.add(rest.messageId);
                  await sqs
                    .send(
                      new ChangeMessageVisibilityCommand({
                        QueueUrl: contract.queueUrl,
                        ReceiptHandle: rest.receiptHandle,
                        VisibilityTimeout: delay,
                      }),
                    )
                    .catch((error: Error) =>
                      logger.warn("changing the visibility of a held-back FIFO message failed", { messageId: rest.messageId, error }),
                    );
                }),
              );
              return;
            }
          }
        });
      } else {
        await pool(records, concurrency, guarded);
      }
    }
  };
}

/** The error of a `ctx.genesys` call on a worker whose stack declared no Genesys credentials. */
function genesysNotDeclared(): string {
  const [setting] = WORKER_CAPABILITY_SETTINGS.genesys;
  return `the handler called ctx.genesys but the stack declared no Genesys credentials (${setting.env} is not set): ${setting.fix}`;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  });
  await Promise.all(lanes);
}

function attributeValue(record: SQSRecord, name: string): string | undefined {
  const attributes = record.messageAttributes ?? {};
  const found = attributes[name] ?? Object.entries(attributes).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
  return found?.stringValue ?? undefined;
}

function safeMarker(record: SQSRecord): SyntheticMarker | undefined {
  try {
    return readSyntheticMarker(JSON.parse(decodedTextOrUndefined(record.body, record.messageAttributes) ?? ""));
  } catch {
    return undefined;
  }
}

function errorInfo(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: "Error", message: String(error) };
}

function issues(error: { issues: { path: (string | number)[]; message: string }[] }): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
    .join("; ");
}
