/** Inspect: list the dead letters of a queue without consuming them. */
import type { SQSClient } from "@aws-sdk/client-sqs";
import { SQS_MAX_VISIBILITY_SECONDS } from "../../runtime/aws-limits";
import { queueDepth, type QueueRef } from "../queues";
import { countByReason, describeDeadLetter, type DeadLetter, type InspectReason } from "./classify";
import { Scanner, queueOf, type ScanStop } from "./scan";

export interface InspectOptions {
  /** The DLQ (or the synthetic quarantine queue): URL, ARN or name. */
  readonly queue: string | QueueRef;
  /** Most messages to read, messages. Default 100. */
  readonly limit?: number;
  /** Time budget of the scan, seconds. Default 20. */
  readonly budgetSeconds?: number;
  /** How long read messages stay hidden while the scan pages on, seconds (they are made visible again at the end). Default budget + 30. */
  readonly visibilityTimeoutSeconds?: number;
  /** Long-poll wait of each receive, seconds (0..20). Default 1: a short poll can miss messages on a large queue. */
  readonly waitTimeSeconds?: number;
}

export interface InspectResult {
  readonly queue: QueueRef;
  /** Messages in the queue before the scan (visible + in flight + delayed), approximate. */
  readonly approximateMessages: number;
  readonly messages: readonly DeadLetter[];
  /** Messages per reason among those read. */
  readonly countsByReason: Readonly<Partial<Record<InspectReason, number>>>;
  /** True when the scan read everything visible (it did not stop at the limit or the time budget). */
  readonly complete: boolean;
  readonly stoppedBecause: ScanStop;
  /** Non-fatal problems (messages whose visibility could not be reset). */
  readonly warnings: readonly string[];
}

/** How much longer than its time budget a scan keeps what it read hidden, seconds. */
const SCAN_VISIBILITY_MARGIN_SECONDS = 30;

/** Longest scan budget, seconds: what it reads stays hidden for the budget plus the margin, within SQS's limit. */
export const MAX_SCAN_BUDGET_SECONDS = SQS_MAX_VISIBILITY_SECONDS - SCAN_VISIBILITY_MARGIN_SECONDS;

/** Lists dead letters without consuming them: each is read once and made visible again. */
export async function inspectDlq(client: SQSClient, options: InspectOptions): Promise<InspectResult> {
  const queue = await queueOf(client, options.queue);
  const limit = options.limit ?? 100;
  const budgetSeconds = options.budgetSeconds ?? 20;
  if (!(limit >= 1)) throw new RangeError(`limit must be at least 1 message (got ${limit})`);
  if (!(budgetSeconds > 0 && budgetSeconds <= MAX_SCAN_BUDGET_SECONDS)) {
    throw new RangeError(
      `the scan budget must be more than 0 and at most ${MAX_SCAN_BUDGET_SECONDS} seconds (SQS's 12-hour visibility limit, less 30 s), got ${budgetSeconds}`,
    );
  }
  const depth = await queueDepth(client, queue);
  const scanner = new Scanner(client, queue, {
    limit,
    deadlineMs: Date.now() + budgetSeconds * 1000,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? Math.ceil(budgetSeconds) + SCAN_VISIBILITY_MARGIN_SECONDS,
    waitTimeSeconds: options.waitTimeSeconds ?? 1,
  });
  const messages: DeadLetter[] = [];
  let warnings: string[] = [];
  try {
    for (let page = await scanner.next(); page; page = await scanner.next()) messages.push(...page.map(describeDeadLetter));
  } finally {
    warnings = await scanner.releaseAll();
  }
  let stoppedBecause: ScanStop = scanner.stoppedBecause ?? "done";
  if (queue.fifo && (stoppedBecause === "empty" || stoppedBecause === "only-seen") && messages.length < depth.visible) {
    // SQS returns no message of a FIFO group while another of the group is held, so a scan
    // (which holds what it reads) sees only the first messages of each group: an "empty"
    // answer then means "blocked", not "all read".
    stoppedBecause = "fifo-groups";
    warnings.push(
      `read ${messages.length} of ~${depth.visible} visible dead letter(s): on a FIFO queue a scan sees only the first messages of each message group (SQS hides the rest while those are held)`,
    );
  }
  return {
    queue,
    approximateMessages: depth.visible + depth.inFlight + depth.delayed,
    messages,
    countsByReason: countByReason(messages),
    complete: stoppedBecause === "empty" || stoppedBecause === "only-seen",
    stoppedBecause,
    warnings,
  };
}
