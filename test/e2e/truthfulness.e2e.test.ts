/**
 * The harness tells the truth: the same spike against deliberately broken variants of the
 * demo stack must end in a FAIL verdict with the right reason, and against the unbroken
 * stack it must PASS, twice. Each variant is built with a user's escape hatches only:
 * construct props, `addOverride` on a synthesized resource where the construct's
 * validation rightly refuses the prop, or a worker entry written for the test. The table
 * (defect, expected verdict, observed verdict and reason) is printed and written to
 * reports/reliability/truthfulness.md.
 *
 * `npm run test:e2e -- truthfulness` (RELIABILITY_UPDATE_DOCS=1 to refresh docs/guides/reliability.md).
 */
import type { ConsumerPipeline, QueueWithDlq } from "../../lib";
import type { SpikeProfileInput } from "../../lib/runtime/loadgen/profile";
import type { DeliveryResult } from "../../lib/runtime/loadgen/reconcile";
import { runCase, type CaseOutcome } from "./helpers/run-case";
import { fixtureEntry, type StackVariant } from "./helpers/stacks";
import { markdownTable, publishTable } from "./helpers/tables";

const RUN_TIMEOUT_MS = 5 * 60 * 1000;

/**
 * The demo pipeline sized for this suite: 10 instances at most, a downstream budget that
 * does not limit, the default 30 s timeout, a 1..8 s backoff, and maxReceiveCount 5 so a
 * poison message is exhausted within the reconciliation deadline.
 */
const WORKER = { maxConcurrency: 10, downstreamRequestsPerMinute: 60_000, timeoutSeconds: 30, backoffBaseSeconds: 1, backoffMaxSeconds: 8 };
const QUEUE = { maxReceiveCount: 5 };

/**
 * About 2,100 messages in 25 s (20/s, a ramp to a 150/s plateau of 10 s, 20/s), 1 s of work
 * each (so the worker's concurrency sets the pace: 10 instances x 10 records = 100/s), 3%
 * throttle faults with Retry-After 5 s, 2% transient faults, 0.5% poison; every accepted
 * message must be accounted for within 45 s of the last send.
 */
/** The pipeline's created queues, for escape hatches on the `aws_sqs_queue` resources. */
function createdQueues(pipeline: ConsumerPipeline): QueueWithDlq {
  if (!pipeline.queueWithDlq) throw new Error(`${pipeline.node.path} uses existing queues; the variants need created ones`);
  return pipeline.queueWithDlq;
}

function profile(extra: Partial<SpikeProfileInput> = {}): SpikeProfileInput {
  return {
    name: "truthfulness",
    spike: {
      baseline: { ratePerSecond: 20, durationSeconds: 5 },
      ramp: { durationSeconds: 5 },
      peak: { ratePerSecond: 150 },
      plateau: { durationSeconds: 10 },
      drain: { durationSeconds: 5 },
    },
    conversations: 100,
    workMs: 1000,
    faults: { throttle: { fraction: 0.03, retryAfterSeconds: 5 }, transient: { fraction: 0.02 }, poison: { fraction: 0.005 } },
    reconcile: { deadlineSeconds: 45, pollIntervalSeconds: 1 },
    slo: { ackP99Ms: 5000, endToEndP99Ms: 60_000, minAcceptedRatio: 0.999 },
    ...extra,
  };
}

interface Variant {
  readonly defect: string;
  readonly expected: "PASS" | "FAIL";
  /** What the reason must say (FAIL only). */
  readonly reason?: RegExp;
  readonly variant: StackVariant;
  readonly profile?: SpikeProfileInput;
}

const VARIANTS: Variant[] = [
  { defect: "none (the demo pipeline), run 1", expected: "PASS", variant: { worker: WORKER, queue: QUEUE } },
  { defect: "none (the demo pipeline), run 2", expected: "PASS", variant: { worker: WORKER, queue: QUEUE } },
  {
    defect: "worker silently drops 1% of messages (acknowledged, no processing, no receipt)",
    expected: "FAIL",
    reason: /lost/,
    variant: { worker: { ...WORKER, entry: fixtureEntry("drop-worker.ts") }, queue: QUEUE },
  },
  {
    defect: "worker ignores Retry-After (throttled messages retried at once)",
    expected: "FAIL",
    reason: /did not behave as marked/,
    variant: { worker: { ...WORKER, entry: fixtureEntry("ignore-retry-after-worker.ts") }, queue: QUEUE },
  },
  {
    defect: "queue without a DLQ (addOverride removes the redrive policy)",
    expected: "FAIL",
    reason: /DLQ|dead-letter queue|redrive/i,
    variant: { worker: WORKER, queue: QUEUE, escapeHatches: (p) => createdQueues(p).queue.addOverride("redrive_policy", undefined) },
  },
  {
    defect: "visibility timeout (1 s, addOverride) shorter than the processing time (1 s of work)",
    expected: "FAIL",
    reason: /duplicate/,
    variant: { worker: WORKER, queue: QUEUE, escapeHatches: (p) => createdQueues(p).queue.addOverride("visibility_timeout_seconds", 1) },
  },
  {
    defect: "ingress throttle (20/s) far below the spike (150/s), generator retries disabled",
    expected: "FAIL",
    reason: /accepted ratio/,
    variant: { worker: WORKER, queue: QUEUE, ingress: { throttlingRateLimitPerSecond: 20, throttlingBurstLimit: 20 } },
    profile: profile({ sending: { retry: { maxAttempts: 1 } } }),
  },
  {
    defect: "maximum concurrency too low to drain before the deadline (2 instances)",
    expected: "FAIL",
    reason: /lost/,
    variant: { worker: { ...WORKER, maxConcurrency: 2 }, queue: QUEUE },
  },
];

const results: { v: Variant; o?: CaseOutcome; error?: string }[] = [];

function shortFigures(o: CaseOutcome): string {
  const d: DeliveryResult = o.delivery;
  const c = o.result.spike.counts;
  return `accepted ${c.accepted}/${c.offered}, processed ${d.processed}, lost ${d.lost}, duplicate deliveries ${d.duplicateDeliveries}, duplicate side effects ${d.duplicateSideEffects}/${o.figures.downstreamDuplicates} (receipts/downstream), dead letters ${d.deadLetteredExpected}+${d.deadLetteredUnexpected} unexpected, fault violations ${d.faultChecks.violations}`;
}

describe("the harness tells the truth (emulated demo stack variants)", () => {
  afterAll(() => {
    if (!results.length) return;
    publishTable(
      "truthfulness",
      "#### The harness tells the truth",
      markdownTable(
        ["defect", "expected verdict", "observed verdict", "reason", "figures"],
        results.map(({ v, o, error }) => [
          v.defect,
          v.expected === "FAIL" ? `FAIL (${v.reason?.source ?? ""})` : "PASS",
          o ? o.figures.verdict : "error",
          o ? o.figures.reasons.join("; ") || "-" : (error ?? ""),
          o ? shortFigures(o) : "",
        ]),
      ),
    );
  });

  for (const v of VARIANTS) {
    test(
      `${v.defect}: ${v.expected}`,
      async () => {
        let o: CaseOutcome;
        try {
          o = await runCase({
            name: v.defect,
            variant: v.variant,
            profile: v.profile ?? profile(),
            overrides: { downstreamRatePerSecond: 5000 },
          });
        } catch (error) {
          results.push({ v, error: (error as Error).message });
          throw error;
        }
        results.push({ v, o });
        process.stdout.write(`${v.defect}\n${o.result.summary}\n`);
        const observed = { verdict: o.figures.verdict, reasons: o.figures.reasons };
        if (v.expected === "PASS") {
          expect(observed).toEqual({ verdict: "PASS", reasons: [] });
        } else {
          // A broken variant that passes (or fails for another reason) is a finding about the verdict: see docs/guides/reliability.md.
          expect({
            defect: v.defect,
            verdict: observed.verdict,
            reasonMatches: v.reason!.test(observed.reasons.join("; ")),
            reasons: observed.reasons,
          }).toEqual({
            defect: v.defect,
            verdict: "FAIL",
            reasonMatches: true,
            reasons: observed.reasons,
          });
        }
      },
      RUN_TIMEOUT_MS,
    );
  }
});
