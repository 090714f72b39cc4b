/**
 * A generic downstream wrapper: the rules the Genesys client follows, for any other API
 * (a CRM, ServiceNow): a per-instance token bucket, a timeout, a circuit breaker
 * (cockatiel) and the classification of answers into the runtime's errors.
 *
 * | answer                                   | error thrown                     | counts toward the breaker |
 * |------------------------------------------|----------------------------------|---------------------------|
 * | 429                                      | ThrottledError (Retry-After)     | no                        |
 * | 408, 5xx, network error, timeout         | DownstreamUnavailableError       | yes                       |
 * | other 4xx                                | DownstreamRejectedError (permanent) | no                     |
 * | breaker open                             | CircuitOpenError (call not made) | -                         |
 * | the invocation's time runs out           | InvocationDeadlineError (not made, or cut) | no              |
 *
 * A simulated call (a view through a {@link markSimulated} transport, a synthetic message's)
 * spends rate-limit tokens and is refused while the breaker is not closed, but counts toward
 * nothing: only real calls tell the breaker about the real downstream.
 *
 * Inside a worker invocation no call starts when less than the worker's `timeoutMarginMs`
 * remains, and a call still in flight is cut just before the invocation would end, so a slow
 * downstream never holds a batch until Lambda ends it: the message goes back on the queue.
 */
import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen, type CircuitBreakerPolicy } from "cockatiel";
import { parseRetryAfter } from "../backoff";
import {
  CircuitOpenError,
  DownstreamRejectedError,
  DownstreamUnavailableError,
  InvocationDeadlineError,
  PermanentError,
  ThrottledError,
  WorkerError,
} from "../errors";
import { CALL_CUT_RESERVE_MS, invocationDeadline, invocationTimeLeftMs } from "../invocation";
import { TokenBucket } from "./token-bucket";

export interface CircuitBreakerOptions {
  /** Consecutive failures (5xx, network, timeout) that open the breaker. Default 5. */
  readonly consecutiveFailures?: number;
  /** How long the breaker stays open before one test call, seconds. Default 30. */
  readonly halfOpenAfterSeconds?: number;
}

export interface DownstreamOptions {
  /** A name for errors, logs and metrics, e.g. "genesys" or "crm". */
  readonly name: string;
  /** Per-instance request rate, requests per second. Default: no limit. */
  readonly ratePerSecond?: number;
  /** Token-bucket burst, requests. Default 1. */
  readonly burst?: number;
  /** Longest wait for a rate-limit token before the message is delayed instead, milliseconds. Default 5000. */
  readonly maxWaitMs?: number;
  /** Circuit breaker settings, or false for none. Default { consecutiveFailures: 5, halfOpenAfterSeconds: 30 }. */
  readonly breaker?: CircuitBreakerOptions | false;
  /** Timeout of one call, milliseconds. Default 10000. */
  readonly timeoutMs?: number;
  /**
   * Which errors thrown by a `call` count as downstream failures for the breaker.
   * Default: DownstreamUnavailableError and any error that is not one of this runtime's errors.
   */
  readonly isFailure?: (error: Error) => boolean;
}

export type BreakerState = "closed" | "open" | "half-open" | "isolated";

/** How an HTTP request is sent: the global `fetch` by default, a simulation for synthetic messages. */
export type HttpTransport = (url: string | URL, init: RequestInit) => Promise<Response>;

/**
 * Thrown by `Downstream.call(fn)` on a view that simulates its calls (a synthetic message when
 * the worker's synthetic downstream is `simulate`): an arbitrary function cannot be simulated,
 * and running it would reach the real downstream. Permanent: the message is dead-lettered
 * (a synthetic one to the quarantine queue) at once.
 */
export class SimulatedCallRefusedError extends PermanentError {
  // explicit: a minified bundle renames classes, and the dead-letter context carries this name
  override readonly name = "SimulatedCallRefusedError";
}

/** The transports marked by {@link markSimulated}. */
const simulatedTransports = new WeakSet<HttpTransport>();

/**
 * Marks `transport` as a simulation (it makes no network call) and returns it. A view sending
 * through it ({@link Downstream.withTransport}) spends rate-limit tokens and is refused with a
 * {@link CircuitOpenError} while the breaker is open or half-open, but records neither
 * successes nor failures in the breaker and is never its half-open test call: a simulated
 * answer says nothing about the real downstream.
 */
export function markSimulated(transport: HttpTransport): HttpTransport {
  simulatedTransports.add(transport);
  return transport;
}

/**
 * A transport that makes no network call ({@link markSimulated}): it answers every request
 * `202 Accepted` with an empty body once the request would have been sent (after the rate
 * limit, the open-breaker refusal and the invocation deadline, which run as for a real call).
 * `onRequest` is told of each request.
 */
export function simulatedTransport(onRequest?: (url: string, init: RequestInit) => void): HttpTransport {
  return markSimulated(async (url, init) => {
    init.signal?.throwIfAborted();
    onRequest?.(String(url), init);
    return new Response(null, { status: 202, statusText: "Accepted (simulated)" });
  });
}

const defaultIsFailure = (error: Error) => error instanceof DownstreamUnavailableError || !(error instanceof WorkerError);

export class Downstream {
  readonly name: string;
  readonly timeoutMs: number;
  private readonly bucket?: TokenBucket;
  private readonly breaker?: CircuitBreakerPolicy;
  private readonly halfOpenAfterSeconds: number;
  private transport: HttpTransport = (url, init) => fetch(url, init);
  private callRefusal?: string;
  /** A view through a {@link markSimulated} transport: its calls are not recorded by the breaker. */
  private simulated = false;

  constructor(options: DownstreamOptions) {
    this.name = options.name;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    if (options.ratePerSecond !== undefined) {
      this.bucket = new TokenBucket({ ratePerSecond: options.ratePerSecond, burst: options.burst, maxWaitMs: options.maxWaitMs });
    }
    const breaker = options.breaker === false ? undefined : (options.breaker ?? {});
    this.halfOpenAfterSeconds = breaker?.halfOpenAfterSeconds ?? 30;
    if (breaker) {
      const consecutive = breaker.consecutiveFailures ?? 5;
      if (!Number.isInteger(consecutive) || consecutive < 1)
        throw new RangeError(`${options.name}: breaker.consecutiveFailures must be an integer >= 1, got ${consecutive}`);
      this.breaker = circuitBreaker(handleWhen(options.isFailure ?? defaultIsFailure), {
        halfOpenAfter: this.halfOpenAfterSeconds * 1000,
        breaker: new ConsecutiveBreaker(consecutive),
      });
    }
  }

  /** The breaker's state ("closed" when there is no breaker). */
  get breakerState(): BreakerState {
    switch (this.breaker?.state) {
      case CircuitState.Open:
        return "open";
      case CircuitState.HalfOpen:
        return "half-open";
      case CircuitState.Isolated:
        return "isolated";
      default:
        return "closed";
    }
  }

  /**
   * A view of this downstream that sends `fetch` requests through `transport`, sharing this
   * one's token bucket, breaker and timeout (a synthetic message's calls spend the same budget
   * as real ones). When `transport` is {@link markSimulated}, the view's calls are refused while
   * the breaker is open but never recorded by it, nor its half-open test call; otherwise they
   * count as real calls. With `refuseCall`, the view's `call(fn)` throws a
   * {@link SimulatedCallRefusedError} with that message instead of running `fn`.
   */
  withTransport(transport: HttpTransport, options: { readonly refuseCall?: string } = {}): Downstream {
    const view = Object.assign(Object.create(Downstream.prototype) as Downstream, this);
    view.transport = transport;
    view.callRefusal = options.refuseCall;
    view.simulated = simulatedTransports.has(transport);
    return view;
  }

  /**
   * Runs one downstream call under the breaker, the rate limit and the timeout (the smaller of
   * `timeoutMs` and the invocation's time left). `fn` receives an AbortSignal that fires at
   * the timeout. While the breaker is open,
   * throws a {@link CircuitOpenError} without calling `fn` or taking a token. On a simulated
   * view (a synthetic message) throws a {@link SimulatedCallRefusedError} without calling `fn`.
   */
  async call<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (this.callRefusal !== undefined) throw new SimulatedCallRefusedError(this.callRefusal);
    return this.run(fn);
  }

  private async run<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const run = async () => {
      // Within an invocation: start only while startMarginMs remains, wait for a token only that long.
      const startMarginMs = invocationDeadline()?.startMarginMs ?? 0;
      const notCalled = () => new InvocationDeadlineError(`${this.name}: not called, the invocation has no time left for it`);
      if (invocationTimeLeftMs() < startMarginMs) throw notCalled();
      if (this.bucket) await this.bucket.take(invocationTimeLeftMs() - startMarginMs);
      const left = invocationTimeLeftMs();
      if (left < startMarginMs) throw notCalled();
      // A call still in flight is cut just before the invocation would end, so the batch is answered.
      const timeoutMs = Math.max(1, Math.min(this.timeoutMs, Math.floor(left - CALL_CUT_RESERVE_MS)));
      const signal = AbortSignal.timeout(timeoutMs);
      try {
        return await fn(signal);
      } catch (error) {
        if (signal.aborted && !(error instanceof WorkerError)) {
          if (timeoutMs < this.timeoutMs) {
            throw new InvocationDeadlineError(`${this.name}: cut after ${timeoutMs} ms, the time the invocation had left`, {
              cause: error,
            });
          }
          throw new DownstreamUnavailableError(`${this.name}: no answer within ${this.timeoutMs} ms`, undefined, { cause: error });
        }
        throw error;
      }
    };
    if (!this.breaker) return run();
    if (this.simulated) {
      // Refused like a real call while the breaker is not closed; otherwise run outside it, recorded neither way.
      if (this.breaker.state !== CircuitState.Closed)
        throw new CircuitOpenError(this.name, { retryAfterSeconds: this.halfOpenAfterSeconds });
      return run();
    }
    try {
      return await this.breaker.execute(run);
    } catch (error) {
      if (error instanceof BrokenCircuitError)
        throw new CircuitOpenError(this.name, { retryAfterSeconds: this.halfOpenAfterSeconds, cause: error });
      throw error;
    }
  }

  /**
   * An HTTP request under the same rules as {@link call}: 1xx-3xx resolve to the Response;
   * every other answer (4xx included) and network failures throw the runtime's errors (see the
   * table above), so a caller never needs to check `response.ok`. On a simulated view the
   * request is answered 202 without a network call.
   */
  fetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
    return this.run(async (signal) => {
      let response: Response;
      try {
        response = await this.transport(url, { ...init, signal });
      } catch (error) {
        if (signal.aborted) throw error;
        throw new DownstreamUnavailableError(
          `${this.name}: ${init.method ?? "GET"} ${String(url)} failed: ${(error as Error).message}`,
          undefined,
          { cause: error },
        );
      }
      await throwForStatus(this.name, response);
      return response;
    });
  }
}

/** Throws the runtime error an HTTP answer stands for; returns for 1xx-3xx. Consumes the body of a failed answer. */
export async function throwForStatus(name: string, response: Response): Promise<void> {
  const status = response.status;
  if (status < 400) return;
  const body = (await response.text().catch(() => "")).slice(0, 1000);
  const retryAfterSeconds = parseRetryAfter(response.headers.get("retry-after"));
  if (status === 429)
    throw new ThrottledError(
      `${name}: 429 Too Many Requests${retryAfterSeconds !== undefined ? ` (Retry-After ${retryAfterSeconds} s)` : ""}`,
      status,
      { retryAfterSeconds },
    );
  if (status === 408 || status >= 500)
    throw new DownstreamUnavailableError(`${name}: HTTP ${status}: ${body.slice(0, 200)}`, status, { retryAfterSeconds });
  throw new DownstreamRejectedError(`${name}: HTTP ${status}: ${body.slice(0, 200)}`, status, body);
}
