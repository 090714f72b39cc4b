import { InvalidSyntheticMarkerError, readSyntheticMarker, SYNTHETIC_KEY, normalizedMessageSchema } from "cdktf-genesys-consumer/runtime";
import { faultFor } from "../../lib/runtime/synthetic";

const marker = { runId: "run-1", seq: 3, plannedSendMs: 1_700_000_000_000 };

describe("synthetic marker", () => {
  it("lives under one reserved top-level key of the body, which the NormalizedMessage schema lets through", () => {
    expect(SYNTHETIC_KEY).toBe("x-synthetic");
    const body = { id: "m", channel: {}, type: "Text", [SYNTHETIC_KEY]: marker };
    expect(readSyntheticMarker(body)).toEqual(marker);
    expect(normalizedMessageSchema.parse(body)[SYNTHETIC_KEY]).toEqual(marker);
  });

  it("is undefined for a real message and for non-objects", () => {
    expect(readSyntheticMarker({ id: "m" })).toBeUndefined();
    expect(readSyntheticMarker(null)).toBeUndefined();
    expect(readSyntheticMarker("x-synthetic")).toBeUndefined();
  });

  it("throws naming the bad field for a malformed marker (strict: unknown fields rejected)", () => {
    expect(() => readSyntheticMarker({ [SYNTHETIC_KEY]: { ...marker, seq: -1 } })).toThrow(InvalidSyntheticMarkerError);
    expect(() => readSyntheticMarker({ [SYNTHETIC_KEY]: { ...marker, seq: -1 } })).toThrow(/x-synthetic\.seq/);
    expect(() => readSyntheticMarker({ [SYNTHETIC_KEY]: { ...marker, extra: 1 } })).toThrow(/Unrecognized key/);
    expect(() => readSyntheticMarker({ [SYNTHETIC_KEY]: { ...marker, fault: { kind: "meteor" } } })).toThrow(/x-synthetic\.fault\.kind/);
  });
});

describe("faultFor", () => {
  it("throttles with Retry-After for the first K attempts, then succeeds", () => {
    const m = { ...marker, fault: { kind: "throttle" as const, retryAfterSeconds: 4, attempts: 2 } };
    expect([1, 2, 3].map((a) => faultFor(m, a))).toEqual([
      { action: "throttle", retryAfterSeconds: 4 },
      { action: "throttle", retryAfterSeconds: 4 },
      { action: "none" },
    ]);
  });
  it("defaults to one attempt and Retry-After 1", () => {
    const m = { ...marker, fault: { kind: "throttle" as const } };
    expect([1, 2].map((a) => faultFor(m, a))).toEqual([{ action: "throttle", retryAfterSeconds: 1 }, { action: "none" }]);
  });
  it("fails transiently for the first K attempts", () => {
    const m = { ...marker, fault: { kind: "transient" as const, attempts: 1 } };
    expect([1, 2].map((a) => faultFor(m, a).action)).toEqual(["transient", "none"]);
  });
  it("poisons every attempt, whatever attempts says", () => {
    const m = { ...marker, fault: { kind: "poison" as const, attempts: 1 } };
    expect([1, 5, 100].map((a) => faultFor(m, a).action)).toEqual(["poison", "poison", "poison"]);
  });
  it("does nothing without a marker or a fault", () => {
    expect(faultFor(undefined, 1)).toEqual({ action: "none" });
    expect(faultFor(marker, 1)).toEqual({ action: "none" });
  });
});
