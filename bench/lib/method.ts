/**
 * The method every benchmark follows (issue 19 item 1): contenders interleaved round by round,
 * each round recording the one-minute load average and the CPU seconds the contender used,
 * every figure reported as a median with its spread, and a figure taken while the load was
 * above 1.0 per core marked `noisy` (never dropped).
 */
import { loadavg } from "node:os";
import { cpuCount, round, type Figure as ResultFigure, type FigureMethod } from "./util";

/** One contender's sample in one round. */
export interface Sample {
  readonly round: number;
  readonly contender: string;
  /** The measured value, in the figure's unit. */
  readonly value: number;
  /** The one-minute load average when the sample ended. */
  readonly load1: number;
  /** CPU seconds (user + system) the contender used in the sample, when it could be measured. */
  readonly cpuSeconds?: number;
  /** Anything else the benchmark wants to keep for the round (requests, bytes, ...). */
  readonly extra?: Readonly<Record<string, number>>;
}

/** A figure: the median of a contender's samples, their spread and the load they were taken under. */
export interface Figure {
  readonly contender: string;
  readonly unit: string;
  readonly rounds: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Interquartile range (first and third quartile, linear interpolation). */
  readonly q1: number;
  readonly q3: number;
  /** Median CPU seconds per sample, when measured. */
  readonly cpuSecondsMedian?: number;
  /** The highest one-minute load average of its rounds, and the cores it is judged against. */
  readonly loadMax: number;
  readonly cores: number;
  /** True when any round ran with the one-minute load above 1.0 per core. */
  readonly noisy: boolean;
}

/** True when a one-minute load average is above 1.0 per core: other work shared the machine. */
export function isNoisy(load1: number, cores = cpuCount()): boolean {
  return load1 > cores;
}

/** The current one-minute load average. */
export function load1(): number {
  return loadavg()[0];
}

/** The q-quantile (0..1) of sorted values, linear interpolation between closest ranks. */
export function quantile(sorted: readonly number[], q: number): number {
  if (!sorted.length) return Number.NaN;
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

/** Summarizes one contender's samples into a figure (values rounded to `digits`). */
export function figureOf(contender: string, unit: string, samples: readonly Sample[], cores = cpuCount(), digits = 2): Figure {
  const mine = samples.filter((s) => s.contender === contender);
  const sorted = mine.map((s) => s.value).sort((a, b) => a - b);
  const cpu = mine.filter((s) => s.cpuSeconds !== undefined).map((s) => s.cpuSeconds as number);
  const loadMax = Math.max(0, ...mine.map((s) => s.load1));
  return {
    contender,
    unit,
    rounds: mine.length,
    median: round(quantile(sorted, 0.5), digits),
    min: round(sorted[0] ?? Number.NaN, digits),
    max: round(sorted.at(-1) ?? Number.NaN, digits),
    q1: round(quantile(sorted, 0.25), digits),
    q3: round(quantile(sorted, 0.75), digits),
    ...(cpu.length
      ? {
          cpuSecondsMedian: round(
            quantile(
              [...cpu].sort((a, b) => a - b),
              0.5,
            ),
            3,
          ),
        }
      : {}),
    loadMax: round(loadMax, 2),
    cores,
    noisy: mine.some((s) => isNoisy(s.load1, cores)),
  };
}

/** One contender of an interleaved comparison: runs one sample and returns its value. */
export type Contender = (round: number) => Promise<{ value: number; cpuSeconds?: number; extra?: Record<string, number> }>;

/**
 * Runs `rounds` rounds; in each, every contender once, in an order that rotates each round (so
 * no contender always runs first, right after another's cool-down). Returns every sample.
 */
export async function interleave(contenders: Readonly<Record<string, Contender>>, rounds: number): Promise<Sample[]> {
  const names = Object.keys(contenders);
  const samples: Sample[] = [];
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + r) % names.length];
      const result = await contenders[name](r);
      samples.push({ round: r, contender: name, ...result, load1: load1() });
    }
  }
  return samples;
}

/** CPU seconds (user + system) this process used while `fn` ran, with its result. */
export async function withOwnCpu<T>(fn: () => Promise<T>): Promise<{ result: T; cpuSeconds: number }> {
  const before = process.cpuUsage();
  const result = await fn();
  const used = process.cpuUsage(before);
  return { result, cpuSeconds: (used.user + used.system) / 1e6 };
}

/** A child process's CPU seconds (user + system) from /proc/<pid>/stat, or undefined off Linux or once it is gone. */
export function childCpuSeconds(pid: number): number | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const fields = (require("node:fs") as typeof import("node:fs")).readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    // after the command: state is field 3, utime 14 and stime 15 (1-based in proc(5)), so indexes 11 and 12 here
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ: 100 on Linux
  } catch {
    return undefined;
  }
}

/** A figure as one line: "median (min-max, IQR q1-q3) unit, N rounds[, noisy: load L on C cores]". */
export function describeFigure(f: Figure): string {
  const noisy = f.noisy ? `, noisy: load up to ${f.loadMax} on ${f.cores} cores` : "";
  const cpu = f.cpuSecondsMedian !== undefined ? `, ${f.cpuSecondsMedian} CPU s` : "";
  return `${f.median} ${f.unit} (min ${f.min}, max ${f.max}, IQR ${f.q1}-${f.q3}), ${f.rounds} round(s)${cpu}${noisy}`;
}

/** The method record of one contender's samples, for a result figure (rounds, samples, spread, load, noisy). */
export function methodOf(contender: string, samples: readonly Sample[], cores = cpuCount(), digits = 2): FigureMethod {
  const f = figureOf(contender, "", samples, cores, digits);
  const mine = samples.filter((s) => s.contender === contender);
  return {
    rounds: f.rounds,
    samples: mine.map((s) => round(s.value, digits)),
    spread: { min: f.min, max: f.max, q1: f.q1, q3: f.q3 },
    load: mine.map((s) => round(s.load1, 2)),
    cores,
    noisy: f.noisy,
    ...(f.cpuSecondsMedian !== undefined ? { cpuSecondsMedian: f.cpuSecondsMedian } : {}),
  };
}

/** A result figure whose value is the median of a contender's samples, with its method record. */
export function medianFigure(
  name: string,
  contender: string,
  unit: string,
  samples: readonly Sample[],
  extra: { digits?: number; target?: string; met?: (median: number) => boolean } = {},
): ResultFigure {
  const f = figureOf(contender, unit, samples, cpuCount(), extra.digits ?? 2);
  return {
    name,
    value: f.median,
    unit,
    ...(extra.target ? { target: extra.target, met: extra.met ? extra.met(f.median) : undefined } : {}),
    method: methodOf(contender, samples, cpuCount(), extra.digits ?? 2),
  };
}

/** Samples derived per round from other samples (a ratio of two contenders, a CPU share...), under the given contender name. */
export function derived(name: string, samples: readonly Sample[], fn: (round: readonly Sample[]) => number | undefined): Sample[] {
  const rounds = [...new Set(samples.map((s) => s.round))];
  const out: Sample[] = [];
  for (const r of rounds) {
    const these = samples.filter((s) => s.round === r);
    const value = fn(these);
    if (value === undefined || !Number.isFinite(value)) continue;
    out.push({ round: r, contender: name, value, load1: Math.max(...these.map((s) => s.load1)) });
  }
  return out;
}

/** The samples with one of their `extra` values as the value (for a figure of it); samples without a finite one are left out. */
export function samplesOfExtra(samples: readonly Sample[], key: string): Sample[] {
  return samples.filter((s) => s.extra?.[key] !== undefined && Number.isFinite(s.extra[key])).map((s) => ({ ...s, value: s.extra![key] }));
}
