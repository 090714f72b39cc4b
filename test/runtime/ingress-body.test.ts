/**
 * The size budget and the body encoding (lib/runtime/ingress-body.ts), in numbers: what SQS
 * counts, the largest body the ingress accepts, and the one decoder every reader calls. The
 * budget is also checked against the local SQS server, which counts attributes as SQS does.
 */
import { SendMessageCommand, CreateQueueCommand } from "@aws-sdk/client-sqs";
import {
  BASE64_BODY_ENCODING,
  BODY_ENCODING_ATTRIBUTE,
  BodyEncodingError,
  DEAD_LETTER_ATTRIBUTE,
  DEFAULT_MAX_INGRESS_BODY_BYTES,
  SIGNATURE_HEADER,
  decodeMessageBody,
  decodedTextOrUndefined,
  maxIngressBodyBytes,
  sign,
} from "cdktf-genesys-consumer/runtime";
import {
  DEAD_LETTER_RESERVE_BYTES,
  GENESYS_SIGNATURE,
  MAX_QUEUE_MESSAGE_BYTES,
  encodeIngressBody,
  storedMessageBytes,
} from "../../lib/runtime/ingress-body";
import { DEAD_LETTER_CONTEXT_MAX_BYTES } from "../../lib/runtime/dead-letter";
import { SQS_MAX_MESSAGE_BYTES } from "../../lib/runtime/aws-limits";
import { startSqs } from "../helpers/local-servers";

describe("the size budget", () => {
  it("keeps the x-dead-letter attribute's room free below the DLQ's 1 MiB on the main queue", () => {
    expect(SQS_MAX_MESSAGE_BYTES).toBe(1_048_576);
    expect(DEAD_LETTER_CONTEXT_MAX_BYTES).toBe(2048);
    // name "x-dead-letter" (13) + data type "String" (6) + the context at its largest
    expect(DEAD_LETTER_RESERVE_BYTES).toBe(13 + 6 + 2048);
    expect(MAX_QUEUE_MESSAGE_BYTES).toBe(1_046_509);
    expect(MAX_QUEUE_MESSAGE_BYTES + DEAD_LETTER_RESERVE_BYTES).toBe(SQS_MAX_MESSAGE_BYTES);
  });

  it("counts a stored webhook as SQS does: base64 body, the marker, the signature attribute", () => {
    // 27 = "x-body-encoding" + "String" + "base64"; 76 = "X-Hub-Signature-256" + "String" + 51
    expect(storedMessageBytes(0)).toBe(27 + 76);
    expect(storedMessageBytes(3)).toBe(4 + 103);
    expect(storedMessageBytes(4)).toBe(8 + 103);
    const body = "{}";
    expect(storedMessageBytes(2)).toBe(
      Buffer.from(body).toString("base64").length +
        BODY_ENCODING_ATTRIBUTE.length +
        6 +
        6 +
        SIGNATURE_HEADER.length +
        6 +
        sign(body, "k").length,
    );
  });

  it("gives the largest accepted body: it fits the queue exactly-or-under, one byte more does not", () => {
    expect(DEFAULT_MAX_INGRESS_BODY_BYTES).toBe(784_803);
    for (const queueMax of [1024, 8192, 262_144, MAX_QUEUE_MESSAGE_BYTES]) {
      const max = maxIngressBodyBytes(queueMax);
      expect(storedMessageBytes(max)).toBeLessThanOrEqual(queueMax);
      expect(storedMessageBytes(max + 1)).toBeGreaterThan(queueMax);
    }
    const traced = [GENESYS_SIGNATURE, { name: "X-Trace", valueBytes: 40 }];
    expect(maxIngressBodyBytes(8192, traced)).toBe(3 * Math.floor((8192 - storedMessageBytes(0, traced)) / 4));
    expect(maxIngressBodyBytes(50)).toBe(0);
  });

  it("holds on the local SQS server, which counts attributes: the largest main-queue message plus the largest context fits 1 MiB, one byte more does not", async () => {
    const sqs = await startSqs();
    const client = sqs.client();
    try {
      const dlq = (
        await client.send(
          new CreateQueueCommand({ QueueName: "budget-dlq", Attributes: { MaximumMessageSize: String(SQS_MAX_MESSAGE_BYTES) } }),
        )
      ).QueueUrl!;
      const context = "c".repeat(DEAD_LETTER_CONTEXT_MAX_BYTES);
      const send = (bodyBytes: number) =>
        client.send(
          new SendMessageCommand({
            QueueUrl: dlq,
            MessageBody: "b".repeat(bodyBytes),
            MessageAttributes: { [DEAD_LETTER_ATTRIBUTE]: { DataType: "String", StringValue: context } },
          }),
        );
      await expect(send(MAX_QUEUE_MESSAGE_BYTES)).resolves.toMatchObject({ MessageId: expect.any(String) });
      await expect(send(MAX_QUEUE_MESSAGE_BYTES + 1)).rejects.toMatchObject({
        name: "InvalidParameterValue",
        message: "One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes.",
      });
    } finally {
      client.destroy();
      await sqs.close();
    }
  });
});

describe("decodeMessageBody", () => {
  const body = '{"text":"\uFFFE\uFFFF \uFEFF é 😀"}';

  it("decodes a marked body to its exact bytes, from SDK or Lambda attributes", () => {
    const stored = encodeIngressBody(body);
    expect(stored.attributes).toEqual({ "x-body-encoding": { DataType: "String", StringValue: "base64" } });
    const fromSdk = decodeMessageBody(stored.body, stored.attributes);
    expect(fromSdk).toEqual({ bytes: Buffer.from(body, "utf8"), text: body, encoding: BASE64_BODY_ENCODING });
    const fromLambda = decodeMessageBody(stored.body, { [BODY_ENCODING_ATTRIBUTE]: { stringValue: "base64" } });
    expect(fromLambda.text).toBe(body);
    expect(sign(fromLambda.bytes, "k")).toBe(sign(body, "k"));
  });

  it("reads an unmarked body as it is (Event Streams, another producer)", () => {
    expect(decodeMessageBody(body)).toEqual({ bytes: Buffer.from(body, "utf8"), text: body });
    const base64Looking = Buffer.from("{}").toString("base64");
    expect(decodeMessageBody(base64Looking, {}).text).toBe(base64Looking);
  });

  it("ignores line breaks a MIME-style encoder would add", () => {
    const b64 = Buffer.from(body).toString("base64");
    expect(decodeMessageBody(`${b64.slice(0, 8)}\r\n${b64.slice(8)}`, { [BODY_ENCODING_ATTRIBUTE]: { StringValue: "base64" } }).text).toBe(
      body,
    );
  });

  it("refuses text that is not base64 and an unknown encoding", () => {
    const marked = { [BODY_ENCODING_ATTRIBUTE]: { StringValue: "base64" } };
    expect(() => decodeMessageBody('{"id":"plain"}', marked)).toThrow(
      new BodyEncodingError("the body is marked x-body-encoding: base64 but is not base64"),
    );
    expect(() => decodeMessageBody("abc", marked)).toThrow(BodyEncodingError);
    expect(() => decodeMessageBody("e30=", { [BODY_ENCODING_ATTRIBUTE]: { StringValue: "gzip" } })).toThrow(
      new BodyEncodingError('x-body-encoding is "gzip"; only "base64" is known'),
    );
    expect(decodedTextOrUndefined('{"id":"plain"}', marked)).toBeUndefined();
    expect(decodedTextOrUndefined("e30=", marked)).toBe("{}");
  });
});
