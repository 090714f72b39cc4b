/**
 * Child process of the generator benchmark: runs the load generator's engine (runIngress:
 * open-model scheduling, per-request HMAC signing, HDR recording from the planned send
 * time, retry and backoff bookkeeping) against a target at a fixed offered rate, and
 * prints one JSON line with what it measured.
 *
 * argv[2]: JSON { url, ratePerSecond, durationSeconds, connections, maxInFlight, startAtMs? }
 */
import { runIngress } from "../../lib/runtime/loadgen/engine";
import { decodeHistogram, summarize } from "../../lib/runtime/loadgen/histogram";
import { parseProfile } from "../../lib/runtime/loadgen/profile";

interface Args {
  url: string;
  ratePerSecond: number;
  durationSeconds: number;
  connections: number;
  maxInFlight: number;
  /** Epoch ms of the plan's start (default: 300 ms from now). */
  startAtMs?: number;
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2]) as Args;
  const profile = parseProfile({
    name: "bench-throughput",
    phases: [{ type: "constant", ratePerSecond: args.ratePerSecond, durationSeconds: args.durationSeconds }],
    sending: { connections: args.connections, maxInFlight: args.maxInFlight, requestTimeoutSeconds: 10 },
  });
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  const startAtMs = args.startAtMs ?? Date.now() + 300;
  const lead = startAtMs - Date.now();
  const part = await runIngress({
    targetUrl: args.url,
    secret: "bench-signing-secret",
    profile,
    runId: "bench",
    startAtMs,
  });
  const elapsedSeconds = (performance.now() - started - lead) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const ack = summarize(decodeHistogram(part.histograms.ackUs));
  const service = summarize(decodeHistogram(part.histograms.serviceUs));
  process.stdout.write(
    JSON.stringify({
      counts: part.counts,
      timeline: { attempted: part.timeline.attempted, accepted: part.timeline.accepted, dropped: part.timeline.dropped },
      elapsedSeconds,
      sendSeconds: (part.endMs - part.startMs) / 1000,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      startAtMs,
      ack: { count: ack.count, p50Ms: ack.p50Ms, p90Ms: ack.p90Ms, p99Ms: ack.p99Ms, p999Ms: ack.p999Ms, maxMs: ack.maxMs },
      service: { p50Ms: service.p50Ms, p99Ms: service.p99Ms },
    }) + "\n",
  );
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
