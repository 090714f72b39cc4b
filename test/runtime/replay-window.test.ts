/**
 * The replay window's arithmetic: the first-delivery time a message carries, and the verdict on
 * a signed time (old, ahead, missing, unparseable), against that time and never the clock.
 */
import { DEFAULT_REPLAY_WINDOW_SECONDS } from "cdktf-genesys-consumer/runtime";
import { encodeDeadLetterContext } from "../../lib/runtime/dead-letter";
import { firstSentMs, judgeSignedTime, SIGNED_TIME_AHEAD_ALLOWANCE_SECONDS } from "../../lib/runtime/replay-window";

const RECEIVED = Date.parse("2026-01-10T12:00:00.000Z");
const context = (extra: Record<string, number>) =>
  encodeDeadLetterContext({
    reason: "permanent",
    error: "PermanentError",
    message: "no such customer",
    attempts: 1,
    firstReceiveMs: RECEIVED + 5_000,
    lastReceiveMs: RECEIVED + 9_000,
    requestId: "req",
    sourceQueueArn: "arn:aws:sqs:us-east-1:123456789012:q",
    ...extra,
  });

describe("firstSentMs", () => {
  it("is this delivery's SentTimestamp when nothing is carried", () => {
    expect(firstSentMs({ sentTimestamp: String(RECEIVED) })).toBe(RECEIVED);
    expect(firstSentMs({})).toBeUndefined();
  });

  it("takes the earlier time a redrive carries, in the reserved attribute or the dead-letter context", () => {
    const redriven = String(RECEIVED + 3_600_000);
    expect(firstSentMs({ sentTimestamp: redriven, firstSentAttribute: String(RECEIVED) })).toBe(RECEIVED);
    expect(firstSentMs({ sentTimestamp: redriven, deadLetterContext: context({ firstSentMs: RECEIVED }) })).toBe(RECEIVED);
    // A context written before firstSentMs existed: its first receive, a little after the send.
    expect(firstSentMs({ sentTimestamp: redriven, deadLetterContext: context({}) })).toBe(RECEIVED + 5_000);
  });

  it("ignores a carried time later than this delivery, and values that are not epoch milliseconds", () => {
    expect(firstSentMs({ sentTimestamp: String(RECEIVED), firstSentAttribute: String(RECEIVED + 1) })).toBe(RECEIVED);
    for (const bad of ["", "-5", "1.5e12", "soon", "0"])
      expect(firstSentMs({ sentTimestamp: String(RECEIVED), firstSentAttribute: bad })).toBe(RECEIVED);
    expect(firstSentMs({ sentTimestamp: String(RECEIVED), deadLetterContext: "{not json" })).toBe(RECEIVED);
  });
});

describe("judgeSignedTime", () => {
  const window = DEFAULT_REPLAY_WINDOW_SECONDS;
  const at = (offsetSeconds: number) => new Date(RECEIVED + offsetSeconds * 1000).toISOString();

  it("accepts a signed time up to the window older and up to the allowance ahead of the first receive", () => {
    expect(window).toBe(900);
    expect(SIGNED_TIME_AHEAD_ALLOWANCE_SECONDS).toBe(300);
    for (const offset of [-900, -60, 0, 300]) expect(judgeSignedTime(at(offset), RECEIVED, window)).toStrictEqual({ ok: true });
    expect(judgeSignedTime("2026-01-10T13:00:00+01:00", RECEIVED, window)).toStrictEqual({ ok: true });
  });

  it("refuses a signed time more than the window older, naming both times", () => {
    expect(judgeSignedTime(at(-901), RECEIVED, window)).toStrictEqual({
      ok: false,
      errorName: "StaleSignedTimeError",
      message:
        "the signed channel.time 2026-01-10T11:44:59.000Z is 901 s older than the time SQS first received the message (2026-01-10T12:00:00.000Z), more than the 900 s replay window",
    });
  });

  it("refuses a signed time more than the clock-skew allowance ahead", () => {
    expect(judgeSignedTime(at(301), RECEIVED, window)).toStrictEqual({
      ok: false,
      errorName: "SignedTimeAheadError",
      message:
        "the signed channel.time 2026-01-10T12:05:01.000Z is 301 s ahead of the time SQS first received the message (2026-01-10T12:00:00.000Z), more than the 300 s clock-skew allowance",
    });
  });

  it("refuses a missing signed time and one that is not an ISO-8601 time with a zone", () => {
    const missing = {
      ok: false,
      errorName: "MissingSignedTimeError",
      message: "the signed body has no channel.time, so the 900 s replay window cannot place it",
    };
    expect(judgeSignedTime(undefined, RECEIVED, window)).toStrictEqual(missing);
    expect(judgeSignedTime("", RECEIVED, window)).toStrictEqual(missing);
    for (const [value, shown] of [
      ["yesterday", '"yesterday"'],
      ["2026-01-10T12:00:00", '"2026-01-10T12:00:00"'],
      ["2026-13-45T99:00:00Z", '"2026-13-45T99:00:00Z"'],
      [1_768_046_400_000, "1768046400000"],
    ] as const) {
      expect(judgeSignedTime(value, RECEIVED, window)).toStrictEqual({
        ok: false,
        errorName: "UnparseableSignedTimeError",
        message: `the signed channel.time ${shown} is not an ISO-8601 time with a time zone`,
      });
    }
  });

  it("accepts everything with a window of 0 (off)", () => {
    for (const value of [undefined, "yesterday", at(-86_400), at(86_400)])
      expect(judgeSignedTime(value, RECEIVED, 0)).toStrictEqual({ ok: true });
  });
});
