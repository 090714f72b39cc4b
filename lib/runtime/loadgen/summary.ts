/**
 * The terminal summary of a run: verdict, the three rates, counts, latency percentiles,
 * delivery reconciliation and the SLO checks, as plain-text tables.
 */
import type { LatencySummary } from "./histogram";
import { describeInFlight, type SpikeReport } from "./run";
import { abortAgentsText } from "./thresholds";

function table(rows: (string | number)[][], align: ("l" | "r")[]): string[] {
  const cells = rows.map((r) => r.map(String));
  const widths = cells[0].map((_, c) => Math.max(...cells.map((r) => (r[c] ?? "").length)));
  return cells.map(
    (r) =>
      "  " +
      r
        .map((cell, c) => (align[c] === "r" ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
        .join("  ")
        .trimEnd(),
  );
}

const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));

function latencyRow(name: string, s: LatencySummary | undefined): (string | number)[] {
  if (!s) return [name, "-", "-", "-", "-", "-", "-", "-"];
  return [name, s.count, fmt(s.p50Ms), fmt(s.p90Ms), fmt(s.p95Ms), fmt(s.p99Ms), fmt(s.p999Ms), fmt(s.maxMs)];
}

/** The latency table (ms): ack, service and end-to-end percentiles, and how latency was judged. */
function latencyLines(report: SpikeReport, lines: string[]): void {
  lines.push(`Latency (ms)${report.machine ? `, ${machineLine(report.machine)}` : ""}`);
  lines.push(
    ...table(
      [
        ["", "count", "p50", "p90", "p95", "p99", "p99.9", "max"],
        latencyRow("ack, from planned send", report.latency.ack),
        latencyRow("service, per attempt", report.latency.service),
        latencyRow("end to end (processed)", report.latency.endToEnd),
      ],
      ["l", "r", "r", "r", "r", "r", "r", "r"],
    ),
  );
  if (report.latencyJudgement === "local") {
    lines.push("  judged locally: only acks later than Genesys' 10 s webhook timeout count; the AWS-grade p99 bounds are shown as INFO");
  }
}

/** The delivery block: the reconciliation's counts and samples, or why there was none. */
function deliveryLines(report: SpikeReport, lines: string[]): void {
  const d = report.delivery;
  if (d.reconciled) {
    lines.push(`Delivery (reconciled in ${d.waitedSeconds} s${d.complete ? "" : ", deadline reached"})`);
    if (report.reconcileDeadline) lines.push(`  deadline: ${report.reconcileDeadline.explanation}`);
    lines.push(
      ...table(
        [
          ["accepted", d.accepted],
          ["processed", d.processed],
          ["duplicate deliveries", d.duplicateDeliveries],
          ["duplicate side effects", d.duplicateSideEffects],
          ["dead-lettered, expected (poison)", d.deadLetteredExpected],
          ["dead-lettered, unexpected", d.deadLetteredUnexpected],
          ["in the operational DLQ", d.inDlq],
          ["drained from quarantine", d.quarantineDrained],
          ["lost", d.lost],
          ["in flight at the deadline (being retried)", d.inFlight ?? 0],
          ["fault markers checked / violations", `${d.faultChecks.checked} / ${d.faultChecks.violations}`],
        ],
        ["l", "r"],
      ),
    );
    if (d.lostSeqs.length) lines.push(`  lost seqs: ${d.lostSeqs.join(", ")}${d.lost > d.lostSeqs.length ? ", ..." : ""}`);
    if (d.inFlightSamples?.length)
      lines.push(
        `  in flight: ${d.inFlightSamples.map(describeInFlight).join(", ")}${(d.inFlight ?? 0) > d.inFlightSamples.length ? ", ..." : ""}`,
      );
    for (const s of d.faultChecks.samples.slice(0, 5)) lines.push(`  fault check seq ${s.seq} (${s.kind}): ${s.problem}`);
  } else {
    lines.push(`Delivery: NOT RECONCILED: ${d.reason}`);
    if (report.reconcileDeadline && report.pending) lines.push(`  deadline: ${report.reconcileDeadline.explanation}`);
  }
}

/** Each scenario of a multi-scenario run on its own line (nothing otherwise). */
function scenarioLines(report: SpikeReport, lines: string[]): void {
  if (report.scenarios?.length) {
    lines.push("");
    lines.push("Scenarios (each on its own; the figures above add them together)");
    for (const sc of report.scenarios) {
      const delivered = sc.processed !== undefined ? `, processed ${sc.processed}, lost ${sc.lost ?? 0}` : "";
      const ack = sc.ack && sc.ack.count > 0 ? `, ack p50 ${sc.ack.p50Ms} ms p99 ${sc.ack.p99Ms} ms` : "";
      lines.push(`  ${sc.name}: planned ${sc.planned}, accepted ${sc.accepted}, not accepted ${sc.notAccepted}${delivered}${ack}`);
    }
  }
}

/** A plain-text summary for a terminal or a log. */
export function renderSummary(report: SpikeReport): string {
  const c = report.counts;
  const r = report.rates;
  const lines: string[] = [];
  const v = report.verdict;
  lines.push(`Spike run ${report.runId} (${report.name}) -> ${report.targetUrl}`);
  lines.push(`started ${report.startedAt}, ${r.durationSeconds} s of traffic, ${report.agents} sender(s)`);
  lines.push("");
  lines.push(`VERDICT: ${v.verdict}${v.reasons.length ? "" : ` (${v.checks.filter((x) => x.status === "pass").length} checks passed)`}`);
  for (const reason of v.reasons) lines.push(`  - ${reason}`);
  if (report.aborted) {
    const a = report.aborted;
    lines.push(
      `ABORTED${abortAgentsText(a, report.agents)} at ${a.elapsedSeconds} s (${a.at}): threshold "${a.threshold}" failed while sending, value ${a.value}; the rest of the plan${a.agents ? " (of the aborting agents' shares)" : ""} was not offered`,
    );
  }
  lines.push("");
  lines.push(`Rates (per second, averaged over ${r.durationSeconds} s)`);
  lines.push(
    ...table(
      [
        ["offered", "attempted", "accepted", `goodput (${r.goodputBasis})`],
        [r.offeredPerSecond, r.attemptedPerSecond, r.acceptedPerSecond, r.goodputPerSecond],
      ],
      ["r", "r", "r", "r"],
    ),
  );
  lines.push("");
  lines.push("Ingress");
  lines.push(
    ...table(
      [
        ...ingressRows(report).map(([label, value]) => [label, value] as [string, string | number]),
        [
          "status codes",
          Object.entries(c.statusCodes)
            .map(([k, n]) => `${k}:${n}`)
            .join(" ") || "-",
        ],
      ],
      ["l", "r"],
    ),
  );
  lines.push("");
  latencyLines(report, lines);
  lines.push("");
  deliveryLines(report, lines);
  scenarioLines(report, lines);
  lines.push("");
  lines.push("Checks");
  lines.push(
    ...table(
      v.checks.map((x) => [x.status.toUpperCase(), x.name, x.detail ?? checkValue(x.actual), x.threshold]),
      ["l", "l", "r", "l"],
    ),
  );
  if (report.failureSamples.length) {
    lines.push("");
    lines.push("Failure samples");
    for (const s of report.failureSamples.slice(0, 5)) lines.push(`  ${s}`);
  }
  return lines.join("\n");
}

function checkValue(actual: number | undefined): string | number {
  return actual === undefined ? "-" : Number.isInteger(actual) ? actual : actual.toFixed(actual < 10 ? 4 : 1);
}

/** "2 cores, load average 1.52 at the start, 3.10 at the end" (1-minute averages). */
export function machineLine(m: NonNullable<SpikeReport["machine"]>): string {
  const avg = (l: number[]) => (l[0] ?? 0).toFixed(2);
  return `${m.cores} core${m.cores === 1 ? "" : "s"}, load average ${avg(m.loadAverageStart)} at the start, ${avg(m.loadAverageEnd)} at the end (1 min)`;
}

/**
 * The ingress counts, labelled, in the order both reports show them; the third field is
 * true for a count that signals trouble when it is not zero.
 */
export function ingressRows(report: SpikeReport): [string, number, boolean][] {
  const c = report.counts;
  return [
    ["planned", report.planned, false],
    ["offered", c.offered, false],
    ["dropped (in-flight cap)", c.dropped, true],
    ["attempts (incl. retries)", c.attempts, false],
    ["retries", c.retries, false],
    ["accepted on first attempt", c.firstAttemptAccepted, false],
    ["accepted after retry", c.acceptedAfterRetry, false],
    ["throttled responses (429/503)", c.throttledResponses, false],
    ["error responses / timeouts", c.errorResponses, false],
    ["failed", c.failed, true],
    ["retries refused by budget", c.retriesRefusedByBudget, false],
    // absent from reports written before the edge API key existed
    ["forbidden responses (403)", c.forbiddenResponses ?? 0, false],
    ["edge API key re-reads", c.edgeKeyRereads ?? 0, false],
    ["acks after Genesys' 10 s timeout", c.acksAfterGenesysTimeout ?? 0, true],
  ];
}
