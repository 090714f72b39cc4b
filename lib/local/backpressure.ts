/**
 * Records the report's `backpressure` series during a local run: the queue sampler hands
 * every queue's depth to {@link BackpressureRecorder.queue} each second, and
 * {@link BackpressureRecorder.tick} reads the function hosts' running invocations and the fake
 * Genesys' cumulative counters (turned into per-second rates). {@link BackpressureRecorder.block}
 * picks the ingress queue, the dead-letter queues and the worker when the report is written.
 */
import type { BackpressureBlock, BackpressurePoint, BackpressureSeriesName } from "../runtime/loadgen/backpressure";

/** A queue's depth as the sampler reads it (visible excludes in-flight and delayed messages, as on AWS). */
export interface QueueDepth {
  readonly visible: number;
  readonly notVisible: number;
  readonly delayed: number;
}

/** Where {@link BackpressureRecorder.tick} reads from. */
export interface BackpressureSources {
  /** The function hosts: name and invocations running now. */
  functions(): Iterable<{ readonly name: string; readonly concurrent: number }>;
  /** The fake Genesys' cumulative counters (inbound calls received, of them answered 429). Default: none. */
  downstream?(): { readonly requests: number; readonly throttled: number };
  /** Records the ingress queue's event source mapping(s) received so far (cumulative). Default: none. */
  polled?(): number;
}

/** What {@link BackpressureRecorder.block} reports on. */
export interface BackpressureSelection {
  /** The report's `startMs` (the plan's start), epoch ms: points are placed relative to it. */
  readonly startMs: number;
  /** The ingress queue's name. */
  readonly queueName: string;
  /** The operational DLQ and the quarantine queue (names; unknown or absent ones are skipped). */
  readonly deadLetterQueueNames: readonly (string | undefined)[];
  /** The worker function's name. */
  readonly workerFunctionName: string;
  /** Points earlier than this many ms before `startMs` are left out. @default 1000 */
  readonly leadMs?: number;
}

/** Per-second series of one local run, kept in memory (one point per queue, function and counter a second). */
export class BackpressureRecorder {
  private readonly queues = new Map<string, { t: number; d: QueueDepth }[]>();
  private readonly concurrency = new Map<string, BackpressurePoint[]>();
  private readonly calls: BackpressurePoint[] = [];
  private readonly throttled: BackpressurePoint[] = [];
  private readonly polled: BackpressurePoint[] = [];
  private last?: { t: number; requests: number; throttled: number };
  private lastPolled?: { t: number; received: number };

  constructor(
    private readonly sources: BackpressureSources,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records one queue's depth (epoch ms: now by default). */
  queue(name: string, depth: QueueDepth, atMs = this.now()): void {
    const list = this.queues.get(name) ?? [];
    list.push({ t: atMs, d: { visible: depth.visible, notVisible: depth.notVisible, delayed: depth.delayed } });
    this.queues.set(name, list);
  }

  /** Records each function's running invocations and the downstream calls and 429s since the last tick, per second. */
  tick(atMs = this.now()): void {
    for (const fn of this.sources.functions()) {
      const list = this.concurrency.get(fn.name) ?? [];
      list.push([atMs, fn.concurrent]);
      this.concurrency.set(fn.name, list);
    }
    const received = this.sources.polled?.();
    if (received !== undefined) {
      if (this.lastPolled && atMs > this.lastPolled.t)
        this.polled.push([atMs, round(Math.max(0, received - this.lastPolled.received) / ((atMs - this.lastPolled.t) / 1000))]);
      this.lastPolled = { t: atMs, received };
    }
    const stats = this.sources.downstream?.();
    if (!stats) return;
    if (this.last && atMs > this.last.t) {
      const seconds = (atMs - this.last.t) / 1000;
      // counters only grow, unless someone reset the fake: never a negative rate
      this.calls.push([atMs, round(Math.max(0, stats.requests - this.last.requests) / seconds)]);
      this.throttled.push([atMs, round(Math.max(0, stats.throttled - this.last.throttled) / seconds)]);
    }
    this.last = { t: atMs, requests: stats.requests, throttled: stats.throttled };
  }

  /** The `emulator` block for the report: the ingress queue, the dead-letter queues summed, the worker. */
  block(selection: BackpressureSelection): BackpressureBlock {
    const from = selection.startMs - (selection.leadMs ?? 1000);
    const rel = (points: readonly BackpressurePoint[]): BackpressurePoint[] =>
      points.filter(([t]) => t >= from).map(([t, v]) => [t - selection.startMs, v]);
    const series: Partial<Record<BackpressureSeriesName, BackpressurePoint[]>> = {};
    const notes: string[] = [];
    const ingress = this.queues.get(selection.queueName);
    if (ingress) {
      series.queueVisible = rel(ingress.map(({ t, d }) => [t, d.visible]));
      series.queueInFlight = rel(ingress.map(({ t, d }) => [t, d.notVisible]));
      series.queueDelayed = rel(ingress.map(({ t, d }) => [t, d.delayed]));
    } else notes.push(`the ingress queue ${selection.queueName} was not sampled`);
    const dead = selection.deadLetterQueueNames.filter((n): n is string => !!n && this.queues.has(n));
    if (dead.length) {
      // the samples of one round share nothing but their order: sum the i-th sample of each queue
      const lists = dead.map((n) => this.queues.get(n)!);
      const rounds = Math.min(...lists.map((l) => l.length));
      series.deadLetters = rel(
        Array.from({ length: rounds }, (_, i): BackpressurePoint => [
          lists[0][i].t,
          lists.reduce((sum, l) => sum + l[i].d.visible + l[i].d.notVisible + l[i].d.delayed, 0),
        ]),
      );
      notes.push(`dead letters: messages in ${dead.join(" and ")} (visible, in flight and delayed)`);
    } else notes.push("dead letters: the worker names no DLQ or quarantine queue of the stack");
    const worker = this.concurrency.get(selection.workerFunctionName);
    if (worker) series.workerConcurrency = rel(worker);
    else notes.push(`worker concurrency: no function host named ${selection.workerFunctionName}`);
    if (this.sources.polled) series.eventsPolled = rel(this.polled);
    if (this.sources.downstream) {
      series.downstreamCalls = rel(this.calls);
      series.downstream429 = rel(this.throttled);
      notes.push("downstream: inbound calls the fake Genesys received per second, and those it answered 429");
    }
    return { source: "emulator", periodSeconds: 1, series, notes };
  }
}

const round = (v: number) => Math.round(v * 1000) / 1000;
