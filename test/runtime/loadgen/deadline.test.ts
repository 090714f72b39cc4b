/**
 * The reconciliation deadline derived from the pipeline, checked against hand computations.
 */
import { defaultSpikeProfile, deriveReconcileDeadline, parseProfile, pipelineRetryProblems } from "../../../lib/runtime/loadgen";

describe("deriveReconcileDeadline", () => {
  it("with the README's settings (maxReceiveCount 10, backoff 2..900 s) and the default profile: 1052 s, not 180", () => {
    // Prepare: the default profile (180 s deadline, 2 s polls, 5 ms work, throttle Retry-After 2 s)
    const profile = parseProfile(defaultSpikeProfile);

    // Act
    const d = deriveReconcileDeadline(profile, {
      maxReceiveCount: 10,
      backoffBaseSeconds: 2,
      backoffMaxSeconds: 900,
      functionTimeoutSeconds: 30,
      batchingWindowSeconds: 0,
      visibilityTimeoutSeconds: 180,
    });

    // Assess, by hand:
    // 9 redeliveries of at most min(900, max(2, 2 x 2^(n-1))) = 2, 4, ..., 512 s: 1022 s
    // 10 attempts x (window 0 + min(30, 0.005 + 1)) = 10.05 s
    // margin 15 + 2 x 2 = 19 s; 1022 + 10.05 + 19 = 1051.05 -> 1052 s
    expect(d.terms).toEqual({
      retryDelaysSeconds: [2, 4, 8, 16, 32, 64, 128, 256, 512],
      retryHorizonSeconds: 1022,
      retryAfterFloorSeconds: 2,
      attempts: 10,
      perAttemptSeconds: 1.005,
      processingSeconds: 10.05,
      marginSeconds: 19,
    });
    expect(d).toMatchObject({ profileSeconds: 180, derivedSeconds: 1052, deadlineSeconds: 1052, basis: "pipeline" });
    expect(d.pipeline).toEqual({
      maxReceiveCount: 10,
      backoffBaseSeconds: 2,
      backoffMaxSeconds: 900,
      batchingWindowSeconds: 0,
      functionTimeoutSeconds: 30,
      visibilityTimeoutSeconds: 180,
    });
    expect(d.explanation).toBe(
      "9 redeliveries of at most min(900, max(2, 2 x 2^(n-1))) s = 1022 s + 10 attempts x 1.005 s (window 0 s + work 5 ms + 1 s, at most the 30 s timeout) = 10.05 s + margin 19 s = 1052 s derived; the profile says 180 s; 1052 s used",
    );
  });

  it("caps every delay at backoffMaxSeconds, floors it at the throttle Retry-After, adds the batching window per attempt", () => {
    // Prepare: 1 s work, throttle Retry-After 5 s, 1 s polls
    const profile = parseProfile({
      phases: [{ type: "constant", ratePerSecond: 1, durationSeconds: 1 }],
      workMs: 1000,
      faults: { throttle: { fraction: 0.03, retryAfterSeconds: 5 } },
      reconcile: { deadlineSeconds: 45, pollIntervalSeconds: 1 },
    });

    // Act
    const d = deriveReconcileDeadline(profile, {
      maxReceiveCount: 6,
      backoffBaseSeconds: 1,
      backoffMaxSeconds: 8,
      batchingWindowSeconds: 2,
    });

    // Assess: delays min(8, max(5, 1, 2, 4, 8, 16)) = 5, 5, 5, 8, 8 = 31 s; 6 x (2 + 1 + 1) = 24 s; margin 15 + 2 = 17 s; 72 s
    expect(d.terms).toMatchObject({
      retryDelaysSeconds: [5, 5, 5, 8, 8],
      retryHorizonSeconds: 31,
      perAttemptSeconds: 4,
      processingSeconds: 24,
      marginSeconds: 17,
    });
    expect(d).toMatchObject({ derivedSeconds: 72, deadlineSeconds: 72, basis: "pipeline" });
  });

  it("keeps the profile's deadline when it is longer, and when no pipeline is given", () => {
    // Prepare: maxReceiveCount 2, no throttle: one redelivery of at most 2 s
    const profile = parseProfile({
      phases: [{ type: "constant", ratePerSecond: 1, durationSeconds: 1 }],
      reconcile: { deadlineSeconds: 300, pollIntervalSeconds: 2 },
    });

    // Act
    const withPipeline = deriveReconcileDeadline(profile, { maxReceiveCount: 2 });
    const without = deriveReconcileDeadline(profile);

    // Assess: 2 + 2 x (0 + 1) + 19 = 23 s < 300 s; the function timeout is no cap when unknown
    expect(withPipeline).toMatchObject({ derivedSeconds: 23, deadlineSeconds: 300, basis: "profile" });
    expect(without).toMatchObject({ profileSeconds: 300, deadlineSeconds: 300, basis: "profile" });
    expect(without.derivedSeconds).toBeUndefined();
  });

  it("caps one attempt's processing at the function timeout", () => {
    const profile = parseProfile({ phases: [{ type: "constant", ratePerSecond: 1, durationSeconds: 1 }], workMs: 60_000 });
    const d = deriveReconcileDeadline(profile, { maxReceiveCount: 3, backoffBaseSeconds: 0, functionTimeoutSeconds: 10 });
    // 0 + 3 x min(10, 61) + 19
    expect(d.terms).toMatchObject({ retryHorizonSeconds: 0, perAttemptSeconds: 10, processingSeconds: 30 });
    expect(d.derivedSeconds).toBe(49);
  });

  it("refuses out-of-range settings, naming the field and the fix", () => {
    const profile = parseProfile(defaultSpikeProfile);
    expect(() => deriveReconcileDeadline(profile, { maxReceiveCount: 0 })).toThrow(
      "invalid pipeline retry settings: pipelineRetry.maxReceiveCount: 0 is not an integer in 1..1000; give the queue's redrive maxReceiveCount",
    );
    expect(pipelineRetryProblems({ maxReceiveCount: 10, backoffMaxSeconds: 50_000, functionTimeoutSeconds: 0 })).toEqual([
      "backoffMaxSeconds: 50000 is outside 0..43200; give the worker's backoff cap in seconds",
      "functionTimeoutSeconds: 0 is outside 1..900; give the worker function's timeout in seconds",
    ]);
  });
});
