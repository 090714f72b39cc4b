/**
 * The cost benchmark's tables (Markdown, printed and written into docs/guides/cost.md between
 * `<!-- cost:begin -->` and `<!-- cost:end -->`).
 */
import { rewriteSection } from "../lib/docs";
import { PRICES, PRICES_READ_ON, PRICE_REGION } from "./prices";
import { SCENARIO_WORDS, type Scenario, type ScenarioCount } from "./count";
import type { FixedLine } from "./fixed";
import { ASSUMPTION_WORDS, PATTERN_NAMES, PATTERNS, SERVICES, type Assumptions, type Pattern } from "./model";
import type { StackFacts } from "./stack";

/** One column of the main table: a pattern, with or without the fault mix. */
export interface Column {
  readonly pattern: Pattern;
  readonly withFaults: boolean;
  /** Dollars per million webhooks, by service (per-webhook costs only). */
  readonly byService: Record<string, number>;
  readonly perWebhookUsdPerMillion: number;
  readonly fixed: FixedLine[];
  readonly fixedUsdPerMonth: number;
  /** Fixed monthly costs spread over the volume, dollars per million webhooks. */
  readonly fixedUsdPerMillion: number;
  readonly totalUsdPerMillion: number;
}

export const DOCS_BEGIN = "<!-- cost:begin -->";
export const DOCS_END = "<!-- cost:end -->";

const usd = (v: number) => (v === 0 ? "0" : v < 0.01 ? v.toFixed(4) : v.toFixed(2));
const num = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(3).replace(/\.?0+$/, ""));

function mainTable(columns: Column[], volume: number): string[] {
  const head = columns.map(
    (c) => `${c.pattern === "ours" ? "ours" : c.pattern === "sync" ? "(a) sync" : "(b) constructs"}${c.withFaults ? ", faults" : ""}`,
  );
  const rows = [`| $ per million webhooks | ${head.join(" | ")} |`, `|---|${head.map(() => "---:").join("|")}|`];
  for (const s of SERVICES) rows.push(`| ${s} | ${columns.map((c) => usd(c.byService[s])).join(" | ")} |`);
  rows.push(`| **per-webhook subtotal** | ${columns.map((c) => `**${usd(c.perWebhookUsdPerMillion)}**`).join(" | ")} |`);
  rows.push(`| fixed $/month | ${columns.map((c) => usd(c.fixedUsdPerMonth)).join(" | ")} |`);
  rows.push(
    `| fixed, spread over ${volume.toLocaleString("en-US")}/month | ${columns.map((c) => usd(c.fixedUsdPerMillion)).join(" | ")} |`,
  );
  rows.push(`| **total per million at that volume** | ${columns.map((c) => `**${usd(c.totalUsdPerMillion)}**`).join(" | ")} |`);
  return rows;
}

function countsTable(counts: Record<Scenario, ScenarioCount>): string[] {
  const keys = [...new Set(Object.values(counts).flatMap((c) => Object.keys(c.calls)))].sort();
  const rows = [
    `| scenario (counted, per message) | deliveries | ${keys.join(" | ")} | WRU | RRU | log bytes/delivery (EMF) |`,
    `|---|---:|${keys.map(() => "---:").join("|")}|---:|---:|---:|`,
  ];
  for (const c of Object.values(counts)) {
    const cells = keys.map((k) => num(c.calls[k] ?? 0));
    rows.push(
      `| ${c.scenario}: ${SCENARIO_WORDS[c.scenario]} | ${num(c.deliveries)} | ${cells.join(" | ")} | ${num(c.wru)} | ${num(c.rru)} | ${Math.round(c.logBytesPerDelivery)} (${Math.round(c.emfBytesPerDelivery)}) |`,
    );
  }
  return rows;
}

function fixedTable(columns: Column[]): string[] {
  const rows = ["| pattern | service | item | quantity | $/month |", "|---|---|---|---:|---:|"];
  for (const c of columns.filter((col) => col.withFaults)) {
    if (!c.fixed.length) rows.push(`| ${PATTERN_NAMES[c.pattern]} | - | none in the pattern as modelled | - | 0 |`);
    for (const f of c.fixed)
      rows.push(`| ${PATTERN_NAMES[c.pattern]} | ${f.service} | ${f.item} | ${num(f.quantity)} ${f.unit} | ${usd(f.usdPerMonth)} |`);
  }
  return rows;
}

function assumptionLines(a: Assumptions, facts: StackFacts): string[] {
  const out = Object.entries(ASSUMPTION_WORDS).map(([k, words]) => `- \`${k}\` = ${JSON.stringify(a[k as keyof Assumptions])}: ${words}`);
  out.push(
    `- from the synthesized stack (${facts.from}): worker ${facts.workerMemoryMb} MB ${facts.workerArchitecture}, batch size ${facts.batchSize}, batching window ${facts.batchingWindowSeconds} s, ReportBatchItemFailures ${facts.reportBatchItemFailures}, maxReceiveCount ${facts.maxReceiveCount}, queue encryption ${facts.queueEncryption}, ${facts.alarms} alarms, ${facts.dashboards} dashboard(s), ${facts.customerManagedKeys} customer managed key(s), ${facts.secrets} secrets, API X-Ray tracing ${facts.apiXrayTracing}`,
  );
  return out;
}

function priceLines(): string[] {
  return Object.entries(PRICES).map(
    ([k, p]) =>
      `- \`${k}\`: $${p.usd < 0.001 ? p.usd.toExponential(4) : p.usd} per ${p.per}${"assumed" in p && p.assumed ? " — **assumed**, check" : ""} ${p.source}${"note" in p && p.note ? ` (${p.note})` : ""}`,
  );
}

/** The whole generated section, Markdown. */
export function renderReport(input: {
  columns: Column[];
  counts: Record<Scenario, ScenarioCount>;
  assumptions: Assumptions;
  facts: StackFacts;
  messagesPerScenario: number;
}): string {
  const { columns, counts, assumptions, facts } = input;
  return [
    `Prices: ${PRICE_REGION}, on-demand, free tiers left out, read on ${PRICES_READ_ON}. Volume: ${assumptions.volumePerMonth.toLocaleString("en-US")} webhooks a month; batch fill ${assumptions.batchFill}.`,
    "",
    ...mainTable(columns, assumptions.volumePerMonth),
    "",
    `Counted by running the worker (\`createWorker\`, the demo handler) on local-aws-sqs and dynalite, ${input.messagesPerScenario} messages per scenario after a warm-up message; worker requests only (the ingress send and the event source mapping's receives and deletes are modelled):`,
    "",
    ...countsTable(counts),
    "",
    "Fixed monthly costs (with the fault mix):",
    "",
    ...fixedTable(columns),
    "",
    "Assumptions:",
    "",
    ...assumptionLines(assumptions, facts),
    "",
    "Prices:",
    "",
    ...priceLines(),
  ].join("\n");
}

/** Replaces the cost section of `file` with `section`; throws when the markers are missing. */
export function rewriteDocsSection(file: string, section: string): void {
  rewriteSection(file, section, DOCS_BEGIN, DOCS_END);
}

export { PATTERNS };
