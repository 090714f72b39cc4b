/**
 * The closed-to-open conversion every format shares, and the words that explain it.
 *
 * A closed-model plan (N threads, each sending a request, waiting for the answer, then
 * thinking T seconds) offers N / (T + R) requests per second while the target answers in R
 * seconds. Our profile is an open model: arrivals are planned in advance and keep coming
 * whatever the target does, as Genesys' webhook deliveries do.
 */
import type { ConversionNote } from "./types";

const fmt = (x: number) => String(Math.round(x * 1e6) / 1e6);

/**
 * The note that states the closed-to-open assumption for one group: the formula with its
 * numbers, the R that was assumed and how to change it.
 */
export function closedModelNote(
  element: string,
  threads: number,
  thinkSeconds: number,
  responseSeconds: number,
  requestsPerIteration: number,
  samplesPerIteration: number,
): ConversionNote {
  const cycle = thinkSeconds + samplesPerIteration * responseSeconds;
  const perThread = requestsPerIteration / cycle;
  const detail =
    samplesPerIteration === 1 && requestsPerIteration === 1
      ? `rate = threads / (think time + R) = ${fmt(threads)} / (${fmt(thinkSeconds)} s + ${fmt(responseSeconds)} s) = ${fmt(threads * perThread)}/s`
      : `each iteration runs ${fmt(samplesPerIteration)} samplers (${fmt(requestsPerIteration)} of them the webhook POST) and waits ${fmt(thinkSeconds)} s in timers: ` +
        `rate = threads x POSTs per iteration / (timers + samplers x R) = ${fmt(threads)} x ${fmt(requestsPerIteration)} / (${fmt(thinkSeconds)} s + ${fmt(samplesPerIteration)} x ${fmt(responseSeconds)} s) = ${fmt(threads * perThread)}/s at full strength`;
  return {
    level: "assumption",
    element,
    message: `closed model converted to an open arrival rate, assuming every request is answered in R = ${fmt(responseSeconds * 1000)} ms (option responseTimeMs): ${detail}`,
  };
}

/** The note, once per conversion, on what the open model changes. */
export const OPEN_MODEL_NOTE: ConversionNote = {
  level: "warning",
  message:
    "the plan is a closed model: its threads wait for each answer, so when the target slows down (or answers 429 slowly) they send less, and the overload hides itself. " +
    "The converted profile is an open model: arrivals keep coming at the planned rate whatever the target does, which is what Genesys does with webhook deliveries. " +
    "Expect more load, and more 429s, than the JMeter run showed if the target slowed down during it.",
};

/** A note for a plan that paces its requests with a throughput timer or arrival rate (already open-ish). */
export function capNote(element: string, what: string, target: number, capacity: number): ConversionNote {
  return {
    level: "warning",
    element,
    message: `${what} asks for ${fmt(target)}/s, but its threads can send only ${fmt(capacity)}/s with R as assumed; JMeter would have sent ${fmt(capacity)}/s, so that is the converted rate: raise the profile's rate to ${fmt(target)}/s if you meant the target`,
  };
}

export { fmt as formatRate };
