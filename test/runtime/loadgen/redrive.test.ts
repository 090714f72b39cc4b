import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { inspectRedrivePolicy, renderHtmlReport, renderSummary, runSpike } from "../../../lib/runtime/loadgen";
import { LOCAL_AWS, startSqs } from "../../helpers/local-servers";
import { startTarget, type Target } from "./target";

let sqs: Awaited<ReturnType<typeof startSqs>>;
let client: SQSClient;
let target: Target;
const queues: Record<"dlq" | "otherDlq" | "good" | "none" | "elsewhere" | "lowCount", { url: string; arn: string }> = {} as never;

async function createQueue(name: string, redrive?: { to: string; maxReceiveCount: number }): Promise<{ url: string; arn: string }> {
  const attributes = redrive
    ? { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: redrive.to, maxReceiveCount: redrive.maxReceiveCount }) }
    : undefined;
  const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }));
  return { url: QueueUrl!, arn: Attributes!.QueueArn! };
}

beforeAll(async () => {
  sqs = await startSqs();
  client = sqs.client();
  queues.dlq = await createQueue("orders-dlq");
  queues.otherDlq = await createQueue("other-dlq");
  queues.good = await createQueue("orders", { to: queues.dlq.arn, maxReceiveCount: 10 });
  queues.none = await createQueue("orders-without-dlq");
  queues.elsewhere = await createQueue("orders-elsewhere", { to: queues.otherDlq.arn, maxReceiveCount: 10 });
  queues.lowCount = await createQueue("orders-low-count", { to: queues.dlq.arn, maxReceiveCount: 3 });
  target = await startTarget();
});
afterAll(async () => {
  client.destroy();
  await target.close();
  await sqs.close();
});

const local = () => ({ endpoint: sqs.endpoint, region: LOCAL_AWS.region, credentials: LOCAL_AWS.credentials });

/** A real (tiny) run against a local target, with the queue given: the verdict reads the policy from local-aws-sqs. */
async function spikeAgainst(queueUrl: string) {
  return runSpike({
    targetUrl: target.url,
    secret: "redrive-check-secret-0123456789",
    profile: { name: "redrive", phases: [{ type: "constant", ratePerSecond: 50, durationSeconds: 0.1 }] },
    queueUrl,
    dlqUrl: queues.dlq.url,
    workerMaxReceiveCount: 10,
    sqs: local(),
  });
}

test("inspectRedrivePolicy reads the queue's policy and the given DLQ's ARN from SQS", async () => {
  const r = await inspectRedrivePolicy({ queueUrl: queues.good.url, dlqUrl: queues.dlq.url, workerMaxReceiveCount: 10, sqs: local() });
  expect(r).toEqual({
    queueUrl: queues.good.url,
    queueArn: queues.good.arn,
    policy: { deadLetterTargetArn: queues.dlq.arn, maxReceiveCount: 10 },
    expectedDlqArn: queues.dlq.arn,
    workerMaxReceiveCount: 10,
  });
  const none = await inspectRedrivePolicy({ queueUrl: queues.none.url, sqs: client });
  expect(none).toEqual({ queueUrl: queues.none.url, queueArn: queues.none.arn });
  // a caller's client is left open
  await expect(
    client.send(new GetQueueAttributesCommand({ QueueUrl: queues.none.url, AttributeNames: ["QueueArn"] })),
  ).resolves.toBeDefined();
});

test("a run against a queue with a redrive policy to the given DLQ passes the redrive check", async () => {
  const report = await spikeAgainst(queues.good.url);
  expect(report.counts.accepted).toBe(5);
  expect(report.verdict.verdict).toBe("PASS");
  expect(report.verdict.checks.find((c) => c.name === "redrivePolicy")).toEqual({
    name: "redrivePolicy",
    status: "pass",
    actual: 10,
    detail: "to orders-dlq, maxReceiveCount 10",
    threshold: "to orders-dlq, maxReceiveCount >= 10",
  });
  expect(report.redrivePolicy).toMatchObject({ queueArn: queues.good.arn, expectedDlqArn: queues.dlq.arn });
  expect(renderSummary(report)).toMatch(/PASS\s+redrivePolicy\s+to orders-dlq, maxReceiveCount 10\s+to orders-dlq, maxReceiveCount >= 10/);
  expect(renderHtmlReport(report)).toContain(
    '<th>redrivePolicy</th><td class="status-pass">PASS</td><td>to orders-dlq, maxReceiveCount 10</td>',
  );
});

test.each([
  ["no redrive policy", "none", /^the queue has no redrive policy: .*give the queue a DLQ$/, "no redrive policy"],
  [
    "a redrive policy to another DLQ",
    "elsewhere",
    /targets arn:aws:sqs:[^ ]*:other-dlq, not the DLQ given \(arn:aws:sqs:[^ ]*:orders-dlq\)/,
    "to other-dlq, maxReceiveCount 10",
  ],
  ["a maxReceiveCount below the worker's", "lowCount", /maxReceiveCount 3, below the worker's 10/, "to orders-dlq, maxReceiveCount 3"],
] as const)("a run against a queue with %s FAILS the redrive check", async (_, queue, reason, detail) => {
  const report = await spikeAgainst(queues[queue].url);
  expect(report.counts.accepted).toBe(5);
  expect(report.verdict.verdict).toBe("FAIL");
  expect(report.verdict.reasons).toEqual([expect.stringMatching(reason)]);
  expect(report.verdict.checks.find((c) => c.name === "redrivePolicy")).toMatchObject({ status: "fail", detail });
  expect(renderSummary(report)).toMatch(/VERDICT: FAIL\n {2}- /);
});

test("a queue that cannot be read fails the check with the error, without losing the report", async () => {
  const report = await spikeAgainst(`${sqs.endpoint}/000000000000/no-such-queue`);
  expect(report.verdict.verdict).toBe("FAIL");
  expect(report.verdict.reasons).toEqual([expect.stringMatching(/^could not read the redrive policy of .*no-such-queue: /)]);
  expect(report.verdict.checks.find((c) => c.name === "redrivePolicy")).toMatchObject({ status: "fail", detail: "unreadable" });
});
