/**
 * The trend page over the last N runs (`history.html` beside `history.json`): self-contained
 * HTML, inline CSS and inline SVG (no script, no external request), one small chart per
 * measure (ack p99, end-to-end p99, goodput, lost, duplicates) and a table of the runs with
 * links to each run's HTML report (relative keys, so the page works wherever the prefix is
 * mirrored).
 */
import type { HistoryEntry, HistoryIndex } from "./report-store";

const esc = (s: unknown) =>
  String(s).replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!);

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

/** One measure over the runs as an SVG polyline with a dot per run (red dots: FAIL runs); null values are gaps. */
export function trendSvg(
  title: string,
  unit: string,
  runs: readonly HistoryEntry[],
  value: (r: HistoryEntry) => number | null,
  width = 960,
  height = 160,
): string {
  const pad = { l: 60, r: 12, t: 22, b: 22 };
  const w = width - pad.l - pad.r;
  const h = height - pad.t - pad.b;
  const values = runs.map(value);
  const max = niceMax(Math.max(0, ...values.filter((v): v is number => v !== null)));
  const x = (i: number) => pad.l + (runs.length <= 1 ? w / 2 : (i / (runs.length - 1)) * w);
  const y = (v: number) => pad.t + h - (v / max) * h;
  const segments: string[] = [];
  let current: string[] = [];
  values.forEach((v, i) => {
    if (v === null) {
      if (current.length) segments.push(current.join(" "));
      current = [];
    } else current.push(`${x(i).toFixed(1)},${y(v).toFixed(1)}`);
  });
  if (current.length) segments.push(current.join(" "));
  const dots = values
    .map((v, i) =>
      v === null
        ? ""
        : `<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3" fill="${runs[i].verdict === "FAIL" ? "#d9534f" : "#2f7ed8"}"><title>${esc(runs[i].runId)}: ${v} ${esc(unit)}</title></circle>`,
    )
    .join("");
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${esc(title)}">`,
    `<text x="${pad.l}" y="14" font-size="13" font-weight="600">${esc(title)} (${esc(unit)})</text>`,
    `<line x1="${pad.l}" y1="${pad.t + h}" x2="${pad.l + w}" y2="${pad.t + h}" stroke="#999"/>`,
    `<text x="${pad.l - 6}" y="${pad.t + 4}" font-size="11" text-anchor="end">${max}</text>`,
    `<text x="${pad.l - 6}" y="${pad.t + h}" font-size="11" text-anchor="end">0</text>`,
    ...segments.map((points) => `<polyline fill="none" stroke="#2f7ed8" stroke-width="1.5" points="${points}"/>`),
    dots,
    `</svg>`,
  ].join("");
}

/** A relative link from `<prefix><runName>/history.html` to a key under the same folder. */
function relative(key: string, folderKey: string): string {
  return key.startsWith(folderKey) ? key.slice(folderKey.length) : key;
}

/** The trend page of a history index. */
export function renderTrendPage(history: HistoryIndex): string {
  const runs = history.runs;
  const folder = runs[0]?.htmlKey.replace(/\d{4}\/\d{2}\/\d{2}\/[^/]+\/spike\.html$/, "") ?? "";
  const fails = runs.filter((r) => r.verdict === "FAIL").length;
  const num = (v: number | null, digits = 1) => (v === null ? "-" : String(Math.round(v * 10 ** digits) / 10 ** digits));
  const rows = [...runs]
    .reverse()
    .map(
      (r) =>
        `<tr class="${r.verdict === "FAIL" ? "fail" : "pass"}"><td><a href="${esc(relative(r.htmlKey, folder))}">${esc(r.runId)}</a></td><td>${esc(r.time)}</td><td>${r.verdict}</td>` +
        `<td>${num(r.lost, 0)}</td><td>${num(r.duplicates, 0)}</td><td>${num(r.ackP99Ms)}</td><td>${num(r.endToEndP99Ms)}</td><td>${num(r.goodputPerSecond)}</td><td>${esc(r.reasons.join("; "))}</td></tr>`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Spike history: ${esc(history.runName)}</title>
<style>body{font-family:system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ddd;padding:4px 8px;text-align:right}td:first-child,td:last-child,th:first-child,th:last-child{text-align:left}tr.fail td{background:#fdecea}svg{display:block;margin:8px 0}</style>
</head><body>
<h1>Spike history: ${esc(history.runName)}</h1>
<p>The last ${runs.length} run${runs.length === 1 ? "" : "s"} (at most ${history.maxLength}), ${fails} FAIL. Red dots are FAIL runs; a gap is a run that was not reconciled.</p>
${trendSvg("Ack p99", "ms", runs, (r) => r.ackP99Ms)}
${trendSvg("End-to-end p99", "ms", runs, (r) => r.endToEndP99Ms)}
${trendSvg("Goodput", "msg/s", runs, (r) => r.goodputPerSecond)}
${trendSvg("Lost", "messages", runs, (r) => r.lost)}
${trendSvg("Duplicate deliveries", "messages", runs, (r) => r.duplicates)}
<table><thead><tr><th>run</th><th>started</th><th>verdict</th><th>lost</th><th>duplicates</th><th>ack p99 ms</th><th>end-to-end p99 ms</th><th>goodput msg/s</th><th>reasons</th></tr></thead>
<tbody>
${rows}
</tbody></table>
</body></html>
`;
}
