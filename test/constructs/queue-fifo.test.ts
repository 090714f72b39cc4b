import { ConsumerPipeline, GenesysProvider, QueueWithDlq, ValidationError } from "../../lib";
import { MAIN_QUEUE, errorOf, pipelineProps, synth, synthPipeline } from "./support";

const DEDUP_FALSE =
  "cannot be false on a FIFO queue: the webhook ingress (and EventBridge) send no MessageDeduplicationId, so SQS would refuse every message. Set it to true or remove it (true is the default).";

describe("QueueWithDlq FIFO", () => {
  describe("high throughput", () => {
    it("is on by default on the main queue: deduplication per message group, quota per message group id", () => {
      const out = synth((stack) => new QueueWithDlq(stack, "jobs", { fifo: true }));
      const main = out.find("aws_sqs_queue", "jobs_queue_");
      expect(main.deduplication_scope).toBe("messageGroup");
      expect(main.fifo_throughput_limit).toBe("perMessageGroupId");
      expect(main.content_based_deduplication).toBe(true);
    });

    it("leaves the DLQ and the quarantine queue in the default mode (low-volume, one dead letter at a time)", () => {
      const out = synth((stack) => new QueueWithDlq(stack, "jobs", { fifo: true }));
      for (const fragment of ["jobs_dlq_", "jobs_quarantine_"]) {
        const queue = out.find("aws_sqs_queue", fragment);
        expect(queue.fifo_queue).toBe(true);
        expect(queue.deduplication_scope).toBeUndefined();
        expect(queue.fifo_throughput_limit).toBeUndefined();
      }
    });

    it("is off with fifoHighThroughput: false", () => {
      const out = synth((stack) => new QueueWithDlq(stack, "jobs", { fifo: true, fifoHighThroughput: false }));
      const main = out.find("aws_sqs_queue", "jobs_queue_");
      expect(main.fifo_queue).toBe(true);
      expect(main.deduplication_scope).toBeUndefined();
      expect(main.fifo_throughput_limit).toBeUndefined();
    });

    it("never applies to standard queues", () => {
      const out = synth((stack) => new QueueWithDlq(stack, "jobs"));
      for (const queue of out.list("aws_sqs_queue")) {
        expect(queue.fifo_queue).toBeUndefined();
        expect(queue.deduplication_scope).toBeUndefined();
        expect(queue.fifo_throughput_limit).toBeUndefined();
      }
    });

    it("reaches the pipeline's main queue through queue.fifo, and queue.fifoHighThroughput: false turns it off", () => {
      const on = synthPipeline({ queue: { fifo: true } }).out.find("aws_sqs_queue", MAIN_QUEUE("orders"));
      expect(on).toMatchObject({ deduplication_scope: "messageGroup", fifo_throughput_limit: "perMessageGroupId" });
      const off = synthPipeline({ queue: { fifo: true, fifoHighThroughput: false } }).out.find("aws_sqs_queue", MAIN_QUEUE("orders"));
      expect(off.deduplication_scope).toBeUndefined();
      expect(off.fifo_throughput_limit).toBeUndefined();
    });
  });

  describe("validation", () => {
    it("rejects contentBasedDeduplication: false on a FIFO queue, naming why and the fix", () => {
      const error = errorOf(() => synth((stack) => new QueueWithDlq(stack, "jobs", { fifo: true, contentBasedDeduplication: false })));
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.message).toBe('QueueWithDlq "stack/jobs" has 1 invalid prop:\n' + `  - contentBasedDeduplication: ${DEDUP_FALSE}`);
    });

    it("accepts contentBasedDeduplication: true on a FIFO queue", () => {
      const out = synth((stack) => new QueueWithDlq(stack, "jobs", { fifo: true, contentBasedDeduplication: true }));
      expect(out.find("aws_sqs_queue", "jobs_queue_").content_based_deduplication).toBe(true);
    });

    it("names the pipeline's prop path: queue.contentBasedDeduplication", () => {
      const error = errorOf(() => synthPipeline({ queue: { fifo: true, contentBasedDeduplication: false } }));
      expect(error.message).toBe(
        'ConsumerPipeline "stack/orders" has 1 invalid prop:\n' + `  - queue.contentBasedDeduplication: ${DEDUP_FALSE}`,
      );
    });

    it("rejects it on an eventStreams pipeline too (the rule target sends no deduplication id either)", () => {
      const error = errorOf(() =>
        synth((stack) => {
          new GenesysProvider(stack, "genesys", { awsRegion: "eu-west-1" });
          new ConsumerPipeline(
            stack,
            "orders",
            pipelineProps({
              queue: { fifo: true, contentBasedDeduplication: false },
              ingress: {
                kind: "eventStreams",
                topics: ["v2.detail.events.conversation.{id}.customer.start"],
                deadLetterQueue: { queueArn: "arn:aws:sqs:eu-west-1:123456789012:events-dlq" },
              },
            }),
          );
        }),
      ) as ValidationError;
      expect(error.problems).toEqual([{ prop: "queue.contentBasedDeduplication", message: DEDUP_FALSE }]);
    });

    it("rejects fifoHighThroughput on a standard queue", () => {
      const error = errorOf(() => synth((stack) => new QueueWithDlq(stack, "jobs", { fifoHighThroughput: true }))) as ValidationError;
      expect(error.problems).toEqual([
        { prop: "fifoHighThroughput", message: "applies only to FIFO queues; set fifo: true or remove it." },
      ]);
      const pipeline = errorOf(() => synthPipeline({ queue: { fifoHighThroughput: false } })) as ValidationError;
      expect(pipeline.problems).toEqual([
        { prop: "queue.fifoHighThroughput", message: "applies only to FIFO queues; set fifo: true or remove it." },
      ]);
    });
  });
});
