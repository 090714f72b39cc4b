import { DEAD_LETTER_ATTRIBUTE, DEAD_LETTER_REASONS, parseDeadLetterContext, type DeadLetterContext } from "cdktf-genesys-consumer/runtime";
import { DEAD_LETTER_CONTEXT_MAX_BYTES, encodeDeadLetterContext } from "../../lib/runtime/dead-letter";

const context: DeadLetterContext = {
  reason: "exhausted",
  error: "ThrottledError",
  message: "genesys: 429",
  attempts: 5,
  firstReceiveMs: 1_700_000_000_000,
  lastReceiveMs: 1_700_000_090_000,
  requestId: "3f1c-req",
  sourceQueueArn: "arn:aws:sqs:us-east-1:123456789012:q",
};

describe("dead-letter context", () => {
  it("is one attribute holding JSON that round-trips", () => {
    expect(DEAD_LETTER_ATTRIBUTE).toBe("x-dead-letter");
    expect(DEAD_LETTER_REASONS).toEqual(["invalid-signature", "malformed", "permanent", "exhausted", "stale"]);
    const encoded = encodeDeadLetterContext(context);
    expect(JSON.parse(encoded)).toEqual(context);
    expect(parseDeadLetterContext(encoded)).toEqual(context);
  });

  it("carries the first delivery's SentTimestamp when given, and parses contexts written without it", () => {
    const withFirstSent = { ...context, reason: "stale" as const, firstSentMs: 1_699_999_990_000 };
    expect(parseDeadLetterContext(encodeDeadLetterContext(withFirstSent))).toEqual(withFirstSent);
    expect(parseDeadLetterContext(JSON.stringify(context))?.firstSentMs).toBeUndefined();
    expect(() => encodeDeadLetterContext({ ...context, firstSentMs: -1 })).toThrow(/firstSentMs/);
  });

  it("truncates the error message to 1,000 characters (SQS attributes count toward the 256 KiB)", () => {
    const encoded = encodeDeadLetterContext({ ...context, message: "x".repeat(5000) });
    expect(parseDeadLetterContext(encoded)?.message).toHaveLength(1000);
  });

  it("rejects an unknown reason when encoding and a bad value when parsing", () => {
    expect(() => encodeDeadLetterContext({ ...context, reason: "bored" as never })).toThrow(/reason/);
    expect(parseDeadLetterContext(undefined)).toBeUndefined();
    expect(() => parseDeadLetterContext("{not json")).toThrow(SyntaxError);
    expect(() => parseDeadLetterContext(JSON.stringify({ reason: "exhausted" }))).toThrow(/attempts/);
  });
});

describe("dead-letter context size", () => {
  it("never exceeds DEAD_LETTER_CONTEXT_MAX_BYTES, however the message and the error name are made", () => {
    const worst = [
      "\u0001".repeat(5000), // escaped as \u0001: 6 bytes a character
      "😀".repeat(5000), // 4 bytes a pair
      "é".repeat(5000),
      '"'.repeat(5000),
    ];
    for (const text of worst) {
      const encoded = encodeDeadLetterContext({
        ...context,
        message: text,
        error: text,
        sourceQueueArn: `arn:aws:sqs:eu-central-1:123456789012:${"q".repeat(80)}`,
      });
      expect(Buffer.byteLength(encoded, "utf8")).toBeLessThanOrEqual(DEAD_LETTER_CONTEXT_MAX_BYTES);
      const parsed = parseDeadLetterContext(encoded)!;
      expect(parsed.message.length).toBeGreaterThan(0);
      expect(text.startsWith(parsed.message)).toBe(true);
      // never half a surrogate pair
      expect(/[\uD800-\uDBFF]$/.test(parsed.message)).toBe(false);
    }
  });

  it("keeps a short context whole", () => {
    expect(encodeDeadLetterContext(context)).toBe(JSON.stringify(context));
  });
});
