/**
 * Benchmark 1: load-generator throughput against autocannon and Artillery, the engine's
 * timing accuracy at a fixed offered rate (fast and slow target), and the stalling-target
 * check of its latency from the planned send time.
 *
 * One target (nginx `return 202;`, one worker, or a minimal Node server without nginx),
 * pinned to core 0; each generator pinned to core 1 in turn; the same connections, one
 * request in flight per connection (no pipelining) for every tool, the same request (a
 * signed Genesys-shaped synthetic message; the peers resend one fixed body, our engine
 * builds and signs every message). Every tool is judged by what the target answered, over
 * the same window: from 1 s after the tool's first request reached the target (start-up,
 * connection set-up and warm-up excluded for all) for `windowSeconds`; its CPU seconds over
 * that window come from /proc. The contenders are interleaved round by round with a rotating
 * order (bench/lib/method.ts); each figure is the median with its spread and load.
 *
 * autocannon and Artillery are bench/'s own dependencies (`cd bench && npm ci`); a missing
 * peer is reported and skipped.
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildSyntheticRequest } from "../lib/runtime/loadgen/message";
import { parseProfile, planArrivals } from "../lib/runtime/loadgen/profile";
import { childCpuSeconds, derived, figureOf, interleave, medianFigure, type Sample } from "./lib/method";
import { countWindow, startTarget, type Target, type TargetWindow } from "./lib/target";
import {
  BENCH,
  checkOk,
  cores,
  lastJsonLine,
  pinned,
  round,
  say,
  start,
  tempDir,
  TS_NODE_ARGS,
  type BenchResult,
  type Figure,
} from "./lib/util";

export interface GeneratorOptions {
  /** Seconds of each tool's run that are counted at the target. Default 5. */
  readonly windowSeconds?: number;
  /** Connections every generator uses. Default 50. */
  readonly connections?: number;
  /** Interleaved throughput rounds. Default 10. */
  readonly rounds?: number;
  /** Rounds of the accuracy and stall checks. Default 3. */
  readonly checkRounds?: number;
  /** Offered rate of the timing-accuracy runs, per second. Default 2000. */
  readonly accuracyRatePerSecond?: number;
  /** Skip Artillery (slow to start). Default false. */
  readonly skipArtillery?: boolean;
  /** Write a CPU profile of one engine run to this folder. */
  readonly cpuProfileDir?: string;
}

interface EngineOutput {
  counts: { offered: number; accepted: number; dropped: number; attempts: number; failed: number };
  startAtMs: number;
  cpuSeconds: number;
  ack: { count: number; p50Ms: number; p90Ms: number; p99Ms: number; p999Ms: number; maxMs: number };
}

const AUTOCANNON = join(BENCH, "node_modules", "autocannon", "autocannon.js");
const ARTILLERY = join(BENCH, "node_modules", "artillery", "bin", "run");
/** Seconds after a tool's first request that are not counted (start-up excluded for every tool). */
const SKIP_SECONDS = 1;
/** Seconds a tool keeps running after the counted window (so the window never sees its shutdown). */
const TAIL_SECONDS = 1;
/** Arrivals per second offered to the engine in the throughput rounds (far above its ceiling). */
const OFFERED_PER_SECOND = 100_000;
const ARTILLERY_ENV = { WORKERS: "1", ARTILLERY_DISABLE_TELEMETRY: "true", DO_NOT_TRACK: "1", ARTILLERY_TELEMETRY_DEFAULTS: "{}" };

/** One request as our engine would send it, for the peers to resend. */
function sampleRequest(): { body: string; headers: Record<string, string> } {
  const profile = parseProfile({ phases: [{ type: "constant", ratePerSecond: 1, durationSeconds: 1 }] });
  const r = buildSyntheticRequest({ runId: "bench", seq: 1, plannedSendMs: Date.now(), profile, secret: "bench-signing-secret" });
  return { body: r.body, headers: r.headers };
}

/** Runs a pinned child while counting at the target; CPU from the child's /proc entry (taskset execs, same pid). */
async function counted(
  target: Target,
  core: string,
  args: string[],
  windowSeconds: number,
  env?: NodeJS.ProcessEnv,
  skipSeconds = SKIP_SECONDS,
): Promise<TargetWindow<string>> {
  const [cmd, cargs] = pinned(core, process.execPath, args);
  let pid: number | undefined;
  return countWindow(
    target,
    async () => {
      const s = start(cmd, cargs, { timeoutMs: (skipSeconds + windowSeconds + 90) * 1000, env: env ?? process.env });
      pid = s.pid;
      return checkOk(cmd, cargs, await s.done).stdout;
    },
    skipSeconds,
    windowSeconds,
    () => (pid === undefined ? undefined : childCpuSeconds(pid)),
  );
}

/** One autocannon run: `-c connections`, pipelining 1 (its default, said explicitly). */
function autocannonArgs(target: Target, seconds: number, connections: number): string[] {
  const { body, headers } = sampleRequest();
  const args = [AUTOCANNON, "-c", String(connections), "-p", "1", "-d", String(seconds), "-m", "POST", "-b", body, "--json"];
  for (const [k, v] of Object.entries(headers)) args.push("-H", `${k}=${v}`);
  return [...args, target.url];
}

/** An Artillery script: one worker, an HTTP pool of `connections`, the given phases. */
function artilleryScript(dir: string, target: Target, connections: number, phases: { duration: number; arrivalRate: number }[]): string[] {
  const { body, headers } = sampleRequest();
  const url = new URL(target.url);
  const config = {
    config: { target: url.origin, phases, http: { pool: connections, timeout: 10 } },
    scenarios: [{ flow: [{ post: { url: url.pathname, body, headers } }] }],
  };
  const file = join(dir, "bench.json");
  writeFileSync(file, JSON.stringify(config));
  return [ARTILLERY, "run", "--quiet", "--output", join(dir, "report.json"), file];
}

/** The ramp's steps: arrivals per second, 3 s each. */
const RAMP = [500, 1000, 2000, 3000, 4000, 6000, 8000, 12000, 16000];
const RAMP_STEP_SECONDS = 3;

/** One step of the Artillery ramp: the arrival rate asked for, the rate answered at the target, the worker's share of a core. */
export interface RampStep {
  readonly rate: number;
  readonly perSecond: number;
  readonly cpuShare: number;
}

/** The rate Artillery is driven at, and the rule that chose it. */
export interface ArtilleryRate {
  readonly rate: number;
  readonly rule: "cpu-headroom" | "sustained" | "lowest";
  readonly steps: readonly RampStep[];
}

/**
 * Chooses Artillery's rate from its ramp. The highest step the target answered at >= 95% of
 * the asked rate while the worker stayed under 90% of a core ("cpu-headroom"). Artillery's
 * worker uses a full core at any rate (1.04 cores at 50 arrivals/s, measured; its arrival
 * timer, driftless, chains short setTimeouts until each arrival is due), so when no step has headroom, the highest step it sustained
 * is taken ("sustained"); the lowest step only when none was sustained ("lowest"). A rule
 * that fell back to the lowest step whenever the CPU was full drove it at a fraction of what
 * it can send.
 */
export function chooseArtilleryRate(steps: readonly RampStep[]): ArtilleryRate {
  const sustained = steps.filter((s) => s.perSecond >= 0.95 * s.rate);
  const withHeadroom = sustained.filter((s) => s.cpuShare < 0.9);
  if (withHeadroom.length) return { rate: withHeadroom[withHeadroom.length - 1].rate, rule: "cpu-headroom", steps };
  if (sustained.length) return { rate: sustained[sustained.length - 1].rate, rule: "sustained", steps };
  return { rate: steps[0]?.rate ?? RAMP[0], rule: "lowest", steps };
}

/** What each rule means, for the output. */
const RULES: Record<ArtilleryRate["rule"], string> = {
  "cpu-headroom": "the highest step under 90% of a core with >= 95% answered",
  sustained:
    "the highest step with >= 95% answered: its worker used a full core at every step, the lowest included, so CPU headroom could not choose",
  lowest: "no step was answered at >= 95%: the lowest step",
};

/** Artillery has no "fastest" mode: one run ramps its arrival rate step by step; {@link chooseArtilleryRate} picks the rate. */
async function artilleryRate(target: Target, core: string, connections: number): Promise<ArtilleryRate> {
  const tmp = tempDir("artillery-ramp");
  try {
    const phases = RAMP.map((arrivalRate) => ({ duration: RAMP_STEP_SECONDS, arrivalRate }));
    const total = RAMP.length * RAMP_STEP_SECONDS;
    const w = await counted(
      target,
      core,
      artilleryScript(tmp.dir, target, connections, phases),
      total - 0.5,
      { ...process.env, ...ARTILLERY_ENV },
      0,
    );
    const steps = RAMP.map((rate, i) => {
      const [from, to] = [(i * RAMP_STEP_SECONDS + 0.5) * 1000, (i + 1) * RAMP_STEP_SECONDS * 1000];
      const inSlice = w.polls.filter((p) => p.t >= from && p.t <= to);
      const [a, b] = [inSlice[0], inSlice[inSlice.length - 1]];
      if (!a || !b || b.t <= a.t) return { rate, perSecond: 0, cpuShare: Number.NaN };
      const seconds = (b.t - a.t) / 1000;
      const perSecond = (b.c - a.c) / seconds;
      const cpuShare = a.cpu !== undefined && b.cpu !== undefined ? (b.cpu - a.cpu) / seconds : Number.NaN;
      return { rate, perSecond: Math.round(perSecond), cpuShare: round(cpuShare, 2) };
    });
    return chooseArtilleryRate(steps);
  } finally {
    tmp.remove();
  }
}

/** The engine in a pinned child. */
async function engineRun(
  target: Target,
  core: string,
  args: { ratePerSecond: number; durationSeconds: number; connections: number; maxInFlight: number; startAtMs?: number },
  windowSeconds: number,
  cpuProfileDir?: string,
): Promise<TargetWindow<EngineOutput>> {
  const nodeArgs = [
    ...TS_NODE_ARGS,
    ...(cpuProfileDir ? ["--cpu-prof", "--cpu-prof-dir", cpuProfileDir] : []),
    join(BENCH, "children", "engine.ts"),
    JSON.stringify({ url: target.url, ...args }),
  ];
  const w = await counted(target, core, nodeArgs, windowSeconds);
  return { ...w, result: lastJsonLine<EngineOutput>(w.result) } as unknown as TargetWindow<EngineOutput>;
}

/** Which peers are installed in bench/node_modules. */
export function installedPeers(): { autocannon: boolean; artillery: boolean } {
  return { autocannon: existsSync(AUTOCANNON), artillery: existsSync(ARTILLERY) };
}

interface Setup {
  readonly target: Target;
  readonly core: string;
  readonly window: number;
  readonly connections: number;
}

/** The throughput contenders: accepted/s at the target over the window, CPU seconds over the same window. */
function throughputContenders(s: Setup, artilleryArrival: number | undefined, cpuProfileDir?: string) {
  const run = s.window + SKIP_SECONDS + TAIL_SECONDS;
  const sample = (w: TargetWindow<unknown>, extra: Record<string, number> = {}) => ({
    value: w.perSecond,
    cpuSeconds: w.cpuSeconds,
    extra: {
      accepted: w.accepted,
      ...(w.cpuSeconds !== undefined ? { cpuUsPerRequest: (w.cpuSeconds * 1e6) / Math.max(1, w.accepted) } : {}),
      ...extra,
    },
  });
  const contenders: Record<string, (r: number) => Promise<{ value: number; cpuSeconds?: number; extra?: Record<string, number> }>> = {
    engine: async (r) => {
      const w = await engineRun(
        s.target,
        s.core,
        { ratePerSecond: OFFERED_PER_SECOND, durationSeconds: run, connections: s.connections, maxInFlight: s.connections * 4 },
        s.window,
        r === 0 ? cpuProfileDir : undefined,
      );
      return sample(w, { dropped: w.result.counts.dropped });
    },
  };
  if (installedPeers().autocannon)
    contenders.autocannon = async () => sample(await counted(s.target, s.core, autocannonArgs(s.target, run + 1, s.connections), s.window));
  if (artilleryArrival !== undefined)
    contenders.artillery = async () => {
      const tmp = tempDir("artillery");
      try {
        const args = artilleryScript(tmp.dir, s.target, s.connections, [{ duration: run, arrivalRate: artilleryArrival }]);
        return sample(await counted(s.target, s.core, args, s.window, { ...process.env, ...ARTILLERY_ENV }));
      } finally {
        tmp.remove();
      }
    };
  return contenders;
}

/** Throughput figures: accepted/s and CPU us per request per tool, and the engine's ratio to each peer per round. */
function throughputFigures(samples: Sample[], window: number): Figure[] {
  const figures: Figure[] = [];
  const tools = [...new Set(samples.map((s) => s.contender))];
  for (const tool of tools) {
    figures.push(medianFigure(`${tool} accepted req/s at the target`, tool, "req/s", samples, { digits: 0 }));
    const cpu = samples
      .filter((s) => s.contender === tool && s.extra?.cpuUsPerRequest !== undefined)
      .map((s) => ({ ...s, value: s.extra!.cpuUsPerRequest }));
    if (cpu.length) figures.push(medianFigure(`${tool} CPU per accepted request`, tool, "us", cpu, { digits: 1 }));
    const cpuSeconds = samples
      .filter((s) => s.contender === tool && s.cpuSeconds !== undefined)
      .map((s) => ({ ...s, value: s.cpuSeconds! }));
    if (cpuSeconds.length) {
      figures.push(medianFigure(`${tool} CPU seconds in the counted window`, tool, "CPU s", cpuSeconds));
      // below about 0.9 the tool was not CPU-bound: the target (or the machine's load) set the pace
      const share = cpuSeconds.map((x) => ({ ...x, value: x.value / window }));
      figures.push(medianFigure(`${tool} share of its core in the counted window`, tool, "", share));
    }
  }
  for (const peer of tools.filter((t) => t !== "engine")) {
    const ratios = derived(`engine/${peer}`, samples, (r) => {
      const [e, p] = [r.find((s) => s.contender === "engine"), r.find((s) => s.contender === peer)];
      return e && p ? e.value / p.value : undefined;
    });
    const target = peer === "autocannon" ? ">= 0.9" : ">= 3 (several times)";
    const bound = peer === "autocannon" ? 0.9 : 3;
    figures.push(medianFigure(`engine / ${peer} (per-round ratio)`, `engine/${peer}`, "x", ratios, { target, met: (m) => m >= bound }));
  }
  return figures;
}

/** Accuracy: the engine at a fixed rate, counted at a fast and a slow target (a request counts when it arrives). */
async function accuracy(s: Setup, rate: number, rounds: number, slow: Target): Promise<{ figures: Figure[]; samples: Sample[] }> {
  const run = s.window + SKIP_SECONDS + TAIL_SECONDS;
  const one = (target: Target) => async () => {
    const w = await engineRun(
      target,
      s.core,
      { ratePerSecond: rate, durationSeconds: run, connections: s.connections, maxInFlight: 512 },
      s.window,
    );
    const series = w.perSecondSeries;
    return {
      value: w.perSecond / rate,
      extra: { minSecond: Math.min(...series), maxSecond: Math.max(...series), ackP99Ms: w.result.ack.p99Ms },
    };
  };
  const samples = await interleave({ fast: one(s.target), slow: one(slow) }, rounds);
  for (const x of samples)
    say(
      `  accuracy round ${x.round + 1}, ${x.contender} target: arrived ${round(x.value * rate, 1)}/s of ${rate}/s planned (seconds ${x.extra?.minSecond}-${x.extra?.maxSecond}), ack p99 ${x.extra?.ackP99Ms} ms`,
    );
  const figures: Figure[] = [];
  for (const which of ["fast", "slow"]) {
    const name = `timing accuracy at ${rate}/s, ${which} target: arrived / planned`;
    figures.push(medianFigure(name, which, "", samples, { digits: 4, target: "0.99..1.01", met: (m) => Math.abs(m - 1) <= 0.01 }));
    const p99 = samples.filter((x) => x.contender === which).map((x) => ({ ...x, value: x.extra!.ackP99Ms }));
    figures.push(medianFigure(`ack p99 from planned send at ${rate}/s, ${which} target`, which, "ms", p99));
  }
  return { figures, samples };
}

/** The stall check's settings: every request held for STALL_MS every STALL_EVERY_MS. */
const STALL_MS = 1000;
const STALL_EVERY_MS = 5000;
const SLOW_DELAY_MS = 20;

/**
 * What a wrk2-style (coordinated-omission-corrected) measurement reads: every planned arrival's
 * latency from its planned time. An arrival planned inside a stall is answered when the stall
 * ends; then the backlog drains FIFO at `capacityPerSecond` (the engine's measured ceiling;
 * Infinity for the plain prediction), one request every 1/capacity; plus the unstalled latency
 * `baseMs`. Percentiles of that distribution, nearest rank.
 */
export function stallPrediction(
  plannedEpochMs: readonly number[],
  targetStartMs: number,
  baseMs: number,
  capacityPerSecond = Number.POSITIVE_INFINITY,
  stallMs = STALL_MS,
  everyMs = STALL_EVERY_MS,
): { p50Ms: number; p90Ms: number; p99Ms: number } {
  const serviceMs = 1000 / capacityPerSecond;
  let previous = Number.NEGATIVE_INFINITY;
  const lat = plannedEpochMs
    .map((t) => {
      const inCycle = (((t - targetStartMs) % everyMs) + everyMs) % everyMs;
      const ready = t + (inCycle < stallMs ? stallMs - inCycle : 0);
      previous = Math.max(ready, previous + serviceMs);
      return previous - t + baseMs;
    })
    .sort((a, b) => a - b);
  const at = (q: number) => round(lat[Math.min(lat.length - 1, Math.ceil(q * lat.length) - 1)] ?? Number.NaN, 1);
  return { p50Ms: at(0.5), p90Ms: at(0.9), p99Ms: at(0.99) };
}

/** The stalling-target check: the engine's percentiles from the planned time vs the prediction, with the default cap and with a cap that never drops. */
async function stallCheck(s: Setup, rounds: number, quick: boolean, capacity: number): Promise<{ figures: Figure[]; details: unknown[] }> {
  const rate = 2000;
  const seconds = quick ? 6 : 11;
  const stall = await startTarget(cores().target, { stallMs: STALL_MS, stallEveryMs: STALL_EVERY_MS });
  const details: unknown[] = [];
  try {
    const one = (maxInFlight: number) => async () => {
      // after ts-node's start-up, 1.5 s into a stall cycle: every run meets its stalls at the same plan offsets
      const startAtMs = stall.startedAtMs + Math.ceil((Date.now() + 2500 - stall.startedAtMs) / STALL_EVERY_MS) * STALL_EVERY_MS + 1500;
      const w = await engineRun(
        stall,
        s.core,
        { ratePerSecond: rate, durationSeconds: seconds, connections: s.connections, maxInFlight, startAtMs },
        seconds - 2,
      );
      const e = w.result;
      const profile = parseProfile({ phases: [{ type: "constant", ratePerSecond: rate, durationSeconds: seconds }] });
      const planned = Array.from(planArrivals(profile), (ms) => e.startAtMs + ms);
      const predicted = stallPrediction(planned, stall.startedAtMs, e.ack.p50Ms, capacity);
      const plain = stallPrediction(planned, stall.startedAtMs, e.ack.p50Ms);
      details.push({
        maxInFlight,
        ack: e.ack,
        dropped: e.counts.dropped,
        offered: e.counts.offered,
        predicted,
        predictedWithoutDrain: plain,
        capacity,
      });
      say(
        `  stall check, maxInFlight ${maxInFlight}: p50 ${e.ack.p50Ms} / p90 ${e.ack.p90Ms} / p99 ${e.ack.p99Ms} ms from the planned time; predicted ${predicted.p50Ms} / ${predicted.p90Ms} / ${predicted.p99Ms} ms (backlog drained at ${Math.round(capacity)}/s; ${plain.p90Ms} / ${plain.p99Ms} ms without the drain); ${e.counts.dropped} of ${e.counts.offered} arrivals dropped by the cap`,
      );
      const extra = {
        p90Ms: e.ack.p90Ms,
        p99Ms: e.ack.p99Ms,
        predictedP90Ms: predicted.p90Ms,
        predictedP99Ms: predicted.p99Ms,
        dropped: e.counts.dropped,
      };
      return { value: e.ack.p90Ms - predicted.p90Ms, extra };
    };
    const nodrop = rate * 2 + s.connections;
    const samples = await interleave({ "cap 512": one(512), [`cap ${nodrop}`]: one(nodrop) }, rounds);
    const figures: Figure[] = [];
    for (const cap of ["cap 512", `cap ${nodrop}`]) {
      const pick = (key: string) => samples.filter((x) => x.contender === cap).map((x) => ({ ...x, value: x.extra![key] }));
      figures.push(medianFigure(`stalling target, ${cap}: p90 from planned send`, cap, "ms", pick("p90Ms"), { digits: 1 }));
      figures.push(medianFigure(`stalling target, ${cap}: predicted (wrk2-style) p90`, cap, "ms", pick("predictedP90Ms"), { digits: 1 }));
      figures.push(medianFigure(`stalling target, ${cap}: p99 from planned send`, cap, "ms", pick("p99Ms"), { digits: 1 }));
      figures.push(medianFigure(`stalling target, ${cap}: predicted (wrk2-style) p99`, cap, "ms", pick("predictedP99Ms"), { digits: 1 }));
      figures.push(medianFigure(`stalling target, ${cap}: arrivals dropped by the in-flight cap`, cap, "", pick("dropped"), { digits: 0 }));
      figures.push(medianFigure(`stalling target, ${cap}: p90 measured - predicted, per run`, cap, "ms", samples, { digits: 1 }));
    }
    return { figures, details };
  } finally {
    await stall.close();
  }
}

export async function benchGenerator(options: GeneratorOptions = {}): Promise<BenchResult> {
  const window = options.windowSeconds ?? 5;
  const connections = options.connections ?? 50;
  const rounds = options.rounds ?? 10;
  const checkRounds = options.checkRounds ?? 3;
  const { target: targetCore, generator: core } = cores();
  const target = await startTarget(targetCore);
  const slow = await startTarget(targetCore, { delayMs: SLOW_DELAY_MS });
  const s: Setup = { target, core, window, connections };
  say(
    `  target: ${target.kind} on core ${targetCore} (${target.url}); generators on core ${core}; counted at the target over ${window} s from ${SKIP_SECONDS} s after each tool's first request; ${connections} connections, no pipelining; ${rounds} interleaved round(s)`,
  );
  const notes: string[] = [];
  if (target.kind !== "nginx")
    notes.push("nginx was not installed: the target was a minimal Node server (apt-get install -y nginx-light for the reference target)");
  const peers = installedPeers();
  for (const [peer, ok] of Object.entries(peers))
    if (!ok) notes.push(`${peer} is not installed in bench/node_modules (cd bench && npm ci): skipped, no ratio against it`);
  try {
    let artillery: ArtilleryRate | undefined;
    if (peers.artillery && !options.skipArtillery) {
      artillery = await artilleryRate(target, core, connections);
      say(`  Artillery ramp: driven at ${artillery.rate} arrivals/s (${RULES[artillery.rule]}): ${JSON.stringify(artillery.steps)}`);
      notes.push(`Artillery was driven at ${artillery.rate} arrivals/s: ${RULES[artillery.rule]}`);
    }
    const samples = await interleave(throughputContenders(s, artillery?.rate, options.cpuProfileDir), rounds);
    for (const x of samples)
      say(
        `  round ${x.round + 1}: ${x.contender} ${Math.round(x.value)} req/s at the target, CPU ${round(x.cpuSeconds ?? Number.NaN, 2)} s in the window (${round(x.extra?.cpuUsPerRequest ?? Number.NaN, 1)} us/request), load ${round(x.load1, 2)}`,
      );
    const acc = await accuracy(s, options.accuracyRatePerSecond ?? 2000, checkRounds, slow);
    const ceiling = figureOf("engine", "req/s", samples).median;
    const stall = await stallCheck(s, Math.max(1, Math.min(2, checkRounds)), window < 5, ceiling);
    return {
      name: "generator",
      figures: [...throughputFigures(samples, window), ...acc.figures, ...stall.figures],
      details: {
        window,
        skipSeconds: SKIP_SECONDS,
        connections,
        target: target.kind,
        slowTargetDelayMs: SLOW_DELAY_MS,
        stall: { stallMs: STALL_MS, everyMs: STALL_EVERY_MS, runs: stall.details },
        peers,
        artillery,
        samples,
        accuracy: acc.samples,
      },
      notes,
    };
  } finally {
    await target.close();
    await slow.close();
  }
}
