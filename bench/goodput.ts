/**
 * Benchmark 2: goodput against a rate-limited downstream.
 *
 * The emulated pipeline (runLocalStack: REST ingress -> SQS -> event source mapping ->
 * worker bundle in threads) in front of the Genesys-like fake downstream, which accepts R
 * calls per second (token bucket, burst R) and answers 429 + Retry-After beyond. The
 * pipeline is the demo's (maxConcurrency 5, a budget of R per second shared by the
 * instances); the load generator offers 2R and 5R messages per second (sustained overload),
 * each message one receipt call. Five workers, identical but for their downstream client:
 *
 * - ours: the runtime's Genesys client (per-instance token bucket = R / maxConcurrency, a
 *   token wait of up to 5 s in the Lambda, beyond that or on a 429 the message goes back on
 *   the queue with Retry-After);
 * - sdk-standard (careful): the AWS SDK's standard retry mode, honouring Retry-After, with jitter;
 * - token-bucket (careful): a client-side bucket at the same per-instance rate, waiting in the
 *   Lambda as long as it takes, Retry-After ignored;
 * - fixed-sleep (naive): no limit, on 429 sleep 1 s in the Lambda and retry;
 * - exponential (naive): no limit, on 429 exponential backoff without jitter.
 *
 * Per run: goodput = receipts the downstream accepted per second in the window where it is
 * saturated (from 3 s after the start to the end of the offered load), divided by R; the share
 * of calls answered 429 in that window; the end-to-end latency (planned send -> processed) of
 * the messages processed by the reconcile deadline, and how many were not; messages
 * dead-lettered; and Lambda time per delivered receipt (the invocations' durations from the
 * mapping's timeline: with a local downstream answering in about a millisecond, almost all
 * of it is waiting inside the handler). Strategies are interleaved round by round (rotating
 * order, bench/lib/method.ts); each figure is the median of the rounds with its spread.
 */
import { join, resolve } from "node:path";
import { runLocalStack } from "../lib/local/run";
import type { FakeGenesysStats } from "../lib/local/fake-genesys";
import { interleave, medianFigure, samplesOfExtra, withOwnCpu, type Sample } from "./lib/method";
import { synthBenchStacks } from "./lib/stacks";
import { round, say, tempDir, ROOT, type BenchResult, type Figure } from "./lib/util";

export interface GoodputOptions {
  /** Downstream rate R, calls per second. Default 5 (Genesys' 300 requests/min per token). */
  readonly ratePerSecond?: number;
  /** Seconds of offered load per run. Default 10. */
  readonly durationSeconds?: number;
  /** Offered load multiples of R. Default [2, 5]. */
  readonly multiples?: readonly number[];
  /** Interleaved rounds per multiple. Default 3 (1 for runs shorter than 10 s: smoke and quick runs). */
  readonly rounds?: number;
  /** Seconds after the offered load to wait for processing (latency of what was processed by then). Default min(10, durationSeconds). */
  readonly deadlineSeconds?: number;
}

const HANDLERS = join(ROOT, "bench", "handlers");
export const STRATEGIES = [
  {
    name: "ours",
    label: "runtime client (token bucket, waits up to 5 s, then Retry-After via the queue)",
    entry: join(ROOT, "examples", "basic", "worker.ts"),
  },
  {
    name: "sdk-standard",
    label: "careful: AWS SDK standard retry, honours Retry-After, full jitter",
    entry: join(HANDLERS, "sdk-standard-worker.ts"),
  },
  {
    name: "token-bucket",
    label: "careful: in-Lambda token bucket at R / instances, Retry-After ignored",
    entry: join(HANDLERS, "token-bucket-worker.ts"),
  },
  { name: "fixed-sleep", label: "naive: no limit, fixed 1 s sleep on 429", entry: join(HANDLERS, "fixed-sleep-worker.ts") },
  { name: "exponential", label: "naive: no limit, exponential backoff without jitter", entry: join(HANDLERS, "exponential-worker.ts") },
] as const;

const WARMUP_SECONDS = 3;
const MAX_CONCURRENCY = 5;

interface Tick {
  readonly atMs: number;
  readonly stats: FakeGenesysStats;
}

/** One run's measurements (the sample's `extra`). */
export interface GoodputRun {
  readonly goodputRatio: number;
  readonly throttledShare: number;
  readonly calls: number;
  readonly accepted: number;
  readonly windowSeconds: number;
  readonly p50Seconds: number;
  readonly p99Seconds: number;
  readonly processedShare: number;
  readonly deadLettered: number;
  readonly lambdaSecondsPerReceipt: number;
  readonly duplicateEffects: number;
}

async function runOne(
  stackDir: string,
  strategy: string,
  rate: number,
  multiple: number,
  seconds: number,
  deadline: number,
  reportDir: string,
): Promise<GoodputRun> {
  const ticks: Tick[] = [];
  let timer: NodeJS.Timeout | undefined;
  let startMs = 0;
  const result = await runLocalStack({
    stack: stackDir,
    reportDir,
    html: false,
    batchTimeline: true,
    overrides: { downstreamRatePerSecond: rate, downstreamBurst: rate },
    // the profile's deadline: the latency of what is processed by then, not a full drain of the overload
    reconcileDeadline: "profile",
    profile: {
      name: `goodput-${strategy}-${multiple}R`,
      phases: [{ type: "constant", ratePerSecond: rate * multiple, durationSeconds: seconds }],
      conversations: 50,
      sending: { maxInFlight: 512, connections: 16 },
      reconcile: { deadlineSeconds: deadline, pollIntervalSeconds: 0.25 },
    },
    beforeSpike: async (running) => {
      startMs = Date.now() + 200; // runSpike's default start
      const take = () => ticks.push({ atMs: Date.now(), stats: running.downstream.stats() });
      take();
      timer = setInterval(take, 100);
    },
  }).finally(() => clearInterval(timer));
  const at = (t: number) => ticks.reduce((best, s) => (Math.abs(s.atMs - t) < Math.abs(best.atMs - t) ? s : best), ticks[0]);
  const a = at(startMs + WARMUP_SECONDS * 1000);
  const b = at(startMs + seconds * 1000);
  const windowSeconds = (b.atMs - a.atMs) / 1000;
  const accepted = b.stats.accepted - a.stats.accepted;
  const calls = b.stats.requests - a.stats.requests;
  const throttled = b.stats.throttled - a.stats.throttled;
  const delivery = result.spike.delivery as { processed?: number; inDlq?: number; deadLetteredUnexpected?: number };
  const e2e = result.spike.latency.endToEnd;
  const invocationMs = (result.emulator.mappings[0]?.timeline ?? []).reduce((sum, t) => sum + (t.returnedMs - t.invokedMs), 0);
  const receipts = result.emulator.downstream.accepted;
  return {
    goodputRatio: round(accepted / (windowSeconds * rate), 3),
    throttledShare: calls ? round(throttled / calls, 3) : 0,
    calls,
    accepted,
    windowSeconds: round(windowSeconds, 2),
    p50Seconds: e2e?.count ? round(e2e.p50Ms / 1000, 2) : Number.NaN,
    p99Seconds: e2e?.count ? round(e2e.p99Ms / 1000, 2) : Number.NaN,
    processedShare: result.spike.counts.accepted ? round((delivery.processed ?? 0) / result.spike.counts.accepted, 3) : 0,
    deadLettered: Math.max(delivery.inDlq ?? 0, delivery.deadLetteredUnexpected ?? 0),
    lambdaSecondsPerReceipt: receipts ? round(invocationMs / 1000 / receipts, 3) : Number.NaN,
    duplicateEffects: result.emulator.downstream.duplicateEffects,
  };
}

/** The figures of one multiple: per strategy, the median of its rounds with spread and load. */
function figuresOf(multiple: number, samples: readonly Sample[]): Figure[] {
  const withCpu = samples.map((x) => ({ ...x, extra: { ...x.extra, cpuSeconds: x.cpuSeconds ?? Number.NaN } }));
  const figures: Figure[] = [];
  for (const s of STRATEGIES) {
    const ours = s.name === "ours";
    const f = (label: string, key: string, unit: string, digits = 3, target?: { target: string; met: (m: number) => boolean }) =>
      figures.push(
        medianFigure(`${multiple}R ${s.name}: ${label}`, s.name, unit, samplesOfExtra(withCpu, key), { digits, ...(ours ? target : {}) }),
      );
    f("goodput / R", "goodputRatio", "R", 3, { target: ">= 0.95", met: (m) => m >= 0.95 });
    f("share of calls answered 429", "throttledShare", "", 3, { target: "<= 0.05", met: (m) => m <= 0.05 });
    f("message latency p50 (processed by the deadline)", "p50Seconds", "s", 2);
    f("message latency p99 (processed by the deadline)", "p99Seconds", "s", 2);
    f("accepted messages processed by the deadline", "processedShare", "", 3);
    f("messages dead-lettered", "deadLettered", "messages", 0);
    f("Lambda seconds per delivered receipt (waiting, mostly)", "lambdaSecondsPerReceipt", "s", 3);
    f("emulator + generator CPU per run", "cpuSeconds", "CPU s", 1);
  }
  return figures;
}

export async function benchGoodput(options: GoodputOptions = {}): Promise<BenchResult> {
  const rate = options.ratePerSecond ?? 5;
  const seconds = options.durationSeconds ?? 10;
  const multiples = options.multiples ?? [2, 5];
  const rounds = options.rounds ?? (seconds >= 10 ? 3 : 1);
  const deadline = options.deadlineSeconds ?? Math.min(10, seconds);
  const tmp = tempDir("goodput");
  try {
    say(`  synthesizing ${STRATEGIES.length} pipelines (maxConcurrency ${MAX_CONCURRENCY}, downstream budget ${rate * 60}/min)`);
    const dirs = synthBenchStacks(
      join(tmp.dir, "cdktf.out"),
      STRATEGIES.map((s) => ({
        name: `goodput-${s.name}`,
        worker: {
          entry: s.entry,
          maxConcurrency: MAX_CONCURRENCY,
          downstreamRequestsPerMinute: rate * 60,
          genesys: { createCredentialsSecret: true },
        },
      })),
    );
    const samples: Record<number, Sample[]> = {};
    const figures: Figure[] = [];
    for (const multiple of multiples) {
      say(
        `  ${multiple}R: ${rounds} round(s) of ${STRATEGIES.length} strategies, ${seconds} s of load + up to ${deadline} s to process, order rotating`,
      );
      const contenders = Object.fromEntries(
        STRATEGIES.map((s) => [
          s.name,
          async (r: number) => {
            const { result: run, cpuSeconds } = await withOwnCpu(() =>
              runOne(
                dirs[`goodput-${s.name}`],
                s.name,
                rate,
                multiple,
                seconds,
                deadline,
                resolve(tmp.dir, "reports", `${multiple}-${r}-${s.name}`),
              ),
            );
            say(
              `    round ${r + 1} ${s.name.padEnd(12)} goodput ${run.goodputRatio} R, ${round(run.throttledShare * 100, 1)}% of ${run.calls} calls 429, ` +
                `p50 ${run.p50Seconds} s p99 ${run.p99Seconds} s (${round(run.processedShare * 100)}% processed), DLQ ${run.deadLettered}, ${run.lambdaSecondsPerReceipt} Lambda s/receipt, ${round(cpuSeconds, 1)} CPU s`,
            );
            return { value: run.goodputRatio, cpuSeconds, extra: { ...run } };
          },
        ]),
      );
      samples[multiple] = await interleave(contenders, rounds);
      figures.push(...figuresOf(multiple, samples[multiple]));
    }
    return {
      name: "goodput",
      figures,
      details: {
        ratePerSecond: rate,
        durationSeconds: seconds,
        deadlineSeconds: deadline,
        warmupSeconds: WARMUP_SECONDS,
        rounds,
        strategies: STRATEGIES.map(({ name, label }) => ({ name, label })),
        samples,
      },
      notes: [
        `R = ${rate}/s; goodput and the 429 share measured from ${WARMUP_SECONDS} s after the start to the end of the offered load (the downstream is saturated throughout)`,
        `latency = planned send -> processed, of the messages processed within ${deadline} s after the load (the rest is counted as not processed: the overload is sustained, the backlog is not drained)`,
        "Lambda seconds per delivered receipt: the invocations' durations over the receipts the downstream accepted; the local work is a few ms a record, the rest is waiting inside the handler (ours: its token wait, up to 5 s; the others: their sleeps)",
        `${rounds} interleaved round(s) per multiple; figures are medians with their spread; NOISY marks a figure with a round above 1.0 load per core`,
      ],
    };
  } finally {
    tmp.remove();
  }
}
