/**
 * The current invocation's deadline, carried through async calls (AsyncLocalStorage), so a
 * downstream call made anywhere in a handler is bounded by the time the invocation has left.
 * A call cut at the deadline fails like a timeout and the message goes back on the queue with
 * backoff; a call still running when Lambda ends the invocation would instead lose the whole
 * batch's results, and its side effect would be invisible to the worker.
 */
import { AsyncLocalStorage } from "node:async_hooks";

const deadlines = new AsyncLocalStorage<{ readonly deadlineMs: number }>();

/** Runs `fn` with `deadlineMs` (epoch milliseconds) as the invocation's deadline for downstream calls. */
export function withInvocationDeadline<T>(deadlineMs: number, fn: () => T): T {
  return deadlines.run({ deadlineMs }, fn);
}

/** Milliseconds left before the current invocation's deadline; `Infinity` outside an invocation. */
export function invocationTimeLeftMs(): number {
  const store = deadlines.getStore();
  return store ? store.deadlineMs - Date.now() : Number.POSITIVE_INFINITY;
}
