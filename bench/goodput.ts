/**
 * Benchmark 2: goodput against a rate-limited downstream.
 *
 * The emulated pipeline (runLocalStack: REST ingress -> SQS -> event source mapping ->
 * worker bundle in threads) in front of the Genesys-like fake downstream, which accepts R
 * calls per second (token bucket, burst R) and answers 429 + Retry-After beyond. The
 * pipeline is the demo's (maxConcurrency 5, a budget of R per second shared by the
 * instances); the load generator offers 2R and 5R messages per second, each message one
 * receipt call. Three workers, identical but for how they treat the downstream:
 *
 * - ours: the runtime's Genesys client (per-instance token bucket = R / maxConcurrency,
 *   429 -> the message goes back on the queue with Retry-After, never a sleep);
 * - fixed sleep: no client-side limit, on 429 sleep 1 s in the Lambda and retry;
 * - exponential: no client-side limit, on 429 exponential backoff without jitter.
 *
 * Goodput = receipts the downstream accepted per second in the window where it is
 * saturated (from 3 s after the start to the end of the offered load), divided by R.
 */
import { join, resolve } from "node:path";
import { runLocalStack } from "../lib/local/run";
import type { FakeGenesysStats } from "../lib/local/fake-genesys";
import { synthBenchStacks } from "./lib/stacks";
import { ratio, round, say, tempDir, ROOT, type BenchResult, type Figure } from "./lib/util";

export interface GoodputOptions {
  /** Downstream rate R, calls per second. Default 5 (Genesys' 300 requests/min per token). */
  readonly ratePerSecond?: number;
  /** Seconds of offered load per run. Default 15. */
  readonly durationSeconds?: number;
  /** Offered load multiples of R. Default [2, 5]. */
  readonly multiples?: readonly number[];
}

const STRATEGIES = [
  { name: "ours", label: "runtime client (token bucket + Retry-After via the queue)", entry: join(ROOT, "examples", "basic", "worker.ts") },
  { name: "fixed-sleep", label: "baseline: fixed 1 s sleep on 429", entry: join(ROOT, "bench", "handlers", "fixed-sleep-worker.ts") },
  {
    name: "exponential",
    label: "baseline: exponential backoff, no jitter",
    entry: join(ROOT, "bench", "handlers", "exponential-worker.ts"),
  },
] as const;

const WARMUP_SECONDS = 3;

interface Sample {
  readonly atMs: number;
  readonly stats: FakeGenesysStats;
}

export interface GoodputRun {
  readonly strategy: string;
  readonly multiple: number;
  readonly offeredPerSecond: number;
  readonly windowSeconds: number;
  readonly accepted: number;
  readonly calls: number;
  readonly throttled: number;
  readonly goodputRatio: number;
  readonly throttledShare: number;
  readonly duplicateEffects: number;
}

async function runOne(
  stackDir: string,
  strategy: string,
  rate: number,
  multiple: number,
  seconds: number,
  reportDir: string,
): Promise<GoodputRun> {
  const samples: Sample[] = [];
  let timer: NodeJS.Timeout | undefined;
  let startMs = 0;
  const offered = rate * multiple;
  const result = await runLocalStack({
    stack: stackDir,
    reportDir,
    html: false,
    overrides: { downstreamRatePerSecond: rate, downstreamBurst: rate },
    // only the saturated window is measured: the profile's 0 s deadline, not one derived from the stack's retries
    reconcileDeadline: "profile",
    profile: {
      name: `goodput-${strategy}-${multiple}R`,
      phases: [{ type: "constant", ratePerSecond: offered, durationSeconds: seconds }],
      conversations: 50,
      sending: { maxInFlight: 512, connections: 16 },
      // the backlog is not drained: only the saturated window is measured
      reconcile: { deadlineSeconds: 0, pollIntervalSeconds: 0.05 },
    },
    beforeSpike: async (running) => {
      startMs = Date.now() + 200; // runSpike's default start
      const take = () => samples.push({ atMs: Date.now(), stats: running.downstream.stats() });
      take();
      timer = setInterval(take, 100);
    },
  }).finally(() => clearInterval(timer));
  const from = startMs + WARMUP_SECONDS * 1000;
  const to = startMs + seconds * 1000;
  const at = (t: number) => samples.reduce((best, s) => (Math.abs(s.atMs - t) < Math.abs(best.atMs - t) ? s : best), samples[0]);
  const a = at(from);
  const b = at(to);
  const windowSeconds = (b.atMs - a.atMs) / 1000;
  const accepted = b.stats.accepted - a.stats.accepted;
  const calls = b.stats.requests - a.stats.requests;
  const throttled = b.stats.throttled - a.stats.throttled;
  return {
    strategy,
    multiple,
    offeredPerSecond: offered,
    windowSeconds: round(windowSeconds, 2),
    accepted,
    calls,
    throttled,
    goodputRatio: round(accepted / (windowSeconds * rate), 3),
    throttledShare: calls ? round(throttled / calls, 3) : 0,
    duplicateEffects: result.emulator.downstream.duplicateEffects,
  };
}

export async function benchGoodput(options: GoodputOptions = {}): Promise<BenchResult> {
  const rate = options.ratePerSecond ?? 5;
  const seconds = options.durationSeconds ?? 15;
  const multiples = options.multiples ?? [2, 5];
  const tmp = tempDir("goodput");
  try {
    say(`  synthesizing ${STRATEGIES.length} pipelines (maxConcurrency 5, downstream budget ${rate * 60}/min)`);
    const dirs = synthBenchStacks(
      join(tmp.dir, "cdktf.out"),
      STRATEGIES.map((s) => ({
        name: `goodput-${s.name}`,
        worker: { entry: s.entry, maxConcurrency: 5, downstreamRequestsPerMinute: rate * 60, genesys: { createCredentialsSecret: true } },
      })),
    );
    const runs: GoodputRun[] = [];
    for (const multiple of multiples) {
      for (const s of STRATEGIES) {
        const r = await runOne(dirs[`goodput-${s.name}`], s.name, rate, multiple, seconds, resolve(tmp.dir, "reports"));
        runs.push(r);
        say(
          `  ${multiple}R ${s.name.padEnd(12)} goodput ${r.goodputRatio} R, ${round(r.throttledShare * 100, 1)}% of ${r.calls} calls answered 429 (window ${r.windowSeconds} s)`,
        );
      }
    }
    const figures: Figure[] = [];
    for (const multiple of multiples) {
      const ours = runs.find((r) => r.strategy === "ours" && r.multiple === multiple)!;
      const others = runs.filter((r) => r.strategy !== "ours" && r.multiple === multiple);
      for (const r of runs.filter((x) => x.multiple === multiple)) {
        const isOurs = r.strategy === "ours";
        figures.push({
          name: `${multiple}R ${r.strategy}: goodput / R`,
          value: r.goodputRatio,
          ...(isOurs ? { target: ">= 0.95", met: r.goodputRatio >= 0.95 } : {}),
        });
        figures.push({
          name: `${multiple}R ${r.strategy}: share of calls answered 429`,
          value: r.throttledShare,
          ...(isOurs ? { target: "<= 0.05", met: r.throttledShare <= 0.05 } : {}),
        });
      }
      // goodput is counted in whole calls: one call in the window is the resolution
      const quantum = 1 / (ours.windowSeconds * rate);
      const better = others.every((o) => ours.goodputRatio >= o.goodputRatio - quantum && ours.throttledShare < o.throttledShare);
      figures.push({
        name: `${multiple}R ours vs baselines (goodput ratio; 429 share ratio)`,
        value: others
          .map(
            (o) =>
              `${o.strategy} ${ratio(ours.goodputRatio, o.goodputRatio)}x; ${o.throttledShare ? ratio(ours.throttledShare, o.throttledShare, 3) : "n/a"}x`,
          )
          .join(" | "),
        target: "goodput not below either (within one call), fewer 429s than both",
        met: better,
      });
    }
    return {
      name: "goodput",
      figures,
      details: { ratePerSecond: rate, durationSeconds: seconds, warmupSeconds: WARMUP_SECONDS, runs },
      notes: [
        `R = ${rate}/s; goodput measured from ${WARMUP_SECONDS} s after the start to the end of the offered load (the downstream is saturated throughout)`,
      ],
    };
  } finally {
    tmp.remove();
  }
}
