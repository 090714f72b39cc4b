import { judge, parseProfile, smokeSpikeProfile, type RedriveInspection, type VerdictInput } from "../../../lib/runtime/loadgen";

const slo = parseProfile({ ...smokeSpikeProfile, slo: { ackP99Ms: 500, endToEndP99Ms: 10_000, minAcceptedRatio: 0.99 } }).slo;
const good: VerdictInput = {
  offered: 1000,
  accepted: 1000,
  ackP99Ms: 120,
  delivery: { lost: 0, deadLetteredUnexpected: 0, duplicateSideEffects: 0, duplicateDeliveries: 0, endToEndP99Ms: 4000, faultViolations: 0 },
};
const DLQ_ARN = "arn:aws:sqs:us-east-1:123456789012:orders-dlq";
const sound: RedriveInspection = {
  queueUrl: "http://127.0.0.1:9324/123456789012/orders",
  queueArn: "arn:aws:sqs:us-east-1:123456789012:orders",
  policy: { deadLetterTargetArn: DLQ_ARN, maxReceiveCount: 10 },
  expectedDlqArn: DLQ_ARN,
  workerMaxReceiveCount: 10,
};

test("a run within every threshold passes all eight evaluated checks; without the queue the redrive check is skipped", () => {
  const v = judge(good, slo);
  expect(v.verdict).toBe("PASS");
  expect(v.reasons).toEqual([]);
  expect(v.checks.map((c) => [c.name, c.status])).toEqual([
    ["acceptedRatio", "pass"],
    ["ackP99Ms", "pass"],
    ["lost", "pass"],
    ["unexpectedDeadLetters", "pass"],
    ["duplicateSideEffects", "pass"],
    ["duplicateDeliveryRatio", "pass"],
    ["endToEndP99Ms", "pass"],
    ["faultViolations", "pass"],
    ["redrivePolicy", "skipped"],
  ]);
  expect(v.checks.find((c) => c.name === "duplicateDeliveryRatio")).toMatchObject({ actual: 0, threshold: "<= 0.01" });
});

test.each<[string, Partial<VerdictInput> | Partial<NonNullable<VerdictInput["delivery"]>>, boolean, RegExp]>([
  ["acceptedRatio", { accepted: 980 }, false, /accepted ratio 0\.9800 is below 0\.99 \(980 of 1000 offered\)/],
  ["ackP99Ms", { ackP99Ms: 501 }, false, /ingress ack p99 501\.0 ms exceeds 500 ms/],
  ["lost", { lost: 1 }, true, /1 accepted message\(s\) lost/],
  ["unexpectedDeadLetters", { deadLetteredUnexpected: 2 }, true, /2 unexpected dead letter\(s\)/],
  ["duplicateSideEffects", { duplicateSideEffects: 1 }, true, /1 duplicate side effect\(s\)/],
  ["endToEndP99Ms", { endToEndP99Ms: 10_001 }, true, /end-to-end p99 10001 ms exceeds 10000 ms/],
  ["faultViolations", { faultViolations: 3 }, true, /3 fault-marked message\(s\)/],
  [
    "duplicateDeliveryRatio",
    { duplicateDeliveries: 11 },
    true,
    /^11 duplicate deliveries \(1\.1% of accepted\): messages are delivered again while or after being processed; check the visibility timeout against the worker's processing time$/,
  ],
])("FAIL when %s breaks its threshold", (name, change, inDelivery, reason) => {
  const input = inDelivery ? { ...good, delivery: { ...good.delivery!, ...change } } : { ...good, ...change };
  const v = judge(input as VerdictInput, slo);
  expect(v.verdict).toBe("FAIL");
  expect(v.reasons).toHaveLength(1);
  expect(v.reasons[0]).toMatch(reason);
  expect(v.checks.find((c) => c.name === name)?.status).toBe("fail");
});

test("without reconciliation the delivery checks are skipped, not passed", () => {
  const v = judge({ ...good, delivery: undefined }, slo);
  expect(v.verdict).toBe("PASS");
  expect(v.checks.filter((c) => c.status === "skipped").map((c) => c.name)).toEqual([
    "lost",
    "unexpectedDeadLetters",
    "duplicateSideEffects",
    "duplicateDeliveryRatio",
    "endToEndP99Ms",
    "faultViolations",
    "redrivePolicy",
  ]);
});

test("duplicate deliveries at the threshold pass; the threshold comes from the profile", () => {
  // 10 of 1000 accepted = 0.01, the default maximum
  const atDefault = judge({ ...good, delivery: { ...good.delivery!, duplicateDeliveries: 10 } }, slo);
  expect(atDefault.verdict).toBe("PASS");
  expect(atDefault.checks.find((c) => c.name === "duplicateDeliveryRatio")).toMatchObject({ status: "pass", actual: 0.01 });
  // a fault profile that crashes the worker on purpose raises it
  const raised = parseProfile({ ...smokeSpikeProfile, slo: { maxDuplicateDeliveryRatio: 0.5 } }).slo;
  const half = judge({ ...good, delivery: { ...good.delivery!, duplicateDeliveries: 478 } }, raised);
  expect(half.checks.find((c) => c.name === "duplicateDeliveryRatio")).toMatchObject({ status: "pass", actual: 0.478, threshold: "<= 0.5" });
  const over = judge({ ...good, delivery: { ...good.delivery!, duplicateDeliveries: 501 } }, raised);
  expect(over.reasons).toEqual([expect.stringMatching(/^501 duplicate deliveries \(50\.1% of accepted\)/)]);
});

test("the redrive check passes for a policy to the given DLQ with the worker's maxReceiveCount or more", () => {
  for (const redrive of [sound, { ...sound, policy: { ...sound.policy!, maxReceiveCount: 15 } }]) {
    const v = judge({ ...good, redrive }, slo);
    expect(v.verdict).toBe("PASS");
    expect(v.checks.find((c) => c.name === "redrivePolicy")).toMatchObject({
      status: "pass",
      actual: redrive.policy!.maxReceiveCount,
      detail: `to orders-dlq, maxReceiveCount ${redrive.policy!.maxReceiveCount}`,
      threshold: "to orders-dlq, maxReceiveCount >= 10",
    });
  }
  // without a DLQ or the worker's count to compare with, any policy passes
  const loose = judge({ ...good, redrive: { queueUrl: sound.queueUrl, policy: { deadLetterTargetArn: "arn:aws:sqs:us-east-1:1:x", maxReceiveCount: 1 } } }, slo);
  expect(loose.checks.find((c) => c.name === "redrivePolicy")).toMatchObject({ status: "pass", threshold: "to a DLQ" });
});

test.each<[string, Partial<RedriveInspection>, RegExp]>([
  [
    "no redrive policy",
    { policy: undefined },
    /^the queue has no redrive policy: a message that crashes or times out the worker on every delivery is retried until retention expires and then deleted without trace; give the queue a DLQ$/,
  ],
  [
    "a policy to another queue",
    { policy: { deadLetterTargetArn: "arn:aws:sqs:us-east-1:123456789012:other-dlq", maxReceiveCount: 10 } },
    /targets arn:aws:sqs:us-east-1:123456789012:other-dlq, not the DLQ given \(arn:aws:sqs:us-east-1:123456789012:orders-dlq\)/,
  ],
  [
    "a maxReceiveCount below the worker's",
    { policy: { deadLetterTargetArn: DLQ_ARN, maxReceiveCount: 3 } },
    /maxReceiveCount 3, below the worker's 10: SQS moves a message to the DLQ before the worker can dead-letter it with its context/,
  ],
  ["an unreadable queue", { policy: undefined, error: "AccessDenied: not authorized to GetQueueAttributes" }, /^could not read the redrive policy of .*: AccessDenied/],
])("the redrive check FAILS for %s", (_, change, reason) => {
  const v = judge({ ...good, redrive: { ...sound, ...change } }, slo);
  expect(v.verdict).toBe("FAIL");
  expect(v.reasons).toEqual([expect.stringMatching(reason)]);
  expect(v.checks.find((c) => c.name === "redrivePolicy")?.status).toBe("fail");
});

test("a wrong DLQ and a low maxReceiveCount are both named in one reason", () => {
  const v = judge({ ...good, redrive: { ...sound, policy: { deadLetterTargetArn: "arn:aws:sqs:us-east-1:123456789012:other-dlq", maxReceiveCount: 2 } } }, slo);
  expect(v.reasons).toHaveLength(1);
  expect(v.reasons[0]).toMatch(/targets .*other-dlq.*; the queue's redrive policy has maxReceiveCount 2, below the worker's 10/);
});
