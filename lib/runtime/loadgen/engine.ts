/**
 * The open-model sending engine: arrivals leave at their planned times whatever the
 * target's latency; when `maxInFlight` messages are already in flight an arrival is
 * dropped and counted, never delayed. Each message is retried as extra attempts of the
 * same signed body (Retry-After honoured and capped, otherwise full-jitter backoff,
 * a per-run retry budget), and measured from its planned send time.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { SIGNATURE_HEADER } from "../signature";
import { API_KEY_HEADER, type EdgeKey } from "../edge-key";
import { SyntheticMessageFactory } from "./message";
import { fullJitter, parseRetryAfter } from "../backoff";
import { RetryBudget } from "./retry-budget";
import { encodeHistogram, mergeEncodedHistograms, newHistogram, recordMs } from "./histogram";
import { scenarioPlanOf } from "./scenarios";
import { GENESYS_WEBHOOK_TIMEOUT_MS, planArrivals, type SpikeProfile } from "./profile";
import { TargetClient, type AttemptResult, type PreparedRequest } from "./sender";
import type { LiveIngress, SpikeAbort } from "./thresholds";

/** Ingress-side counts. Message counts unless the name says attempts or responses. */
export interface IngressCounts {
  /** Arrivals the plan offered. */
  offered: number;
  /** Arrivals not sent because `maxInFlight` messages were in flight. */
  dropped: number;
  /** HTTP attempts made, first attempts and retries. */
  attempts: number;
  /** Attempts beyond the first. */
  retries: number;
  firstAttemptAccepted: number;
  acceptedAfterRetry: number;
  /** firstAttemptAccepted + acceptedAfterRetry. */
  accepted: number;
  /** Responses 429 or 503 (attempts). */
  throttledResponses: number;
  /** Other 5xx responses, timeouts and connection errors (attempts). */
  errorResponses: number;
  /** Messages that ended without a 2xx (final 4xx, attempts or retry budget exhausted). */
  failed: number;
  /** Retries refused because the run's retry budget was spent. */
  retriesRefusedByBudget: number;
  /** Responses 403 (attempts): a missing, wrong or retired edge API key. */
  forbiddenResponses: number;
  /** Reads of the edge API key after a 403 (the read at the start not counted). */
  edgeKeyRereads: number;
  /**
   * Messages acknowledged more than {@link GENESYS_WEBHOOK_TIMEOUT_MS} after their planned send:
   * Genesys would have given up waiting and sent them again (absent from older reports).
   */
  acksAfterGenesysTimeout: number;
  /** Responses by HTTP status ("0" = no response). */
  statusCodes: Record<string, number>;
}

/** Per-second series, index = second since the run start. */
export interface IngressTimeline {
  offered: number[];
  attempted: number[];
  accepted: number[];
  throttled: number[];
  dropped: number[];
  failed: number[];
}

/** What one sender (the whole run, or one agent of a fan-out) measured; JSON-serializable and mergeable. */
export interface IngressPart {
  readonly runId: string;
  /** Epoch ms the plan starts at (planned send of arrival 0). */
  readonly startMs: number;
  /** Epoch ms the last message finished. */
  readonly endMs: number;
  readonly counts: IngressCounts;
  readonly timeline: IngressTimeline;
  /** Encoded HDR histograms, microseconds. */
  readonly histograms: { readonly ackUs: string; readonly serviceUs: string };
  /** Sequence numbers this part owned that were not accepted (dropped or failed). */
  readonly notAccepted: number[];
  /** The part's share of the plan: sequence numbers with seq % agentCount === agentIndex. */
  readonly agentIndex: number;
  readonly agentCount: number;
  /** Up to 20 examples of failures, for the report. */
  readonly failureSamples: string[];
  /** A multi-scenario run: the ack histogram (microseconds, encoded) of each scenario, in the profile's order. */
  readonly scenarioAckUs?: string[];
  /** Set when `abortWhen` stopped the sending: the threshold, its value and when (absent otherwise). */
  readonly aborted?: SpikeAbort;
}

/** A progress snapshot, several times a second while sending. */
export interface IngressProgress {
  readonly planned: number;
  readonly offered: number;
  readonly accepted: number;
  readonly failed: number;
  readonly dropped: number;
  readonly inFlight: number;
  readonly elapsedSeconds: number;
}

export interface IngressOptions {
  readonly targetUrl: string;
  readonly secret: string;
  readonly profile: SpikeProfile;
  readonly runId: string;
  /** Epoch ms of the plan's start (a fan-out's start barrier). Default: now + 200 ms. */
  readonly startAtMs?: number;
  /** This sender's share of the plan. Default 0 of 1 (everything). */
  readonly agentIndex?: number;
  readonly agentCount?: number;
  readonly integrationId?: string;
  readonly onProgress?: (progress: IngressProgress) => void;
  /** Random source for the backoff jitter (tests). Default Math.random. */
  readonly random?: () => number;
  /** Stop offering new arrivals when aborted (in-flight messages still finish). */
  readonly signal?: AbortSignal;
  /**
   * The edge API key sent in `x-api-key`. A 403 is then retried once the key re-read differs
   * from the one the attempt carried (a rotation), as a counted retry paid from the budget;
   * a 403 whose re-read gives the same key is final. Default: no key sent, a 403 is final.
   */
  readonly edgeKey?: EdgeKey;
  /**
   * The abort hook: called every {@link ABORT_CHECK_INTERVAL_MS} while sending with the live
   * counts and histograms; when it returns a reason, no new arrival is offered (in-flight
   * messages finish; the rest are listed as not accepted) and the part carries `aborted`.
   * Default: none (see thresholds.ts `abortWatcher`).
   */
  readonly abortWhen?: (live: LiveIngress) => SpikeAbort | undefined;
}

/** How often the abort hook is consulted while sending, ms. */
export const ABORT_CHECK_INTERVAL_MS = 200;

export function emptyCounts(): IngressCounts {
  return {
    offered: 0,
    dropped: 0,
    attempts: 0,
    retries: 0,
    firstAttemptAccepted: 0,
    acceptedAfterRetry: 0,
    accepted: 0,
    throttledResponses: 0,
    errorResponses: 0,
    failed: 0,
    retriesRefusedByBudget: 0,
    forbiddenResponses: 0,
    edgeKeyRereads: 0,
    acksAfterGenesysTimeout: 0,
    statusCodes: {},
  };
}

export function emptyTimeline(): IngressTimeline {
  return { offered: [], attempted: [], accepted: [], throttled: [], dropped: [], failed: [] };
}

function bump(series: number[], index: number, by = 1): void {
  const i = Math.max(0, index);
  while (series.length <= i) series.push(0);
  series[i] += by;
}

/** One message in flight: its attempts so far and what its retries cost. */
interface Flight {
  readonly seq: number;
  /** performance.now() of its planned send. */
  readonly plannedPerf: number;
  attempt: number;
  /** Retry-budget tokens paid for its last retry. */
  paid: number;
  finished: boolean;
  request: PreparedRequest | undefined;
  /** The edge API key its last attempt carried. */
  key?: string;
}

/**
 * The state of one {@link runIngress} call: the measurements, the clock, and each message's
 * attempts as callbacks on one {@link Flight} (no promise or closure per attempt): the same
 * prepared bytes on every attempt, the retry delay from Retry-After or full jitter, the
 * budget paid per retry.
 */
class IngressRun {
  readonly agentIndex: number;
  readonly agentCount: number;
  /** Planned send offsets (ms from the start) of the whole plan, by sequence number. */
  readonly plan: Float64Array;
  /** The sequence numbers this part sends. */
  readonly owned: number[] = [];
  readonly startMs: number;
  /** performance.now() of the plan's start: the monotonic clock aligned with the epoch start. */
  readonly perfStart: number;
  readonly counts = emptyCounts();
  readonly timeline = emptyTimeline();
  readonly ack = newHistogram();
  readonly service = newHistogram();
  readonly notAccepted: number[] = [];
  readonly failureSamples: string[] = [];
  /** A multi-scenario run measures each scenario's acks too. */
  private readonly scenarioPlan: ReturnType<typeof scenarioPlanOf>;
  readonly scenarioAck: ReturnType<typeof newHistogram>[] | undefined;
  private readonly retry: SpikeProfile["sending"]["retry"];
  private readonly random: () => number;
  private readonly edgeKey: EdgeKey | undefined;
  private readonly rereadsBefore: number;
  private readonly budget: RetryBudget;
  readonly client: TargetClient;
  private readonly factory: SyntheticMessageFactory;
  inFlight = 0;
  /** Resolves the wait for the last in-flight message once inFlight drops to 0. */
  private drained: (() => void) | undefined;

  constructor(private readonly options: IngressOptions) {
    const { profile, runId, secret, edgeKey } = options;
    this.edgeKey = edgeKey;
    this.rereadsBefore = edgeKey?.rereads ?? 0;
    this.agentIndex = options.agentIndex ?? 0;
    this.agentCount = options.agentCount ?? 1;
    this.random = options.random ?? Math.random;
    this.retry = profile.sending.retry;
    this.plan = planArrivals(profile);
    for (let seq = this.agentIndex; seq < this.plan.length; seq += this.agentCount) this.owned.push(seq);
    this.startMs = options.startAtMs ?? Date.now() + 200;
    this.perfStart = performance.now() + (this.startMs - Date.now());
    const retry = this.retry;
    this.budget = new RetryBudget({
      tokens: retry.budgetTokens,
      retryCost: retry.retryCost,
      timeoutRetryCost: retry.timeoutRetryCost,
      successRefund: retry.successRefund,
    });
    this.client = new TargetClient(options.targetUrl, profile.sending);
    this.factory = new SyntheticMessageFactory({ runId, profile, secret, integrationId: options.integrationId });
    this.scenarioPlan = scenarioPlanOf(profile);
    this.scenarioAck = this.scenarioPlan && profile.scenarios ? profile.scenarios.map(() => newHistogram()) : undefined;
  }

  /** The second since the run start of a performance.now() instant. */
  secondOf(perf: number): number {
    return Math.floor((perf - this.perfStart) / 1000);
  }

  /** Seconds elapsed since the plan's start, never negative. */
  elapsedSeconds(now: number = performance.now()): number {
    return Math.max(0, (now - this.perfStart) / 1000);
  }

  /** The progress snapshot reported to `onProgress`. */
  progress(inFlight: number, elapsedSeconds: number): IngressProgress {
    const { counts } = this;
    return {
      planned: this.owned.length,
      offered: counts.offered,
      accepted: counts.accepted,
      failed: counts.failed,
      dropped: counts.dropped,
      inFlight,
      elapsedSeconds,
    };
  }

  /**
   * Offers every owned arrival at its planned time (late ones at once), dropping those that find
   * `maxInFlight` messages in flight, until the plan ends, the signal aborts or the abort hook
   * gives a reason (returned). Arrivals never offered are listed as not accepted: reconciliation
   * must not wait for them (or count them lost). Then waits for the in-flight messages.
   */
  async offerAll(): Promise<SpikeAbort | undefined> {
    const { owned, plan, perfStart, options } = this;
    let aborted: SpikeAbort | undefined;
    let abortCheckedAt = -Infinity;
    let next = 0;
    while (next < owned.length && !options.signal?.aborted) {
      const now = performance.now();
      if (options.abortWhen && now - abortCheckedAt >= ABORT_CHECK_INTERVAL_MS) {
        abortCheckedAt = now;
        aborted = options.abortWhen({
          counts: this.counts,
          ack: this.ack,
          service: this.service,
          elapsedSeconds: this.elapsedSeconds(now),
        });
        if (aborted) break;
      }
      // dispatch every arrival whose planned time has come, late ones included
      while (next < owned.length && perfStart + plan[owned[next]] <= now) this.offer(owned[next++]);
      if (next < owned.length) {
        const wait = perfStart + plan[owned[next]] - performance.now();
        await sleep(Math.max(0, Math.min(wait, 50)));
      }
    }
    for (; next < owned.length; next++) this.notAccepted.push(owned[next]);
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    return aborted;
  }

  /** Offers one arrival: sent, or dropped when `maxInFlight` messages are in flight. */
  private offer(seq: number): void {
    const plannedPerf = this.perfStart + this.plan[seq];
    this.counts.offered++;
    bump(this.timeline.offered, this.secondOf(plannedPerf));
    if (this.inFlight >= this.options.profile.sending.maxInFlight) {
      this.counts.dropped++;
      bump(this.timeline.dropped, this.secondOf(plannedPerf));
      this.notAccepted.push(seq);
      return;
    }
    this.inFlight++;
    this.deliver(seq, plannedPerf);
  }

  /** The measured part, once the sending is over. */
  part(aborted: SpikeAbort | undefined): IngressPart {
    this.notAccepted.sort((a, b) => a - b);
    this.counts.edgeKeyRereads = (this.edgeKey?.rereads ?? 0) - this.rereadsBefore;
    return {
      runId: this.options.runId,
      startMs: this.startMs,
      endMs: Date.now(),
      counts: this.counts,
      timeline: this.timeline,
      histograms: { ackUs: encodeHistogram(this.ack), serviceUs: encodeHistogram(this.service) },
      notAccepted: this.notAccepted,
      agentIndex: this.agentIndex,
      agentCount: this.agentCount,
      failureSamples: this.failureSamples,
      ...(aborted ? { aborted } : {}),
      ...(this.scenarioAck ? { scenarioAckUs: this.scenarioAck.map(encodeHistogram) } : {}),
    };
  }

  /** Books a message that ended without a 2xx. */
  private fail(seq: number, at: number, why: string): void {
    this.counts.failed++;
    bump(this.timeline.failed, this.secondOf(at));
    this.notAccepted.push(seq);
    if (this.failureSamples.length < 20) this.failureSamples.push(`seq ${seq}: ${why}`);
  }

  private internalError(flight: Flight, error: unknown): void {
    this.fail(flight.seq, performance.now(), `internal error: ${(error as Error).message}`);
    this.finish(flight);
  }

  private finish(flight: Flight): void {
    if (flight.finished) return;
    flight.finished = true;
    this.inFlight--;
    if (this.inFlight === 0 && this.drained) this.drained();
  }

  private send(flight: Flight): void {
    flight.attempt++;
    this.counts.attempts++;
    if (flight.attempt > 1) this.counts.retries++;
    bump(this.timeline.attempted, this.secondOf(performance.now()));
    this.client.dispatch(flight.request!, this.onResult, flight);
  }

  /** The timer callback of a retry (bound once per run). */
  private readonly retryLater = (flight: Flight): void => {
    try {
      this.send(flight);
    } catch (error) {
      this.internalError(flight, error);
    }
  };

  /** The callback of every attempt (bound once per run). */
  private readonly onResult = (result: AttemptResult, flight: Flight): void => {
    try {
      if (this.handle(result, flight)) this.finish(flight);
    } catch (error) {
      this.internalError(flight, error);
    }
  };

  /** Books one attempt's result; returns true when the message is done. */
  private handle(result: AttemptResult, flight: Flight): boolean {
    const { counts, timeline, retry } = this;
    const code = String(result.status);
    counts.statusCodes[code] = (counts.statusCodes[code] ?? 0) + 1;
    if (!Number.isNaN(result.writtenAt)) recordMs(this.service, result.endedAt - result.writtenAt);
    if (result.status >= 200 && result.status < 300) return this.accepted(result, flight);
    if (result.status === 403 && this.edgeKey) return this.forbidden(result, flight, this.edgeKey);
    let kind: "error" | "timeout" = "error";
    if (result.status === 429 || result.status === 503) {
      counts.throttledResponses++;
      bump(timeline.throttled, this.secondOf(result.endedAt));
    } else if (result.status >= 500 || result.status === 0) {
      counts.errorResponses++;
      // no response at all (timeout, refused or reset connection) costs the timeout price
      if (result.status === 0) kind = "timeout";
    } else {
      this.fail(flight.seq, result.endedAt, `HTTP ${result.status} (final)`);
      return true;
    }
    const delayMs = retryAfterMs(result.headers["retry-after"], retry.maxRetryAfterSeconds);
    return this.retryOrFail(result, flight, kind, delayMs);
  }

  /** Books a 2xx: the ack time from the planned send, the retry budget refunded. */
  private accepted(result: AttemptResult, flight: Flight): true {
    const { counts } = this;
    const ackMs = result.endedAt - flight.plannedPerf;
    recordMs(this.ack, ackMs);
    if (this.scenarioAck) recordMs(this.scenarioAck[this.scenarioPlan!.scenarioOf[flight.seq]], ackMs);
    if (ackMs > GENESYS_WEBHOOK_TIMEOUT_MS) counts.acksAfterGenesysTimeout++;
    counts.accepted++;
    if (flight.attempt === 1) counts.firstAttemptAccepted++;
    else counts.acceptedAfterRetry++;
    bump(this.timeline.accepted, this.secondOf(result.endedAt));
    this.budget.release(flight.paid);
    return true;
  }

  /**
   * A retryable result: the message fails when out of attempts or budget, otherwise the retry
   * is scheduled after Retry-After (when given) or full-jitter backoff. Returns true when done.
   */
  private retryOrFail(result: AttemptResult, flight: Flight, kind: "error" | "timeout", delayMs: number | undefined): boolean {
    const { retry } = this;
    const { seq, attempt } = flight;
    const why = result.error ? result.error.message : `HTTP ${result.status}`;
    if (attempt >= retry.maxAttempts) {
      this.fail(seq, result.endedAt, `${why} after ${attempt} attempts`);
      return true;
    }
    const cost = this.budget.acquire(kind);
    if (cost === undefined) {
      this.counts.retriesRefusedByBudget++;
      this.fail(seq, result.endedAt, `${why}; retry budget exhausted`);
      return true;
    }
    flight.paid = cost;
    setTimeout(this.retryLater, delayMs ?? Math.floor(fullJitter(retry.baseDelayMs, attempt - 1, retry.maxDelayMs, this.random)), flight);
    return false;
  }

  /**
   * A 403 while sending an edge API key: the key is re-read (shared with the other 403s of the
   * moment) and the message retried with the new key, a retry like any other (counted, paid
   * from the budget, within maxAttempts); when the re-read gives the same key the 403 is final.
   * Returns false: the retry, or the failure, comes later.
   */
  private forbidden(result: AttemptResult, flight: Flight, key: EdgeKey): boolean {
    this.counts.forbiddenResponses++;
    if (flight.attempt >= this.retry.maxAttempts) {
      this.fail(flight.seq, result.endedAt, `HTTP 403 after ${flight.attempt} attempts`);
      return true;
    }
    key.keyAfterForbidden(flight.key ?? "").then(
      (next) => this.retryWithKey(flight, next),
      (error: Error) => {
        this.fail(flight.seq, performance.now(), `HTTP 403; ${error.message}`);
        this.finish(flight);
      },
    );
    return false;
  }

  /** Retries a refused message with the re-read key, or fails it when the key did not change. */
  private retryWithKey(flight: Flight, next: string | undefined): void {
    try {
      if (next === undefined) {
        this.fail(flight.seq, performance.now(), "HTTP 403 (final: the edge API key read again is the one refused)");
        return this.finish(flight);
      }
      const cost = this.budget.acquire("error");
      if (cost === undefined) {
        this.counts.retriesRefusedByBudget++;
        this.fail(flight.seq, performance.now(), "HTTP 403; retry budget exhausted");
        return this.finish(flight);
      }
      flight.paid = cost;
      flight.key = next;
      flight.request = this.client.prepare(flight.request!.body, { ...flight.request!.headers, [API_KEY_HEADER]: next });
      this.send(flight);
    } catch (error) {
      this.internalError(flight, error);
    }
  }

  /** Builds and sends one message's first attempt. */
  private deliver(seq: number, plannedPerf: number): void {
    const flight: Flight = { seq, plannedPerf, attempt: 0, paid: 0, finished: false, request: undefined, key: this.edgeKey?.current };
    try {
      const { body, signature } = this.factory.body(seq, this.startMs + this.plan[seq]);
      const headers: Record<string, string> = { "content-type": "application/json", [SIGNATURE_HEADER]: signature };
      if (flight.key !== undefined) headers[API_KEY_HEADER] = flight.key;
      flight.request = this.client.prepare(body, headers);
      this.send(flight);
    } catch (error) {
      this.internalError(flight, error);
    }
  }
}

/** Sends this part of the plan and measures it. */
export async function runIngress(options: IngressOptions): Promise<IngressPart> {
  const run = new IngressRun(options);
  const onProgress = options.onProgress;
  const progressTimer = onProgress ? setInterval(() => onProgress(run.progress(run.inFlight, run.elapsedSeconds())), 250) : undefined;
  let aborted: SpikeAbort | undefined;
  try {
    aborted = await run.offerAll();
  } finally {
    if (progressTimer) clearInterval(progressTimer);
    await run.client.close().catch(() => undefined);
  }
  onProgress?.(run.progress(0, (performance.now() - run.perfStart) / 1000));
  return run.part(aborted);
}

/** A Retry-After header (delta-seconds or HTTP-date) in milliseconds, capped; undefined when absent or malformed. */
export function retryAfterMs(header: string | string[] | undefined, capSeconds: number, nowMs: number = Date.now()): number | undefined {
  const seconds = parseRetryAfter(Array.isArray(header) ? header[0] : header, nowMs);
  // +1 ms: a timer may fire a fraction of a millisecond early; never retry sooner than asked
  return seconds === undefined ? undefined : Math.ceil(Math.min(seconds, capSeconds) * 1000) + 1;
}

function addSeries(into: number[], from: readonly number[]): void {
  from.forEach((v, i) => bump(into, i, v));
}

/** Adds the parts of a fan-out into one (counts and series summed, histograms merged by the caller). */
export function mergeIngressParts(
  parts: readonly IngressPart[],
): Omit<IngressPart, "histograms"> & { histograms: { ackUs: string[]; serviceUs: string[] } } {
  if (parts.length === 0) throw new Error("mergeIngressParts: no parts");
  // the earliest abort among the agents is the run's; in a fan-out, every agent that aborted is listed
  const aborts = parts
    .map((p) => (p.aborted ? { ...p.aborted, agentIndex: p.aborted.agentIndex ?? p.agentIndex } : undefined))
    .filter((a): a is SpikeAbort & { agentIndex: number } => a !== undefined)
    .sort((a, b) => a.elapsedSeconds - b.elapsedSeconds);
  const aborted: SpikeAbort | undefined =
    aborts.length && parts.length > 1
      ? {
          ...aborts[0],
          agents: aborts.map(({ agentIndex, elapsedSeconds, threshold, value }) => ({ agentIndex, elapsedSeconds, threshold, value })),
        }
      : parts.length === 1
        ? parts[0].aborted
        : undefined;
  const counts = emptyCounts();
  const timeline = emptyTimeline();
  for (const part of parts) {
    for (const key of Object.keys(counts) as (keyof IngressCounts)[]) {
      if (key === "statusCodes") {
        for (const [code, n] of Object.entries(part.counts.statusCodes)) counts.statusCodes[code] = (counts.statusCodes[code] ?? 0) + n;
      } else counts[key] += part.counts[key] ?? 0;
    }
    for (const key of Object.keys(timeline) as (keyof IngressTimeline)[]) addSeries(timeline[key], part.timeline[key]);
  }
  return {
    runId: parts[0].runId,
    startMs: Math.min(...parts.map((p) => p.startMs)),
    endMs: Math.max(...parts.map((p) => p.endMs)),
    counts,
    timeline,
    histograms: { ackUs: parts.map((p) => p.histograms.ackUs), serviceUs: parts.map((p) => p.histograms.serviceUs) },
    notAccepted: parts.flatMap((p) => p.notAccepted).sort((a, b) => a - b),
    agentIndex: 0,
    agentCount: parts.length,
    failureSamples: parts.flatMap((p) => p.failureSamples).slice(0, 20),
    ...(aborted ? { aborted } : {}),
    ...(parts[0].scenarioAckUs
      ? {
          scenarioAckUs: parts[0].scenarioAckUs.map((_, i) =>
            encodeHistogram(mergeEncodedHistograms(parts.map((p) => p.scenarioAckUs?.[i]).filter((h): h is string => h !== undefined))),
          ),
        }
      : {}),
  };
}
