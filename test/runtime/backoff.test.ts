import { fullJitter, parseRetryAfter, redeliveryDelaySeconds } from "cdktf-genesys-consumer/runtime";
import { SQS_MAX_VISIBILITY_SECONDS } from "../../lib/runtime/aws-limits";

describe("fullJitter", () => {
  it("stays within [0, min(cap, base * 2^attempt)) over many draws and spreads across the range", () => {
    for (const [base, attempt, cap] of [
      [2, 0, 900],
      [2, 3, 900],
      [2, 12, 900],
      [0.1, 5, 1],
      [1000, 30, 43_200],
    ] as const) {
      const ceiling = Math.min(cap, base * 2 ** attempt);
      const draws = Array.from({ length: 5000 }, () => fullJitter(base, attempt, cap));
      expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...draws)).toBeLessThan(ceiling);
      // Full jitter is uniform: the mean sits near half the ceiling, draws reach both ends.
      const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
      expect(mean / ceiling).toBeGreaterThan(0.45);
      expect(mean / ceiling).toBeLessThan(0.55);
      expect(Math.min(...draws) / ceiling).toBeLessThan(0.01);
      expect(Math.max(...draws) / ceiling).toBeGreaterThan(0.99);
    }
  });

  it("uses the injected random source and never overflows for huge attempts", () => {
    expect(fullJitter(2, 3, 900, () => 0.5)).toBe(8);
    expect(fullJitter(2, 5000, 900, () => 0.5)).toBe(450);
  });

  it("rejects bad arguments with a message naming them", () => {
    expect(() => fullJitter(-1, 0)).toThrow("fullJitter: base must be a finite number >= 0, got -1");
    expect(() => fullJitter(1, 1.5)).toThrow("fullJitter: attempt must be an integer >= 0, got 1.5");
    expect(() => fullJitter(1, 2000)).toThrow("fullJitter: without a cap the ceiling is infinite; pass a cap");
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2025-03-14T09:26:53.000Z");
  it("parses delta-seconds", () => {
    expect(parseRetryAfter("7", now)).toBe(7);
    expect(parseRetryAfter(" 120 ", now)).toBe(120);
    expect(parseRetryAfter("0", now)).toBe(0);
    expect(parseRetryAfter("1.5", now)).toBe(1.5);
  });
  it("parses an HTTP-date relative to now, past dates giving 0", () => {
    expect(parseRetryAfter("Fri, 14 Mar 2025 09:27:03 GMT", now)).toBe(10);
    expect(parseRetryAfter("Fri, 14 Mar 2025 09:00:00 GMT", now)).toBe(0);
  });
  it("returns undefined for missing or unparseable values", () => {
    for (const value of [undefined, null, "", "soon", "-5", "1e3", "7 seconds"]) expect(parseRetryAfter(value, now)).toBeUndefined();
  });
});

describe("redeliveryDelaySeconds", () => {
  it("is min(cap, max(Retry-After, fullJitter(base, attempt - 1))) in whole seconds", () => {
    expect(redeliveryDelaySeconds({ attempt: 1, baseSeconds: 2, maxSeconds: 900, random: () => 0.99 })).toBe(2);
    expect(redeliveryDelaySeconds({ attempt: 4, baseSeconds: 2, maxSeconds: 900, random: () => 0.5 })).toBe(8);
    expect(redeliveryDelaySeconds({ attempt: 1, baseSeconds: 2, maxSeconds: 900, retryAfterSeconds: 7, random: () => 0.5 })).toBe(7);
    expect(redeliveryDelaySeconds({ attempt: 1, baseSeconds: 2, maxSeconds: 900, retryAfterSeconds: 6.2, random: () => 0 })).toBe(7);
    expect(redeliveryDelaySeconds({ attempt: 20, baseSeconds: 2, maxSeconds: 900, random: () => 0.999 })).toBe(899);
    expect(redeliveryDelaySeconds({ attempt: 1, baseSeconds: 2, maxSeconds: 60, retryAfterSeconds: 3600 })).toBe(60);
  });
  it("never exceeds SQS's 12 hour visibility limit, even with a larger cap", () => {
    expect(redeliveryDelaySeconds({ attempt: 1, baseSeconds: 1, maxSeconds: 100_000, retryAfterSeconds: 99_999 })).toBe(
      SQS_MAX_VISIBILITY_SECONDS,
    );
  });
  it("stays within [0, cap] over many draws", () => {
    for (let attempt = 1; attempt <= 15; attempt++) {
      for (let i = 0; i < 200; i++) {
        const d = redeliveryDelaySeconds({ attempt, baseSeconds: 2, maxSeconds: 900 });
        expect(Number.isInteger(d)).toBe(true);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(Math.min(900, 2 * 2 ** (attempt - 1)));
      }
    }
  });
});
