import { readSyntheticMarker } from "cdktf-genesys-consumer/runtime";
import { decodeHistogram, parseProfile, runIngress, type SpikeProfileInput } from "../../../lib/runtime/loadgen";
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

describe("runIngress: arrivals at their planned times", () => {
  test("arrivals follow a constant-then-ramp profile within a generous tolerance", async () => {
    // Prepare: 2 s at 25/s then a ramp 25 -> 75/s over 2 s: 50 + 100 arrivals
    target = await startTarget();
    const p = profile({
      phases: [
        { type: "constant", ratePerSecond: 25, durationSeconds: 2 },
        { type: "ramp", fromRatePerSecond: 25, toRatePerSecond: 75, durationSeconds: 2 },
      ],
    });
    const startAtMs = Date.now() + 100;
    // Act
    const part = await runIngress({ targetUrl: target.url, secret: SECRET, profile: p, runId: "r-arrivals", startAtMs });
    // Assess: every arrival sent once, accepted on the first attempt
    expect(part.counts).toMatchObject({ offered: 150, accepted: 150, firstAttemptAccepted: 150, attempts: 150, dropped: 0, failed: 0 });
    const second = (ms: number) => Math.floor((ms - startAtMs) / 1000);
    const perSecond = [0, 0, 0, 0];
    for (const a of target.arrivals) perSecond[Math.min(3, second(a.epochMs))]++;
    // plan: 25, 25, 37.5, 62.5 per second; allow +-30 % on a shared machine
    expect(perSecond[0] + perSecond[1]).toBeGreaterThanOrEqual(40);
    expect(perSecond[0] + perSecond[1]).toBeLessThanOrEqual(60);
    expect(perSecond[3]).toBeGreaterThan(perSecond[1] * 1.6);
    // each request reached the target no sooner than its planned time
    for (const a of target.arrivals) {
      const marker = readSyntheticMarker(JSON.parse(a.body))!;
      expect(a.epochMs).toBeGreaterThanOrEqual(marker.plannedSendMs - 2);
    }
    expect(part.timeline.offered.slice(0, 4).reduce((s, v) => s + v, 0)).toBe(150);
  });
});

describe("runIngress: coordinated omission", () => {
  test("a target that stalls for 2 s shows the stall in the planned-time latency, not only in service time", async () => {
    // One connection; the request arriving after 1 s is held for 2 s: the ones planned behind it wait for the socket.
    let stalled = false;
    let began = 0;
    target = await startTarget((a) => {
      began ||= a.at;
      if (!stalled && a.at - began >= 1000) {
        stalled = true;
        return { status: 202, delayMs: 2000 };
      }
      return { status: 202 };
    });
    const p = profile({ phases: [{ type: "constant", ratePerSecond: 20, durationSeconds: 3 }], sending: { connections: 1 } });
    const part = await runIngress({ targetUrl: target.url, secret: SECRET, profile: p, runId: "r-stall" });
    expect(part.counts.accepted).toBe(60);
    const ack = decodeHistogram(part.histograms.ackUs);
    const service = decodeHistogram(part.histograms.serviceUs);
    // service time (socket write -> response): only the stalled request itself took ~2 s
    expect(service.maxValue / 1000).toBeGreaterThan(1900);
    expect(service.getValueAtPercentile(97) / 1000).toBeLessThan(300);
    // planned-time latency: every message planned during the stall waited behind it (~40 at 20/s, of 60)
    expect(ack.getValueAtPercentile(80) / 1000).toBeGreaterThan(800);
    expect(ack.getValueAtPercentile(90) / 1000).toBeGreaterThan(1200);
    expect(ack.maxValue / 1000).toBeGreaterThan(1900);
  });
});
