/**
 * A self-contained HTML report: inline CSS and inline SVG charts drawn here (no script,
 * no CDN, no external request), so the file can be archived, mailed or opened offline.
 */
import type { LatencySummary } from "./histogram";
import { describeInFlight, type SpikeReport } from "./run";
import { BACKPRESSURE_SERIES, type BackpressureBlock, type BackpressureSeriesName } from "./backpressure";
import { ingressRows, machineLine } from "./summary";
import { abortAgentsText } from "./thresholds";
import type { Comparison } from "./compare";
import { renderBaselineSection } from "./compare-render";

const esc = (s: unknown) =>
  String(s).replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!);

const COLORS = {
  offered: "#7c8da6",
  attempted: "#e0a53a",
  accepted: "#2f7ed8",
  delivered: "#21a366",
  throttled: "#d9534f",
  dropped: "#8e44ad",
  ack: "#2f7ed8",
  service: "#e0a53a",
  endToEnd: "#21a366",
};

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

const fmtNum = (n: number) => (Math.abs(n) >= 1000 ? `${Math.round(n / 100) / 10}k` : `${Math.round(n * 10) / 10}`);

interface Series {
  readonly name: string;
  readonly color: string;
  readonly values: readonly number[];
  readonly dashed?: boolean;
  readonly bars?: boolean;
}

/** The per-second timeline: lines for offered / attempted / accepted / delivered, bars for throttled and dropped, phases shaded. */
export function timelineSvg(report: SpikeReport, width = 960, height = 320): string {
  const t = report.timeline;
  const series: Series[] = [
    { name: "throttled (429/503)", color: COLORS.throttled, values: t.throttled, bars: true },
    { name: "dropped", color: COLORS.dropped, values: t.dropped, bars: true },
    { name: "offered", color: COLORS.offered, values: t.offered, dashed: true },
    { name: "attempted", color: COLORS.attempted, values: t.attempted },
    { name: "accepted", color: COLORS.accepted, values: t.accepted },
    ...(t.delivered ? [{ name: "delivered (processed)", color: COLORS.delivered, values: t.delivered }] : []),
  ];
  const n = Math.max(1, ...series.map((s) => s.values.length));
  const m = { l: 56, r: 16, t: 16, b: 64 };
  const w = width - m.l - m.r;
  const h = height - m.t - m.b;
  const yMax = niceMax(Math.max(1, ...series.flatMap((s) => s.values)));
  const x = (i: number) => m.l + (i / n) * w;
  const y = (v: number) => m.t + h - (v / yMax) * h;
  const parts: string[] = [];
  parts.push(
    `<svg class="chart" id="timeline-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="messages per second over time">`,
  );
  // phase bands
  report.phases.forEach((ph, i) => {
    const x0 = x(ph.startSeconds);
    const x1 = x(Math.min(n, ph.startSeconds + ph.durationSeconds));
    if (x1 <= x0) return;
    parts.push(
      `<rect class="phase" x="${x0.toFixed(1)}" y="${m.t}" width="${(x1 - x0).toFixed(1)}" height="${h}" fill="${i % 2 ? "#f3f5f9" : "#fafbfd"}"/>`,
    );
    parts.push(`<text x="${((x0 + x1) / 2).toFixed(1)}" y="${m.t + 12}" class="phase-label" text-anchor="middle">${esc(ph.name)}</text>`);
  });
  // grid and y axis
  for (let k = 0; k <= 5; k++) {
    const v = (yMax * k) / 5;
    parts.push(`<line x1="${m.l}" x2="${m.l + w}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" class="grid"/>`);
    parts.push(`<text x="${m.l - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" class="tick">${fmtNum(v)}</text>`);
  }
  const step = Math.max(1, niceMax(n / 12));
  for (let s = 0; s <= n; s += step) {
    parts.push(`<line x1="${x(s).toFixed(1)}" x2="${x(s).toFixed(1)}" y1="${m.t + h}" y2="${m.t + h + 4}" class="axis"/>`);
    parts.push(`<text x="${x(s).toFixed(1)}" y="${m.t + h + 16}" text-anchor="middle" class="tick">${s}</text>`);
  }
  parts.push(`<line x1="${m.l}" x2="${m.l + w}" y1="${m.t + h}" y2="${m.t + h}" class="axis"/>`);
  parts.push(`<text x="${m.l + w / 2}" y="${m.t + h + 32}" text-anchor="middle" class="label">seconds since the planned start</text>`);
  parts.push(`<text transform="translate(14 ${m.t + h / 2}) rotate(-90)" text-anchor="middle" class="label">messages / s</text>`);
  const bw = Math.max(1, w / n / 2 - 0.5);
  for (const [si, s] of series.filter((q) => q.bars).entries()) {
    s.values.forEach((v, i) => {
      if (v > 0)
        parts.push(
          `<rect class="bar" x="${(x(i) + si * bw).toFixed(1)}" y="${y(v).toFixed(1)}" width="${bw.toFixed(1)}" height="${(m.t + h - y(v)).toFixed(1)}" fill="${s.color}" opacity="0.75"/>`,
        );
    });
  }
  for (const s of series.filter((q) => !q.bars)) {
    const pts = Array.from({ length: n }, (_, i) => `${x(i + 0.5).toFixed(1)},${y(s.values[i] ?? 0).toFixed(1)}`).join(" ");
    parts.push(
      `<polyline class="series" data-series="${esc(s.name)}" points="${pts}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ""} stroke-linejoin="round"/>`,
    );
  }
  // legend
  let lx = m.l;
  for (const s of series) {
    const ly = height - 14;
    parts.push(
      s.bars
        ? `<rect x="${lx}" y="${ly - 9}" width="14" height="10" fill="${s.color}" opacity="0.75"/>`
        : `<line x1="${lx}" x2="${lx + 14}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="3"${s.dashed ? ' stroke-dasharray="4 3"' : ""}/>`,
    );
    parts.push(`<text x="${lx + 19}" y="${ly}" class="legend">${esc(s.name)}</text>`);
    lx += 34 + s.name.length * 7;
  }
  parts.push("</svg>");
  return parts.join("");
}

/** One line (or bars) of a backpressure panel: points in seconds since the planned start. */
interface TimedSeries {
  readonly name: string;
  readonly color: string;
  readonly points: readonly (readonly [number, number])[];
  readonly bars?: boolean;
  readonly dashed?: boolean;
}

const BACKPRESSURE_COLORS: Record<BackpressureSeriesName, string> = {
  queueVisible: "#2f7ed8",
  queueInFlight: "#e0a53a",
  queueDelayed: "#8e44ad",
  workerConcurrency: "#21a366",
  downstreamCalls: "#1d2533",
  downstream429: COLORS.throttled,
  eventsPolled: "#21a366",
  deadLetters: "#b52a2a",
};

/** One panel of the backpressure chart: its unit and the series drawn in it. */
interface BackpressurePanel {
  readonly id: string;
  readonly unit: string;
  readonly series: TimedSeries[];
}

/**
 * The backpressure chart's panels, those with data: rates (sent, acknowledged, events polled,
 * downstream calls, 429s as bars), queue depth, worker concurrency, dead letters.
 */
function backpressurePanels(report: SpikeReport, bp: BackpressureBlock): BackpressurePanel[] {
  const s = (name: BackpressureSeriesName, extra: Partial<TimedSeries> = {}): TimedSeries[] => {
    const points = bp.series[name];
    // a CloudWatch point stands for its whole period: drawn at the period's middle
    const shift = bp.source === "cloudwatch" ? bp.periodSeconds / 2 : 0;
    return points
      ? [
          {
            name: BACKPRESSURE_SERIES[name],
            color: BACKPRESSURE_COLORS[name],
            points: points.map(([t, v]) => [t / 1000 + shift, v] as const),
            ...extra,
          },
        ]
      : [];
  };
  const perSecond = (name: string, color: string, values: readonly number[], dashed = false): TimedSeries => ({
    name,
    color,
    points: values.map((v, i) => [i + 0.5, v] as const),
    dashed,
  });
  return [
    {
      id: "rates",
      unit: "per second",
      series: [
        ...s("downstream429", { bars: true }),
        perSecond("sent (attempts)", COLORS.attempted, report.timeline.attempted, true),
        perSecond("acknowledged", COLORS.accepted, report.timeline.accepted),
        ...s("eventsPolled", { dashed: true }),
        ...s("downstreamCalls"),
      ],
    },
    { id: "queue", unit: "messages", series: [...s("queueVisible"), ...s("queueInFlight"), ...s("queueDelayed")] },
    { id: "concurrency", unit: "invocations", series: s("workerConcurrency") },
    { id: "dead-letters", unit: "messages", series: s("deadLetters") },
  ].filter((p) => p.series.some((q) => q.points.length));
}

/** The chart's geometry, shared by its panels: margins, widths, the time axis. */
interface PanelFrame {
  readonly m: { readonly l: number; readonly r: number; readonly t: number; readonly b: number };
  /** Plot width. */
  readonly w: number;
  readonly ph: number;
  readonly legendH: number;
  /** Seconds on the time axis. */
  readonly n: number;
  readonly x: (sec: number) => number;
  readonly periodSeconds: number;
}

/** Draws one panel (phases, grid, axis, bars, lines, legend) at its place in the stack. */
function backpressurePanelSvg(report: SpikeReport, panel: BackpressurePanel, pi: number, f: PanelFrame, parts: string[]): void {
  const { m, w, ph, legendH, n, x } = f;
  const top = pi * (ph + legendH) + m.t;
  const h = ph - m.t - m.b + 16;
  const yMax = niceMax(Math.max(1, ...panel.series.flatMap((q) => q.points.map(([, v]) => v))));
  const y = (v: number) => top + h - (v / yMax) * h;
  parts.push(`<g class="panel" id="backpressure-${panel.id}">`);
  report.phases.forEach((phase, i) => {
    const x0 = x(phase.startSeconds);
    const x1 = x(phase.startSeconds + phase.durationSeconds);
    if (x1 > x0)
      parts.push(
        `<rect class="phase" x="${x0.toFixed(1)}" y="${top}" width="${(x1 - x0).toFixed(1)}" height="${h}" fill="${i % 2 ? "#f3f5f9" : "#fafbfd"}"/>`,
      );
  });
  for (let k = 0; k <= 2; k++) {
    const v = (yMax * k) / 2;
    parts.push(`<line x1="${m.l}" x2="${m.l + w}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" class="grid"/>`);
    parts.push(`<text x="${m.l - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" class="tick">${fmtNum(v)}</text>`);
  }
  parts.push(`<text transform="translate(14 ${top + h / 2}) rotate(-90)" text-anchor="middle" class="label">${esc(panel.unit)}</text>`);
  parts.push(`<line x1="${m.l}" x2="${m.l + w}" y1="${top + h}" y2="${top + h}" class="axis"/>`);
  const step = Math.max(1, niceMax(n / 12));
  for (let sec = 0; sec <= n; sec += step)
    parts.push(`<text x="${x(sec).toFixed(1)}" y="${top + h + 13}" text-anchor="middle" class="tick">${sec}</text>`);
  const bw = Math.max(1, Math.min(w / n / 2, (w / n) * f.periodSeconds) - 0.5);
  for (const q of panel.series.filter((q) => q.bars)) {
    for (const [t, v] of q.points)
      if (v > 0 && t > 0 && t <= n)
        parts.push(
          `<rect class="bar" x="${(x(t) - bw).toFixed(1)}" y="${y(v).toFixed(1)}" width="${bw.toFixed(1)}" height="${(top + h - y(v)).toFixed(1)}" fill="${q.color}" opacity="0.75"><title>${esc(q.name)} at ${t.toFixed(1)} s: ${v}</title></rect>`,
        );
  }
  for (const q of panel.series.filter((q) => !q.bars && q.points.length)) {
    const pts = q.points
      .filter(([t]) => t >= 0 && t <= n)
      .map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`)
      .join(" ");
    parts.push(
      `<polyline class="series" data-series="${esc(q.name)}" points="${pts}" fill="none" stroke="${q.color}" stroke-width="2"${q.dashed ? ' stroke-dasharray="6 4"' : ""} stroke-linejoin="round"/>`,
    );
  }
  let lx = m.l;
  const ly = top + h + 30;
  for (const q of panel.series) {
    parts.push(
      q.bars
        ? `<rect x="${lx}" y="${ly - 9}" width="14" height="10" fill="${q.color}" opacity="0.75"/>`
        : `<line x1="${lx}" x2="${lx + 14}" y1="${ly - 4}" y2="${ly - 4}" stroke="${q.color}" stroke-width="3"${q.dashed ? ' stroke-dasharray="4 3"' : ""}/>`,
    );
    parts.push(`<text x="${lx + 19}" y="${ly}" class="legend">${esc(q.name)}</text>`);
    lx += 34 + q.name.length * 7;
  }
  parts.push("</g>");
}

/**
 * The backpressure charts: stacked panels on one time axis (seconds since the planned start,
 * the timeline's): what was sent and acknowledged with the downstream calls and their 429s,
 * queue depth (visible, in flight, delayed), worker concurrency, dead letters. Empty string
 * when the report has no `backpressure` block.
 */
export function backpressureSvg(report: SpikeReport, width = 960, panelHeight = 150): string {
  const bp = report.backpressure;
  if (!bp) return "";
  const panels = backpressurePanels(report, bp);
  const lastT = Math.max(report.timeline.attempted.length, ...panels.flatMap((p) => p.series.flatMap((q) => q.points.map(([t]) => t))));
  const n = Math.max(1, Math.ceil(lastT));
  const m = { l: 56, r: 16, t: 10, b: 26 };
  const w = width - m.l - m.r;
  const legendH = 22;
  const ph = panelHeight;
  const height = panels.length * (ph + legendH) + 40;
  const x = (sec: number) => m.l + (Math.min(n, Math.max(0, sec)) / n) * w;
  const frame: PanelFrame = { m, w, ph, legendH, n, x, periodSeconds: bp.periodSeconds };
  const parts: string[] = [];
  parts.push(
    `<svg class="chart" id="backpressure-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="queue depth, worker concurrency, downstream calls and dead letters over time">`,
  );
  panels.forEach((panel, pi) => backpressurePanelSvg(report, panel, pi, frame, parts));
  parts.push(
    `<text x="${m.l + w / 2}" y="${height - 6}" text-anchor="middle" class="label">seconds since the planned start (${bp.source === "emulator" ? "the local emulator, sampled every second" : `CloudWatch, ${bp.periodSeconds} s periods`})</text>`,
  );
  parts.push("</svg>");
  return parts.join("");
}

/** Percentile curves on a log "nines" axis (0%, 90%, 99%, 99.9%, ...) with a log latency axis. */
export function latencySvg(report: SpikeReport, width = 960, height = 320): string {
  const curves: { name: string; color: string; s: LatencySummary }[] = [
    { name: "ack, from planned send", color: COLORS.ack, s: report.latency.ack },
    { name: "service time per attempt", color: COLORS.service, s: report.latency.service },
    ...(report.latency.endToEnd
      ? [{ name: "end to end (planned send to processed)", color: COLORS.endToEnd, s: report.latency.endToEnd }]
      : []),
  ].filter((c) => c.s.count > 0);
  const m = { l: 64, r: 40, t: 16, b: 64 };
  const w = width - m.l - m.r;
  const h = height - m.t - m.b;
  const nines = (p: number) => Math.log10(1 / (1 - Math.min(p, 99.999) / 100));
  const xMax = 5; // 99.999 %
  const all = curves.flatMap((c) => c.s.curve.map((pt) => Math.max(0.01, pt.ms)));
  const lo = Math.floor(Math.log10(Math.max(0.01, Math.min(1, ...all))));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(1, ...all))));
  const x = (p: number) => m.l + (nines(p) / xMax) * w;
  const y = (ms: number) => m.t + h - ((Math.log10(Math.max(0.01, ms)) - lo) / (hi - lo)) * h;
  const parts: string[] = [];
  parts.push(
    `<svg class="chart" id="latency-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="latency by percentile">`,
  );
  for (let e = lo; e <= hi; e++) {
    const v = 10 ** e;
    parts.push(`<line x1="${m.l}" x2="${m.l + w}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" class="grid"/>`);
    parts.push(
      `<text x="${m.l - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" class="tick">${v >= 1000 ? `${v / 1000} s` : `${v} ms`}</text>`,
    );
  }
  for (const [p, label] of [
    [0, "0%"],
    [90, "90%"],
    [99, "99%"],
    [99.9, "99.9%"],
    [99.99, "99.99%"],
    [99.999, "99.999%"],
  ] as const) {
    parts.push(`<line x1="${x(p).toFixed(1)}" x2="${x(p).toFixed(1)}" y1="${m.t}" y2="${m.t + h}" class="grid"/>`);
    parts.push(`<text x="${x(p).toFixed(1)}" y="${m.t + h + 16}" text-anchor="middle" class="tick">${label}</text>`);
  }
  parts.push(`<line x1="${m.l}" x2="${m.l + w}" y1="${m.t + h}" y2="${m.t + h}" class="axis"/>`);
  parts.push(`<text x="${m.l + w / 2}" y="${m.t + h + 32}" text-anchor="middle" class="label">percentile</text>`);
  for (const c of curves) {
    const pts = c.s.curve.map((pt) => `${x(pt.percentile).toFixed(1)},${y(pt.ms).toFixed(1)}`).join(" ");
    parts.push(
      `<polyline class="series" data-series="${esc(c.name)}" points="${pts}" fill="none" stroke="${c.color}" stroke-width="2.5" stroke-linejoin="round"/>`,
    );
    for (const pt of c.s.curve)
      parts.push(
        `<circle cx="${x(pt.percentile).toFixed(1)}" cy="${y(pt.ms).toFixed(1)}" r="2.5" fill="${c.color}"><title>${esc(c.name)} p${pt.percentile}: ${pt.ms} ms</title></circle>`,
      );
  }
  let lx = m.l;
  for (const c of curves) {
    const ly = height - 14;
    parts.push(`<line x1="${lx}" x2="${lx + 14}" y1="${ly - 4}" y2="${ly - 4}" stroke="${c.color}" stroke-width="3"/>`);
    parts.push(`<text x="${lx + 19}" y="${ly}" class="legend">${esc(c.name)}</text>`);
    lx += 40 + c.name.length * 7;
  }
  if (curves.length === 0)
    parts.push(`<text x="${width / 2}" y="${height / 2}" text-anchor="middle" class="label">no latency samples</text>`);
  parts.push("</svg>");
  return parts.join("");
}

const ms = (v: number | undefined) =>
  v === undefined ? "-" : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(v >= 100 ? 0 : 1)} ms`;

function rows(items: [string, unknown, string?][]): string {
  return items.map(([k, v, cls]) => `<tr${cls ? ` class="${cls}"` : ""}><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join("");
}

function latencyTable(report: SpikeReport): string {
  const line = (name: string, s?: LatencySummary) =>
    s
      ? `<tr><th>${esc(name)}</th><td>${s.count}</td><td>${ms(s.p50Ms)}</td><td>${ms(s.p90Ms)}</td><td>${ms(s.p99Ms)}</td><td>${ms(s.p999Ms)}</td><td>${ms(s.maxMs)}</td></tr>`
      : "";
  return `<table class="num"><thead><tr><th></th><th>count</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th></tr></thead><tbody>${line("ack, from planned send", report.latency.ack)}${line("service time per attempt", report.latency.service)}${line("end to end", report.latency.endToEnd)}</tbody></table>`;
}

/** The report page's stylesheet (inline: the page references nothing outside itself). */
const REPORT_CSS = `body{font:14px/1.45 -apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;margin:0;background:#eef1f6;color:#1d2533}
main{max-width:1000px;margin:0 auto;padding:20px}
.banner{border-radius:10px;padding:18px 22px;color:#fff;display:flex;justify-content:space-between;align-items:center}
.banner.pass{background:linear-gradient(90deg,#1e8e57,#27ae60)}.banner.fail{background:linear-gradient(90deg,#b52a2a,#e04848)}
.banner h1{margin:0;font-size:30px;letter-spacing:1px}.banner .meta{text-align:right;font-size:13px;opacity:.95}
.banner ul{margin:6px 0 0 18px;padding:0}
.kpis{display:grid;grid-template-columns:repeat(6,1fr);gap:10px;margin:16px 0}
.kpi{background:#fff;border-radius:8px;padding:10px 12px;box-shadow:0 1px 2px rgba(0,0,0,.06)}
.kpi .v{font-size:22px;font-weight:600}.kpi .k{color:#5b6678;font-size:12px;text-transform:uppercase;letter-spacing:.4px}
section{background:#fff;border-radius:10px;padding:14px 18px;margin:14px 0;box-shadow:0 1px 2px rgba(0,0,0,.06)}
h2{font-size:16px;margin:0 0 10px}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:14px}
table{border-collapse:collapse;width:100%}th,td{padding:4px 8px;border-bottom:1px solid #edf0f4;text-align:left}
td{text-align:right;font-variant-numeric:tabular-nums}table.num th{text-align:left}table.num thead th{text-align:right}
tr.bad td,tr.bad th{color:#b52a2a;font-weight:600}.status-pass{color:#1e8e57;font-weight:600}.status-fail{color:#b52a2a;font-weight:600}.status-skipped{color:#8a94a6}.status-info{color:#3b6fb5}.status-warn{color:#b5791f;font-weight:600}
.chart{width:100%;height:auto}.chart .grid{stroke:#e3e7ee;stroke-width:1}.chart .axis{stroke:#8a94a6}
.chart .tick{font-size:11px;fill:#5b6678}.chart .label{font-size:12px;fill:#3b4556}.chart .legend{font-size:12px;fill:#1d2533}.chart .phase-label{font-size:11px;fill:#8a94a6}
.warn{background:#fff6e0;border:1px solid #f0c36d;padding:8px 10px;border-radius:6px}.note{color:#5b6678;margin:4px 0}
.rates td{font-size:18px}footer{color:#8a94a6;font-size:12px;text-align:center;margin:18px 0}
`;

/** The headline figures: offered, accepted, processed, lost, ack and end-to-end p99. */
function kpiTiles(report: SpikeReport): string {
  const c = report.counts;
  const d = report.delivery;
  const kpis: [string, string][] = [
    ["offered", `${c.offered}`],
    ["accepted", `${c.accepted}`],
    [d.reconciled ? "processed" : "delivery", d.reconciled ? `${d.processed}` : "not reconciled"],
    ["lost", d.reconciled ? `${d.lost}` : "-"],
    ["ack p99", ms(report.latency.ack.p99Ms)],
    ["end-to-end p99", ms(report.latency.endToEnd?.p99Ms)],
  ];
  return `<div class="kpis">${kpis.map(([k, val]) => `<div class="kpi"><div class="v">${esc(val)}</div><div class="k">${esc(k)}</div></div>`).join("")}</div>`;
}

/** The delivery section's body: the reconciliation's counts and samples, or why there was none. */
function deliveryHtml(report: SpikeReport): string {
  const d = report.delivery;
  const deadlineNote = report.reconcileDeadline
    ? `<p class="note" id="deadline">reconciliation deadline: ${esc(report.reconcileDeadline.explanation)}</p>`
    : "";
  return d.reconciled
    ? `<table>${rows([
        ["accepted at the ingress", d.accepted],
        ["processed", d.processed],
        ["duplicate deliveries (normal at-least-once)", d.duplicateDeliveries],
        ["duplicate side effects", d.duplicateSideEffects, d.duplicateSideEffects ? "bad" : ""],
        ["dead-lettered, expected (poison)", d.deadLetteredExpected],
        ["dead-lettered, unexpected", d.deadLetteredUnexpected, d.deadLetteredUnexpected ? "bad" : ""],
        ["found in the operational DLQ", d.inDlq, d.inDlq ? "bad" : ""],
        ["drained from the quarantine queue", d.quarantineDrained],
        ["lost", d.lost, d.lost ? "bad" : ""],
        ["in flight at the deadline (being retried)", d.inFlight ?? 0, d.inFlight ? "bad" : ""],
        ["delivered but not acknowledged", d.deliveredUnacknowledged],
        [
          "fault markers checked / violations",
          `${d.faultChecks.checked} / ${d.faultChecks.violations}`,
          d.faultChecks.violations ? "bad" : "",
        ],
        ["reconciliation wait", `${d.waitedSeconds} s${d.complete ? "" : " (deadline reached)"}`],
      ])}</table>${deadlineNote}${d.lostSeqs.length ? `<p class="note">lost seqs: ${esc(d.lostSeqs.join(", "))}</p>` : ""}${
        d.inFlightSamples?.length ? `<p class="note">in flight: ${esc(d.inFlightSamples.map(describeInFlight).join(", "))}</p>` : ""
      }${d.faultChecks.samples
        .slice(0, 10)
        .map((s) => `<p class="note">seq ${s.seq} (${esc(s.kind)}): ${esc(s.problem)}</p>`)
        .join("")}`
    : `<p class="warn">Delivery was not reconciled: ${esc(d.reason)}</p>${deadlineNote}`;
}

/** The verdict banner: PASS with the checks passed, or FAIL with its reasons; the run's identity. */
function verdictBanner(report: SpikeReport): string {
  const v = report.verdict;
  const pass = v.verdict === "PASS";
  const d = report.delivery;
  return `<div class="banner ${pass ? "pass" : "fail"}" id="verdict">
<div><h1>${esc(v.verdict)}</h1>${pass ? `<div>${v.checks.filter((x) => x.status === "pass").length} checks passed${d.reconciled ? "" : " (ingress only: delivery not reconciled)"}</div>` : `<ul>${v.reasons.map((x) => `<li>${esc(x)}</li>`).join("")}</ul>`}</div>
<div class="meta"><div><b>${esc(report.name)}</b></div><div>${esc(report.runId)}</div><div>${esc(report.startedAt)}</div><div>${esc(report.targetUrl)}</div><div>${report.agents} sender(s)</div></div>
</div>`;
}

/** The per-scenario table of a multi-scenario run (empty otherwise). */
function scenariosSection(report: SpikeReport): string {
  return report.scenarios?.length
    ? `<section id="scenarios"><h2>Scenarios</h2><p class="note">Each scenario on its own; the figures above add them together.</p><table class="num"><thead><tr><th>scenario</th><th>planned</th><th>accepted</th><th>not accepted</th><th>processed</th><th>lost</th><th>ack p50</th><th>ack p99</th></tr></thead><tbody>${report.scenarios
        .map(
          (sc) =>
            `<tr><th>${esc(sc.name)}</th><td>${sc.planned}</td><td>${sc.accepted}</td><td>${sc.notAccepted}</td><td>${sc.processed ?? "-"}</td><td>${sc.lost ?? "-"}</td><td>${sc.ack && sc.ack.count > 0 ? `${sc.ack.p50Ms} ms` : "-"}</td><td>${sc.ack && sc.ack.count > 0 ? `${sc.ack.p99Ms} ms` : "-"}</td></tr>`,
        )
        .join("")}</tbody></table></section>`
    : "";
}

/** The table of every SLO check: status, actual value, threshold. */
function checksSection(report: SpikeReport): string {
  return `<section><h2>SLO checks</h2><table><thead><tr><th>check</th><th>status</th><th>actual</th><th>threshold</th></tr></thead><tbody>${report.verdict.checks
    .map(
      (x) =>
        `<tr><th>${esc(x.name)}</th><td class="status-${x.status}">${x.status.toUpperCase()}</td><td>${x.detail !== undefined ? esc(x.detail) : x.actual === undefined ? "-" : esc(Number.isInteger(x.actual) ? x.actual : x.actual.toFixed(x.actual < 10 ? 4 : 1))}</td><td>${esc(x.threshold)}</td></tr>`,
    )
    .join("")}</tbody></table></section>`;
}

/** The profile's phases and settings. */
function profileSection(report: SpikeReport): string {
  return `<section><h2>Profile</h2><table>${rows(report.phases.map((p) => [`${p.name} (${p.type})`, `${p.startSeconds}-${p.startSeconds + p.durationSeconds} s, ${p.fromRatePerSecond === p.toRatePerSecond ? `${p.fromRatePerSecond}/s` : `${p.fromRatePerSecond} -> ${p.toRatePerSecond}/s`}`]))}${rows(
    [
      ["conversations", report.profile.conversations],
      ["workMs", report.profile.workMs],
      [
        "faults (throttle / transient / poison)",
        `${report.profile.faults.throttle.fraction} / ${report.profile.faults.transient.fraction} / ${report.profile.faults.poison.fraction}`,
      ],
      ["max in flight / connections", `${report.profile.sending.maxInFlight} / ${report.profile.sending.connections}`],
    ],
  )}</table></section>`;
}

/** Options of {@link renderHtmlReport}. */
export interface HtmlReportOptions {
  /**
   * The comparison of this run with an earlier one (`compareReports(baseline, report)`): shown
   * as a baseline section under the key figures.
   */
  readonly baseline?: Comparison;
}

/** The report as one self-contained HTML document. */
export function renderHtmlReport(report: SpikeReport, options: HtmlReportOptions = {}): string {
  const c = report.counts;
  const latencyNotes = [
    report.machine ? `<p class="note" id="machine">generator machine: ${esc(machineLine(report.machine))}</p>` : "",
    report.latencyJudgement === "local"
      ? `<p class="note">judged locally: only acks later than Genesys' 10 s webhook timeout count (${c.acksAfterGenesysTimeout ?? 0} of ${c.accepted}); the AWS-grade p99 bounds are shown as INFO, not judged</p>`
      : "",
  ].join("");
  const r = report.rates;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Spike ${esc(report.verdict.verdict)}: ${esc(report.name)} ${esc(report.runId)}</title>
<style>
${REPORT_CSS}</style></head>
<body><main>
${verdictBanner(report)}
${report.aborted ? `<section id="aborted"><h2>Aborted mid-way</h2><p>Sending stopped${esc(abortAgentsText(report.aborted, report.agents))} at ${esc(report.aborted.elapsedSeconds)} s (${esc(report.aborted.at)}): threshold <code>${esc(report.aborted.threshold)}</code> failed with value ${esc(report.aborted.value)} (abortOnFail). The arrivals after it were never offered; what was sent was still reconciled.</p></section>` : ""}
${kpiTiles(report)}
${options.baseline ? renderBaselineSection(options.baseline) : ""}
<section><h2>Messages per second</h2>${timelineSvg(report)}
<table class="rates"><tr><th>offered (the plan)</th><td>${r.offeredPerSecond}/s</td><th>attempted (incl. retries)</th><td>${r.attemptedPerSecond}/s</td><th>goodput (${esc(r.goodputBasis)})</th><td>${r.goodputPerSecond}/s</td></tr></table></section>
${report.backpressure ? `<section id="backpressure"><h2>Backpressure: the spike absorbed by the queue and drained at the downstream's pace</h2>${backpressureSvg(report)}${(report.backpressure.notes ?? []).map((x) => `<p class="note">${esc(x)}</p>`).join("")}</section>` : ""}
<section><h2>Latency by percentile</h2>${latencySvg(report)}${latencyTable(report)}${latencyNotes}</section>
<div class="grid2">
<section><h2>Ingress</h2><table>${rows([
    ...ingressRows(report).map(([label, value, watch]): [string, number, string] => [label, value, watch && value ? "bad" : ""]),
    [
      "status codes",
      Object.entries(c.statusCodes)
        .map(([k, n]) => `${k}: ${n}`)
        .join(", ") || "-",
    ],
  ])}</table></section>
<section><h2>Delivery</h2>${deliveryHtml(report)}</section>
${scenariosSection(report)}
</div>
${checksSection(report)}
${report.failureSamples.length ? `<section><h2>Failure samples</h2>${report.failureSamples.map((s) => `<p class="note">${esc(s)}</p>`).join("")}</section>` : ""}
${profileSection(report)}
<footer>cdktf-genesys-consumer spike report &middot; latency is measured from each message's planned send time (coordinated omission corrected)</footer>
</main></body></html>
`;
}
