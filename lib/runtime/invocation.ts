/**
 * The current invocation's deadline, carried through async calls (AsyncLocalStorage), so a
 * downstream call made anywhere in a handler is bounded by the time the invocation has left.
 * A call is not started when less than `startMarginMs` remains (no side effect), and one in
 * flight is cut just before the invocation would end, so the batch is still answered: the
 * record goes back on the queue with backoff instead of Lambda ending the whole invocation.
 */
import { AsyncLocalStorage } from "node:async_hooks";

/** An invocation's deadline for downstream calls. */
export interface InvocationDeadline {
  /** When the invocation ends, epoch milliseconds. */
  readonly deadlineMs: number;
  /** No downstream call starts when less than this remains, milliseconds. Default 0. */
  readonly startMarginMs?: number;
}

/** How long before the invocation's end a call still in flight is cut, milliseconds: time to answer the batch. */
export const CALL_CUT_RESERVE_MS = 500;

const deadlines = new AsyncLocalStorage<InvocationDeadline>();

/** Runs `fn` under `deadline` (downstream calls made inside are bounded by it). */
export function withInvocationDeadline<T>(deadline: InvocationDeadline, fn: () => T): T {
  return deadlines.run(deadline, fn);
}

/** The current invocation's deadline, if any. */
export function invocationDeadline(): InvocationDeadline | undefined {
  return deadlines.getStore();
}

/** Milliseconds left before the current invocation ends; `Infinity` outside an invocation. */
export function invocationTimeLeftMs(): number {
  const store = deadlines.getStore();
  return store ? store.deadlineMs - Date.now() : Number.POSITIVE_INFINITY;
}
