/**
 * A synthesized Lambda function, run locally: its bundle (the asset its `filename` points
 * to, unpacked) loaded in worker threads, each thread one execution environment with the
 * function's own environment, serving one invocation at a time; the timeout enforced by
 * terminating the thread (the invocation fails, the next one gets a fresh thread).
 */
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { Worker, type WorkerOptions } from "node:worker_threads";
import { LAMBDA_MAX_INIT_MS } from "../runtime/aws-limits";
import type { StackResolver } from "./resolver";
import type { TfItem } from "./stack";
import { extractZip } from "./zip";

/** What the host needs to know about one function. */
export interface FunctionSpec {
  readonly address: string;
  readonly name: string;
  readonly arn: string;
  /** `index.handler`: module path (relative to the bundle root) and export. */
  readonly handler: string;
  readonly runtime: string;
  /** Default 3 (Lambda's). */
  readonly timeoutSeconds: number;
  /** Default 128 (Lambda's); also the thread's old-generation heap limit. */
  readonly memoryMb: number;
  /** Directory holding the unpacked bundle. */
  readonly codeDir: string;
  /** The complete environment of the function (synthesized variables + runtime variables). */
  readonly environment: Readonly<Record<string, string>>;
  /** reserved_concurrent_executions, when synthesized (invocations above it are throttled). */
  readonly reservedConcurrency?: number;
}

/**
 * The spec of a synthesized `aws_lambda_function`, from its resolved configuration (Lambda's
 * defaults where the stack sets none), run from `codeDir` with `environment`.
 */
export function functionSpecOf(
  resolver: StackResolver,
  fn: TfItem,
  codeDir: string,
  environment: Readonly<Record<string, string>>,
): FunctionSpec {
  const cfg = resolver.config(fn);
  const reserved = cfg.reserved_concurrent_executions;
  return {
    address: fn.address,
    name: String(resolver.attribute(fn, "function_name")),
    arn: String(resolver.attribute(fn, "arn")),
    handler: String(cfg.handler),
    runtime: String(cfg.runtime ?? "nodejs22.x"),
    timeoutSeconds: Number(cfg.timeout ?? 3),
    memoryMb: Number(cfg.memory_size ?? 128),
    codeDir,
    environment,
    reservedConcurrency: reserved !== undefined && Number(reserved) >= 0 ? Number(reserved) : undefined,
  };
}

/** The result of one invocation. */
export type InvokeResult =
  | { readonly ok: true; readonly payload: unknown; readonly durationMs: number }
  | {
      readonly ok: false;
      readonly errorType: string;
      readonly errorMessage: string;
      readonly durationMs: number;
      readonly timedOut?: boolean;
      readonly throttled?: boolean;
    };

/** Counters of one function. */
export interface FunctionStats {
  invocations: number;
  errors: number;
  timeouts: number;
  throttles: number;
  /** Threads started (cold starts). */
  coldStarts: number;
  /** Init phases (thread start and handler load) finished, their total and longest time, ms. */
  inits: number;
  initMsTotal: number;
  initMsMax: number;
  maxConcurrent: number;
}

/** Options of a {@link FunctionHost}. */
export interface FunctionHostOptions {
  /** Threads at most (the concurrency the event sources may use). Default 1. */
  readonly maxThreads?: number;
  /** Each line the function writes to stdout / stderr. */
  readonly onOutput?: (line: string, stream: "stdout" | "stderr") => void;
  /** Directories the bundle may load modules from that Lambda's runtime provides (the AWS SDK v3). */
  readonly runtimeModulePaths?: readonly string[];
}

/** The code each thread runs: loads the handler once, then serves invocations. */
const BOOTSTRAP = String.raw`
const { parentPort, workerData } = require("node:worker_threads");
const path = require("node:path");
const { pathToFileURL } = require("node:url");
const { handler, codeDir, functionName, functionArn, memoryMb, logGroup } = workerData;
const dot = handler.lastIndexOf(".");
const modulePath = path.join(codeDir, handler.slice(0, dot));
const exportName = handler.slice(dot + 1);
let loaded;
async function load() {
  let mod;
  try {
    mod = require(modulePath);
  } catch (error) {
    if (error && (error.code === "ERR_REQUIRE_ESM" || error.code === "MODULE_NOT_FOUND")) {
      const candidates = [modulePath + ".mjs", modulePath + ".js"];
      for (const c of candidates) { try { mod = await import(pathToFileURL(c).href); break; } catch (e) { if (c === candidates[candidates.length - 1]) throw error; } }
    } else throw error;
  }
  const fn = mod && (mod[exportName] || (mod.default && mod.default[exportName]));
  if (typeof fn !== "function") {
    const e = new Error(handler + " is undefined or not exported");
    e.name = "Runtime.HandlerNotFound";
    throw e;
  }
  return fn;
}
// The init phase: load the handler when the environment starts, as Lambda does, so the
// module's load time is not charged to the first invocation's timeout.
loaded = load();
loaded.then(() => parentPort.postMessage({ ready: true }), () => parentPort.postMessage({ ready: false }));
parentPort.on("message", async (message) => {
  const { id, event, deadline, requestId } = message;
  const context = {
    awsRequestId: requestId,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: functionArn,
    memoryLimitInMB: String(memoryMb),
    logGroupName: logGroup,
    logStreamName: "local/" + process.pid,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {}, succeed() {}, fail() {},
  };
  try {
    loaded = loaded || load();
    const fn = await loaded;
    let result;
    if (fn.length >= 3) {
      result = await new Promise((resolve, reject) => {
        const r = fn(event, context, (err, value) => (err ? reject(err) : resolve(value)));
        if (r && typeof r.then === "function") r.then(resolve, reject);
      });
    } else result = await fn(event, context);
    parentPort.postMessage({ id, ok: true, payload: result === undefined ? null : JSON.parse(JSON.stringify(result)) });
  } catch (error) {
    loaded = error && error.name === "Runtime.HandlerNotFound" ? undefined : loaded;
    parentPort.postMessage({ id, ok: false, errorType: (error && error.name) || "Error", errorMessage: String((error && error.message) || error) });
  }
});
`;

interface Thread {
  worker: Worker;
  busy: boolean;
  dead: boolean;
  pending?: { id: string; resolve: (r: InvokeResult) => void; started: number; timer: NodeJS.Timeout };
  /** Settles when the init phase (loading the handler) is over, successful or not. */
  ready: Promise<void>;
  markReady: () => void;
}

/** Node options whose next argument (or `=value`) names a module the process preloads. */
const PRELOAD_OPTIONS = new Set(["-r", "--require", "--import", "--loader", "--experimental-loader"]);

/**
 * The host's Node options without its preloads, or undefined when it has none. A worker
 * thread inherits the process's options, so a host started as `node -r ts-node/register`
 * would load ts-node and the TypeScript compiler into every execution environment at its cold
 * start, where a Lambda runtime loads only the bundle. Other options (source maps, heap and
 * profiler flags) are kept; as Node does, the list ends at the first argument that is not an
 * option (the script; ts-node's CLI puts its own path and options there).
 */
export function functionExecArgv(hostExecArgv: readonly string[]): string[] | undefined {
  const out: string[] = [];
  let stripped = false;
  for (let i = 0; i < hostExecArgv.length; i++) {
    const arg = hostExecArgv[i];
    if (PRELOAD_OPTIONS.has(arg)) {
      stripped = true;
      i++; // and its module
      continue;
    }
    const eq = arg.indexOf("=");
    if (eq > 0 && PRELOAD_OPTIONS.has(arg.slice(0, eq))) {
      stripped = true;
      continue;
    }
    if (!arg.startsWith("-")) break;
    out.push(arg);
  }
  return stripped ? out : undefined;
}

/**
 * Starts a thread with the host's options minus its preloads. Some options the main thread
 * takes are refused in a worker (ERR_WORKER_INVALID_EXEC_ARGV); then the thread inherits
 * them all, as it would without this.
 */
function startThread(code: string, options: WorkerOptions): Worker {
  const execArgv = functionExecArgv(process.execArgv);
  if (!execArgv) return new Worker(code, options);
  try {
    return new Worker(code, { ...options, execArgv });
  } catch (error) {
    if ((error as { code?: string }).code !== "ERR_WORKER_INVALID_EXEC_ARGV") throw error;
    return new Worker(code, options);
  }
}

/** Lambda's init-phase limit: after it, the first invocation starts anyway (and reports the load error). */
const INIT_LIMIT_MS = LAMBDA_MAX_INIT_MS;

/** A pool of execution environments for one function. */
export class FunctionHost {
  readonly stats: FunctionStats = {
    invocations: 0,
    errors: 0,
    timeouts: 0,
    throttles: 0,
    coldStarts: 0,
    inits: 0,
    initMsTotal: 0,
    initMsMax: 0,
    maxConcurrent: 0,
  };
  private readonly threads: Thread[] = [];
  private readonly waiting: ((t: Thread) => void)[] = [];
  private inFlight = 0;
  private closed = false;
  private readonly maxThreads: number;

  constructor(
    readonly spec: FunctionSpec,
    private readonly options: FunctionHostOptions = {},
  ) {
    this.maxThreads = Math.max(1, Math.min(options.maxThreads ?? 1, spec.reservedConcurrency ?? Number.POSITIVE_INFINITY));
  }

  /** Invocations running now (Lambda's ConcurrentExecutions for this function). */
  get concurrent(): number {
    return this.inFlight;
  }

  /** Invokes the function with an event (synchronously, as an event source mapping does). */
  async invoke(event: unknown): Promise<InvokeResult> {
    if (this.closed) throw new Error(`${this.spec.name}: the function host is closed`);
    this.stats.invocations++;
    if (this.spec.reservedConcurrency !== undefined && this.inFlight >= this.spec.reservedConcurrency) {
      this.stats.throttles++;
      return { ok: false, errorType: "TooManyRequestsException", errorMessage: "Rate Exceeded.", durationMs: 0, throttled: true };
    }
    this.inFlight++;
    this.stats.maxConcurrent = Math.max(this.stats.maxConcurrent, this.inFlight);
    try {
      const thread = await this.acquire();
      const result = await this.run(thread, event);
      if (!result.ok) this.stats.errors++;
      return result;
    } finally {
      this.inFlight--;
    }
  }

  private acquire(): Promise<Thread> {
    const idle = this.threads.find((t) => !t.busy && !t.dead);
    if (idle) {
      idle.busy = true;
      return Promise.resolve(idle);
    }
    if (this.threads.length < this.maxThreads) {
      const thread = this.spawn();
      thread.busy = true;
      return Promise.resolve(thread);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(thread: Thread): void {
    const next = this.waiting.shift();
    if (thread.dead) {
      if (next) {
        const fresh = this.spawn();
        fresh.busy = true;
        next(fresh);
      }
      return;
    }
    if (next) next(thread);
    else thread.busy = false;
  }

  private spawn(): Thread {
    this.stats.coldStarts++;
    const paths = [...(this.options.runtimeModulePaths ?? [])];
    const env: Record<string, string> = { ...this.spec.environment };
    if (paths.length) env.NODE_PATH = [...paths, env.NODE_PATH].filter(Boolean).join(":");
    const worker = startThread(BOOTSTRAP, {
      eval: true,
      env,
      stdout: true,
      stderr: true,
      workerData: {
        handler: this.spec.handler,
        codeDir: this.spec.codeDir,
        functionName: this.spec.name,
        functionArn: this.spec.arn,
        memoryMb: this.spec.memoryMb,
        logGroup: `/aws/lambda/${this.spec.name}`,
      },
      resourceLimits: { maxOldGenerationSizeMb: Math.max(128, this.spec.memoryMb) },
    });
    let markReady = () => undefined as void;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    const thread: Thread = { worker, busy: false, dead: false, ready, markReady };
    const spawnedAt = performance.now();
    for (const stream of ["stdout", "stderr"] as const) {
      const lines = createInterface({ input: worker[stream] });
      lines.on("line", (line) => this.options.onOutput?.(line, stream));
    }
    worker.on(
      "message",
      (message: { id: string; ok: boolean; payload?: unknown; errorType?: string; errorMessage?: string; ready?: boolean }) => {
        if (message.ready !== undefined) {
          const initMs = performance.now() - spawnedAt;
          this.stats.inits++;
          this.stats.initMsTotal += initMs;
          this.stats.initMsMax = Math.max(this.stats.initMsMax, initMs);
          thread.markReady();
          return;
        }
        const pending = thread.pending;
        if (!pending || pending.id !== message.id) return;
        clearTimeout(pending.timer);
        thread.pending = undefined;
        const durationMs = performance.now() - pending.started;
        pending.resolve(
          message.ok
            ? { ok: true, payload: message.payload, durationMs }
            : { ok: false, errorType: message.errorType ?? "Error", errorMessage: message.errorMessage ?? "", durationMs },
        );
      },
    );
    const onDeath = (why: string) => {
      thread.markReady();
      if (thread.dead) return;
      thread.dead = true;
      this.threads.splice(this.threads.indexOf(thread), 1);
      const pending = thread.pending;
      if (pending) {
        clearTimeout(pending.timer);
        thread.pending = undefined;
        pending.resolve({ ok: false, errorType: "Runtime.ExitError", errorMessage: why, durationMs: performance.now() - pending.started });
      }
    };
    worker.on("error", (error) => onDeath(`the execution environment failed: ${error.message}`));
    worker.on("exit", (code) => onDeath(`the execution environment exited with code ${code}`));
    this.threads.push(thread);
    return thread;
  }

  private async run(thread: Thread, event: unknown): Promise<InvokeResult> {
    const id = randomUUID();
    const timeoutMs = this.spec.timeoutSeconds * 1000;
    // The invocation's clock starts after the init phase (bounded like Lambda's).
    let initTimer: NodeJS.Timeout | undefined;
    await Promise.race([thread.ready, new Promise<void>((r) => (initTimer = setTimeout(r, INIT_LIMIT_MS)))]);
    clearTimeout(initTimer);
    if (thread.dead) {
      this.release(thread);
      return {
        ok: false,
        errorType: "Runtime.ExitError",
        errorMessage: "the execution environment exited during its init phase",
        durationMs: 0,
      };
    }
    return new Promise<InvokeResult>((resolveResult) => {
      const started = performance.now();
      const timer = setTimeout(() => {
        if (thread.pending?.id !== id) return;
        thread.pending = undefined;
        this.stats.timeouts++;
        thread.dead = true;
        this.threads.splice(this.threads.indexOf(thread), 1);
        void thread.worker.terminate();
        resolveResult({
          ok: false,
          errorType: "Sandbox.Timedout",
          errorMessage: `Task timed out after ${this.spec.timeoutSeconds.toFixed(2)} seconds`,
          durationMs: performance.now() - started,
          timedOut: true,
        });
      }, timeoutMs);
      thread.pending = { id, resolve: resolveResult, started, timer };
      thread.worker.postMessage({ id, event, deadline: Date.now() + timeoutMs, requestId: id });
    }).finally(() => this.release(thread));
  }

  /** Terminates every thread (in-flight invocations fail). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.threads].map((t) => t.worker.terminate()));
  }
}

/** Unpacks a function's bundle into a fresh temporary directory; returns it and a cleanup. */
export function unpackBundle(stackDir: string, filename: string, address: string): { dir: string; cleanup(): void } {
  const archive = isAbsolute(filename) ? filename : resolve(stackDir, filename);
  if (!existsSync(archive)) {
    throw new Error(
      `${address}: its bundle ${archive} does not exist (synthesize the stack again: \`CHECKPOINT_DISABLE=1 npx cdktf synth\`)`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), "gcx-lambda-"));
  try {
    if (archive.endsWith(".zip")) extractZip(archive, dir);
    else throw new Error(`${address}: its filename ${filename} is not a .zip archive`);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The node_modules directory holding the AWS SDK v3 (Lambda's Node.js runtimes provide it). */
export function sdkModulePath(): string | undefined {
  try {
    const pkg = require.resolve("@aws-sdk/client-sqs/package.json");
    return dirname(dirname(dirname(pkg)));
  } catch {
    return undefined;
  }
}
