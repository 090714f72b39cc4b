import {
  cronFirings,
  longestGapSeconds,
  missingRunAlarmShape,
  nextFiring,
  parseScheduleExpression,
} from "../../lib/constructs/schedule-expression";

const gap = (text: string) => longestGapSeconds(parseScheduleExpression(text));

describe("schedule expressions", () => {
  test("rate: the period is the gap", () => {
    expect(gap("rate(1 minute)")).toBe(60);
    expect(gap("rate(5 minutes)")).toBe(300);
    expect(gap("rate(2 hours)")).toBe(7200);
    expect(gap("rate(1 day)")).toBe(86_400);
  });

  test("cron: the longest gap between firings over four years", () => {
    expect(gap("cron(0 3 * * ? *)")).toBe(86_400);
    expect(gap("cron(0/15 * * * ? *)")).toBe(900);
    expect(gap("cron(0 3,15 * * ? *)")).toBe(12 * 3600);
    expect(gap("cron(30 2 ? * MON-FRI *)")).toBe(3 * 86_400);
    expect(gap("cron(0 0 1 * ? *)")).toBe(31 * 86_400);
    // the last day of the month: January 31 -> February 28/29 is the shortest, March 31 -> April 30 ...
    expect(gap("cron(0 0 L * ? *)")).toBe(31 * 86_400);
    // every year, but 29 February: no two firings in four years, so at least four years (refused by the alarm's 7 days)
    expect(gap("cron(0 0 29 2 ? *)")).toBeGreaterThanOrEqual(4 * 365 * 86_400);
  });

  test("one-off schedules have no gap", () => {
    expect(gap("at(2027-01-01T03:00:00)")).toBeUndefined();
    expect(gap("cron(0 3 1 1 ? 2026)")).toBeUndefined();
  });

  test("cron limited to later years: the gap is scanned from the first year allowed; years all past are refused", () => {
    const from = Date.UTC(2026, 11, 3);
    expect(longestGapSeconds(parseScheduleExpression("cron(0 3 * * ? 2029-2035)"), from)).toBe(86_400);
    expect(missingRunAlarmShape(parseScheduleExpression("cron(0 3 * * ? 2029-2035)"), { marginSeconds: 3600, nowMs: from })).toMatchObject({
      longestGapSeconds: 86_400,
      evaluationPeriods: 25,
    });
    expect(missingRunAlarmShape(parseScheduleExpression("cron(0 3 * * ? 2020-2025)"), { marginSeconds: 3600, nowMs: from })).toEqual({
      problem: expect.stringMatching(/only allows years before 2026, so it never fires again; set the year field to "\*"/),
    });
  });

  test("firings and the next firing", () => {
    const daily = parseScheduleExpression("cron(0 3 * * ? *)");
    if (daily.kind !== "cron") throw new Error("cron expected");
    const from = Date.UTC(2026, 0, 1);
    expect(cronFirings(daily.fields, from, from + 2 * 86_400_000).map((t) => new Date(t).toISOString())).toEqual([
      "2026-01-01T03:00:00.000Z",
      "2026-01-02T03:00:00.000Z",
    ]);
    expect(nextFiring(daily, Date.UTC(2026, 0, 1, 3))).toBe(Date.UTC(2026, 0, 2, 3));
    expect(nextFiring(parseScheduleExpression("rate(1 minute)"), 1_000_000 + 61_000, 1_000_000)).toBe(1_000_000 + 120_000);
    expect(nextFiring(parseScheduleExpression("at(2026-01-01T00:00:00)"), Date.UTC(2026, 1, 1))).toBeUndefined();
  });

  test("bad expressions are refused with what is wrong", () => {
    expect(() => parseScheduleExpression("every day")).toThrow(/rate\(value unit\)/);
    expect(() => parseScheduleExpression("cron(0 3 * * ?)")).toThrow(/6 fields/);
    expect(() => parseScheduleExpression("cron(61 3 * * ? *)")).toThrow(/minutes.*outside 0\.\.59/);
    expect(() => parseScheduleExpression("cron(0 3 ? * 6L *)")).toThrow(/not supported/);
  });

  test("the missing-run alarm shape and the 7-day refusal", () => {
    expect(missingRunAlarmShape(parseScheduleExpression("cron(0 3 * * ? *)"), { marginSeconds: 3600 })).toEqual({
      periodSeconds: 3600,
      evaluationPeriods: 25,
      datapointsToAlarm: 25,
      longestGapSeconds: 86_400,
      marginSeconds: 3600,
    });
    // 6 days + 1 h = 145 periods: within 168
    expect(missingRunAlarmShape(parseScheduleExpression("rate(6 days)"), { marginSeconds: 3600 })).toMatchObject({
      evaluationPeriods: 145,
    });
    expect(missingRunAlarmShape(parseScheduleExpression("rate(7 days)"), { marginSeconds: 3600 })).toHaveProperty("problem");
    expect(missingRunAlarmShape(parseScheduleExpression("at(2027-01-01T03:00:00)"), { marginSeconds: 3600 })).toBeUndefined();
  });
});
