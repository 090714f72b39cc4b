/**
 * Synth validation of the hardening props, through the pipeline's one ValidationError:
 * the replay window in effect (the default included) against the idempotency TTL, webhook-only
 * props on an eventStreams pipeline, and the message size with existing queues.
 */
import { ConsumerPipeline, ConsumerPipelineProps, ValidationError } from "../../lib";
import { errorOf, pipelineProps, synth } from "./support";

const TOPICS = ["v2.detail.events.conversation.{id}.customer.start"];
const ACCOUNT = "444455556666";
const EXISTING = {
  queue: { arn: `arn:aws:sqs:eu-west-1:${ACCOUNT}:orders-in`, url: `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/orders-in` },
  dlq: { arn: `arn:aws:sqs:eu-west-1:${ACCOUNT}:orders-dlq`, url: `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/orders-dlq` },
  maxReceiveCount: 7,
};

/** The pipeline's ValidationError for `props` (fails the test when synth succeeds). */
function pipelineError(props: Partial<ConsumerPipelineProps>): ValidationError {
  const error = errorOf(() => synth((stack) => new ConsumerPipeline(stack, "orders", pipelineProps(props))));
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

describe("the replay window in effect is checked against the idempotency TTL", () => {
  it("refuses a TTL shorter than the default window allows, naming the window", () => {
    const error = pipelineError({ worker: { idempotencyTtlSeconds: 600 } as never });
    expect(error.constructType).toBe("ConsumerPipeline");
    expect(error.problems).toContainEqual({
      prop: "worker.replayWindowSeconds",
      message:
        "the default replay window (900 s) is not a replay window; set 0 (off) or an integer from 300 (Genesys retries a webhook for about 85 s) to 300 seconds (idempotencyTtlSeconds 600 less the 300 s clock-skew allowance, so a replay the window accepts still meets its idempotency record).",
    });
  });

  it("offers only 0 when the TTL leaves no window at all", () => {
    const error = pipelineError({ worker: { idempotencyTtlSeconds: 60, replayWindowSeconds: 300 } as never });
    expect(error.problems.find((p) => p.prop === "worker.replayWindowSeconds")?.message).toBe(
      "300 is not a replay window; set replayWindowSeconds to 0 (off), or idempotencyTtlSeconds to at least 600 (idempotencyTtlSeconds 60 less the 300 s clock-skew allowance, so a replay the window accepts still meets its idempotency record).",
    );
  });

  it("accepts a short TTL with the window off, and the default TTL with the default window", () => {
    expect(() =>
      synth(
        (stack) =>
          new ConsumerPipeline(stack, "orders", pipelineProps({ worker: { idempotencyTtlSeconds: 600, replayWindowSeconds: 0 } as never })),
      ),
    ).not.toThrow();
    expect(() => synth((stack) => new ConsumerPipeline(stack, "orders", pipelineProps()))).not.toThrow();
  });

  it("leaves an eventStreams worker's TTL alone (no signed time, no window)", () => {
    const props = { ingress: { kind: "eventStreams" as const, topics: TOPICS }, worker: { idempotencyTtlSeconds: 600 } as never };
    expect(() => synth((stack) => new ConsumerPipeline(stack, "orders", pipelineProps(props)))).not.toThrow();
  });
});

describe("webhook-only props on an eventStreams pipeline are refused by the pipeline, with their prefix", () => {
  it("worker.replayWindowSeconds", () => {
    const error = pipelineError({ ingress: { kind: "eventStreams", topics: TOPICS }, worker: { replayWindowSeconds: 900 } as never });
    expect(error.constructType).toBe("ConsumerPipeline");
    expect(error.problems).toContainEqual({
      prop: "worker.replayWindowSeconds",
      message: "applies to webhook pipelines only (an Event Streams event carries no signed time); remove it.",
    });
  });

  it("alarms.ingressBodyTooLargeThreshold", () => {
    const error = pipelineError({ ingress: { kind: "eventStreams", topics: TOPICS }, alarms: { ingressBodyTooLargeThreshold: 0 } });
    expect(error.problems).toContainEqual({
      prop: "alarms.ingressBodyTooLargeThreshold",
      message: "watches the webhook ingress (API Gateway); an eventStreams pipeline has none. Remove it.",
    });
  });
});

describe("queue.maxMessageSizeBytes with queue.existing", () => {
  it("is refused as a created-queue prop, saying what the created quarantine queue gets and what the existing queue needs", () => {
    const error = pipelineError({ queue: { existing: EXISTING, maxMessageSizeBytes: 1_048_576 } });
    expect(error.problems).toEqual([
      {
        prop: "queue.maxMessageSizeBytes",
        message:
          "configures a queue the pipeline creates, but queue.existing brings existing queues; remove it (a quarantine queue the pipeline creates is always 1048576 bytes, SQS's maximum; keep your existing queue's maximum at most 1046509 bytes so its dead letters fit your DLQ with their context).",
      },
    ]);
  });

  it("creates the quarantine queue at SQS's maximum", () => {
    const out = synth((stack) => new ConsumerPipeline(stack, "orders", pipelineProps({ queue: { existing: EXISTING } })));
    expect(out.list("aws_sqs_queue").map((q) => q.max_message_size)).toEqual([1_048_576]);
  });
});
