/**
 * Writing reports: the JSON report, the HTML report, and CloudWatch Embedded Metric
 * Format (EMF) records, including the verdict metric the nightly alarm watches.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { renderHtmlReport, type HtmlReportOptions } from "./html";
import type { SpikeReport } from "./run";

export { DEFAULT_METRICS_NAMESPACE, HEARTBEAT_METRIC, VERDICT_METRIC } from "./metric-names";
import { DEFAULT_METRICS_NAMESPACE, HEARTBEAT_METRIC, VERDICT_METRIC } from "./metric-names";

/** Writes report files (their folders made as needed), keeping the absolute paths written, in order. */
export function reportFileWriter(): { readonly written: string[]; put(path: string, text: string): Promise<void> } {
  const written: string[] = [];
  return {
    written,
    async put(path: string, text: string) {
      const abs = resolve(path);
      await mkdir(dirname(abs), { recursive: true });
      await writeFile(abs, text, "utf8");
      written.push(abs);
    },
  };
}

/** Writes the JSON and/or HTML report (the HTML with `html`, e.g. a baseline comparison); returns the absolute paths written. */
export async function writeReports(
  report: SpikeReport,
  paths: { json?: string; html?: string },
  html: HtmlReportOptions = {},
): Promise<string[]> {
  const { written, put } = reportFileWriter();
  if (paths.json) await put(paths.json, JSON.stringify(report, null, 2) + "\n");
  if (paths.html) await put(paths.html, renderHtmlReport(report, html));
  return written;
}

/**
 * One EMF record for the run (dimension `RunName`): the verdict metric, the heartbeat
 * ({@link HEARTBEAT_METRIC} = 1: a judged run happened) plus the counts and percentiles
 * that explain it. Print it as one line to stdout in Lambda and
 * CloudWatch turns it into metrics.
 */
export function emfRecord(
  report: SpikeReport,
  options: { namespace?: string; runName?: string; timestampMs?: number } = {},
): Record<string, unknown> {
  const d = report.delivery;
  const metrics: [string, number, string][] = [
    [VERDICT_METRIC, report.verdict.verdict === "FAIL" ? 1 : 0, "Count"],
    [HEARTBEAT_METRIC, 1, "Count"],
    ["Offered", report.counts.offered, "Count"],
    ["Attempted", report.counts.attempts, "Count"],
    ["Accepted", report.counts.accepted, "Count"],
    ["Dropped", report.counts.dropped, "Count"],
    ["Failed", report.counts.failed, "Count"],
    ["ThrottledResponses", report.counts.throttledResponses, "Count"],
    ["AcceptedRatio", report.counts.offered ? report.counts.accepted / report.counts.offered : 0, "None"],
    ["AckP99", report.latency.ack.p99Ms, "Milliseconds"],
    ["ServiceP99", report.latency.service.p99Ms, "Milliseconds"],
  ];
  if (d.reconciled) {
    metrics.push(
      ["Processed", d.processed, "Count"],
      ["Lost", d.lost, "Count"],
      ["DuplicateDeliveries", d.duplicateDeliveries, "Count"],
      ["DuplicateSideEffects", d.duplicateSideEffects, "Count"],
      ["DeadLetteredExpected", d.deadLetteredExpected, "Count"],
      ["DeadLetteredUnexpected", d.deadLetteredUnexpected, "Count"],
      ["EndToEndP99", report.latency.endToEnd?.p99Ms ?? 0, "Milliseconds"],
    );
  }
  const record: Record<string, unknown> = {
    _aws: {
      Timestamp: options.timestampMs ?? report.finishedMs,
      CloudWatchMetrics: [
        {
          Namespace: options.namespace ?? DEFAULT_METRICS_NAMESPACE,
          Dimensions: [["RunName"]],
          Metrics: metrics.map(([Name, , Unit]) => ({ Name, Unit })),
        },
      ],
    },
    RunName: options.runName ?? report.name,
    runId: report.runId,
    verdict: report.verdict.verdict,
    reasons: report.verdict.reasons,
  };
  for (const [name, value] of metrics) record[name] = Math.round(value * 1000) / 1000;
  return record;
}
