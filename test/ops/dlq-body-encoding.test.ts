/**
 * `dlq inspect` and `dlq redrive` on dead letters whose body the ingress stored base64-encoded
 * (`x-body-encoding: base64`): inspect reads the decoded body (ordering key, synthetic run,
 * size); a redrive re-sends the body as stored with its marker, so the worker decodes it again
 * and the signature still verifies on the original bytes.
 */
import type { SQSClient } from "@aws-sdk/client-sqs";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { inspectDlq, redriveSelected } from "../../lib/ops/dlq";
import { DEAD_LETTER_ATTRIBUTE, encodeDeadLetterContext } from "../../lib/runtime/dead-letter";
import { BODY_ENCODING_ATTRIBUTE, decodeMessageBody, encodeIngressBody } from "../../lib/runtime/ingress-body";
import { SIGNATURE_HEADER, sign, verify } from "../../lib/runtime/signature";
import { useLocalSqs } from "../helpers/local-servers";
import { CHANNEL, SECRET, createPipeline, normalizedBody, receiveAll, type Pipeline } from "./fixtures";

/** A dead letter as the worker writes one from an ingress message: the stored (base64) body, the marker, the signature, the context. */
async function putEncodedDeadLetter(client: SQSClient, pipeline: Pipeline, body: string, groupId?: string): Promise<void> {
  const stored = encodeIngressBody(body);
  const context = encodeDeadLetterContext({
    reason: "exhausted",
    error: "RetryableError",
    message: "downstream answered 503",
    attempts: 5,
    firstReceiveMs: 1_700_000_000_000,
    lastReceiveMs: 1_700_000_060_000,
    requestId: "req-1",
    sourceQueueArn: pipeline.source.arn,
  });
  await client.send(
    new SendMessageCommand({
      QueueUrl: pipeline.dlq.url,
      MessageBody: stored.body,
      MessageAttributes: {
        ...stored.attributes,
        [SIGNATURE_HEADER]: { DataType: "String", StringValue: sign(body, SECRET) },
        [DEAD_LETTER_ATTRIBUTE]: { DataType: "String", StringValue: context },
      },
      ...(groupId ? { MessageGroupId: groupId, MessageDeduplicationId: `dl-${Math.random()}` } : {}),
    }),
  );
}

describe("DLQ operations on base64-stored bodies (local-aws-sqs)", () => {
  const local = useLocalSqs();

  // A synthetic body with a character SQS refuses as text: only the encoding lets it through.
  const body = normalizedBody(7, { synthetic: { runId: "run-enc", seq: 7 } }).replace("hello 7", "hello \uFFFE 7");

  for (const fifo of [false, true]) {
    it(`${fifo ? "FIFO" : "standard"}: inspect reads the decoded body; redrive re-sends it as stored, marker included, signature intact`, async () => {
      const pipeline = await createPipeline(local.client, fifo ? "enc-fifo" : "enc-std", { fifo });
      await putEncodedDeadLetter(local.client, pipeline, body, fifo ? "conversation-1" : undefined);

      const inspected = await inspectDlq(local.client, { queue: pipeline.dlq.url, waitTimeSeconds: 0 });
      expect(inspected.messages).toHaveLength(1);
      expect(inspected.messages[0]).toMatchObject({
        reason: "exhausted",
        orderingKey: `${CHANNEL}:customer-1@acme-chat`,
        syntheticRunId: "run-enc",
        syntheticSeq: 7,
        bodyBytes: Buffer.byteLength(body, "utf8"),
        bodyEncoding: "base64",
      });

      const result = await redriveSelected(local.client, { queue: pipeline.dlq.url, reasons: ["exhausted"], waitTimeSeconds: 0 });
      expect(result.moved).toHaveLength(1);
      const [back] = await receiveAll(local.client, pipeline.source.url);
      expect(back.Body).toBe(encodeIngressBody(body).body);
      expect(back.MessageAttributes?.[BODY_ENCODING_ATTRIBUTE]?.StringValue).toBe("base64");
      expect(back.MessageAttributes?.[DEAD_LETTER_ATTRIBUTE]).toBeUndefined();
      const decoded = decodeMessageBody(back.Body, back.MessageAttributes);
      expect(decoded.text).toBe(body);
      expect(verify(decoded.bytes, back.MessageAttributes?.[SIGNATURE_HEADER]?.StringValue, [SECRET])).toBe(true);
      if (fifo) expect(back.Attributes?.MessageGroupId).toBe("conversation-1");
    });
  }

  it("describes a marked body that is not base64 from what is stored, without throwing", async () => {
    const pipeline = await createPipeline(local.client, "enc-bad");
    await local.client.send(
      new SendMessageCommand({
        QueueUrl: pipeline.dlq.url,
        MessageBody: "{not base64}",
        MessageAttributes: { [BODY_ENCODING_ATTRIBUTE]: { DataType: "String", StringValue: "base64" } },
      }),
    );
    const inspected = await inspectDlq(local.client, { queue: pipeline.dlq.url, waitTimeSeconds: 0 });
    expect(inspected.messages[0]).toMatchObject({ reason: "redriven-by-sqs", orderingKey: "-", bodyBytes: 12 });
    expect(inspected.messages[0].bodyEncoding).toBeUndefined();
  });
});
