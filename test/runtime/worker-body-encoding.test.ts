/**
 * The worker on bodies the ingress stores base64-encoded (`x-body-encoding: base64`), against
 * real local servers: the signature is verified on the decoded bytes, the handler gets the
 * original body, a dead letter keeps the body as stored with its marker, and a marked body
 * that does not decode is dead-lettered `malformed`.
 */
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import {
  BODY_ENCODING_ATTRIBUTE,
  createWorker,
  DEAD_LETTER_ATTRIBUTE,
  decodeMessageBody,
  parseDeadLetterContext,
  PermanentError,
  SIGNATURE_HEADER,
  sign,
  type NormalizedMessage,
} from "cdktf-genesys-consumer/runtime";
import { encodeIngressBody } from "../../lib/runtime/ingress-body";
import {
  createPipeline,
  deliver,
  outboundMessage,
  quietObservability,
  receive,
  SECRET,
  startBench,
  type Bench,
  type Pipeline,
} from "./worker-harness";

describe("the worker on base64-stored bodies", () => {
  let bench: Bench;
  beforeAll(async () => {
    bench = await startBench();
  });
  afterAll(async () => {
    await bench.close();
  });

  /** Enqueues as the ingress does: the body base64-encoded with its marker, and a signature header. */
  async function enqueueStored(pipeline: Pipeline, stored: { body: string; marked?: boolean }, signature: string): Promise<void> {
    await bench.sqs.send(
      new SendMessageCommand({
        QueueUrl: pipeline.queueUrl,
        MessageBody: stored.body,
        MessageAttributes: {
          ...(stored.marked === false ? {} : { [BODY_ENCODING_ATTRIBUTE]: { DataType: "String", StringValue: "base64" } }),
          [SIGNATURE_HEADER]: { DataType: "String", StringValue: signature },
        },
      }),
    );
  }

  function worker(pipeline: Pipeline, handle: (m: NormalizedMessage) => Promise<void>) {
    const { logger, metrics } = quietObservability();
    return createWorker(
      { handle },
      { contract: pipeline.contract, sqs: bench.sqs, dynamodb: bench.dynamodb, secretsManager: bench.secretsManager, logger, metrics },
    );
  }

  it("verifies the signature on the decoded bytes and hands over the original body (U+FFFE, U+FFFF, a raw control character)", async () => {
    const pipeline = await createPipeline(bench);
    const body = JSON.stringify(outboundMessage({ text: "a\uFFFEb\uFFFFc\u0001d" }));
    await enqueueStored(pipeline, { body: encodeIngressBody(body).body }, sign(body, SECRET));
    const handled: string[] = [];
    const { response } = await deliver(
      bench,
      pipeline,
      worker(pipeline, async (m) => void handled.push(m.text ?? "")),
    );
    expect(response.batchItemFailures).toEqual([]);
    expect(handled).toEqual(["a\uFFFEb\uFFFFc\u0001d"]);
  });

  it("refuses a signature over the stored base64 text instead of the body: invalid-signature", async () => {
    const pipeline = await createPipeline(bench);
    const body = JSON.stringify(outboundMessage());
    const stored = encodeIngressBody(body).body;
    await enqueueStored(pipeline, { body: stored }, sign(stored, SECRET));
    await deliver(
      bench,
      pipeline,
      worker(pipeline, async () => undefined),
    );
    const [letter] = await receive(bench, pipeline.dlqUrl);
    expect(parseDeadLetterContext(letter.MessageAttributes?.[DEAD_LETTER_ATTRIBUTE]?.StringValue)?.reason).toBe("invalid-signature");
  });

  it("dead-letters with the body as stored and its marker, so every reader decodes it the same way", async () => {
    const pipeline = await createPipeline(bench);
    const body = JSON.stringify(outboundMessage({ text: "permanent \uFFFF" }));
    await enqueueStored(pipeline, { body: encodeIngressBody(body).body }, sign(body, SECRET));
    await deliver(
      bench,
      pipeline,
      worker(pipeline, async () => {
        throw new PermanentError("customer not found");
      }),
    );
    const [letter] = await receive(bench, pipeline.dlqUrl);
    expect(letter.Body).toBe(encodeIngressBody(body).body);
    expect(letter.MessageAttributes?.[BODY_ENCODING_ATTRIBUTE]?.StringValue).toBe("base64");
    expect(decodeMessageBody(letter.Body, letter.MessageAttributes).text).toBe(body);
    expect(parseDeadLetterContext(letter.MessageAttributes?.[DEAD_LETTER_ATTRIBUTE]?.StringValue)?.reason).toBe("permanent");
  });

  it("dead-letters a marked body that is not base64 as malformed, naming the encoding", async () => {
    const pipeline = await createPipeline(bench);
    const body = JSON.stringify(outboundMessage());
    await enqueueStored(pipeline, { body }, sign(body, SECRET));
    await deliver(
      bench,
      pipeline,
      worker(pipeline, async () => undefined),
    );
    const [letter] = await receive(bench, pipeline.dlqUrl);
    expect(parseDeadLetterContext(letter.MessageAttributes?.[DEAD_LETTER_ATTRIBUTE]?.StringValue)).toMatchObject({
      reason: "malformed",
      error: "BodyEncodingError",
      message: "the body is marked x-body-encoding: base64 but is not base64",
    });
  });

  it("reads an unmarked body as it is (Event Streams, another producer)", async () => {
    const pipeline = await createPipeline(bench);
    const body = JSON.stringify(outboundMessage({ text: "plain" }));
    await enqueueStored(pipeline, { body, marked: false }, sign(body, SECRET));
    const handled: string[] = [];
    await deliver(
      bench,
      pipeline,
      worker(pipeline, async (m) => void handled.push(m.text ?? "")),
    );
    expect(handled).toEqual(["plain"]);
  });
});
