/**
 * Shared helpers of the benchmarks: child processes pinned to a core, free loopback
 * ports, medians, temporary folders, and the result lines every benchmark prints.
 */
import { spawn, type SpawnOptions } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";

/** The repository root. */
export const ROOT = resolve(__dirname, "..", "..");
/** The bench folder. */
export const BENCH = resolve(__dirname, "..");
/** Where a run writes its JSON results (git-ignored). */
export const RESULTS = join(BENCH, "results");

/** Node with ts-node (transpile only) and the tsconfig path mapping: runs a .ts child. */
export const TS_NODE_ARGS = ["-r", "ts-node/register/transpile-only", "-r", "tsconfig-paths/register"];

/** Number of CPUs this process may use. */
export function cpuCount(): number {
  return Math.max(1, availableParallelism());
}

/**
 * Cores for the load generator and the target: different ones when there are two or
 * more, else the same one (pinning then only keeps them off other cores).
 */
export function cores(): { target: string; generator: string } {
  return cpuCount() >= 2 ? { target: "0", generator: "1" } : { target: "0", generator: "0" };
}

/** True when `taskset` can pin processes here. */
export const hasTaskset = existsSync("/usr/bin/taskset");

/** The command and arguments that run `command args` pinned to `core` (unpinned without taskset). */
export function pinned(core: string, command: string, args: string[]): [string, string[]] {
  return hasTaskset ? ["/usr/bin/taskset", ["-c", core, command, ...args]] : [command, args];
}

export interface ChildResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly wallMs: number;
}

/** A started child: its pid (for /proc CPU sampling) and its completion. */
export interface Started {
  readonly pid: number | undefined;
  readonly done: Promise<ChildResult>;
}

/** Starts a child (killed after `timeoutMs`), collecting its output. */
export function start(command: string, args: string[], options: SpawnOptions & { timeoutMs?: number; input?: string } = {}): Started {
  const started = performance.now();
  const child = spawn(command, args, { cwd: ROOT, ...options, stdio: ["pipe", "pipe", "pipe"] });
  const done = new Promise<ChildResult>((resolvePromise, reject) => {
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr, wallMs: performance.now() - started });
    });
    child.stdin!.end(options.input ?? "");
  });
  return { pid: child.pid, done };
}

/** Throws with the child's stderr when it exited non-zero. */
export function checkOk(command: string, args: string[], result: ChildResult): ChildResult {
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(" ")} exited ${result.code}:\n${result.stderr.slice(-3000) || result.stdout.slice(-3000)}`);
  }
  return result;
}

/** Runs a child to completion (killed after `timeoutMs`), collecting its output. */
export function run(
  command: string,
  args: string[],
  options: SpawnOptions & { timeoutMs?: number; input?: string } = {},
): Promise<ChildResult> {
  return start(command, args, options).done;
}

/** Like {@link run}, but throws with the child's stderr when it exits non-zero. */
export async function runOk(
  command: string,
  args: string[],
  options: SpawnOptions & { timeoutMs?: number; input?: string } = {},
): Promise<ChildResult> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(" ")} exited ${result.code}:\n${result.stderr.slice(-3000) || result.stdout.slice(-3000)}`);
  }
  return result;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePromise(port));
    });
  });
}

/** A fresh temporary folder and its remover. */
export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `gcx-bench-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function median(values: readonly number[]): number {
  if (!values.length) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Rounds to `digits` decimals. */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** A ratio a / b rounded, or NaN when b is 0. */
export function ratio(a: number, b: number, digits = 2): number {
  return b === 0 ? Number.NaN : round(a / b, digits);
}

/** How a figure was taken (bench/lib/method.ts): its rounds, every sample, the spread and the load. */
export interface FigureMethod {
  readonly rounds: number;
  readonly samples: readonly number[];
  readonly spread: { readonly min: number; readonly max: number; readonly q1: number; readonly q3: number };
  /** The one-minute load average after each sample, and the cores it is judged against. */
  readonly load: readonly number[];
  readonly cores: number;
  /** True when any sample ran with the one-minute load above 1.0 per core. */
  readonly noisy: boolean;
  /** Median CPU seconds per sample, when measured. */
  readonly cpuSecondsMedian?: number;
}

/** One figure a benchmark reports. */
export interface Figure {
  readonly name: string;
  readonly value: number | string;
  readonly unit?: string;
  /** The target, in words (">= 0.9"), and whether this figure meets it. */
  readonly target?: string;
  readonly met?: boolean;
  /** Rounds, samples, spread and load, for a figure that is a median of interleaved rounds. */
  readonly method?: FigureMethod;
}

/** What one benchmark returns. */
export interface BenchResult {
  readonly name: string;
  readonly figures: Figure[];
  /** Anything else worth keeping in the JSON (raw measurements). */
  readonly details?: unknown;
  readonly notes?: string[];
}

/** Prints a figure line as it is measured. */
export function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Formats a figure for the terminal. */
export function formatFigure(f: Figure): string {
  const value = typeof f.value === "number" ? (Number.isInteger(f.value) ? String(f.value) : String(round(f.value, 3))) : f.value;
  const target = f.target ? `  (target ${f.target}: ${f.met ? "met" : "NOT met"})` : "";
  const m = f.method;
  const spread = m
    ? `  [${m.rounds} round(s), min ${m.spread.min}, max ${m.spread.max}, IQR ${m.spread.q1}-${m.spread.q3}, load up to ${round(Math.max(0, ...m.load), 2)} on ${m.cores} cores${m.noisy ? ", NOISY" : ""}]`
    : "";
  return `  ${f.name.padEnd(58)} ${value}${f.unit ? ` ${f.unit}` : ""}${target}${spread}`;
}

/** The demo worker's source files (examples/basic): the user's worker in the benchmarks' consumer projects. */
export const DEMO_WORKER_FILES = ["worker.ts", "acknowledge.ts"] as const;

/** Copies the demo worker's files from `examplesBasic` (a package's or the repository's examples/basic) into `dir`. */
export function copyDemoWorker(examplesBasic: string, dir: string): void {
  for (const file of DEMO_WORKER_FILES) cpSync(join(examplesBasic, file), join(dir, file));
}

/** Writes a result as JSON under bench/results/, with the wall seconds the benchmark took. */
export function saveResult(result: BenchResult & { readonly seconds?: number }): string {
  mkdirSync(RESULTS, { recursive: true });
  const file = join(RESULTS, `${result.name}.json`);
  writeFileSync(file, JSON.stringify({ ...result, at: new Date().toISOString() }, null, 2) + "\n");
  return file;
}

/** The first line of a JSON object a child printed (children print one JSON line last). */
export function lastJsonLine<T>(stdout: string): T {
  const line = stdout
    .trim()
    .split("\n")
    .reverse()
    .find((l) => l.startsWith("{"));
  if (!line) throw new Error(`no JSON result in the child's output:\n${stdout.slice(-2000)}`);
  return JSON.parse(line) as T;
}

/** The package as a consumer installs it: the tarball `npm pack` makes, unpacked, or why it could not be made. */
export type Packed = { readonly dir: string; readonly tarball: string; readonly sizeKiB: number } | { readonly error: string };

let packing: Promise<Packed> | undefined;

/**
 * Builds and packs the package from a temporary copy of the working tree (tracked and
 * untracked files, node_modules linked; the repository's own dist/ is never touched, so a
 * build in progress there does not matter), `npm run build` then `npm pack --ignore-scripts`,
 * and unpacks the tarball. Once per process; removed at exit.
 */
export function packedPackage(): Promise<Packed> {
  packing ??= (async (): Promise<Packed> => {
    const tmp = tempDir("pack");
    process.once("exit", () => tmp.remove());
    const src = join(tmp.dir, "src");
    try {
      const files = (await runOk("git", ["ls-files", "-co", "--exclude-standard"], { timeoutMs: 30_000 })).stdout
        .split("\n")
        .filter(Boolean);
      for (const f of files.filter((x) => !x.startsWith("bench/") && !x.startsWith("test/") && existsSync(join(ROOT, x))))
        cpSync(join(ROOT, f), join(src, f), { recursive: true });
      symlinkSync(join(ROOT, "node_modules"), join(src, "node_modules"), "dir");
      const tsNode = join(ROOT, "node_modules", "ts-node", "dist", "bin.js");
      await runOk(process.execPath, [tsNode, "--transpile-only", join(src, "scripts", "build.ts")], { cwd: src, timeoutMs: 600_000 });
      const out = await runOk("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", tmp.dir], {
        cwd: src,
        timeoutMs: 120_000,
      });
      const tarball = join(tmp.dir, out.stdout.trim().split("\n").pop() ?? "");
      const dir = join(tmp.dir, "package");
      await runOk("tar", ["xzf", tarball, "-C", tmp.dir], { timeoutMs: 60_000 });
      return { dir, tarball, sizeKiB: round(statSync(tarball).size / 1024, 1) };
    } catch (error) {
      return { error: (error as Error).message.split("\n").slice(0, 6).join(" ").slice(0, 600) };
    }
  })();
  return packing;
}
