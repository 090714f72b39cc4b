import { QueueWithDlq, ValidationError } from "../../lib";
import { errorOf, synth } from "./support";

const TLS_DENY = (arnRef: string) => ({
  Sid: "DenyInsecureTransport",
  Effect: "Deny",
  Principal: "*",
  Action: "sqs:*",
  Resource: arnRef,
  Condition: { Bool: { "aws:SecureTransport": "false" } },
});

describe("QueueWithDlq", () => {
  describe("defaults", () => {
    let q: QueueWithDlq;
    const out = synth((stack) => {
      q = new QueueWithDlq(stack, "jobs");
    });
    const main = out.find("aws_sqs_queue", "jobs_queue_");
    const dlq = out.find("aws_sqs_queue", "jobs_dlq_");
    const quarantine = out.find("aws_sqs_queue", "jobs_quarantine_");
    const ref = (fragment: string, attr: string) => `\${aws_sqs_queue.${out.id("aws_sqs_queue", fragment)}.${attr}}`;

    it("redrives the main queue to the DLQ after 10 receives", () => {
      expect(JSON.parse(main.redrive_policy)).toEqual({ deadLetterTargetArn: ref("jobs_dlq_", "arn"), maxReceiveCount: 10 });
      expect(q.maxReceiveCount).toBe(10);
    });

    it("derives the visibility timeout from a 30 s consumer: 6 x 30 = 180 s", () => {
      expect(main.visibility_timeout_seconds).toBe(180);
      expect(q.visibilityTimeoutSeconds).toBe(180);
    });

    it("keeps messages 4 days in the main queue and 14 days in the DLQ and the quarantine queue", () => {
      expect(main.message_retention_seconds).toBe(345600);
      expect(dlq.message_retention_seconds).toBe(1209600);
      expect(quarantine.message_retention_seconds).toBe(1209600);
    });

    it("sizes the queues by the size budget: 1 MiB on the DLQ and the quarantine queue, room for the x-dead-letter context below it on the main queue", () => {
      for (const queue of [dlq, quarantine]) expect(queue.max_message_size).toBe(1048576);
      expect(main.max_message_size).toBe(1048576 - 2067);
    });

    it("encrypts all three queues with SSE-SQS", () => {
      for (const queue of [main, dlq, quarantine]) {
        expect(queue.sqs_managed_sse_enabled).toBe(true);
        expect(queue.kms_master_key_id).toBeUndefined();
      }
    });

    it("is a standard queue with no redrive on the DLQ and the quarantine queue", () => {
      expect(main.fifo_queue).toBeUndefined();
      expect(dlq.redrive_policy).toBeUndefined();
      expect(quarantine.redrive_policy).toBeUndefined();
    });

    it("names the queues from the construct path with a hash", () => {
      expect(main.name).toMatch(/^jobs-queue-[0-9a-f]{8}$/);
      expect(dlq.name).toMatch(/^jobs-dlq-[0-9a-f]{8}$/);
      expect(quarantine.name).toMatch(/^jobs-quarantine-[0-9a-f]{8}$/);
    });

    it("owns exactly one policy per queue, each starting with a TLS-only deny", () => {
      const policies = out.list("aws_sqs_queue_policy");
      expect(policies).toHaveLength(3);
      for (const fragment of ["jobs_queue_", "jobs_dlq_", "jobs_quarantine_"]) {
        const policy = policies.find((p) => p.queue_url === ref(fragment, "url"));
        expect(JSON.parse(policy.policy)).toEqual({ Version: "2012-10-17", Statement: [TLS_DENY(ref(fragment, "arn"))] });
      }
    });
  });

  describe("overrides", () => {
    it("encrypts every queue with a customer KMS key when given", () => {
      const out = synth(
        (stack) =>
          new QueueWithDlq(stack, "jobs", { kmsKeyArn: "arn:aws:kms:eu-west-1:111122223333:key/k", kmsDataKeyReusePeriodSeconds: 600 }),
      );
      for (const queue of out.list("aws_sqs_queue")) {
        expect(queue.kms_master_key_id).toBe("arn:aws:kms:eu-west-1:111122223333:key/k");
        expect(queue.kms_data_key_reuse_period_seconds).toBe(600);
        expect(queue.sqs_managed_sse_enabled).toBeUndefined();
      }
    });

    it("makes all three queues FIFO with distinct .fifo names and content-based deduplication", () => {
      const out = synth((stack) => new QueueWithDlq(stack, "jobs", { fifo: true }));
      const queues = out.list("aws_sqs_queue");
      expect(queues.every((queue) => queue.fifo_queue === true && queue.name.endsWith(".fifo"))).toBe(true);
      expect(new Set(queues.map((queue) => queue.name)).size).toBe(3);
      expect(out.find("aws_sqs_queue", "jobs_queue_").content_based_deduplication).toBe(true);
    });

    it("derives the visibility timeout from the consumer timeout and batching window", () => {
      const out = synth((stack) => new QueueWithDlq(stack, "jobs", { consumerTimeoutSeconds: 60, consumerBatchingWindowSeconds: 5 }));
      expect(out.find("aws_sqs_queue", "jobs_queue_").visibility_timeout_seconds).toBe(365);
    });

    it("takes an explicit visibility timeout at or above the rule, and the other settings", () => {
      const out = synth(
        (stack) =>
          new QueueWithDlq(stack, "jobs", {
            visibilityTimeoutSeconds: 900,
            maxReceiveCount: 5,
            messageRetentionSeconds: 86400,
            deadLetterRetentionSeconds: 604800,
            maxMessageSizeBytes: 262144,
            namePrefix: "prod-",
            tags: { team: "a" },
          }),
      );
      const main = out.find("aws_sqs_queue", "jobs_queue_");
      expect(main.visibility_timeout_seconds).toBe(900);
      expect(JSON.parse(main.redrive_policy).maxReceiveCount).toBe(5);
      expect(main.message_retention_seconds).toBe(86400);
      expect(out.find("aws_sqs_queue", "jobs_dlq_").message_retention_seconds).toBe(604800);
      expect(main.max_message_size).toBe(262144);
      // the DLQ and the quarantine queue keep the SQS maximum whatever the main queue's
      expect(out.find("aws_sqs_queue", "jobs_dlq_").max_message_size).toBe(1048576);
      expect(out.find("aws_sqs_queue", "jobs_quarantine_").max_message_size).toBe(1048576);
      expect(main.name).toMatch(/^prod-jobs-queue-[0-9a-f]{8}$/);
      expect(out.list("aws_sqs_queue").every((queue) => queue.tags.team === "a")).toBe(true);
    });

    it("adds statements to the one policy of the chosen queue", () => {
      let q!: QueueWithDlq;
      const out = synth((stack) => {
        q = new QueueWithDlq(stack, "jobs");
        q.addToResourcePolicy({
          Sid: "AllowEvents",
          Effect: "Allow",
          Principal: { Service: "events.amazonaws.com" },
          Action: "sqs:SendMessage",
          Resource: q.queue.arn,
        });
        q.addToResourcePolicy(
          {
            Sid: "AllowOps",
            Effect: "Allow",
            Principal: { AWS: "arn:aws:iam::111122223333:role/ops" },
            Action: "sqs:ReceiveMessage",
            Resource: q.dlq.arn,
          },
          "dlq",
        );
      });
      const policyOf = (fragment: string) =>
        JSON.parse(out.list("aws_sqs_queue_policy").find((p) => p.queue_url.includes(out.id("aws_sqs_queue", fragment))).policy);
      expect(policyOf("jobs_queue_").Statement.map((s: { Sid: string }) => s.Sid)).toEqual(["DenyInsecureTransport", "AllowEvents"]);
      expect(policyOf("jobs_dlq_").Statement.map((s: { Sid: string }) => s.Sid)).toEqual(["DenyInsecureTransport", "AllowOps"]);
      expect(policyOf("jobs_quarantine_").Statement).toHaveLength(1);
      expect(out.list("aws_sqs_queue_policy")).toHaveLength(3);
    });
  });

  describe("validation", () => {
    it("rejects a visibility timeout below 6 x the consumer timeout + the window, naming the fix", () => {
      const error = errorOf(() => synth((stack) => new QueueWithDlq(stack, "jobs", { visibilityTimeoutSeconds: 60 })));
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.message).toBe(
        'QueueWithDlq "stack/jobs" has 1 invalid prop:\n' +
          "  - visibilityTimeoutSeconds: 60 s is below 6 x consumerTimeoutSeconds (30 s) + consumerBatchingWindowSeconds (0 s) = 180 s; set at least 180 or leave it unset to derive it.",
      );
    });

    it("lists every problem at once", () => {
      const error = errorOf(() =>
        synth(
          (stack) =>
            new QueueWithDlq(stack, "jobs", {
              maxMessageSizeBytes: 2_000_000,
              maxReceiveCount: 0,
              messageRetentionSeconds: 1_209_600,
              deadLetterRetentionSeconds: 86_400,
              contentBasedDeduplication: true,
            }),
        ),
      ) as ValidationError;
      expect(error.problems).toEqual([
        {
          prop: "maxReceiveCount",
          message: "0 is outside 1..1000; set an integer from 1 to 1000 (10 is the default; AWS recommends at least 5).",
        },
        {
          prop: "maxMessageSizeBytes",
          message:
            "2000000 bytes is over the SQS limit of 1 MiB; set at most 1046509 (the default: the DLQ's 1048576 minus 2067 for the x-dead-letter context).",
        },
        {
          prop: "deadLetterRetentionSeconds",
          message:
            "86400 s is shorter than messageRetentionSeconds (1209600 s), so dead letters could expire on arrival; set it to at least 1209600.",
        },
        { prop: "contentBasedDeduplication", message: "applies only to FIFO queues; set fifo: true or remove it." },
      ]);
      expect(error.message.split("\n")[0]).toBe('QueueWithDlq "stack/jobs" has 4 invalid props:');
    });
  });
});
