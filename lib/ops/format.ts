/**
 * Human-readable output of the DLQ operations (the CLI's default; `--json` prints the results as they are).
 */
import {
  EVENTBRIDGE_DELIVERY_FAILED,
  INSPECT_REASONS,
  REASON_LABELS,
  type DeadLetter,
  type InspectReason,
  type InspectResult,
  type RedriveSelectedResult,
} from "./dlq";

/** What each reason means and what to do, as the runbook says it (shortened). */
export const REASON_ADVICE: Readonly<Record<InspectReason, string>> = {
  "invalid-signature": "signature missing/wrong: check the signing secret; redrive only with --force once known genuine, else purge",
  malformed: "body is not a valid message: fix the producer or the schema; redriving fails again unchanged",
  permanent: "handler raised PermanentError: fix the data or the handler, then redrive",
  exhausted: "retries ran out (downstream down/throttling): once it recovers, redrive",
  stale:
    "signed time missing or outside the replay window (a replay, or a clock problem): redriving fails again unless the window is raised",
  "redriven-by-sqs": "SQS moved it after maxReceiveCount (worker crash/timeout): check worker errors, then redrive",
  "eventbridge-delivery-failed":
    "EventBridge could not put the event in the queue (see ERROR_CODE: queue policy, KMS key policy, deleted queue): fix that, then redrive to the pipeline queue (standard queues; the target)",
  "unreadable-context": "x-dead-letter attribute is not a context: check the body, redrive with --id",
};

function time(ms: number | undefined): string {
  return ms === undefined ? "-" : new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function cut(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

/** Renders rows as aligned columns. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n");
}

function errorText(m: DeadLetter): string {
  if (!m.errorName && !m.errorMessage) return "-";
  return cut([m.errorName, m.errorMessage].filter(Boolean).join(": ").replace(/\s+/g, " "), 60);
}

function run(m: DeadLetter): string {
  if (!m.syntheticRunId) return "-";
  return m.syntheticSeq === undefined ? m.syntheticRunId : `${m.syntheticRunId}#${m.syntheticSeq}`;
}

/** The inspect report: one row per dead letter, then the count per reason with what to do. */
export function renderInspect(result: InspectResult): string {
  const out: string[] = [];
  out.push(
    `${result.queue.url}: ~${result.approximateMessages} message(s); ${result.messages.length} read${result.complete ? "" : ` (stopped: ${result.stoppedBecause}; raise --limit to read more)`}`,
  );
  if (result.messages.length) {
    out.push("");
    out.push(
      table(
        ["MESSAGE ID", "REASON", "ATTEMPTS", "FIRST ATTEMPT", "LAST ATTEMPT", "ORDERING KEY", "SYNTHETIC RUN", "ERROR"],
        result.messages.map((m) => [
          m.messageId,
          REASON_LABELS[m.reason],
          m.attempts === undefined ? "-" : String(m.attempts),
          time(m.firstAttemptMs),
          time(m.lastAttemptMs),
          cut(m.messageGroupId ?? m.orderingKey, 64),
          run(m),
          errorText(m),
        ]),
      ),
    );
    const undelivered = result.messages.filter((m) => m.reason === EVENTBRIDGE_DELIVERY_FAILED);
    if (undelivered.length) {
      out.push("");
      out.push(
        table(
          ["MESSAGE ID", "ERROR CODE", "RULE", "TARGET", "ERROR MESSAGE"],
          undelivered.map((m) => [
            m.messageId,
            m.errorName ?? "-",
            m.ruleArn ?? "-",
            m.targetArn ?? "-",
            m.errorMessage ? cut(m.errorMessage.replace(/\s+/g, " "), 120) : "-",
          ]),
        ),
      );
    }
    out.push("");
    out.push(
      table(
        ["REASON", "COUNT", "WHAT TO DO"],
        INSPECT_REASONS.filter((r) => result.countsByReason[r]).map((r) => [r, String(result.countsByReason[r]), REASON_ADVICE[r]]),
      ),
    );
  }
  for (const w of result.warnings) out.push(`warning: ${w}`);
  return out.join("\n");
}

/** The one-by-one redrive summary. */
export function renderRedriveSelected(result: RedriveSelectedResult): string {
  const out: string[] = [];
  const destinations = [...new Set(result.moved.map((m) => m.destination))];
  out.push(
    `moved ${result.moved.length} of ${result.matched} selected message(s) from ${result.queue.url}${destinations.length ? ` to ${destinations.join(", ")}` : ""} (${result.scanned} read)`,
  );
  if (result.refused.length) {
    out.push(
      `refused ${result.refused.length} invalid-signature message(s) (left in the DLQ; --force to move them): ${result.refused.map((m) => m.messageId).join(", ")}`,
    );
  }
  if (result.unresolved.length) {
    out.push(
      `no destination for ${result.unresolved.length} message(s) (left in the DLQ; name one with --to): ${result.unresolved.map((m) => m.messageId).join(", ")}`,
    );
  }
  if (result.missingIds.length) out.push(`not found in the DLQ: ${result.missingIds.join(", ")}`);
  if (!result.complete) out.push(`stopped before the end of the DLQ (${result.stoppedBecause}): run the same command again to continue`);
  for (const w of result.warnings) out.push(`warning: ${w}`);
  return out.join("\n");
}
