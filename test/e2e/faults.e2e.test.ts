/**
 * Faults survived, nothing lost: about 10,000 synthetic messages per case through the
 * emulated demo stack (runLocalStack over the synthesized cdk.tf.json), injecting one fault
 * per case and then all of them together. Each case asserts lost == 0, no duplicate side
 * effect (by the worker's receipts and by the fake Genesys downstream's own count), no
 * unexpected dead letter, and every expected dead letter in the quarantine queue with its
 * `x-dead-letter` context. The table is printed and written to reports/reliability/faults.md.
 *
 * `npm run test:e2e -- faults` (RELIABILITY_SCALE=0.2 for a fifth of the messages,
 * RELIABILITY_UPDATE_DOCS=1 to refresh docs/guides/reliability.md).
 */
import { countArrivals, type Phase, type SpikeProfileInput } from "../../lib/runtime/loadgen/profile";
import type { LocalOverrides, RunningStack } from "../../lib/local/run";
import { WORKER_CONTRACT } from "../../lib/runtime/contract";
import { runCase, type CaseOutcome, type CaseSpec } from "./helpers/run-case";
import { fixtureEntry, type StackVariant } from "./helpers/stacks";
import { markdownTable, publishTable } from "./helpers/tables";
import { startTcpProxy, type TcpProxy } from "./helpers/tcp-proxy";

const SCALE = Number(process.env.RELIABILITY_SCALE ?? "1") || 1;
const CASE_TIMEOUT_MS = 8 * 60 * 1000;

/**
 * The demo pipeline sized for the suite: the demo's maximum concurrency (5); a downstream
 * budget that does not limit (60,000/min) unless a case says so; a 10 s function timeout
 * (visibility timeout 60 s) and a 1..8 s backoff so redeliveries come back within the run;
 * maxReceiveCount stays at its default (10).
 */
const SUITE_WORKER = {
  maxConcurrency: 5,
  downstreamRequestsPerMinute: 60_000,
  timeoutSeconds: 10,
  backoffBaseSeconds: 1,
  backoffMaxSeconds: 8,
};
/** The fake downstream does not limit unless a case says so. */
const OPEN_DOWNSTREAM: LocalOverrides = { downstreamRatePerSecond: 5000 };
const FAULTY_WORKER = fixtureEntry("faulty-worker.ts");

const s = (seconds: number) => Math.max(1, Math.round(seconds * SCALE));

/** The main part of every case: 10,000 messages in 100 s (x SCALE): 50/s, a ramp to a 150/s plateau of 40 s, back down to 50/s. */
const MAIN_PHASES: Phase[] = [
  { type: "constant", name: "baseline", ratePerSecond: 50, durationSeconds: s(20) },
  { type: "ramp", name: "ramp", fromRatePerSecond: 50, toRatePerSecond: 150, durationSeconds: s(10) },
  { type: "constant", name: "plateau", ratePerSecond: 150, durationSeconds: s(40) },
  { type: "ramp", name: "ramp-down", fromRatePerSecond: 150, toRatePerSecond: 50, durationSeconds: s(10) },
  { type: "constant", name: "drain", ratePerSecond: 50, durationSeconds: s(20) },
];
/** Messages of the main part: worker faults are injected only below this sequence number. */
const MAIN_COUNT = countArrivals({ phases: MAIN_PHASES });
/**
 * A tail of 2 messages/s for 75 s after the main part, for the cases whose fault returns a
 * batch to the queue until the visibility timeout (60 s) expires: the run lasts until those
 * deliveries happened again, so a repeated side effect would be seen.
 */
const TAIL: Phase = { type: "constant", name: "tail (redeliveries)", ratePerSecond: 2, durationSeconds: 75 };

function profile(name: string, extra: Partial<SpikeProfileInput> = {}, tail = false): SpikeProfileInput {
  return {
    name,
    phases: tail ? [...MAIN_PHASES, TAIL] : MAIN_PHASES,
    conversations: 200,
    workMs: 2,
    // The ingress shares this machine with everything else: keep every arrival in flight rather than drop it.
    sending: { maxInFlight: 20_000, requestTimeoutSeconds: 30 },
    reconcile: { deadlineSeconds: 300, pollIntervalSeconds: 2 },
    // Latency objectives are generous: this suite judges loss and duplicates on a shared machine.
    slo: { ackP99Ms: 10_000, endToEndP99Ms: 300_000, minAcceptedRatio: 0.999 },
    ...extra,
  };
}

/**
 * Generator retries for an ingress that throttles: 20 attempts, full-jitter backoff from
 * 500 ms up to 20 s (a shorter cap makes the waiting messages hammer the stage's token
 * bucket and exhaust their attempts), a budget that does not run out.
 */
const PATIENT_SENDING = {
  maxInFlight: 20_000,
  requestTimeoutSeconds: 30,
  retry: { maxAttempts: 20, baseDelayMs: 500, maxDelayMs: 20_000, budgetTokens: 1_000_000 },
};

/** Schedules idempotency-table outages (the proxy refuses connections) once traffic starts. */
function outages(proxy: TcpProxy, schedule: readonly { atSeconds: number; forSeconds: number }[]) {
  return async (running: RunningStack) => {
    proxy.setTarget(running.dynamoEndpoint);
    const pending: Promise<void>[] = [];
    const timers = schedule.map((o) => setTimeout(() => pending.push(proxy.outage(o.forSeconds * 1000)), o.atSeconds * 1000));
    return async () => {
      timers.forEach(clearTimeout);
      await Promise.all(pending);
    };
  };
}

interface FaultCase {
  readonly spec: CaseSpec;
  /** Evidence that the fault was really injected: a short text, and whether it holds. */
  readonly evidence: (o: CaseOutcome) => { text: string; ok: boolean };
}

const outcomes: { c: FaultCase; o: CaseOutcome }[] = [];
const proxies: TcpProxy[] = [];

/** `tableOutage`: the case takes the idempotency table away for a while (see the error check below). */
function assertNothingLost(o: CaseOutcome, tableOutage = false): void {
  const f = o.figures;
  expect({ case: f.name, lost: f.lost, lostSeqs: o.delivery.lostSeqs }).toEqual({ case: f.name, lost: 0, lostSeqs: [] });
  expect(f.accepted).toBe(f.sent);
  expect(f.duplicateSideEffects).toBe(0);
  expect(f.downstreamDuplicates).toBe(0);
  expect(f.deadLetteredUnexpected).toBe(0);
  expect(o.delivery.inDlq).toBe(0);
  expect(o.delivery.faultChecks.violations).toBe(0);
  // Every expected dead letter: dead-lettered by the worker, and in the quarantine queue with its context.
  expect(f.deadLetteredExpected).toBe(o.expectedDeadLetters.length);
  const maxReceiveCount = Number(o.workerEnvironment[WORKER_CONTRACT.maxReceiveCount.env]);
  const queueArn = o.workerEnvironment[WORKER_CONTRACT.queueArn.env];
  const expected = new Set(o.expectedDeadLetters);
  for (const d of o.quarantined) {
    expect({ seq: d.seq, expected: expected.has(d.seq!) }).toEqual({ seq: d.seq, expected: true });
    expect(d.context).toMatchObject({ reason: "exhausted", attempts: maxReceiveCount, sourceQueueArn: queueArn });
    // The context names the last attempt's error: the poison fault, or, when that attempt met the
    // idempotency table's outage (the all-together case), the persistence error that ended it.
    expect(["SyntheticPoisonError", ...(tableOutage ? ["IdempotencyPersistenceLayerError"] : [])]).toContain(d.context!.error);
    expect(d.context!.requestId).not.toBe("");
    expect(d.context!.lastReceiveMs).toBeGreaterThanOrEqual(d.context!.firstReceiveMs);
    expect(d.attributes).toContain("X-Hub-Signature-256");
  }
  expect(new Set(o.quarantined.map((d) => d.seq)).size).toBe(o.quarantined.length);
  // The few that reached the quarantine queue after the watcher stopped were drained (and counted) by the generator.
  expect(o.quarantined.length + o.delivery.quarantineDrained).toBe(o.expectedDeadLetters.length);
}

const cases: FaultCase[] = [
  {
    spec: {
      name: "transient worker failures (10% of messages fail 2 attempts)",
      variant: { worker: SUITE_WORKER },
      overrides: OPEN_DOWNSTREAM,
      profile: profile("faults-transient", { faults: { transient: { fraction: 0.1, attempts: 2 } } }),
    },
    evidence: (o) => ({
      text: `${o.delivery.faultChecks.checked} fault-marked messages processed after their failed attempts, 0 misbehaving`,
      ok: o.delivery.faultChecks.checked > 0,
    }),
  },
  {
    spec: {
      name: "downstream throttling (fake Genesys 80/s, worker budget 100/s, offered 150/s)",
      variant: { worker: { ...SUITE_WORKER, downstreamRequestsPerMinute: 6000 } },
      overrides: { downstreamRatePerSecond: 80, downstreamBurst: 80 },
      profile: profile("faults-downstream-throttle"),
    },
    evidence: (o) => {
      const d = o.result.emulator.downstream;
      return { text: `downstream answered ${d.throttled} x 429 (Retry-After), accepted ${d.accepted}`, ok: d.throttled > 0 };
    },
  },
  {
    spec: {
      name: "poison messages (1%)",
      variant: { worker: SUITE_WORKER },
      overrides: OPEN_DOWNSTREAM,
      profile: profile("faults-poison", { faults: { poison: { fraction: 0.01 } } }),
    },
    evidence: (o) => ({
      text: `${o.quarantined.length + o.delivery.quarantineDrained} in quarantine, context checked on ${o.quarantined.length}`,
      ok: o.expectedDeadLetters.length > 0,
    }),
  },
  {
    spec: {
      name: "invocation exceeds its timeout mid-batch (1 message in 200 takes 13 s, timeout 10 s)",
      variant: {
        worker: {
          ...SUITE_WORKER,
          entry: FAULTY_WORKER,
          environment: { FIXTURE_SLOW_EVERY: "200", FIXTURE_SLOW_MS: "13000", FIXTURE_FAULTS_BELOW_SEQ: String(MAIN_COUNT) },
        },
      },
      overrides: OPEN_DOWNSTREAM,
      profile: profile("faults-timeout", {}, true),
    },
    evidence: (o) => {
      const fn = o.result.emulator.functions[0].stats;
      return {
        text: `${fn.timeouts} invocations timed out, ${o.delivery.duplicateDeliveries} messages delivered again`,
        ok: fn.timeouts > 0 && o.delivery.duplicateDeliveries > 0,
      };
    },
  },
  {
    spec: {
      name: "crash after processing, before acknowledging (1 batch in ~20)",
      variant: {
        worker: {
          ...SUITE_WORKER,
          entry: FAULTY_WORKER,
          environment: { FIXTURE_CRASH_EVERY: "200", FIXTURE_FAULTS_BELOW_SEQ: String(MAIN_COUNT) },
        },
      },
      overrides: OPEN_DOWNSTREAM,
      profile: profile("faults-crash", {}, true),
    },
    evidence: (o) => {
      const fn = o.result.emulator.functions[0].stats;
      return {
        text: `${fn.errors} invocations crashed, ${o.delivery.duplicateDeliveries} messages delivered again, effects once`,
        ok: fn.errors > 0 && o.delivery.duplicateDeliveries > 0,
      };
    },
  },
  {
    spec: {
      name: "ingress throttle below the spike (stage 100/s, offered 150/s; generator retries up to 20 times)",
      variant: { worker: SUITE_WORKER, ingress: { throttlingRateLimitPerSecond: 100, throttlingBurstLimit: 100 } },
      overrides: OPEN_DOWNSTREAM,
      profile: profile("faults-ingress-throttle", { sending: PATIENT_SENDING }),
    },
    evidence: (o) => {
      const c = o.result.spike.counts;
      return {
        text: `${c.throttledResponses} x 429 at the ingress, ${c.acceptedAfterRetry} accepted after a retry`,
        ok: c.throttledResponses > 0 && c.acceptedAfterRetry > 0,
      };
    },
  },
];

describe("faults survived, nothing lost (emulated demo stack)", () => {
  afterAll(async () => {
    await Promise.all(proxies.map((p) => p.close()));
    const rows = outcomes.map(({ c, o }) => {
      const f = o.figures;
      const e = c.evidence(o);
      return [
        f.name,
        f.sent,
        f.accepted,
        f.processed,
        `${f.duplicateSideEffects} / ${f.downstreamDuplicates}`,
        `${f.deadLetteredExpected} / ${f.deadLetteredUnexpected}`,
        f.lost,
        f.drainSeconds,
        f.afterSendSeconds,
        e.text,
      ];
    });
    if (rows.length) {
      publishTable(
        "faults",
        "#### Faults survived, nothing lost",
        markdownTable(
          [
            "case",
            "sent",
            "accepted",
            "processed",
            "duplicate side effects (receipts / downstream)",
            "dead-lettered (expected / unexpected)",
            "lost",
            "drained after (s from start)",
            "of which after the last send (s)",
            "fault injected",
          ],
          rows,
        ),
      );
    }
  });

  for (const c of cases) {
    test(
      c.spec.name,
      async () => {
        const o = await runCase(c.spec);
        outcomes.push({ c, o });
        process.stdout.write(`${o.result.summary}\n`);
        assertNothingLost(o);
        expect({ case: c.spec.name, evidence: c.evidence(o) }).toMatchObject({ evidence: { ok: true } });
      },
      CASE_TIMEOUT_MS,
    );
  }

  test(
    "idempotency table briefly unavailable (two 5 s outages of DynamoDB)",
    async () => {
      const proxy = await startTcpProxy();
      proxies.push(proxy);
      const c: FaultCase = {
        spec: {
          name: "idempotency table briefly unavailable (two 5 s outages)",
          variant: { worker: { ...SUITE_WORKER, entry: FAULTY_WORKER, environment: { FIXTURE_DYNAMODB_ENDPOINT: proxy.endpoint } } },
          overrides: OPEN_DOWNSTREAM,
          profile: profile("faults-dynamodb-outage", {}, true),
          beforeSpike: outages(proxy, [
            { atSeconds: s(30), forSeconds: 5 },
            { atSeconds: s(60), forSeconds: 5 },
          ]),
        },
        evidence: (o) => ({
          text: `${proxy.stats.outages} outages, ${proxy.stats.cut} connections cut, ${o.delivery.duplicateDeliveries} messages delivered again`,
          ok: proxy.stats.outages === 2,
        }),
      };
      const o = await runCase(c.spec);
      outcomes.push({ c, o });
      process.stdout.write(`${o.result.summary}\n`);
      assertNothingLost(o, true);
      expect(c.evidence(o).ok).toBe(true);
    },
    CASE_TIMEOUT_MS,
  );

  test(
    "all faults together",
    async () => {
      const proxy = await startTcpProxy();
      proxies.push(proxy);
      const variant: StackVariant = {
        worker: {
          ...SUITE_WORKER,
          downstreamRequestsPerMinute: 9000,
          entry: FAULTY_WORKER,
          environment: {
            FIXTURE_SLOW_EVERY: "400",
            FIXTURE_SLOW_MS: "13000",
            FIXTURE_CRASH_EVERY: "401",
            FIXTURE_FAULTS_BELOW_SEQ: String(MAIN_COUNT),
            FIXTURE_DYNAMODB_ENDPOINT: proxy.endpoint,
          },
        },
        ingress: { throttlingRateLimitPerSecond: 120, throttlingBurstLimit: 120 },
      };
      const c: FaultCase = {
        spec: {
          name: "all together",
          variant,
          overrides: { downstreamRatePerSecond: 80, downstreamBurst: 80 },
          profile: profile(
            "faults-all",
            {
              faults: {
                transient: { fraction: 0.05, attempts: 2 },
                throttle: { fraction: 0.02, retryAfterSeconds: 2 },
                poison: { fraction: 0.005 },
              },
              sending: PATIENT_SENDING,
            },
            true,
          ),
          beforeSpike: outages(proxy, [{ atSeconds: s(45), forSeconds: 5 }]),
        },
        evidence: (o) => {
          const fn = o.result.emulator.functions[0].stats;
          const ok =
            fn.timeouts > 0 &&
            fn.errors > fn.timeouts &&
            o.result.emulator.downstream.throttled > 0 &&
            o.result.spike.counts.throttledResponses > 0 &&
            proxy.stats.outages === 1;
          return {
            text: `${fn.timeouts} timeouts, ${fn.errors - fn.timeouts} crashes, ${o.result.emulator.downstream.throttled} downstream 429, ${o.result.spike.counts.throttledResponses} ingress 429, ${proxy.stats.outages} DynamoDB outage, ${o.delivery.faultChecks.checked} fault markers`,
            ok,
          };
        },
      };
      const o = await runCase(c.spec);
      outcomes.push({ c, o });
      process.stdout.write(`${o.result.summary}\n`);
      assertNothingLost(o, true);
      expect(c.evidence(o).ok).toBe(true);
    },
    CASE_TIMEOUT_MS,
  );
});
