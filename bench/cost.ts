/**
 * Benchmark 6: the cost of a million webhooks (`npm run bench -- cost`).
 *
 * Counts, per message, the AWS requests the worker's code path makes (by running it on the local
 * stand-ins, bench/cost/count.ts), adds what depends on batching and timing from stated
 * assumptions (bench/cost/model.ts), prices it with public us-east-1 on-demand prices
 * (bench/cost/prices.ts) and prints dollars per million webhooks by service, for this pipeline,
 * (a) API Gateway straight to a synchronous Lambda and (b) the Solutions Constructs pair, with and
 * without the default fault mix; fixed monthly costs are spread over `--volume`.
 *
 * Options: `--json` (print the whole result as JSON too), `--volume=N` (webhooks a month,
 * default 1,000,000), `--fill=N` (records per invocation, default 1), `--update-docs` (rewrite
 * the generated section of docs/guides/cost.md).
 */
import { join } from "node:path";
import { ROOT, say, type BenchResult, type Figure } from "./lib/util";
import { countScenario, ingressSendInput, referenceMessage, SCENARIOS, type Scenario, type ScenarioCount } from "./cost/count";
import { fixedLines } from "./cost/fixed";
import { sqsPayloadBytes, startCostBench } from "./cost/harness";
import { DEFAULT_ASSUMPTIONS, dollarsPerMillion, PATTERNS, quantities, type Assumptions, type MessageSizes } from "./cost/model";
import { PRICES, PRICES_READ_ON } from "./cost/prices";
import { renderReport, rewriteDocsSection, type Column } from "./cost/report";
import { synthDemoFacts, type StackFacts } from "./cost/stack";

export interface CostOptions {
  /** Fewer messages per scenario. Default false. */
  readonly quick?: boolean;
  readonly json?: boolean;
  readonly updateDocs?: boolean;
  readonly volume?: number;
  readonly fill?: number;
}

export const COST_DOC = join(ROOT, "docs", "guides", "cost.md");

/** Counts every scenario on one set of stand-ins. */
export async function countAll(n: number): Promise<Record<Scenario, ScenarioCount>> {
  const bench = await startCostBench();
  try {
    const out = {} as Record<Scenario, ScenarioCount>;
    for (const s of SCENARIOS) out[s] = await countScenario(bench, s, n);
    return out;
  } finally {
    await bench.close();
  }
}

function messageSizes(): MessageSizes {
  const raw = JSON.stringify(referenceMessage());
  return { oursPayloadBytes: sqsPayloadBytes(ingressSendInput("http://q", raw)), rawBodyBytes: Buffer.byteLength(raw) };
}

/** The table's columns: each pattern, happy path then with the fault mix. */
export function columnsOf(counts: Record<Scenario, ScenarioCount>, a: Assumptions, facts: StackFacts, sizes: MessageSizes): Column[] {
  const perWebhook = (pattern: (typeof PATTERNS)[number], withFaults: boolean) =>
    dollarsPerMillion(quantities(pattern, counts, a, facts, sizes, withFaults));
  const sum = (r: Record<string, number>) => Object.values(r).reduce((s, v) => s + v, 0);
  // One synthetic message of the nightly spike: ours with the fault mix, plus its receipt writes.
  const receiptWru = counts.synthetic.wru - counts.happy.wru;
  const spikeUsdPerMessage = sum(perWebhook("ours", true)) / 1e6 + receiptWru * PRICES.dynamoWru.usd;
  const columns: Column[] = [];
  for (const pattern of PATTERNS) {
    for (const withFaults of [false, true]) {
      const byService = perWebhook(pattern, withFaults);
      const fixed = fixedLines(pattern, counts, a, facts, withFaults, spikeUsdPerMessage);
      const fixedUsdPerMonth = fixed.reduce((s, f) => s + f.usdPerMonth, 0);
      const fixedUsdPerMillion = (fixedUsdPerMonth * 1e6) / a.volumePerMonth;
      const perWebhookUsdPerMillion = sum(byService);
      columns.push({
        pattern,
        withFaults,
        byService,
        perWebhookUsdPerMillion,
        fixed,
        fixedUsdPerMonth,
        fixedUsdPerMillion,
        totalUsdPerMillion: perWebhookUsdPerMillion + fixedUsdPerMillion,
      });
    }
  }
  return columns;
}

function figuresOf(columns: Column[]): Figure[] {
  return columns.map((c) => ({
    name: `${c.pattern}${c.withFaults ? " + faults" : ""}: $ per million webhooks (fixed spread)`,
    value: Math.round(c.totalUsdPerMillion * 100) / 100,
    unit: "USD",
  }));
}

/** The same totals at other batch fills and volumes, one line each: what batching and scale change. */
function sensitivity(counts: Record<Scenario, ScenarioCount>, a: Assumptions, facts: StackFacts, sizes: MessageSizes): string {
  const cases: [string, Assumptions][] = [
    ["full batches (fill 10)", { ...a, batchFill: 10 }],
    ["10 million a month", { ...a, volumePerMonth: 10_000_000 }],
    ["10 million a month, full batches", { ...a, volumePerMonth: 10_000_000, batchFill: 10 }],
  ];
  const lines = ["Total $ per million webhooks with the fault mix, other assumptions:", ""];
  for (const [label, variant] of cases) {
    const cols = columnsOf(counts, variant, facts, sizes).filter((c) => c.withFaults);
    lines.push(`- ${label}: ${cols.map((c) => `${c.pattern} ${c.totalUsdPerMillion.toFixed(2)}`).join(", ")}`);
  }
  return lines.join("\n");
}

export async function benchCost(options: CostOptions = {}): Promise<BenchResult> {
  const n = options.quick ? 10 : 50;
  const assumptions: Assumptions = {
    ...DEFAULT_ASSUMPTIONS,
    volumePerMonth: options.volume ?? DEFAULT_ASSUMPTIONS.volumePerMonth,
    batchFill: options.fill ?? DEFAULT_ASSUMPTIONS.batchFill,
  };
  say("  synthesizing the demo stack for its settings ...");
  const facts = await synthDemoFacts();
  say(`  counting the worker's requests: ${SCENARIOS.length} scenarios x ${n} messages on local-aws-sqs and dynalite ...`);
  const counts = await countAll(n);
  const sizes = messageSizes();
  const columns = columnsOf(counts, assumptions, facts, sizes);
  const report = [
    renderReport({ columns, counts, assumptions, facts, messagesPerScenario: n }),
    "",
    sensitivity(counts, assumptions, facts, sizes),
  ].join("\n");
  say("");
  say(report);
  if (options.updateDocs) {
    rewriteDocsSection(COST_DOC, report);
    say(`\n  rewrote the generated section of ${COST_DOC}`);
  }
  const details = { assumptions, facts, sizes, counts, columns, prices: PRICES, pricesReadOn: PRICES_READ_ON };
  if (options.json) say(JSON.stringify(details));
  return {
    name: "cost",
    figures: figuresOf(columns),
    details,
    notes: ["per-message worker requests are counted; batching, durations and log sizes not printed by the worker are assumptions"],
  };
}
