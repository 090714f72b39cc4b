import { DEAD_LETTER_ATTRIBUTE, DEAD_LETTER_REASONS, encodeDeadLetterContext, parseDeadLetterContext, type DeadLetterContext } from "cdktf-genesys-consumer/runtime";

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
    expect(DEAD_LETTER_REASONS).toEqual(["invalid-signature", "malformed", "permanent", "exhausted"]);
    const encoded = encodeDeadLetterContext(context);
    expect(JSON.parse(encoded)).toEqual(context);
    expect(parseDeadLetterContext(encoded)).toEqual(context);
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
