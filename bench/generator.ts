/**
 * Benchmark 1: load-generator throughput against autocannon and Artillery, and the
 * engine's timing accuracy at a fixed offered rate.
 *
 * One target (nginx `return 202;`, one worker, pinned to core 0), each generator pinned to
 * core 1 in turn, the same duration, the same connection count and the same request (a
 * signed Genesys-shaped synthetic message; the peers resend one fixed body, our engine
 * builds and signs every message, schedules it on the open-model plan, records it in HDR
 * histograms from its planned send time and keeps the retry/backoff books).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildSyntheticRequest } from "../lib/runtime/loadgen/message";
import { parseProfile } from "../lib/runtime/loadgen/profile";
import { startTarget, type Target } from "./lib/target";
import {
  BENCH,
  cores,
  lastJsonLine,
  median,
  pinned,
  ratio,
  round,
  runOk,
  say,
  tempDir,
  TS_NODE_ARGS,
  type BenchResult,
  type Figure,
} from "./lib/util";

export interface GeneratorOptions {
  /** Seconds each generator runs. Default 5. */
  readonly durationSeconds?: number;
  /** Connections every generator uses. Default 50. */
  readonly connections?: number;
  /** Rounds of autocannon / engine, alternated (the median is reported). Default 2. */
  readonly rounds?: number;
  /** Offered rate of the timing-accuracy run, per second. Default 2000. */
  readonly accuracyRatePerSecond?: number;
  /** Skip Artillery (slow to start). Default false. */
  readonly skipArtillery?: boolean;
  /** Write a CPU profile of one engine run to this folder. */
  readonly cpuProfileDir?: string;
}

interface EngineOutput {
  counts: { offered: number; accepted: number; dropped: number; attempts: number; failed: number; statusCodes: Record<string, number> };
  timeline: { attempted: number[]; accepted: number[]; dropped: number[] };
  elapsedSeconds: number;
  sendSeconds: number;
  cpuSeconds: number;
  ack: { p50Ms: number; p99Ms: number; maxMs: number };
  service: { p50Ms: number; p99Ms: number };
}

const AUTOCANNON = join(BENCH, "node_modules", "autocannon", "autocannon.js");
const ARTILLERY = join(BENCH, "node_modules", "artillery", "bin", "run");

/** One request as our engine would send it, for the peers to resend. */
function sampleRequest(): { body: string; headers: Record<string, string> } {
  const profile = parseProfile({ phases: [{ type: "constant", ratePerSecond: 1, durationSeconds: 1 }] });
  const r = buildSyntheticRequest({ runId: "bench", seq: 1, plannedSendMs: Date.now(), profile, secret: "bench-signing-secret" });
  return { body: r.body, headers: r.headers };
}

const TIME = "/usr/bin/time";
/** Arrivals per second offered to the engine in the throughput rounds. */
const OFFERED_PER_SECOND = 100_000;
const CPU_MARK = "gcx-cpu";

/** Accepted (2xx) requests per second of one autocannon run, and its whole-process CPU seconds when /usr/bin/time is there. */
async function autocannon(
  target: Target,
  core: string,
  seconds: number,
  connections: number,
): Promise<{ acceptedPerSecond: number; cpuSeconds?: number; raw: unknown }> {
  const { body, headers } = sampleRequest();
  const args = [AUTOCANNON, "-c", String(connections), "-d", String(seconds), "-m", "POST", "-b", body, "--json"];
  for (const [k, v] of Object.entries(headers)) args.push("-H", `${k}=${v}`);
  args.push(target.url);
  const timed = existsSync(TIME);
  const [cmd, cargs] = timed
    ? pinned(core, TIME, ["-f", `${CPU_MARK} %U %S`, process.execPath, ...args])
    : pinned(core, process.execPath, args);
  const res = await runOk(cmd, cargs, { timeoutMs: (seconds + 30) * 1000 });
  const out = lastJsonLine<{ "2xx": number; non2xx: number; errors: number; duration: number; requests: { average: number } }>(res.stdout);
  const cpu = new RegExp(`${CPU_MARK} ([\\d.]+) ([\\d.]+)`).exec(res.stderr);
  const cpuSeconds = cpu ? Number(cpu[1]) + Number(cpu[2]) : undefined;
  return {
    acceptedPerSecond: out["2xx"] / out.duration,
    cpuSeconds,
    raw: { "2xx": out["2xx"], non2xx: out.non2xx, errors: out.errors, durationSeconds: out.duration, processCpuSeconds: cpuSeconds },
  };
}

/** Accepted (2xx) requests per second of one Artillery run (one worker, HTTP pool = connections). */
async function artillery(
  target: Target,
  core: string,
  seconds: number,
  connections: number,
  arrivalRate: number,
): Promise<{ acceptedPerSecond: number; raw: unknown }> {
  const { body, headers } = sampleRequest();
  const tmp = tempDir("artillery");
  try {
    const url = new URL(target.url);
    const config = {
      config: { target: url.origin, phases: [{ duration: seconds, arrivalRate }], http: { pool: connections, timeout: 10 } },
      scenarios: [{ flow: [{ post: { url: url.pathname, body, headers } }] }],
    };
    const file = join(tmp.dir, "bench.json");
    const report = join(tmp.dir, "report.json");
    writeFileSync(file, JSON.stringify(config));
    const [cmd, args] = pinned(core, process.execPath, [ARTILLERY, "run", "--quiet", "--output", report, file]);
    await runOk(cmd, args, {
      timeoutMs: (seconds + 90) * 1000,
      env: { ...process.env, WORKERS: "1", ARTILLERY_DISABLE_TELEMETRY: "true", DO_NOT_TRACK: "1", ARTILLERY_TELEMETRY_DEFAULTS: "{}" },
    });
    const data = JSON.parse(readFileSync(report, "utf8")) as {
      aggregate: { counters: Record<string, number>; firstMetricAt: number; lastMetricAt: number };
    };
    const counters = data.aggregate.counters;
    const ok = Object.entries(counters)
      .filter(([k]) => /^http\.codes\.2\d\d$/.test(k))
      .reduce((s, [, v]) => s + v, 0);
    const spanSeconds = Math.max(seconds, (data.aggregate.lastMetricAt - data.aggregate.firstMetricAt) / 1000);
    return {
      acceptedPerSecond: ok / spanSeconds,
      raw: {
        accepted: ok,
        spanSeconds,
        offered: arrivalRate * seconds,
        failedVUsers: counters["vusers.failed"] ?? 0,
        errors: Object.fromEntries(Object.entries(counters).filter(([k]) => k.startsWith("errors."))),
      },
    };
  } finally {
    tmp.remove();
  }
}

/** One engine run in a pinned child. */
async function engine(
  target: Target,
  core: string,
  args: { ratePerSecond: number; durationSeconds: number; connections: number; maxInFlight: number },
  cpuProfileDir?: string,
): Promise<EngineOutput> {
  const nodeArgs = [
    ...TS_NODE_ARGS,
    ...(cpuProfileDir ? ["--cpu-prof", "--cpu-prof-dir", cpuProfileDir] : []),
    join(BENCH, "children", "engine.ts"),
    JSON.stringify({ url: target.url, ...args }),
  ];
  const [cmd, cargs] = pinned(core, process.execPath, nodeArgs);
  const res = await runOk(cmd, cargs, { timeoutMs: (args.durationSeconds + 60) * 1000 });
  return lastJsonLine<EngineOutput>(res.stdout);
}

/** Accepted per second over the full seconds of the plan (the last partial second and the tail left out). */
function steadyRate(series: number[], seconds: number): number {
  const full = series.slice(0, seconds);
  return full.reduce((s, v) => s + v, 0) / Math.max(1, full.length);
}

export async function benchGenerator(options: GeneratorOptions = {}): Promise<BenchResult> {
  const seconds = options.durationSeconds ?? 5;
  const connections = options.connections ?? 50;
  const rounds = options.rounds ?? 2;
  const { target: targetCore, generator: core } = cores();
  const target = await startTarget(targetCore);
  say(
    `  target: ${target.kind} on core ${targetCore} (${target.url}); generators on core ${core}; ${seconds} s, ${connections} connections`,
  );
  const notes: string[] = [];
  if (target.kind !== "nginx")
    notes.push("nginx was not installed: the target was a minimal Node server (apt-get install -y nginx-light for the reference target)");
  try {
    // warm the target and the page cache
    await autocannon(target, core, 1, connections);

    const ac: number[] = [];
    const ours: number[] = [];
    const oursRaw: EngineOutput[] = [];
    const pairs: Array<{
      autocannon: number;
      engine: number;
      ratio: number;
      autocannonProcessCpuSeconds?: number;
      engineCpuUsPerAccepted: number;
      engineCpuShare: number;
    }> = [];
    for (let r = 0; r < rounds; r++) {
      // odd rounds run the engine first, so neither tool always follows the other
      const runAutocannon = async () => {
        const a = await autocannon(target, core, seconds, connections);
        say(
          `  round ${r + 1}: autocannon ${Math.round(a.acceptedPerSecond)} req/s${a.cpuSeconds === undefined ? "" : ` (process CPU ${round(a.cpuSeconds, 1)} s, start-up included)`}`,
        );
        return a;
      };
      // Offered far above what either tool reaches on one core, and independent of the other
      // tool's round (a slow autocannon round must not cap the engine's): the engine sends as
      // fast as it can; arrivals beyond maxInFlight are dropped and counted (open model, and
      // the dropping costs the engine CPU), accepted/s is its ceiling.
      const runEngine = async () => {
        const offered = OFFERED_PER_SECOND;
        const e = await engine(
          target,
          core,
          { ratePerSecond: offered, durationSeconds: seconds, connections, maxInFlight: connections * 4 },
          r === 0 ? options.cpuProfileDir : undefined,
        );
        const acceptedPerSecond = steadyRate(e.timeline.accepted, seconds);
        say(
          `  round ${r + 1}: engine ${Math.round(acceptedPerSecond)} req/s accepted (offered ${offered}/s; ${e.counts.dropped} arrivals dropped at maxInFlight ${connections * 4}; ` +
            `CPU ${round(e.cpuSeconds, 1)} s = ${round((e.cpuSeconds * 1e6) / Math.max(1, e.counts.accepted), 1)} us per accepted request, ${Math.round((100 * e.cpuSeconds) / e.sendSeconds)}% of the run)`,
        );
        return { e, acceptedPerSecond };
      };
      let a: Awaited<ReturnType<typeof autocannon>>;
      let en: Awaited<ReturnType<typeof runEngine>>;
      if (r % 2 === 0) {
        a = await runAutocannon();
        en = await runEngine();
      } else {
        en = await runEngine();
        a = await runAutocannon();
      }
      ac.push(a.acceptedPerSecond);
      ours.push(en.acceptedPerSecond);
      oursRaw.push(en.e);
      pairs.push({
        autocannon: Math.round(a.acceptedPerSecond),
        engine: Math.round(en.acceptedPerSecond),
        ratio: ratio(en.acceptedPerSecond, a.acceptedPerSecond),
        autocannonProcessCpuSeconds: a.cpuSeconds,
        engineCpuUsPerAccepted: round((en.e.cpuSeconds * 1e6) / Math.max(1, en.e.counts.accepted), 1),
        engineCpuShare: round(en.e.cpuSeconds / en.e.sendSeconds, 2),
      });
    }
    const acRate = median(ac);
    const ourRate = median(ours);

    let artRate: number | undefined;
    let artRaw: unknown;
    if (!options.skipArtillery) {
      const artArrival = Math.min(4000, Math.max(200, Math.round(acRate)));
      const art = await artillery(target, core, seconds, connections, artArrival);
      artRate = art.acceptedPerSecond;
      artRaw = art.raw;
      say(`  Artillery 2.0.21 ${Math.round(artRate)} req/s accepted (arrivalRate ${artArrival}/s, 1 worker, pool ${connections})`);
    }

    // Timing accuracy: a fixed offered rate well inside the capacity.
    const fixed = options.accuracyRatePerSecond ?? 2000;
    const acc = await engine(target, core, { ratePerSecond: fixed, durationSeconds: seconds, connections, maxInFlight: 512 });
    const achieved = steadyRate(acc.timeline.attempted, seconds);
    say(
      `  accuracy: planned ${fixed}/s, sent ${round(achieved, 1)}/s over the plan's seconds; ack p50 ${acc.ack.p50Ms} ms, p99 ${acc.ack.p99Ms} ms from the planned send time`,
    );

    const figures: Figure[] = [
      { name: "autocannon accepted req/s (median)", value: Math.round(acRate), unit: "req/s" },
      { name: "engine accepted req/s (median)", value: Math.round(ourRate), unit: "req/s" },
      { name: "engine / autocannon", value: ratio(ourRate, acRate), target: ">= 0.9", met: ourRate / acRate >= 0.9 },
      { name: "engine / autocannon per round (median)", value: median(pairs.map((p) => p.ratio)) },
      { name: "engine CPU per accepted request (median)", value: median(pairs.map((p) => p.engineCpuUsPerAccepted)), unit: "us" },
    ];
    if (artRate !== undefined) {
      figures.push({ name: "Artillery accepted req/s", value: Math.round(artRate), unit: "req/s" });
      figures.push({
        name: "engine / Artillery",
        value: ratio(ourRate, artRate),
        target: ">= 3 (several times)",
        met: ourRate / artRate >= 3,
      });
    }
    figures.push({
      name: `timing accuracy at ${fixed}/s: achieved / planned`,
      value: ratio(achieved, fixed, 3),
      target: "0.99..1.01",
      met: Math.abs(achieved / fixed - 1) <= 0.01,
    });
    figures.push({ name: `ack p99 from planned send at ${fixed}/s`, value: acc.ack.p99Ms, unit: "ms" });
    return {
      name: "generator",
      figures,
      details: {
        seconds,
        connections,
        target: target.kind,
        autocannon: ac,
        engine: ours,
        rounds: pairs,
        engineRuns: oursRaw,
        artillery: artRaw,
        accuracy: acc,
      },
      notes,
    };
  } finally {
    await target.close();
  }
}
