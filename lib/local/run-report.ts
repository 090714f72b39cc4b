/**
 * The reporting side of a local run ({@link runLocalStack}): the queue sampler (every second,
 * each queue's depth as CloudWatch's SQS metrics and the backpressure series), the emulator's
 * report of the run, the report files, and the emulator's part of the terminal summary.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { GetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { SpikeReport } from "../runtime/loadgen/run";
import { writeReports } from "../runtime/loadgen/reports";
import { renderSummary } from "../runtime/loadgen/summary";
import { BackpressureRecorder } from "./backpressure";
import type { Closers } from "./closers";
import type { FakeGenesys } from "./fake-genesys";
import type { MetricStore } from "./metrics";
import { renderNightlySummary } from "./nightly";
import type { SqsPoller } from "./poller";
import type { EmulatorReport } from "./run";
import type { HostedFunction, LocalMapping } from "./run-functions";
import type { LocalQueue } from "./services";

/** How often the queues are sampled, milliseconds. */
const SAMPLE_INTERVAL_MS = 1000;

/** A queue's depth: the peak visible count and the last sample. */
export interface QueueDepth {
  readonly max: number;
  readonly final: Record<string, number>;
}

/** The queue sampler of a run: the depths seen so far and the backpressure series, and one more sample on demand. */
export interface QueueSampler {
  readonly depth: ReadonlyMap<string, QueueDepth>;
  readonly backpressure: BackpressureRecorder;
  /** Samples every queue once now. */
  sample(): Promise<void>;
}

/** What the sampler reads. */
export interface SamplerInput {
  readonly queues: readonly LocalQueue[];
  readonly sqsClient: SQSClient;
  readonly metrics: MetricStore;
  readonly hosts: ReadonlyMap<string, HostedFunction>;
  readonly downstream: FakeGenesys;
  readonly mappings: readonly LocalMapping[];
  readonly pollers: readonly SqsPoller[];
  /** The queue the ingress sends to (its pollers' receipts are the polled series). */
  readonly ingressQueue: LocalQueue;
  readonly closers: Closers;
}

/** One queue's visible, in-flight and delayed counts now; undefined once the server is stopping. */
async function queueCounts(sqsClient: SQSClient, q: LocalQueue) {
  try {
    const a = await sqsClient.send(
      new GetQueueAttributesCommand({
        QueueUrl: q.url,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"],
      }),
    );
    // local-aws-sqs counts in-flight and delayed messages in ApproximateNumberOfMessages; AWS does not.
    const notVisible = Number(a.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
    const delayed = Number(a.Attributes?.ApproximateNumberOfMessagesDelayed ?? 0);
    const visible = Math.max(0, Number(a.Attributes?.ApproximateNumberOfMessages ?? 0) - notVisible - delayed);
    return { visible, notVisible, delayed };
  } catch {
    // the server is stopping
    return undefined;
  }
}

/**
 * Starts sampling the queues every second (depth; age is approximated by the oldest message a
 * poller receives) until the run stops, with the report's backpressure series
 * (lib/local/backpressure.ts) sampled alongside.
 */
export function startQueueSampler(input: SamplerInput): QueueSampler {
  const { queues, sqsClient, metrics, hosts, downstream, mappings, pollers, ingressQueue } = input;
  const depth = new Map<string, QueueDepth>();
  const backpressure = new BackpressureRecorder({
    functions: () => [...hosts.values()].map((h) => ({ name: h.host.spec.name, concurrent: h.host.concurrent })),
    downstream: () => downstream.stats(),
    polled: () => pollers.filter((_, i) => mappings[i].spec.queueArn === ingressQueue.arn).reduce((sum, p) => sum + p.stats.received, 0),
  });
  const sample = async () => {
    for (const q of queues) {
      const values = await queueCounts(sqsClient, q);
      if (!values) continue;
      const d = depth.get(q.address) ?? { max: 0, final: values };
      depth.set(q.address, { max: Math.max(d.max, values.visible), final: values });
      const dims = { QueueName: q.name };
      metrics.put("AWS/SQS", "ApproximateNumberOfMessagesVisible", dims, values.visible);
      metrics.put("AWS/SQS", "ApproximateNumberOfMessagesNotVisible", dims, values.notVisible);
      metrics.put("AWS/SQS", "ApproximateNumberOfMessagesDelayed", dims, values.delayed);
      backpressure.queue(q.name, values);
    }
    backpressure.tick();
  };
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      await sample();
      await new Promise((r) => setTimeout(r, SAMPLE_INTERVAL_MS));
    }
  })();
  input.closers.add(async () => {
    sampling = false;
    await sampler;
  });
  return { depth, backpressure, sample };
}

/** Writes the spike's reports (JSON, HTML unless turned off) and the emulator's, and renders the terminal summary. */
export async function writeRunReports(
  spike: SpikeReport,
  reported: SpikeReport,
  emulator: EmulatorReport,
  reportDir: string,
  html: boolean | undefined,
): Promise<{ reports: string[]; summary: string }> {
  const paths = await writeReports(reported, {
    json: join(reportDir, "spike.json"),
    html: html === false ? undefined : join(reportDir, "spike.html"),
  });
  const emulatorPath = join(reportDir, "emulator.json");
  writeFileSync(emulatorPath, JSON.stringify(emulator, null, 2) + "\n");
  const reports = [...paths, emulatorPath];
  const summary = [renderSummary(spike), renderEmulatorSummary(emulator), `reports:\n${reports.map((p) => `  ${p}`).join("\n")}`].join(
    "\n\n",
  );
  return { reports, summary };
}

/** The emulator's part of the terminal summary. */
export function renderEmulatorSummary(e: EmulatorReport): string {
  const lines = [`local emulator (${e.stack})`];
  lines.push(
    `  ingress ${e.api.targetUrl}: ${e.api.stats.requests} requests, ${Object.entries(e.api.stats.byStatus)
      .map(([s, n]) => `${s}:${n}`)
      .join(
        " ",
      )}, ${e.api.stats.throttled} throttled by the stage${e.api.stats.forbidden ? `, ${e.api.stats.forbidden} refused without a valid API key` : ""}`,
  );
  for (const m of e.mappings) {
    lines.push(
      `  ${m.address}: batch ${m.spec.batchSize}, window ${m.spec.batchingWindowSeconds}s, max concurrency ${m.spec.maximumConcurrency}; ${m.stats.batches} batches, ${m.stats.received} received, ${m.stats.deleted} deleted, ${m.stats.itemFailures} item failures, ${m.stats.failedBatches} whole-batch failures`,
    );
  }
  for (const f of e.functions) {
    lines.push(
      `  ${f.name}: ${f.stats.invocations} invocations, ${f.stats.errors} errors, ${f.stats.timeouts} timeouts, ${f.stats.throttles} throttles, ${f.stats.coldStarts} cold starts, peak concurrency ${f.stats.maxConcurrent} (log ${f.log})`,
    );
  }
  for (const q of e.queues) lines.push(`  queue ${q.name}: peak visible ${q.maxVisible}, at the end ${JSON.stringify(q.final)}`);
  lines.push(
    `  downstream (fake Genesys): ${e.downstream.accepted} accepted, ${e.downstream.throttled} answered 429, ${e.downstream.duplicateEffects} duplicate effects`,
  );
  if (e.alarms.length) {
    lines.push("  alarms (approximate):");
    for (const a of e.alarms)
      lines.push(`    ${a.state.padEnd(13)} ${a.alarmName}: ${a.metric} ${a.comparison} ${a.threshold}${a.note ? ` (${a.note})` : ""}`);
  }
  if (e.nightly) lines.push(...renderNightlySummary(e.nightly));
  if (e.overrides.length) {
    lines.push("  overrides (local only; on AWS the stack's own settings apply):");
    for (const o of e.overrides) lines.push(`    ${o.function}: ${o.setting} = ${o.value} (${o.why})`);
  }
  lines.push(`  not emulated: ${e.notEmulated.length ? [...new Set(e.notEmulated.map((n) => n.type))].join(", ") : "none"}`);
  return lines.join("\n");
}
