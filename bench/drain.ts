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
}

/** Event source mapping concurrency, batch size and records processed at once per batch. */
const MAX_CONCURRENCY = 5;
const BATCH_SIZE = 10;
const RECORD_CONCURRENCY = 10; // createWorker's default `concurrency`

export async function benchDrain(options: DrainOptions = {}): Promise<BenchResult> {
  const offered = options.backlog ?? (options.quick ? 200 : 600);
  const workMs = options.workMs ?? (options.quick ? 200 : 500);
  const burstRate = 200;
  const parallel = MAX_CONCURRENCY * Math.min(BATCH_SIZE, RECORD_CONCURRENCY);
  const tmp = tempDir("drain");
  try {
    const dirs = synthBenchStacks(join(tmp.dir, "cdktf.out"), [
      { name: "drain", worker: { entry: join(BENCH, "handlers", "drain-worker.ts"), maxConcurrency: MAX_CONCURRENCY, batchSize: BATCH_SIZE } },
    ]);
    let startMs = 0;
    let cpuAtStart = process.cpuUsage();
    let emptyAtMs = 0;
    let cpu = { user: 0, system: 0 };
    let sampler: Promise<void> | undefined;
    let stop = false;
    const result = await runLocalStack({
      stack: dirs.drain,
      reportDir: resolve(tmp.dir, "reports"),
      html: false,
      profile: {
        name: "drain",
        phases: [{ type: "constant", ratePerSecond: burstRate, durationSeconds: offered / burstRate }],
        workMs,
        conversations: 200,
        sending: { maxInFlight: 512, connections: 32 },
        reconcile: { deadlineSeconds: 120, pollIntervalSeconds: 0.5 },
      },
      beforeSpike: async (running) => {
        startMs = Date.now() + 200; // runSpike's default start
        cpuAtStart = process.cpuUsage();
        const queueUrl = running.workerEnvironment[WORKER_CONTRACT.queueUrl.env];
        const sqs = new SQSClient({ region: running.region, endpoint: running.sqsEndpoint, credentials: LOCAL_CREDENTIALS });
        sampler = (async () => {
          try {
            while (!stop) {
              await new Promise((r) => setTimeout(r, 50));
              if (Date.now() < startMs + (offered / burstRate) * 1000) continue;
              const a = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"] }));
              const left = (["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"] as const).reduce((s, k) => s + Number(a.Attributes?.[k] ?? 0), 0);
              if (left === 0) {
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
    const drainMs = emptyAtMs - startMs;
    const batches = result.emulator.mappings[0]?.stats.batches ?? 0;
    // every environment busy all the time: time per batch = drain x M / batches
    const batchMs = batches ? (drainMs * MAX_CONCURRENCY) / batches : Number.NaN;
    const hostCpuShare = (cpu.user + cpu.system) / 1000 / drainMs;
    const r = drainMs / minimumMs;
    say(`  ${backlog} of ${offered} offered accepted; ${batches} batches, about ${Math.round(batchMs)} ms each for ${workMs} ms of work; emulator process (servers and function threads) used ${Math.round(hostCpuShare * 100)}% of a core`);
    say(`  backlog ${backlog} x workMs ${workMs} / (maxConcurrency ${MAX_CONCURRENCY} x batch parallelism ${Math.min(BATCH_SIZE, RECORD_CONCURRENCY)}) = ${round(minimumMs / 1000, 2)} s minimum; drained in ${round(drainMs / 1000, 2)} s`);
    return {
      name: "drain",
      figures: [
        { name: "theoretical minimum", value: round(minimumMs / 1000, 2), unit: "s" },
        { name: "drain time (burst start -> queue empty)", value: round(drainMs / 1000, 2), unit: "s" },
        { name: "drain time / theoretical minimum", value: ratio(drainMs, minimumMs), target: "<= 1.15", met: r <= 1.15 },
        { name: "processed / backlog", value: ratio(delivery.processed ?? 0, backlog, 3) },
        { name: "time per batch (drain x maxConcurrency / batches)", value: Math.round(batchMs), unit: "ms" },
        { name: "emulator process CPU during the drain (servers + function threads)", value: round(hostCpuShare, 2), unit: "cores" },
      ],
      details: { offered, backlog, workMs, batchMs, hostCpuShare, burstRate, maxConcurrency: MAX_CONCURRENCY, batchSize: BATCH_SIZE, recordConcurrency: RECORD_CONCURRENCY, minimumMs, drainMs, delivery, mappings: result.emulator.mappings, functions: result.emulator.functions.map((f) => ({ name: f.name, stats: f.stats })) },
    };
  } finally {
    tmp.remove();
  }
}
