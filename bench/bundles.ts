/**
 * Benchmark 5: Lambda bundles.
 *
 * Bundles the demo worker, the load generator and a baseline (the demo worker's job
 * written directly with the AWS SDK and Powertools, bench/handlers/sdk-powertools-worker.ts)
 * exactly as the constructs do (bundleEntry: esbuild, node22, CJS, minified, SDK bundled);
 * the worker and the load generator from the packed package (`npm pack` of the working tree,
 * unpacked into a consumer project, bundled by the package's compiled bundleEntry), and,
 * for comparison, from the repository's sources. Then each bundle's size and its cold-start
 * module initialisation: wall and CPU time of `require()` of the bundle in a fresh Node
 * process (the worker's contract is parsed then, as at a Lambda cold start), the bundles'
 * samples interleaved round by round (bench/lib/method.ts), medians with spread and load.
 * Last, the per-message CPU overhead of the worker runtime against a bare handler, without I/O.
 */
import { cpSync, mkdirSync, readdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { bundleEntry } from "../lib/constructs/bundle";
import { spikeGeneratorEntry } from "../lib/constructs/spike-generator";
import { derived, describeFigure, figureOf, interleave, medianFigure, type Sample } from "./lib/method";
import {
  copyDemoWorker,
  lastJsonLine,
  packedPackage,
  ratio,
  round,
  runOk,
  say,
  tempDir,
  BENCH,
  ROOT,
  TS_NODE_ARGS,
  type BenchResult,
  type Figure,
} from "./lib/util";

export interface BundlesOptions {
  /** Fewer cold starts and messages. Default false. */
  readonly quick?: boolean;
  /** Interleaved rounds of cold starts (one fresh process per bundle per round). Default 15 (3 when quick). */
  readonly rounds?: number;
  /** Bundle the worker and load generator from the packed package (npm pack), as a consumer would. Default true. */
  readonly pack?: boolean;
}

const WORKER_ENV = {
  GCX_INGRESS_KIND: "webhook",
  GCX_QUEUE_URL: "https://sqs.eu-west-1.amazonaws.com/123456789012/q",
  GCX_QUEUE_ARN: "arn:aws:sqs:eu-west-1:123456789012:q",
  GCX_DLQ_URL: "https://sqs.eu-west-1.amazonaws.com/123456789012/dlq",
  GCX_QUARANTINE_QUEUE_URL: "https://sqs.eu-west-1.amazonaws.com/123456789012/quarantine",
  GCX_MAX_RECEIVE_COUNT: "10",
  GCX_SIGNATURE_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:s",
  GCX_IDEMPOTENCY_TABLE: "idempotency",
  GCX_RECEIPTS_TABLE: "receipts",
  AWS_REGION: "eu-west-1",
};

const INIT = `
const c0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
const m = require(process.argv[1]);
const t1 = process.hrtime.bigint();
const c = process.cpuUsage(c0);
if (typeof m.handler !== "function") throw new Error("no handler export");
process.stdout.write(JSON.stringify({ initMs: Number(t1 - t0) / 1e6, initCpuMs: (c.user + c.system) / 1e3 }) + "\\n");
`;

/** One cold start: `require()` of the bundle in a fresh Node process, wall and CPU ms. */
async function coldStart(file: string): Promise<{ initMs: number; initCpuMs: number }> {
  const res = await runOk(process.execPath, ["-e", INIT, file], {
    env: { ...process.env, ...WORKER_ENV, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    timeoutMs: 60_000,
  });
  return lastJsonLine<{ initMs: number; initCpuMs: number }>(res.stdout);
}

/** Bundles the demo worker and the load generator with the packed package's own bundleEntry, in a consumer project. */
const CONSUMER_BUNDLE = `
const [pkg, cacheDir] = process.argv.slice(1);
const { bundleEntry } = require(pkg + "/dist/lib/constructs/bundle.js");
const { spikeGeneratorEntry } = require(pkg + "/dist/lib/constructs/spike-generator.js");
const one = (entry) => { const b = bundleEntry({ entry, cacheDir }); return { file: b.file, sizeBytes: b.sizeBytes }; };
process.stdout.write(JSON.stringify({ worker: one("worker.ts"), loadgen: one(spikeGeneratorEntry()) }) + "\\n");
`;

type Built = Record<string, { file: string; sizeBytes: number; from: string }>;

/**
 * A consumer's project: the packed package unpacked into node_modules (its dependencies linked
 * from the repository's), the demo worker as the user's worker.ts, bundled by the package's
 * own (compiled) bundleEntry with cwd = the project, as `cdktf synth` would.
 */
async function packedBundles(cacheDir: string, notes: string[]): Promise<Built> {
  const packed = await packedPackage();
  if ("error" in packed) {
    notes.push(`bundles from the repository's sources, not the packed package: npm pack failed (${packed.error})`);
    return {};
  }
  const project = tempDir("consumer");
  process.once("exit", () => project.remove());
  const modules = join(project.dir, "node_modules");
  mkdirSync(modules);
  for (const name of readdirSync(join(ROOT, "node_modules")))
    if (!name.startsWith(".") && name !== "cdktf-genesys-consumer")
      symlinkSync(join(ROOT, "node_modules", name), join(modules, name), "dir");
  const pkg = join(modules, "cdktf-genesys-consumer");
  cpSync(packed.dir, pkg, { recursive: true });
  copyDemoWorker(join(pkg, "examples", "basic"), project.dir);
  const res = await runOk(process.execPath, ["-e", CONSUMER_BUNDLE, pkg, cacheDir], { cwd: project.dir, timeoutMs: 300_000 });
  const out = lastJsonLine<Record<string, { file: string; sizeBytes: number }>>(res.stdout);
  notes.push(
    `worker and loadgen bundled from the packed package (npm pack of the working tree, ${packed.sizeKiB} KiB tarball) in a consumer project; "(repo sources)" rows bundle lib/ directly`,
  );
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, { ...v, from: "packed package" }]));
}

/** The bundles: the packed package's worker and load generator (when packing works), the repository's, and the baseline. */
async function buildAll(cacheDir: string, pack: boolean, notes: string[]): Promise<Built> {
  const repo = (entry: string) => {
    const b = bundleEntry({ entry, cacheDir });
    return { file: b.file, sizeBytes: b.sizeBytes, from: "repository sources" };
  };
  const packed = pack ? await packedBundles(cacheDir, notes) : {};
  const built: Built = {};
  const worker = repo(join(ROOT, "examples", "basic", "worker.ts"));
  const loadgen = repo(spikeGeneratorEntry());
  if (packed.worker) {
    built.worker = packed.worker;
    built.loadgen = packed.loadgen;
    built["worker (repo sources)"] = worker;
    built["loadgen (repo sources)"] = loadgen;
  } else {
    built.worker = worker;
    built.loadgen = loadgen;
  }
  built["sdk+powertools baseline"] = repo(join(BENCH, "handlers", "sdk-powertools-worker.ts"));
  return built;
}

/** Cold starts of every bundle, interleaved round by round (rotating order): wall and CPU ms of the require(). */
async function coldStarts(built: Built, rounds: number): Promise<Sample[]> {
  const contenders = Object.fromEntries(
    Object.entries(built).map(([name, b]) => [
      name,
      async () => {
        const r = await coldStart(b.file);
        return { value: r.initMs, cpuSeconds: r.initCpuMs / 1000, extra: { initCpuMs: r.initCpuMs } };
      },
    ]),
  );
  return interleave(contenders, rounds);
}

function bundleFigures(built: Built, samples: Sample[]): Figure[] {
  const figures: Figure[] = [];
  const cpu = samples.map((x) => ({ ...x, value: x.extra!.initCpuMs }));
  for (const [name, b] of Object.entries(built)) {
    figures.push({ name: `${name}: bundle size`, value: round(b.sizeBytes / 1024, 1), unit: `KiB (${b.from})` });
    figures.push(medianFigure(`${name}: cold-start module init`, name, "ms", samples, { digits: 1 }));
    figures.push(medianFigure(`${name}: cold-start module init CPU`, name, "ms", cpu, { digits: 1 }));
  }
  const base = "sdk+powertools baseline";
  figures.push({ name: "worker / baseline: bundle size", value: ratio(built.worker.sizeBytes, built[base].sizeBytes) });
  for (const [label, from] of [
    ["module init", samples],
    ["module init CPU", cpu],
  ] as const) {
    const per = derived(`worker/baseline ${label}`, from, (r) => {
      const [w, b] = [r.find((x) => x.contender === "worker"), r.find((x) => x.contender === base)];
      return w && b ? w.value / b.value : undefined;
    });
    figures.push(medianFigure(`worker / baseline: ${label} (per-round ratio)`, `worker/baseline ${label}`, "x", per));
  }
  return figures;
}

export async function benchBundles(options: BundlesOptions = {}): Promise<BenchResult> {
  const rounds = options.rounds ?? (options.quick ? 3 : 15);
  const cache = tempDir("bundles");
  const notes: string[] = [];
  try {
    const built = await buildAll(cache.dir, options.pack ?? true, notes);
    const samples = await coldStarts(built, rounds);
    for (const [name, b] of Object.entries(built)) {
      const f = figureOf(name, "ms", samples, undefined, 1);
      say(`  ${name.padEnd(28)} ${round(b.sizeBytes / 1024, 1)} KiB (${b.from}), module init ${describeFigure(f)}`);
    }
    const batches = options.quick ? 50 : 300;
    const res = await runOk(
      process.execPath,
      [...TS_NODE_ARGS, join(BENCH, "children", "overhead.ts"), JSON.stringify({ batches, batchSize: 10 })],
      {
        env: { ...process.env, POWERTOOLS_METRICS_NAMESPACE: "Bench", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
        timeoutMs: 180_000,
      },
    );
    const o = lastJsonLine<{
      worker: { cpuUs: number; wallUs: number; failures: number };
      bare: { cpuUs: number; wallUs: number };
      messages: number;
    }>(res.stdout);
    if (o.worker.failures) throw new Error(`the worker reported ${o.worker.failures} failures with in-memory clients`);
    say(
      `  per message: worker ${round(o.worker.cpuUs)} us CPU, bare handler ${round(o.bare.cpuUs)} us CPU (${o.messages} messages in batches of 10)`,
    );
    const figures = bundleFigures(built, samples);
    figures.push({ name: "worker runtime overhead per message (CPU, no I/O)", value: round(o.worker.cpuUs - o.bare.cpuUs), unit: "us" });
    figures.push({ name: "bare handler per message (CPU)", value: round(o.bare.cpuUs, 2), unit: "us" });
    return { name: "bundles", figures, details: { bundles: built, rounds, samples, overhead: o }, notes };
  } finally {
    cache.remove();
  }
}
