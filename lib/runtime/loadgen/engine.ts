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

/** Sends this part of the plan and measures it. */
export async function runIngress(options: IngressOptions): Promise<IngressPart> {
  const { profile, runId, secret, edgeKey } = options;
  const rereadsBefore = edgeKey?.rereads ?? 0;
  const agentIndex = options.agentIndex ?? 0;
  const agentCount = options.agentCount ?? 1;
  const random = options.random ?? Math.random;
  const retry = profile.sending.retry;
  const plan = planArrivals(profile);
  const owned: number[] = [];
  for (let seq = agentIndex; seq < plan.length; seq += agentCount) owned.push(seq);

  const startMs = options.startAtMs ?? Date.now() + 200;
  // monotonic clock aligned with the epoch start
  const perfStart = performance.now() + (startMs - Date.now());
  const secondOf = (perf: number) => Math.floor((perf - perfStart) / 1000);

  const counts = emptyCounts();
  const timeline = emptyTimeline();
  const ack = newHistogram();
  const service = newHistogram();
  const notAccepted: number[] = [];
  const failureSamples: string[] = [];
  const budget = new RetryBudget({
    tokens: retry.budgetTokens,
    retryCost: retry.retryCost,
    timeoutRetryCost: retry.timeoutRetryCost,
    successRefund: retry.successRefund,
  });
  const client = new TargetClient(options.targetUrl, profile.sending);
  const factory = new SyntheticMessageFactory({ runId, profile, secret, integrationId: options.integrationId });
  // a multi-scenario run measures each scenario's acks too
  const scenarioPlan = scenarioPlanOf(profile);
  const scenarioAck = scenarioPlan && profile.scenarios ? profile.scenarios.map(() => newHistogram()) : undefined;
  let inFlight = 0;
  /** Resolves the wait for the last in-flight message once inFlight drops to 0. */
  let drained: (() => void) | undefined;

  const fail = (seq: number, at: number, why: string) => {
    counts.failed++;
    bump(timeline.failed, secondOf(at));
    notAccepted.push(seq);
    if (failureSamples.length < 20) failureSamples.push(`seq ${seq}: ${why}`);
  };

  /**
   * One message's attempts, as callbacks on one state object (no promise or closure per
   * attempt): the same prepared bytes on every attempt, the retry delay from Retry-After or
   * full jitter, the budget paid per retry.
   */
  const internalError = (flight: Flight, error: unknown) => {
    fail(flight.seq, performance.now(), `internal error: ${(error as Error).message}`);
    finish(flight);
  };
  const finish = (flight: Flight) => {
    if (flight.finished) return;
    flight.finished = true;
    inFlight--;
    if (inFlight === 0 && drained) drained();
  };
  const send = (flight: Flight) => {
    flight.attempt++;
    counts.attempts++;
    if (flight.attempt > 1) counts.retries++;
    bump(timeline.attempted, secondOf(performance.now()));
    client.dispatch(flight.request!, onResult, flight);
  };
  const retryLater = (flight: Flight) => {
    try {
      send(flight);
    } catch (error) {
      internalError(flight, error);
    }
  };
  const onResult = (result: AttemptResult, flight: Flight) => {
    try {
      if (handle(result, flight)) finish(flight);
    } catch (error) {
      internalError(flight, error);
    }
  };
  /** Books one attempt's result; returns true when the message is done. */
  const handle = (result: AttemptResult, flight: Flight): boolean => {
    const { seq, attempt } = flight;
    const code = String(result.status);
    counts.statusCodes[code] = (counts.statusCodes[code] ?? 0) + 1;
    if (!Number.isNaN(result.writtenAt)) recordMs(service, result.endedAt - result.writtenAt);
    if (result.status >= 200 && result.status < 300) {
      const ackMs = result.endedAt - flight.plannedPerf;
      recordMs(ack, ackMs);
      if (scenarioAck) recordMs(scenarioAck[scenarioPlan!.scenarioOf[seq]], ackMs);
      if (ackMs > GENESYS_WEBHOOK_TIMEOUT_MS) counts.acksAfterGenesysTimeout++;
      counts.accepted++;
      if (attempt === 1) counts.firstAttemptAccepted++;
      else counts.acceptedAfterRetry++;
      bump(timeline.accepted, secondOf(result.endedAt));
      budget.release(flight.paid);
      return true;
    }
    if (result.status === 403 && edgeKey) return forbidden(result, flight, edgeKey);
    let delayMs: number | undefined;
    let kind: "error" | "timeout" = "error";
    if (result.status === 429 || result.status === 503) {
      counts.throttledResponses++;
      bump(timeline.throttled, secondOf(result.endedAt));
      delayMs = retryAfterMs(result.headers["retry-after"], retry.maxRetryAfterSeconds);
    } else if (result.status >= 500 || result.status === 0) {
      counts.errorResponses++;
      // no response at all (timeout, refused or reset connection) costs the timeout price
      if (result.status === 0) kind = "timeout";
      delayMs = retryAfterMs(result.headers["retry-after"], retry.maxRetryAfterSeconds);
    } else {
      fail(seq, result.endedAt, `HTTP ${result.status} (final)`);
      return true;
    }
    const why = result.error ? result.error.message : `HTTP ${result.status}`;
    if (attempt >= retry.maxAttempts) {
      fail(seq, result.endedAt, `${why} after ${attempt} attempts`);
      return true;
    }
    const cost = budget.acquire(kind);
    if (cost === undefined) {
      counts.retriesRefusedByBudget++;
      fail(seq, result.endedAt, `${why}; retry budget exhausted`);
      return true;
    }
    flight.paid = cost;
    setTimeout(retryLater, delayMs ?? Math.floor(fullJitter(retry.baseDelayMs, attempt - 1, retry.maxDelayMs, random)), flight);
    return false;
  };
  /**
   * A 403 while sending an edge API key: the key is re-read (shared with the other 403s of the
   * moment) and the message retried with the new key, a retry like any other (counted, paid
   * from the budget, within maxAttempts); when the re-read gives the same key the 403 is final.
   * Returns false: the retry, or the failure, comes later.
   */
  const forbidden = (result: AttemptResult, flight: Flight, key: EdgeKey): boolean => {
    counts.forbiddenResponses++;
    if (flight.attempt >= retry.maxAttempts) {
      fail(flight.seq, result.endedAt, `HTTP 403 after ${flight.attempt} attempts`);
      return true;
    }
    key.keyAfterForbidden(flight.key ?? "").then(
      (next) => retryWithKey(flight, next),
      (error: Error) => {
        fail(flight.seq, performance.now(), `HTTP 403; ${error.message}`);
        finish(flight);
      },
    );
    return false;
  };
  const retryWithKey = (flight: Flight, next: string | undefined) => {
    try {
      if (next === undefined) {
        fail(flight.seq, performance.now(), "HTTP 403 (final: the edge API key read again is the one refused)");
        return finish(flight);
      }
      const cost = budget.acquire("error");
      if (cost === undefined) {
        counts.retriesRefusedByBudget++;
        fail(flight.seq, performance.now(), "HTTP 403; retry budget exhausted");
        return finish(flight);
      }
      flight.paid = cost;
      flight.key = next;
      flight.request = client.prepare(flight.request!.body, { ...flight.request!.headers, [API_KEY_HEADER]: next });
      send(flight);
    } catch (error) {
      internalError(flight, error);
    }
  };
  const deliver = (seq: number, plannedPerf: number): void => {
    const flight: Flight = { seq, plannedPerf, attempt: 0, paid: 0, finished: false, request: undefined, key: edgeKey?.current };
    try {
      const { body, signature } = factory.body(seq, startMs + plan[seq]);
      const headers: Record<string, string> = { "content-type": "application/json", [SIGNATURE_HEADER]: signature };
      if (flight.key !== undefined) headers[API_KEY_HEADER] = flight.key;
      flight.request = client.prepare(body, headers);
      send(flight);
    } catch (error) {
      internalError(flight, error);
    }
  };

  const planned = owned.length;
  const progressTimer = options.onProgress
    ? setInterval(() => {
        options.onProgress!({
          planned,
          offered: counts.offered,
          accepted: counts.accepted,
          failed: counts.failed,
          dropped: counts.dropped,
          inFlight,
          elapsedSeconds: Math.max(0, (performance.now() - perfStart) / 1000),
        });
      }, 250)
    : undefined;

  let aborted: SpikeAbort | undefined;
  let abortCheckedAt = -Infinity;
  const abortWhen = options.abortWhen;
  try {
    let next = 0;
    while (next < owned.length && !options.signal?.aborted) {
      const now = performance.now();
      if (abortWhen && now - abortCheckedAt >= ABORT_CHECK_INTERVAL_MS) {
        abortCheckedAt = now;
        aborted = abortWhen({ counts, ack, service, elapsedSeconds: Math.max(0, (now - perfStart) / 1000) });
        if (aborted) break;
      }
      // dispatch every arrival whose planned time has come, late ones included
      while (next < owned.length && perfStart + plan[owned[next]] <= now) {
        const seq = owned[next++];
        const plannedPerf = perfStart + plan[seq];
        counts.offered++;
        bump(timeline.offered, secondOf(plannedPerf));
        if (inFlight >= profile.sending.maxInFlight) {
          counts.dropped++;
          bump(timeline.dropped, secondOf(plannedPerf));
          notAccepted.push(seq);
          continue;
        }
        inFlight++;
        deliver(seq, plannedPerf);
      }
      if (next < owned.length) {
        const wait = perfStart + plan[owned[next]] - performance.now();
        await sleep(Math.max(0, Math.min(wait, 50)));
      }
    }
    // Aborted: the arrivals never offered were never accepted either, so reconciliation must
    // not wait for them (or count them lost).
    for (; next < owned.length; next++) notAccepted.push(owned[next]);
    if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
  } finally {
    if (progressTimer) clearInterval(progressTimer);
    await client.close().catch(() => undefined);
  }
  options.onProgress?.({
    planned,
    offered: counts.offered,
    accepted: counts.accepted,
    failed: counts.failed,
    dropped: counts.dropped,
    inFlight: 0,
    elapsedSeconds: (performance.now() - perfStart) / 1000,
  });
  notAccepted.sort((a, b) => a - b);
  counts.edgeKeyRereads = (edgeKey?.rereads ?? 0) - rereadsBefore;
  return {
    runId,
    startMs,
    endMs: Date.now(),
    counts,
    timeline,
    histograms: { ackUs: encodeHistogram(ack), serviceUs: encodeHistogram(service) },
    notAccepted,
    agentIndex,
    agentCount,
    failureSamples,
    ...(aborted ? { aborted } : {}),
    ...(scenarioAck ? { scenarioAckUs: scenarioAck.map(encodeHistogram) } : {}),
  };
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
  // the earliest abort among the agents is the run's
  const aborted = parts
    .map((p) => p.aborted)
    .filter((a): a is SpikeAbort => a !== undefined)
    .sort((a, b) => a.elapsedSeconds - b.elapsedSeconds)[0];
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
