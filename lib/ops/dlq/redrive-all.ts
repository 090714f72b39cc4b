/**
 * Redrive all: every dead letter moved back at once by SQS's message move task, after a scan
 * that looks for invalid-signature dead letters and the destination, then followed to its end.
 */
import {
  ListMessageMoveTasksCommand,
  StartMessageMoveTaskCommand,
  type ListMessageMoveTasksResultEntry,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { SQS_MAX_LISTED_MOVE_TASKS, SQS_MAX_MOVE_TASK_RATE_PER_SECOND } from "../../runtime/aws-limits";
import { DestinationError, MoveTaskError, RefusedError } from "../errors";
import { queueDepth, resolveQueue, sqsCall, type QueueRef } from "../queues";
import { REDRIVEN_BY_SQS, type InspectReason } from "./classify";
import { inspectDlq, type InspectResult } from "./inspect";
import { INVALID_SIGNATURE_REFUSAL, chooseDestination } from "./redrive-policy";
import { queueOf, sleep } from "./scan";

/** Progress of a message move task. */
export interface MoveTaskProgress {
  readonly status: string;
  readonly moved: number;
  readonly toMove: number;
  readonly elapsedMs: number;
}

export interface RedriveAllOptions {
  /** The DLQ: URL, ARN or name. */
  readonly queue: string | QueueRef;
  /** Destination (URL, ARN or name). Default: the one source named by the dead letters' contexts, else the DLQ's only source queue (ListDeadLetterSourceQueues). */
  readonly to?: string;
  /** MaxNumberOfMessagesPerSecond of the move task, messages per second (1..500). Default: SQS chooses. */
  readonly ratePerSecond?: number;
  /** Move even if invalid-signature dead letters are found. Default false. */
  readonly force?: boolean;
  /** Messages read (and made visible again) before the task starts, to look for invalid-signature dead letters and source queues, messages. Default 1000. */
  readonly scanLimit?: number;
  /** Time budget of that scan, seconds. Default 20. */
  readonly scanBudgetSeconds?: number;
  /** Long-poll wait of each scan receive, seconds. Default 1. */
  readonly waitTimeSeconds?: number;
  /** Interval between progress polls (ListMessageMoveTasks), milliseconds. Default 1000. */
  readonly pollIntervalMs?: number;
  /** Called after each poll. */
  readonly onProgress?: (progress: MoveTaskProgress) => void;
}

export interface RedriveAllResult {
  readonly queue: QueueRef;
  readonly destination: string;
  /** True when a task already running for this DLQ was followed instead of starting one. */
  readonly resumed: boolean;
  readonly status: string;
  readonly moved: number;
  readonly toMove: number;
  readonly elapsedMs: number;
  /** Dead letters read before the task started (a sample when the DLQ is larger than scanLimit). */
  readonly scanned: number;
  readonly countsByReason: Readonly<Partial<Record<InspectReason, number>>>;
  readonly warnings: readonly string[];
}

const FINAL_STATES = new Set(["COMPLETED", "FAILED", "CANCELLED"]);

/** What the scan before a move task found: how many it read, their reasons, and warnings for the result. */
interface Preflight {
  readonly scanned: number;
  readonly countsByReason: Partial<Record<InspectReason, number>>;
  readonly warnings: string[];
}

/** The message move tasks of the DLQ, newest first (ListMessageMoveTasks). */
async function listMoveTasks(client: SQSClient, dlq: QueueRef): Promise<ListMessageMoveTasksResultEntry[]> {
  const out = await sqsCall("sqs:ListMessageMoveTasks", dlq.arn, () =>
    client.send(new ListMessageMoveTasksCommand({ SourceArn: dlq.arn, MaxResults: SQS_MAX_LISTED_MOVE_TASKS })),
  );
  return out.Results ?? [];
}

/** Refuses to follow a running task when --to names another destination than the task's. */
async function checkRunningDestination(client: SQSClient, dlq: QueueRef, running: ListMessageMoveTasksResultEntry, to?: string) {
  if (!to) return;
  const wanted = await resolveQueue(client, to);
  if (running.DestinationArn && running.DestinationArn !== wanted.arn) {
    throw new DestinationError(
      `a message move task from ${dlq.arn} to ${running.DestinationArn} is already running (SQS allows one a queue); wait for it or cancel it (aws sqs cancel-message-move-task) before moving to ${wanted.arn}`,
    );
  }
}

/**
 * Reads the DLQ before a move task: refuses when invalid-signature dead letters are there (unless
 * `force`), and warns about what the task will do unseen (SQS-moved letters that lose their first
 * delivery time, letters the scan did not read).
 */
async function preflightScan(client: SQSClient, dlq: QueueRef, options: RedriveAllOptions): Promise<{ sample: InspectResult } & Preflight> {
  const sample = await inspectDlq(client, {
    queue: dlq,
    limit: options.scanLimit ?? 1000,
    budgetSeconds: options.scanBudgetSeconds ?? 20,
    waitTimeSeconds: options.waitTimeSeconds,
  });
  const warnings = [...sample.warnings];
  const scanned = sample.messages.length;
  const invalid = sample.countsByReason["invalid-signature"] ?? 0;
  if (invalid > 0 && !options.force) {
    const others = (Object.keys(sample.countsByReason) as InspectReason[]).filter((r) => r !== "invalid-signature");
    throw new RefusedError(
      `refusing to redrive all: ${invalid} of the ${scanned} dead letter(s) read failed signature verification; ${INVALID_SIGNATURE_REFUSAL}` +
        (others.length ? ` To move the others only: --reason ${others.join(" ")}.` : ""),
    );
  }
  const sqsMoved = sample.countsByReason[REDRIVEN_BY_SQS] ?? 0;
  if (sqsMoved > 0) {
    // A move task keeps attributes but gives a new SentTimestamp: the worker's dead letters
    // carry their first-delivery time in their context, these carry none.
    warnings.push(
      `${sqsMoved} dead letter(s) were moved here by SQS's own redrive and carry no first-delivery time: the move task gives them a new SentTimestamp, so one whose signed channel.time is older than the worker's replay window (default 900 s) is dead-lettered again as stale. Move them one by one first (--reason ${REDRIVEN_BY_SQS}), which carries their original SentTimestamp.`,
    );
  }
  if (!sample.complete) {
    // The signature guard above saw only what was read. Forged requests among the rest are
    // moved too; the worker verifies them again and dead-letters them again.
    warnings.push(
      `only ${scanned} of ~${sample.approximateMessages} dead letter(s) were read before starting (scan ${sample.stoppedBecause}); the move task moves all of them, including any unread one that failed signature verification (the worker rejects it again)`,
    );
  }
  return { sample, scanned, countsByReason: sample.countsByReason, warnings };
}

/** Starts the move task (StartMessageMoveTask); a DLQ no redrive policy targets gets an error that says to go one by one. */
async function startMoveTask(
  client: SQSClient,
  dlq: QueueRef,
  destination: QueueRef,
  rate: number | undefined,
): Promise<string | undefined> {
  const started = await sqsCall("sqs:StartMessageMoveTask", dlq.arn, () =>
    client
      .send(
        new StartMessageMoveTaskCommand({
          SourceArn: dlq.arn,
          DestinationArn: destination.arn,
          ...(rate !== undefined ? { MaxNumberOfMessagesPerSecond: rate } : {}),
        }),
      )
      .catch((error: unknown) => {
        const text = error instanceof Error ? error.message : String(error);
        if (/configured as a Dead Letter Queue|not.*dead.?letter/i.test(text)) {
          throw new DestinationError(
            `SQS cannot run a message move task from ${dlq.url}: no queue's redrive policy targets it (${text}). ` +
              "Move its messages one by one instead: add --one-by-one (or filter with --reason/--id).",
          );
        }
        throw error;
      }),
  );
  return started.TaskHandle;
}

/** The task to follow, and what the result reports besides its progress. */
interface Followed {
  readonly taskHandle: string | undefined;
  readonly resumed: boolean;
  readonly destination: QueueRef | undefined;
  readonly preflight: Preflight;
}

/**
 * Polls the move task (ListMessageMoveTasks) until it ends: a task that ends otherwise than
 * COMPLETED is an error; a completed one warns when messages are still in the DLQ.
 */
async function followMoveTask(client: SQSClient, dlq: QueueRef, followed: Followed, options: RedriveAllOptions): Promise<RedriveAllResult> {
  const { taskHandle, preflight } = followed;
  const startedAt = Date.now();
  for (;;) {
    const tasks = await listMoveTasks(client, dlq);
    const task = tasks.find((t) => taskHandle !== undefined && t.TaskHandle === taskHandle) ?? tasks[0];
    if (!task) throw new MoveTaskError("UNKNOWN", undefined, `the message move task of ${dlq.arn} is not listed by ListMessageMoveTasks`);
    const progress: MoveTaskProgress = {
      status: task.Status ?? "UNKNOWN",
      moved: task.ApproximateNumberOfMessagesMoved ?? 0,
      toMove: task.ApproximateNumberOfMessagesToMove ?? 0,
      elapsedMs: Date.now() - (task.StartedTimestamp ?? startedAt),
    };
    options.onProgress?.(progress);
    if (FINAL_STATES.has(progress.status)) {
      if (progress.status !== "COMPLETED") {
        throw new MoveTaskError(
          progress.status,
          task.FailureReason,
          `the message move task ended ${progress.status} after moving ${progress.moved} of ${progress.toMove} message(s)` +
            (task.FailureReason ? `: ${task.FailureReason}` : "") +
            "; the rest are still in the DLQ, run the redrive again",
        );
      }
      return {
        queue: dlq,
        destination: task.DestinationArn ?? followed.destination?.arn ?? "",
        resumed: followed.resumed,
        status: progress.status,
        moved: progress.moved,
        toMove: progress.toMove,
        elapsedMs: progress.elapsedMs,
        scanned: preflight.scanned,
        countsByReason: preflight.countsByReason,
        warnings: [...preflight.warnings, ...(await leftBehind(client, dlq))],
      };
    }
    await sleep(options.pollIntervalMs ?? 1000);
  }
}

/**
 * A warning when messages are still in the DLQ after the task completed: the task moves what SQS
 * estimated when it started, so a message that arrived meanwhile, or was in flight or uncounted
 * then, is still there.
 */
async function leftBehind(client: SQSClient, dlq: QueueRef): Promise<string[]> {
  const left = await queueDepth(client, dlq);
  return left.visible + left.delayed > 0
    ? [
        `about ${left.visible + left.delayed} message(s) are still in ${dlq.url} after the move task completed (they arrived after it started, or were in flight or not counted when it did): run the redrive again to move them`,
      ]
    : [];
}

/**
 * Moves every dead letter back with SQS's message move task (StartMessageMoveTask with an explicit
 * DestinationArn and rate), then follows it with ListMessageMoveTasks until it completes. A task
 * already running for the DLQ (an interrupted earlier run) is followed, not started twice.
 */
export async function redriveAll(client: SQSClient, options: RedriveAllOptions): Promise<RedriveAllResult> {
  const rate = options.ratePerSecond;
  if (rate !== undefined && !(Number.isInteger(rate) && rate >= 1 && rate <= SQS_MAX_MOVE_TASK_RATE_PER_SECOND)) {
    throw new RangeError(
      `rate of a message move task must be a whole number of messages per second from 1 to ${SQS_MAX_MOVE_TASK_RATE_PER_SECOND} (got ${rate})`,
    );
  }
  const dlq = await queueOf(client, options.queue);
  const running = (await listMoveTasks(client, dlq)).find((t) => t.Status === "RUNNING");
  if (running) {
    await checkRunningDestination(client, dlq, running, options.to);
    const preflight: Preflight = { scanned: 0, countsByReason: {}, warnings: [] };
    return followMoveTask(client, dlq, { taskHandle: running.TaskHandle, resumed: true, destination: undefined, preflight }, options);
  }
  const { sample, ...preflight } = await preflightScan(client, dlq, options);
  if (preflight.scanned === 0 && sample.approximateMessages === 0) {
    return {
      queue: dlq,
      destination: "",
      resumed: false,
      status: "NOTHING_TO_MOVE",
      moved: 0,
      toMove: 0,
      elapsedMs: 0,
      ...preflight,
    };
  }
  const destination = await chooseDestination(client, dlq, options.to, sample.messages, sample.complete);
  const taskHandle = await startMoveTask(client, dlq, destination, rate);
  return followMoveTask(client, dlq, { taskHandle, resumed: false, destination, preflight }, options);
}
