/**
 * Benchmark 3: spike drain time against the theoretical minimum, on the emulated stack.
 *
 * A pipeline like the demo's (maxConcurrency M, batch size B, the worker processing up to
 * P records of a batch at once) whose worker does nothing but the synthetic `workMs` of
 * each message (plus the runtime's own work: signature, idempotency, receipt, delete).
 * The load generator sends a short burst far above the drain rate, so a backlog of N
 * messages builds at once; the drain time runs from the start of the burst to the moment
 * the queue is empty (every message processed and deleted). The theoretical minimum is
 * N x workMs / (M x min(B, P)): every execution environment busy with a full batch all
 * the time, and no overhead at all.
 */
import { join, resolve } from "node:path";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { BatchTiming } from "../lib/local/poller";
import { runLocalStack } from "../lib/local/run";
import { LOCAL_CREDENTIALS } from "../lib/local/services";
import { WORKER_CONTRACT } from "../lib/runtime/contract";
import { synthBenchStacks } from "./lib/stacks";
import { ratio, round, say, tempDir, BENCH, type BenchResult } from "./lib/util";

export interface DrainOptions {
  /** Smaller backlog and work. Default false. */
  readonly quick?: boolean;
  /** Messages offered in the spike. Default 600 (quick: 200). */
  readonly backlog?: number;
  /** Simulated work per message, ms. Default 500 (quick: 200). */
  readonly workMs?: number;
  /** The event source mapping's batching window, seconds. Default 0 (Lambda's). */
  readonly batchingWindowSeconds?: number;
}

/** Event source mapping concurrency, batch size and records processed at once per batch. */
const MAX_CONCURRENCY = 5;
const BATCH_SIZE = 10;
const RECORD_CONCURRENCY = 10; // createWorker's default `concurrency`

/**
 * Runs the drain at the default workMs (500 ms; quick: 200) and backlog (600), and unless
 * quick or any option is given, three more times:
 * - at 2,000 ms a message and with a backlog of 3,000: each environment's cold start and the
 *   partial batches are fixed costs of a spike, the runtime's bookkeeping (idempotency
 *   record, receipt) a cost per batch, so the ratios show how they amortize;
 * - with a 1 s batching window, which fills the batches at the burst's leading edge.
 *
 * The default and the 3,000 backlog (same workMs) also fit drain = fixed + slope x minimum,
 * which says from what size of spike the target is met on this machine.
 */
export async function benchDrain(options: DrainOptions = {}): Promise<BenchResult> {
  const first = await drainRun(options);
  if (options.quick || options.workMs !== undefined || options.backlog !== undefined || options.batchingWindowSeconds !== undefined)
    return first;
  say("  again with workMs 2000 (the same fixed costs over 4x the work)");
  const long = await drainRun({ ...options, workMs: 2000 });
  say("  again with a backlog of 3000 (the same fixed costs over a 5x longer spike)");
  const big = await drainRun({ ...options, backlog: 3000 });
  say("  again with a 1 s batching window (full batches at the burst's leading edge)");
  const windowed = await drainRun({ ...options, batchingWindowSeconds: 1 });
  const fit = drainFit(first.details as DrainDetails, big.details as DrainDetails);
  say(
    `  fit over the two ${fit.workMs} ms runs: drain = ${round(fit.fixedMs / 1000, 2)} s + ${round(fit.slope, 3)} x minimum; ` +
      (fit.metFromMinimumMs === undefined
        ? "the slope alone is over 1.15"
        : `the ratio is <= 1.15 from a minimum drain of ${round(fit.metFromMinimumMs / 1000, 1)} s (a backlog of ${fit.metFromBacklog})`),
  );
  const tag = (r: BenchResult, label: string) =>
    r.figures.map((f) => ({ ...f, name: `${f.name} (${label})`, target: undefined, met: undefined }));
  return {
    ...first,
    figures: [
      ...first.figures,
      ...tag(long, "workMs 2000"),
      ...tag(big, "backlog 3000"),
      ...tag(windowed, "batching window 1 s"),
      { name: `fixed cost of a spike (fit, workMs ${fit.workMs})`, value: round(fit.fixedMs / 1000, 2), unit: "s" },
      { name: `drain per second of theoretical minimum (fit, workMs ${fit.workMs})`, value: round(fit.slope, 3) },
      {
        name: `smallest spike drained within 1.15x (fit, workMs ${fit.workMs})`,
        value: fit.metFromBacklog ?? "never",
        unit: fit.metFromBacklog === undefined ? undefined : "messages",
      },
    ],
    details: { ...(first.details as object), workMs2000: long.details, backlog3000: big.details, batchingWindow1s: windowed.details, fit },
  };
}

/** What {@link drainRun} keeps of a run for the fit. */
interface DrainDetails {
  readonly backlog: number;
  readonly workMs: number;
  readonly minimumMs: number;
  readonly drainMs: number;
}

/**
 * Fits drain = fixedMs + slope x minimum through two runs at the same workMs and different
 * backlogs (fixed: cold starts, partial batches, tail; slope - 1: the per-batch bookkeeping
 * over workMs), and solves ratio = fixed / minimum + slope <= 1.15 for the minimum.
 */
export function drainFit(small: DrainDetails, large: DrainDetails, target = 1.15) {
  if (small.workMs !== large.workMs) throw new Error(`the fit needs two runs at the same workMs (got ${small.workMs} and ${large.workMs})`);
  if (large.minimumMs === small.minimumMs) throw new Error("the fit needs two runs with different backlogs");
  const slope = (large.drainMs - small.drainMs) / (large.minimumMs - small.minimumMs);
  const fixedMs = small.drainMs - slope * small.minimumMs;
  const metFromMinimumMs = slope < target ? Math.max(0, fixedMs) / (target - slope) : undefined;
  const perMessageMs = small.minimumMs / small.backlog;
  return {
    workMs: small.workMs,
    slope,
    fixedMs,
    metFromMinimumMs,
    // (less a hair, so that floating-point noise on an exact fit does not add a message)
    metFromBacklog: metFromMinimumMs === undefined ? undefined : Math.ceil(metFromMinimumMs / perMessageMs - 1e-9),
  };
}

async function drainRun(options: DrainOptions): Promise<BenchResult> {
  const offered = options.backlog ?? (options.quick ? 200 : 600);
  const workMs = options.workMs ?? (options.quick ? 200 : 500);
  const burstRate = 200;
  const parallel = MAX_CONCURRENCY * Math.min(BATCH_SIZE, RECORD_CONCURRENCY);
  const tmp = tempDir("drain");
  try {
    const dirs = synthBenchStacks(join(tmp.dir, "cdktf.out"), [
      {
        name: "drain",
        worker: {
          entry: join(BENCH, "handlers", "drain-worker.ts"),
          maxConcurrency: MAX_CONCURRENCY,
          batchSize: BATCH_SIZE,
          batchingWindowSeconds: options.batchingWindowSeconds,
        },
      },
    ]);
    let seenBacklog = false;
    let sendingDone = false;
    let cpuAtStart = process.cpuUsage();
    let cpuFromMs = 0;
    let emptyAtMs = 0;
    let cpu = { user: 0, system: 0 };
    let sampler: Promise<void> | undefined;
    let stop = false;
    const result = await runLocalStack({
      stack: dirs.drain,
      reportDir: resolve(tmp.dir, "reports"),
      html: false,
      batchTimeline: true,
      profile: {
        name: "drain",
        phases: [{ type: "constant", ratePerSecond: burstRate, durationSeconds: offered / burstRate }],
        workMs,
        conversations: 200,
        sending: { maxInFlight: 512, connections: 32 },
        reconcile: { deadlineSeconds: 120, pollIntervalSeconds: 0.5 },
      },
      // the queue may only be called drained once every arrival has been sent
      onProgress: (p) => {
        if (p.stage === "reconciling" || (p.offered + p.dropped >= p.planned && p.inFlight === 0)) sendingDone = true;
      },
      beforeSpike: async (running) => {
        const queueUrl = running.workerEnvironment[WORKER_CONTRACT.queueUrl.env];
        const sqs = new SQSClient({ region: running.region, endpoint: running.sqsEndpoint, credentials: LOCAL_CREDENTIALS });
        sampler = (async () => {
          try {
            while (!stop) {
              await new Promise((r) => setTimeout(r, 50));
              const a = await sqs.send(
                new GetQueueAttributesCommand({
                  QueueUrl: queueUrl,
                  AttributeNames: [
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                    "ApproximateNumberOfMessagesDelayed",
                  ],
                }),
              );
              const left = (
                ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"] as const
              ).reduce((s, k) => s + Number(a.Attributes?.[k] ?? 0), 0);
              if (left > 0 && !seenBacklog) {
                seenBacklog = true;
                cpuAtStart = process.cpuUsage();
                cpuFromMs = Date.now();
              } else if (left === 0 && seenBacklog && sendingDone) {
                emptyAtMs = Date.now();
                cpu = process.cpuUsage(cpuAtStart);
                return;
              }
            }
          } catch {
            // the emulator is stopping
          } finally {
            sqs.destroy();
          }
        })();
      },
    }).finally(async () => {
      stop = true;
      await sampler;
    });
    const delivery = result.spike.delivery as { processed?: number; lost?: number };
    // the backlog is what the ingress accepted (an arrival the emulated ingress could not take in time is dropped by the generator)
    const backlog = result.spike.counts.accepted;
    if (!emptyAtMs) throw new Error(`the queue did not drain (processed ${delivery.processed ?? "?"} of ${backlog})`);
    const minimumMs = (backlog * workMs) / parallel;
    // from the first planned arrival of the burst (the spike's own start) to the empty queue
    const burstStartMs = result.spike.startMs;
    const drainMs = emptyAtMs - burstStartMs;
    const mapping = result.emulator.mappings[0];
    const batches = mapping?.stats.batches ?? 0;
    // every environment busy all the time: time per batch = drain x M / batches
    const batchMs = batches ? (drainMs * MAX_CONCURRENCY) / batches : Number.NaN;
    // from the first message on the queue to the empty queue
    const hostCpuShare = (cpu.user + cpu.system) / 1000 / (emptyAtMs - cpuFromMs);
    const r = drainMs / minimumMs;
    const stages = drainStages(mapping?.timeline ?? [], burstStartMs, emptyAtMs, workMs, result.emulator.functions[0]?.stats);
    say(
      `  ${backlog} of ${offered} offered accepted; ${batches} batches, about ${Math.round(batchMs)} ms each for ${workMs} ms of work; emulator process (servers and function threads) used ${Math.round(hostCpuShare * 100)}% of a core`,
    );
    say(
      `  backlog ${backlog} x workMs ${workMs} / (maxConcurrency ${MAX_CONCURRENCY} x batch parallelism ${Math.min(BATCH_SIZE, RECORD_CONCURRENCY)}) = ${round(minimumMs / 1000, 2)} s minimum; drained in ${round(drainMs / 1000, 2)} s`,
    );
    say(
      `  stages: first invocation ${stages.firstInvokeMs} ms after the burst start; init phase ${stages.initMsMean} ms (mean of ${stages.inits}, longest ${stages.initMsMax}); ` +
        `first invocation of each environment ${stages.firstRoundMs} ms (median, init phase included), later ones ${stages.laterMs} ms (median; ${stages.laterMs - workMs} ms over workMs); ` +
        `slot idle between invocations ${stages.turnaroundMs} ms (median), ${round(stages.idleShare * 100, 1)}% of slot time; slots busy ${Math.round(stages.busyShare * 100)}% of the drain; records per batch ${stages.recordsPerBatch}; last invocation's end -> queue empty ${stages.tailMs} ms`,
    );
    return {
      name: "drain",
      figures: [
        { name: "theoretical minimum", value: round(minimumMs / 1000, 2), unit: "s" },
        { name: "drain time (burst start -> queue empty)", value: round(drainMs / 1000, 2), unit: "s" },
        { name: "drain time / theoretical minimum", value: ratio(drainMs, minimumMs), target: "<= 1.15", met: r <= 1.15 },
        { name: "processed / backlog", value: ratio(delivery.processed ?? 0, backlog, 3) },
        { name: "time per batch (drain x maxConcurrency / batches)", value: Math.round(batchMs), unit: "ms" },
        { name: "emulator process CPU during the drain (servers + function threads)", value: round(hostCpuShare, 2), unit: "cores" },
        { name: "burst start -> first invocation", value: stages.firstInvokeMs, unit: "ms" },
        { name: "init phase of a function thread (mean)", value: stages.initMsMean, unit: "ms" },
        { name: "first invocation of each environment, init phase included (median)", value: stages.firstRoundMs, unit: "ms" },
        { name: "later invocations (median)", value: stages.laterMs, unit: "ms" },
        { name: "slot idle between invocations (median)", value: stages.turnaroundMs, unit: "ms" },
        { name: "slot time idle waiting for a batch (after the first round)", value: stages.idleShare },
        { name: "slot time in invocations", value: stages.busyShare },
        { name: "records per batch (mean)", value: stages.recordsPerBatch },
        { name: "last invocation's end -> queue empty", value: stages.tailMs, unit: "ms" },
      ],
      details: {
        offered,
        backlog,
        workMs,
        batchingWindowSeconds: options.batchingWindowSeconds ?? 0,
        batchMs,
        hostCpuShare,
        burstRate,
        stages,
        maxConcurrency: MAX_CONCURRENCY,
        batchSize: BATCH_SIZE,
        recordConcurrency: RECORD_CONCURRENCY,
        minimumMs,
        drainMs,
        delivery,
        mappings: result.emulator.mappings.map(({ timeline, ...m }) => ({
          ...m,
          timeline: timeline?.map((t) => ({
            ...t,
            receiveStartMs: t.receiveStartMs - burstStartMs,
            receivedMs: t.receivedMs - burstStartMs,
            invokedMs: t.invokedMs - burstStartMs,
            returnedMs: t.returnedMs - burstStartMs,
          })),
        })),
        functions: result.emulator.functions.map((f) => ({ name: f.name, stats: f.stats })),
      },
    };
  } finally {
    tmp.remove();
  }
}

const median = (xs: number[]) => {
  if (!xs.length) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

/**
 * Where the drain time went, from the mapping's batch timeline: how late the first invocation
 * started, the functions' init phases, the first invocation of each environment against the
 * later ones (their excess over workMs is the runtime's own per-batch work: signature,
 * idempotency record, receipt), how long an invocation slot stayed idle between two
 * invocations (receive and dispatch), and the tail from the last invocation to the empty queue.
 */
export function drainStages(
  timeline: readonly BatchTiming[],
  burstStartMs: number,
  emptyAtMs: number,
  workMs: number,
  fn: { inits: number; initMsTotal: number; initMsMax: number; maxConcurrent: number } | undefined,
) {
  const byStart = [...timeline].sort((a, b) => a.invokedMs - b.invokedMs);
  const slots = Math.max(1, fn?.maxConcurrent ?? MAX_CONCURRENCY);
  const first = byStart.slice(0, slots);
  const later = byStart.slice(slots);
  // each later invocation takes the slot that has been free the longest
  const turnaround: number[] = [];
  const ends = byStart.map((t) => t.returnedMs).sort((a, b) => a - b);
  let freed = 0;
  for (const t of later) {
    if (freed < ends.length && ends[freed] <= t.invokedMs) turnaround.push(t.invokedMs - ends[freed++]);
  }
  const slotMs = slots * Math.max(1, emptyAtMs - burstStartMs);
  return {
    /** Share of the invocation slots' time (M x drain) spent in invocations. */
    busyShare: round(timeline.reduce((s, t) => s + t.returnedMs - t.invokedMs, 0) / slotMs, 2),
    /** Share of it spent by a free slot waiting for its next batch (after the first round). */
    idleShare: round(turnaround.reduce((s, x) => s + x, 0) / slotMs, 3),
    firstInvokeMs: byStart.length ? byStart[0].invokedMs - burstStartMs : Number.NaN,
    inits: fn?.inits ?? 0,
    initMsMean: fn?.inits ? Math.round(fn.initMsTotal / fn.inits) : Number.NaN,
    initMsMax: Math.round(fn?.initMsMax ?? Number.NaN),
    firstRoundMs: Math.round(median(first.map((t) => t.returnedMs - t.invokedMs))),
    laterMs: Math.round(median(later.map((t) => t.returnedMs - t.invokedMs))),
    turnaroundMs: Math.round(median(turnaround)),
    recordsPerBatch: round(timeline.reduce((s, t) => s + t.records, 0) / Math.max(1, timeline.length), 1),
    tailMs: byStart.length ? emptyAtMs - Math.max(...byStart.map((t) => t.returnedMs)) : Number.NaN,
    workMs,
  };
}
