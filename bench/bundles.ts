/**
 * Benchmark 5: Lambda bundles.
 *
 * Bundles the demo worker, the load generator and a baseline (the demo worker's job
 * written directly with the AWS SDK and Powertools, bench/handlers/sdk-powertools-worker.ts)
 * exactly as the constructs do (bundleEntry: esbuild, node22, CJS, minified, SDK bundled),
 * then reports each bundle's size and its cold-start module initialisation time: the
 * median, over fresh Node processes, of the time `require()` of the bundle takes (the
 * worker's contract is parsed then, as at a Lambda cold start). Last, the per-message CPU
 * overhead of the worker runtime against a bare handler, without I/O.
 */
import { join } from "node:path";
import { bundleEntry } from "../lib/constructs/bundle";
import { spikeGeneratorEntry } from "../lib/constructs/spike-generator";
import {
  lastJsonLine,
  median,
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
const t0 = process.hrtime.bigint();
const m = require(process.argv[1]);
const t1 = process.hrtime.bigint();
if (typeof m.handler !== "function") throw new Error("no handler export");
process.stdout.write(JSON.stringify({ initMs: Number(t1 - t0) / 1e6 }) + "\\n");
`;

async function coldStartMs(file: string, runs: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const res = await runOk(process.execPath, ["-e", INIT, file], {
      env: { ...process.env, ...WORKER_ENV, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
      timeoutMs: 60_000,
    });
    out.push(lastJsonLine<{ initMs: number }>(res.stdout).initMs);
  }
  return out;
}

export async function benchBundles(options: BundlesOptions = {}): Promise<BenchResult> {
  const runs = options.quick ? 3 : 9;
  const cache = tempDir("bundles");
  try {
    const entries = {
      worker: join(ROOT, "examples", "basic", "worker.ts"),
      loadgen: spikeGeneratorEntry(),
      "sdk+powertools baseline": join(BENCH, "handlers", "sdk-powertools-worker.ts"),
    };
    const rows: { name: string; sizeKiB: number; initMs: number; samples: number[] }[] = [];
    for (const [name, entry] of Object.entries(entries)) {
      const b = bundleEntry({ entry, cacheDir: cache.dir });
      const samples = await coldStartMs(b.file, runs);
      rows.push({
        name,
        sizeKiB: round(b.sizeBytes / 1024, 1),
        initMs: round(median(samples), 1),
        samples: samples.map((s) => round(s, 1)),
      });
      say(
        `  ${name.padEnd(24)} ${round(b.sizeBytes / 1024, 1)} KiB, module init median ${round(median(samples), 1)} ms (${runs} fresh processes)`,
      );
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
    const worker = rows.find((r) => r.name === "worker")!;
    const base = rows.find((r) => r.name === "sdk+powertools baseline")!;
    const figures: Figure[] = [];
    for (const r of rows) {
      figures.push({ name: `${r.name}: bundle size`, value: r.sizeKiB, unit: "KiB" });
      figures.push({ name: `${r.name}: cold-start module init (median of ${runs})`, value: r.initMs, unit: "ms" });
    }
    figures.push({ name: "worker / baseline: bundle size", value: ratio(worker.sizeKiB, base.sizeKiB) });
    figures.push({ name: "worker / baseline: module init", value: ratio(worker.initMs, base.initMs) });
    figures.push({ name: "worker runtime overhead per message (CPU, no I/O)", value: round(o.worker.cpuUs - o.bare.cpuUs), unit: "us" });
    figures.push({ name: "bare handler per message (CPU)", value: round(o.bare.cpuUs, 2), unit: "us" });
    return { name: "bundles", figures, details: { rows, overhead: o } };
  } finally {
    cache.remove();
  }
}
