/**
 * The reports of a run across targets: the terminal summary (every target's own summary, then
 * the totals), the JSON, and HTML as one page per target (the single-target report of its run)
 * plus an index page with the verdict, the totals and links to them.
 */
import { basename } from "node:path";
import { renderHtmlReport } from "./html";
import { reportFileWriter } from "./reports";
import { renderSummary } from "./summary";
import type { MultiTargetSpikeReport, TargetSpikeReport } from "./targets";

const esc = (s: unknown) =>
  String(s).replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!);

const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

/** One row of the totals table per target, then the total: the cells both the text and the HTML show. */
function totalsRows(report: MultiTargetSpikeReport): string[][] {
  const row = (t: TargetSpikeReport): string[] => {
    const r = t.report;
    const d = r.delivery;
    return [
      t.target,
      t.scenarios.join(", ") || "(the whole profile)",
      String(r.planned),
      String(r.counts.accepted),
      String(r.planned - r.counts.accepted),
      d.reconciled ? String(d.processed) : "-",
      d.reconciled ? String(d.lost) : "-",
      r.latency.ack.count ? ms(r.latency.ack.p99Ms) : "-",
      r.verdict.verdict,
    ];
  };
  const t = report.totals;
  return [
    ...report.targets.map(row),
    [
      "total",
      "",
      String(t.planned),
      String(t.accepted),
      String(t.notAccepted),
      t.processed !== undefined ? String(t.processed) : "-",
      t.lost !== undefined ? String(t.lost) : "-",
      t.ack.count ? ms(t.ack.p99Ms) : "-",
      report.verdict.verdict,
    ],
  ];
}

const HEADER = ["target", "scenarios", "planned", "accepted", "not accepted", "processed", "lost", "ack p99 ms", "verdict"];

/** What the delivery totals add up, in words. */
function reconciledNote(report: MultiTargetSpikeReport): string {
  const r = report.totals.reconciledTargets;
  if (r.length === report.targets.length) return "delivery reconciled on every target";
  if (!r.length) return "delivery reconciled on no target (ingress side only)";
  return `processed and lost add the reconciled targets only: ${r.join(", ")}`;
}

/** The plain-text summary: the run, its verdict, every target's own summary, then the totals. */
export function renderMultiTargetSummary(report: MultiTargetSpikeReport): string {
  const lines: string[] = [];
  const v = report.verdict;
  lines.push(
    `Spike run ${report.runId} (${report.name}) across ${report.targets.length} target(s): ${report.targets.map((t) => t.target).join(", ")}`,
  );
  lines.push(`started ${report.startedAt}; each target's run id is ${report.runId}.<target>`);
  lines.push(`VERDICT: ${v.verdict}${v.failedTargets.length ? ` (failed: ${v.failedTargets.join(", ")})` : ""}`);
  for (const reason of v.reasons) lines.push(`  - ${reason}`);
  for (const t of report.targets) {
    lines.push("");
    lines.push(`=== Target ${t.target}${t.scenarios.length ? ` (scenarios: ${t.scenarios.join(", ")})` : ""} ===`);
    lines.push(renderSummary(t.report));
  }
  lines.push("");
  lines.push(`=== Totals (all targets; ${reconciledNote(report)}) ===`);
  const rows = [HEADER, ...totalsRows(report)];
  const widths = HEADER.map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows)
    lines.push(("  " + r.map((cell, c) => (c >= 2 && c <= 7 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join("  ")).trimEnd());
  const t = report.totals;
  lines.push(
    `  offered ${t.offered}, attempts ${t.attempts}, dropped ${t.dropped}, failed ${t.failed}, throttled responses ${t.throttledResponses}` +
      (t.duplicateSideEffects !== undefined
        ? `; duplicate side effects ${t.duplicateSideEffects}, dead-lettered unexpected ${t.deadLetteredUnexpected}, in flight ${t.inFlight}`
        : ""),
  );
  lines.push(
    `  ack from planned send (all targets merged): p50 ${ms(t.ack.p50Ms)} ms, p99 ${ms(t.ack.p99Ms)} ms` +
      (t.endToEnd ? `; end to end (reconciled targets merged): p50 ${ms(t.endToEnd.p50Ms)} ms, p99 ${ms(t.endToEnd.p99Ms)} ms` : ""),
  );
  if (report.unusedTargets.length) lines.push(`  not run (no scenario is for them): ${report.unusedTargets.join(", ")}`);
  for (const f of report.failedRuns ?? [])
    lines.push(`  not in the totals: target ${f.target}, whose run failed after the start: ${f.error}`);
  return lines.join("\n");
}

/** The file of one target's HTML report next to the index: `spike.html` -> `spike.<target>.html`. */
export function targetHtmlPath(indexPath: string, target: string): string {
  return /\.html?$/i.test(indexPath) ? indexPath.replace(/(\.html?)$/i, `.${target}$1`) : `${indexPath}.${target}.html`;
}

/** The HTML index of a run across targets: the verdict, the totals table, and a link to each target's own report. */
export function renderMultiTargetHtmlIndex(report: MultiTargetSpikeReport, links: Readonly<Record<string, string>> = {}): string {
  const rows = totalsRows(report);
  const cell = (value: string, c: number, target: string) =>
    c === 0 && links[target]
      ? `<th><a href="${esc(links[target])}">${esc(value)}</a></th>`
      : c === 0
        ? `<th>${esc(value)}</th>`
        : `<td>${esc(value)}</td>`;
  const body = rows.map((r) => `<tr>${r.map((v, c) => cell(v, c, r[0])).join("")}</tr>`).join("\n");
  const v = report.verdict;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(report.name)}: spike across targets ${esc(report.runId)}</title>
<style>body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:4px 8px}td{text-align:right}.PASS{color:#21a366}.FAIL{color:#d9534f}</style>
</head><body>
<h1>${esc(report.name)}: spike across ${report.targets.length} target(s)</h1>
<p>Run ${esc(report.runId)}, started ${esc(report.startedAt)}; each target's run id is ${esc(report.runId)}.&lt;target&gt;.</p>
<h2 id="verdict" class="${v.verdict}">VERDICT: ${v.verdict}${v.failedTargets.length ? ` (failed: ${esc(v.failedTargets.join(", "))})` : ""}</h2>
${v.reasons.length ? `<ul>${v.reasons.map((r) => `<li>${esc(r)}</li>`).join("")}</ul>` : ""}
<section id="totals"><h2>Targets and totals</h2><p>${esc(reconciledNote(report))}. Each target's own report: follow its name.</p>
<table><thead><tr>${HEADER.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>
${body}
</tbody></table></section>
${report.unusedTargets.length ? `<p>Not run (no scenario is for them): ${esc(report.unusedTargets.join(", "))}</p>` : ""}
${(report.failedRuns ?? []).map((f) => `<p class="FAIL">Not in the totals: target ${esc(f.target)}, whose run failed after the start: ${esc(f.error)}</p>`).join("\n")}
</body></html>
`;
}

/**
 * Writes the combined JSON report, and with `html` an index page there plus one HTML report
 * per target beside it ({@link targetHtmlPath}); returns the absolute paths written.
 */
export async function writeMultiTargetReports(report: MultiTargetSpikeReport, paths: { json?: string; html?: string }): Promise<string[]> {
  const { written, put } = reportFileWriter();
  if (paths.json) await put(paths.json, JSON.stringify(report, null, 2) + "\n");
  if (paths.html) {
    const links: Record<string, string> = {};
    for (const t of report.targets) {
      const path = targetHtmlPath(paths.html, t.target);
      await put(path, renderHtmlReport(t.report));
      links[t.target] = basename(path);
    }
    await put(paths.html, renderMultiTargetHtmlIndex(report, links));
  }
  return written;
}
