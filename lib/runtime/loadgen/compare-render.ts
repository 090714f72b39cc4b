/**
 * A comparison rendered: plain text for a terminal or a CI log ({@link renderComparison}), and
 * the baseline section of an HTML report ({@link renderBaselineSection}).
 */
import type { Comparison, MetricComparison, Outcome } from "./compare";

/** A share as a percentage, "12.5%". */
export const pct = (f: number) => `${Number((f * 100).toFixed(2))}%`;

const fmtMs = (ms: number) => (Math.abs(ms) >= 100 ? ms.toFixed(0) : Math.abs(ms) >= 10 ? ms.toFixed(1) : ms.toFixed(2));

/** A value with its unit, for sentences and tables. */
export function formatMetricValue(unit: MetricComparison["unit"], v: number | string | undefined, signed = false): string {
  if (v === undefined) return "-";
  if (typeof v === "string") return v;
  const sign = signed && v > 0 ? "+" : "";
  switch (unit) {
    case "ms":
      return `${sign}${fmtMs(v)} ms`;
    case "/s":
      return `${sign}${Number(v.toFixed(2))}/s`;
    case "share":
      return signed ? `${sign}${Number((v * 100).toFixed(2))} pp` : pct(v);
    default:
      return `${sign}${Number(v.toFixed(3))}`;
  }
}

function table(rows: string[][], align: ("l" | "r")[]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows.map(
    (r) =>
      "  " +
      r
        .map((cell, c) => (align[c] === "r" ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
        .join("  ")
        .trimEnd(),
  );
}

const GROUP_TITLES: Record<MetricComparison["group"], string> = {
  rates: "Rates",
  latency: "Latency",
  ingress: "Ingress",
  delivery: "Delivery",
  verdict: "Verdict and checks",
};

/** The cells of one row: metric, old, new, change, relative, tolerance, outcome. */
function cells(m: MetricComparison): string[] {
  const rel = m.relativeChange === undefined ? "" : `${m.relativeChange > 0 ? "+" : ""}${pct(m.relativeChange)}`;
  const change = m.change === undefined ? "" : formatMetricValue(m.unit, m.change, true);
  const outcome = m.outcome === "regression" ? "REGRESSION" : m.outcome === "not compared" ? `not compared` : m.outcome;
  return [m.label, formatMetricValue(m.unit, m.old), formatMetricValue(m.unit, m.new), change, rel, m.tolerance, outcome];
}

function headline(c: Comparison): string {
  if (c.refused) return `REFUSED: ${c.refused}`;
  return c.regressions.length
    ? `REGRESSION: ${c.regressions.length} metric(s) worse beyond the tolerance`
    : "NO REGRESSION beyond the tolerances";
}

/** A plain-text comparison for a terminal or a CI log. */
export function renderComparison(c: Comparison): string {
  const lines: string[] = [];
  lines.push(`Spike comparison: baseline ${c.old.runId} (${c.old.name}, ${c.old.startedAt}, ${c.old.verdict})`);
  lines.push(`              vs  new      ${c.new.runId} (${c.new.name}, ${c.new.startedAt}, ${c.new.verdict})`);
  lines.push("");
  lines.push(headline(c));
  for (const r of c.regressions) lines.push(`  - ${r}`);
  if (c.warnings.length) {
    lines.push("", "Warnings");
    for (const w of c.warnings) lines.push(`  - ${w}`);
  }
  if (c.profileDifferences.length) {
    lines.push("", "Profile differences (old -> new)");
    for (const d of c.profileDifferences) lines.push(`  - ${d}`);
  }
  for (const group of Object.keys(GROUP_TITLES) as MetricComparison["group"][]) {
    const rows = c.metrics.filter((m) => m.group === group);
    if (!rows.length) continue;
    lines.push("", GROUP_TITLES[group]);
    lines.push(...table([["", "old", "new", "change", "%", "tolerance", ""], ...rows.map(cells)], ["l", "r", "r", "r", "r", "l", "l"]));
  }
  if (c.missing.length) {
    lines.push("", "Not compared");
    for (const m of c.missing) lines.push(`  - ${m}`);
  }
  return lines.join("\n");
}

const esc = (s: unknown) =>
  String(s).replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!);

const ROW_STYLE: Partial<Record<Outcome, string>> = {
  regression: ' class="bad regression" style="background:#fdecea;color:#b52a2a;font-weight:600"',
  improved: ' class="improved" style="color:#1e8e57"',
  "not compared": ' class="not-compared" style="color:#8a94a6"',
};

/**
 * The baseline section of an HTML report: the comparison with a previous run, regressions
 * highlighted. An HTML fragment (`<section id="baseline">`); every value from the reports is escaped.
 */
export function renderBaselineSection(c: Comparison): string {
  const list = (title: string, items: readonly string[], cls: string) =>
    items.length
      ? `<p class="${cls}"><b>${esc(title)}</b></p><ul class="${cls}">${items.map((x) => `<li>${esc(x)}</li>`).join("")}</ul>`
      : "";
  const rows = c.metrics
    .map(
      (m) =>
        `<tr${ROW_STYLE[m.outcome] ?? ""} data-metric="${esc(m.id)}">${cells(m)
          .map((x, i) => (i === 0 ? `<th>${esc(x)}</th>` : `<td>${esc(x)}</td>`))
          .join("")}</tr>`,
    )
    .join("");
  return [
    `<section id="baseline"><h2>Compared with the baseline run ${esc(c.old.runId)}</h2>`,
    `<p class="note">baseline ${esc(c.old.name)}, started ${esc(c.old.startedAt)}, ${esc(c.old.verdict)}</p>`,
    `<p class="${c.refused || c.regressions.length ? "warn" : "note"}" id="baseline-result">${esc(headline(c))}</p>`,
    list("Regressions", c.regressions, "regressions"),
    list("Warnings", c.warnings, "warn"),
    list("Profile differences (old -> new)", c.profileDifferences, "note"),
    `<table class="num baseline"><thead><tr><th style="text-align:left">metric</th><th>old</th><th>new</th><th>change</th><th>%</th><th>tolerance</th><th></th></tr></thead><tbody>${rows}</tbody></table>`,
    list("Not compared", c.missing, "note"),
    `</section>`,
  ].join("\n");
}
