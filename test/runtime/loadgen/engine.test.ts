import { verify, SIGNATURE_HEADER, readSyntheticMarker } from "cdktf-genesys-consumer/runtime";
import { parseProfile, runIngress, type SpikeProfileInput } from "../../../lib/runtime/loadgen";
import { startTarget, type Target } from "./target";

const SECRET = "a-webhook-secret-of-20-chars";

function profile(overrides: Partial<SpikeProfileInput> = {}) {
  return parseProfile({ phases: [{ type: "constant", ratePerSecond: 20, durationSeconds: 1 }], ...overrides });
}

let target: Target | undefined;
afterEach(async () => {
  await target?.close();
  target = undefined;
});

describe("runIngress: open-model arrivals", () => {
  test("messages are Outbound Open NormalizedMessages whose signature verifies with the worker's verifier", async () => {
    target = await startTarget();
    const p = profile({ conversations: 3, workMs: 7, faults: { poison: { fraction: 0.2 } } });
    await runIngress({ targetUrl: target.url, secret: SECRET, profile: p, runId: "r-sign" });
    expect(target.arrivals).toHaveLength(20);
    const ids = new Set<string>();
    const conversations = new Set<string>();
    let poison = 0;
    for (const a of target.arrivals) {
      const header = a.headers[SIGNATURE_HEADER.toLowerCase()] as string;
      expect(verify(a.body, header, [SECRET])).toBe(true);
      expect(verify(a.body, header, ["another-secret-value"])).toBe(false);
      const msg = JSON.parse(a.body);
      expect(msg).toMatchObject({ type: "Text", direction: "Outbound", channel: { platform: "Open", type: "Private" } });
      expect(msg.channel.messageId).toBe(msg.id);
      ids.add(msg.id);
      conversations.add(msg.channel.to.id);
      const marker = readSyntheticMarker(msg)!;
      expect(marker).toMatchObject({ runId: "r-sign", workMs: 7 });
      if (marker.fault?.kind === "poison") poison++;
    }
    expect(ids.size).toBe(20);
    expect(conversations.size).toBe(3);
    // 20 % of 20: the low-discrepancy assignment lands within one of the exact share
    expect(poison).toBeGreaterThanOrEqual(3);
    expect(poison).toBeLessThanOrEqual(5);
  });

  test("an arrival finding maxInFlight messages in flight is dropped and counted, not delayed", async () => {
    target = await startTarget(() => ({ status: 202, delayMs: 600 }));
    const p = profile({ sending: { maxInFlight: 5 } });
    const part = await runIngress({ targetUrl: target.url, secret: SECRET, profile: p, runId: "r-drop" });
    expect(part.counts.offered).toBe(20);
    expect(part.counts.dropped).toBeGreaterThanOrEqual(5);
    expect(part.counts.accepted + part.counts.dropped).toBe(20);
    expect(part.notAccepted).toHaveLength(part.counts.dropped);
    expect(target.arrivals.length).toBe(part.counts.accepted);
  });

  test("an aborted run lists the arrivals it never offered as not accepted, so reconciliation does not wait for them", async () => {
    target = await startTarget();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 400);
    const part = await runIngress({
      targetUrl: target.url,
      secret: SECRET,
      profile: profile({ phases: [{ type: "constant", ratePerSecond: 20, durationSeconds: 3 }] }),
      runId: "r-abort",
      signal: controller.signal,
    });
    expect(part.counts.offered).toBeGreaterThan(0);
    expect(part.counts.offered).toBeLessThan(60);
    expect(part.counts.accepted).toBe(target.arrivals.length);
    // every planned arrival is either accepted or listed, once
    expect(part.counts.accepted + part.notAccepted.length).toBe(60);
    expect(new Set(part.notAccepted).size).toBe(part.notAccepted.length);
  });
});

describe("runIngress: backoff-aware retries", () => {
  test("Retry-After in seconds is honoured and the retry is the same message with the same signature", async () => {
    target = await startTarget((_a, i) => (i === 0 ? { status: 429, headers: { "retry-after": "1" } } : { status: 202 }));
    const p = profile({ phases: [{ type: "constant", ratePerSecond: 1, durationSeconds: 1 }] });
    const part = await runIngress({ targetUrl: target.url, secret: SECRET, profile: p, runId: "r-ra" });
    expect(part.counts).toMatchObject({ offered: 1, attempts: 2, retries: 1, throttledResponses: 1, acceptedAfterRetry: 1, accepted: 1 });
    const [first, second] = target.arrivals;
    expect(second.at - first.at).toBeGreaterThanOrEqual(1000);
    expect(second.body).toBe(first.body);
    expect(second.headers[SIGNATURE_HEADER.toLowerCase()]).toBe(first.headers[SIGNATURE_HEADER.toLowerCase()]);
  });

  test("Retry-After as an HTTP-date is honoured (no retry before that instant)", async () => {
    let retryNotBefore = 0;
    target = await startTarget((a, i) => {
      if (i > 0) return { status: 202 };
      retryNotBefore = (Math.floor(a.epochMs / 1000) + 2) * 1000; // a whole-second HTTP-date 1-2 s ahead
      return { status: 503, headers: { "retry-after": new Date(retryNotBefore).toUTCString() } };
    });
    const p = profile({ phases: [{ type: "constant", ratePerSecond: 1, durationSeconds: 1 }] });
    const part = await runIngress({ targetUrl: target.url, secret: SECRET, profile: p, runId: "r-date" });
    expect(part.counts.acceptedAfterRetry).toBe(1);
    expect(target.arrivals[1].epochMs).toBeGreaterThanOrEqual(retryNotBefore);
  });

  test("a Retry-After above the cap is cut to sending.retry.maxRetryAfterSeconds", async () => {
    target = await startTarget((_a, i) => (i === 0 ? { status: 429, headers: { "retry-after": "3600" } } : { status: 202 }));
    const p = profile({
      phases: [{ type: "constant", ratePerSecond: 1, durationSeconds: 1 }],
      sending: { retry: { maxRetryAfterSeconds: 0.3 } },
    });
    const began = performance.now();
    const part = await runIngress({ targetUrl: target.url, secret: SECRET, profile: p, runId: "r-cap" });
    expect(part.counts.acceptedAfterRetry).toBe(1);
    const gap = target.arrivals[1].at - target.arrivals[0].at;
    expect(gap).toBeGreaterThanOrEqual(300);
    expect(performance.now() - began).toBeLessThan(3000);
  });

  test("without Retry-After, retries wait a full-jitter delay in [0, min(cap, base * 2^retry))", async () => {
    // random() = 0.999 puts each delay at the top of its range: 100, 200, 400 -> capped 300
    target = await startTarget((_a, i) => (i < 3 ? { status: 500 } : { status: 202 }));
    const p = profile({
      phases: [{ type: "constant", ratePerSecond: 1, durationSeconds: 1 }],
      sending: { retry: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 300 } },
    });
    const part = await runIngress({ targetUrl: target.url, secret: SECRET, profile: p, runId: "r-jitter", random: () => 0.999 });
    expect(part.counts).toMatchObject({ attempts: 4, errorResponses: 3, acceptedAfterRetry: 1 });
    const gaps = [1, 2, 3].map((i) => target!.arrivals[i].at - target!.arrivals[i - 1].at);
    const ceilings = [100, 200, 300];
    gaps.forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual(ceilings[i] * 0.999 - 1);
      expect(gap).toBeLessThan(ceilings[i] + 250);
    });
    // random() = 0 retries at once: all four attempts well inside the smallest ceiling
    await target.close();
    target = await startTarget((_a, i) => (i < 3 ? { status: 500 } : { status: 202 }));
    await runIngress({ targetUrl: target.url, secret: SECRET, profile: p, runId: "r-jitter0", random: () => 0 });
    expect(target.arrivals[3].at - target.arrivals[0].at).toBeLessThan(100);
  });

  test("a 4xx other than 429 is final", async () => {
    target = await startTarget(() => ({ status: 400 }));
    const part = await runIngress({ targetUrl: target.url, secret: SECRET, profile: profile(), runId: "r-400" });
    expect(part.counts).toMatchObject({ offered: 20, attempts: 20, retries: 0, failed: 20, accepted: 0 });
    expect(part.notAccepted).toHaveLength(20);
    expect(part.failureSamples[0]).toMatch(/HTTP 400 \(final\)/);
  });

  test("the retry budget stops a retry storm against a failing target", async () => {
    // 20 messages x up to 10 attempts would be 200 attempts; a budget of 25 tokens at 5 a retry allows 5 retries
    target = await startTarget(() => ({ status: 503 }));
    const p = profile({ sending: { retry: { maxAttempts: 10, baseDelayMs: 1, maxDelayMs: 5, budgetTokens: 25, retryCost: 5 } } });
    const part = await runIngress({ targetUrl: target.url, secret: SECRET, profile: p, runId: "r-storm" });
    expect(part.counts.retries).toBe(5);
    expect(part.counts.attempts).toBe(25);
    expect(target.arrivals).toHaveLength(25);
    expect(part.counts.retriesRefusedByBudget).toBe(20);
    expect(part.counts.failed).toBe(20);
  });
});

describe("runIngress: acks later than Genesys' webhook timeout", () => {
  test("a message answered more than 10 s after its planned send is counted (Genesys would have retried it); the others are not", async () => {
    // Prepare: the first message is answered after 10.3 s, the other two at once; the sender waits 20 s per attempt
    target = await startTarget((_a, i) => (i === 0 ? { status: 202, delayMs: 10_300 } : { status: 202 }));
    const p = profile({ phases: [{ type: "constant", ratePerSecond: 3, durationSeconds: 1 }], sending: { requestTimeoutSeconds: 20 } });

    // Act
    const part = await runIngress({ targetUrl: target.url, secret: SECRET, profile: p, runId: "r-late" });

    // Assess
    expect(part.counts).toMatchObject({ accepted: 3, attempts: 3, acksAfterGenesysTimeout: 1 });
  }, 30_000);
});
