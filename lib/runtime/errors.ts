/**
 * The errors a worker handler throws to say what should happen to a message, and the
 * errors the runtime's downstream clients throw. Test with `instanceof`.
 *
 * | thrown                              | what the worker does                                  |
 * |-------------------------------------|-------------------------------------------------------|
 * | {@link RetryableError} (and subclasses) | back on the queue after max(Retry-After, backoff)  |
 * | {@link PermanentError}              | dead-lettered at once (reason `permanent`)            |
 * | any other error                     | treated as retryable                                  |
 */

/** Base of every error this runtime defines: sets `name` to the class name. */
export class WorkerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * A failure that may succeed later: the message goes back on the queue with a delay of
 * max(`retryAfterSeconds`, full-jitter backoff on the attempt), capped.
 */
export class RetryableError extends WorkerError {
  /** The downstream's Retry-After, seconds (undefined: backoff alone decides). */
  readonly retryAfterSeconds?: number;
  constructor(message: string, options?: { retryAfterSeconds?: number; cause?: unknown }) {
    super(message, options);
    if (options?.retryAfterSeconds !== undefined) {
      if (!Number.isFinite(options.retryAfterSeconds) || options.retryAfterSeconds < 0) {
        throw new RangeError(`RetryableError: retryAfterSeconds must be a finite number >= 0, got ${options.retryAfterSeconds}`);
      }
      this.retryAfterSeconds = options.retryAfterSeconds;
    }
  }
}

/** A downstream answered 429 Too Many Requests. */
export class ThrottledError extends RetryableError {
  constructor(
    message: string,
    readonly status: number,
    options?: { retryAfterSeconds?: number; cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A downstream call was not made, or was cut, because the invocation had no time left for it
 * (see `invocationTimeLeftMs`). Retryable; it says nothing about the downstream, so it does not
 * count toward opening the circuit breaker.
 */
export class InvocationDeadlineError extends RetryableError {}

/** A downstream answered 5xx, timed out, or the connection failed. Counts toward opening the circuit breaker. */
export class DownstreamUnavailableError extends RetryableError {
  constructor(
    message: string,
    /** HTTP status, undefined for a network error or a timeout. */
    readonly status?: number,
    options?: { retryAfterSeconds?: number; cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The downstream's circuit breaker is open: the call was not made. */
export class CircuitOpenError extends RetryableError {
  constructor(
    readonly downstream: string,
    options?: { retryAfterSeconds?: number; cause?: unknown },
  ) {
    super(`circuit breaker for ${downstream} is open; the call was not made`, options);
  }
}

/** A failure that will never succeed (a 4xx other than 408/429, a business rule): dead-lettered at once. */
export class PermanentError extends WorkerError {}

/** A downstream answered a non-retryable 4xx. */
export class DownstreamRejectedError extends PermanentError {
  constructor(
    message: string,
    readonly status: number,
    /** The response body, truncated to 1,000 characters. */
    readonly body: string,
  ) {
    super(message);
  }
}
