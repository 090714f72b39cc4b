import { judge, parseProfile, smokeSpikeProfile, type RedriveInspection, type VerdictInput } from "../../../lib/runtime/loadgen";

const slo = parseProfile({ ...smokeSpikeProfile, slo: { ackP99Ms: 500, endToEndP99Ms: 10_000, minAcceptedRatio: 0.99 } }).slo;
const good: VerdictInput = {
  offered: 1000,
  accepted: 1000,
  ackP99Ms: 120,
  acksAfterGenesysTimeout: 0,
  delivery: {
    lost: 0,
    inFlight: 0,
    deadLetteredUnexpected: 0,
    duplicateSideEffects: 0,
    duplicateDeliveries: 0,
    endToEndP99Ms: 4000,
    faultViolations: 0,
  },
};
const DLQ_ARN = "arn:aws:sqs:us-east-1:123456789012:orders-dlq";
const sound: RedriveInspection = {
  queueUrl: "http://127.0.0.1:9324/123456789012/orders",
  queueArn: "arn:aws:sqs:us-east-1:123456789012:orders",
  policy: { deadLetterTargetArn: DLQ_ARN, maxReceiveCount: 10 },
  expectedDlqArn: DLQ_ARN,
  workerMaxReceiveCount: 10,
};

test("a run within every threshold passes all ten evaluated checks; without the queue the redrive check is skipped", () => {
  const v = judge(good, slo);
  expect(v.verdict).toBe("PASS");
  expect(v.reasons).toEqual([]);
  expect(v.checks.map((c) => [c.name, c.status])).toEqual([
    ["acceptedRatio", "pass"],
    ["ackP99Ms", "pass"],
    ["acksOverGenesysTimeout", "pass"],
    ["lost", "pass"],
    ["inFlight", "pass"],
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
  [
    "inFlight",
    { inFlight: 2, inFlightDescriptions: ["seq 3: in flight, attempt 8 of 10", "seq 9: in flight, attempt 9 of 10"] },
    true,
    /^2 accepted message\(s\) still in flight at the deadline \(being retried, not resolved: seq 3: in flight, attempt 8 of 10, seq 9: in flight, attempt 9 of 10\)/,
  ],
  [
    "acksOverGenesysTimeout",
    { acksAfterGenesysTimeout: 11 },
    false,
    /^11 of 1000 acks \(1\.1%\) came more than Genesys' 10 s webhook timeout after their planned send, over 1%: Genesys would have retried them$/,
  ],
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
    "inFlight",
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
  expect(half.checks.find((c) => c.name === "duplicateDeliveryRatio")).toMatchObject({
    status: "pass",
    actual: 0.478,
    threshold: "<= 0.5",
  });
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
  const loose = judge(
    { ...good, redrive: { queueUrl: sound.queueUrl, policy: { deadLetterTargetArn: "arn:aws:sqs:us-east-1:1:x", maxReceiveCount: 1 } } },
    slo,
  );
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
  [
    "an unreadable queue",
    { policy: undefined, error: "AccessDenied: not authorized to GetQueueAttributes" },
    /^could not read the redrive policy of .*: AccessDenied/,
  ],
])("the redrive check FAILS for %s", (_, change, reason) => {
  const v = judge({ ...good, redrive: { ...sound, ...change } }, slo);
  expect(v.verdict).toBe("FAIL");
  expect(v.reasons).toEqual([expect.stringMatching(reason)]);
  expect(v.checks.find((c) => c.name === "redrivePolicy")?.status).toBe("fail");
});

test("a wrong DLQ and a low maxReceiveCount are both named in one reason", () => {
  const v = judge(
    { ...good, redrive: { ...sound, policy: { deadLetterTargetArn: "arn:aws:sqs:us-east-1:123456789012:other-dlq", maxReceiveCount: 2 } } },
    slo,
  );
  expect(v.reasons).toHaveLength(1);
  expect(v.reasons[0]).toMatch(/targets .*other-dlq.*; the queue's redrive policy has maxReceiveCount 2, below the worker's 10/);
});

describe("judged locally (the emulator on a few shared cores)", () => {
  it("shows the AWS-grade p99 bounds as INFO, not judged: a perfect run with a 6.8 s ack p99 passes", () => {
    // Prepare: the run of the issue: nothing lost, no duplicate effect, ack p99 6.8 s against a 500 ms bound
    const input: VerdictInput = {
      ...good,
      ackP99Ms: 6800,
      acksAfterGenesysTimeout: 3,
      delivery: { ...good.delivery!, endToEndP99Ms: 60_000 },
    };

    // Act
    const local = judge(input, slo, { latency: "local" });
    const aws = judge(input, slo);

    // Assess
    expect(local.verdict).toBe("PASS");
    expect(local.checks.find((c) => c.name === "ackP99Ms")).toEqual({
      name: "ackP99Ms",
      threshold: "<= 500 ms (AWS-grade; not judged locally)",
      actual: 6800,
      detail: "6800 ms, over the bound",
      status: "info",
    });
    expect(local.checks.find((c) => c.name === "endToEndP99Ms")).toMatchObject({ status: "info", detail: "60000 ms, over the bound" });
    expect(local.checks.find((c) => c.name === "acksOverGenesysTimeout")).toMatchObject({ status: "pass", actual: 0.003 });
    expect(aws.verdict).toBe("FAIL");
    expect(aws.reasons).toEqual(["ingress ack p99 6800.0 ms exceeds 500 ms", "end-to-end p99 60000 ms exceeds 10000 ms"]);
  });

  it("fails when more than 1% of the acks came after Genesys' 10 s timeout (Genesys would have retried), and on every correctness check", () => {
    const late = judge({ ...good, acksAfterGenesysTimeout: 11 }, slo, { latency: "local" });
    expect(late.verdict).toBe("FAIL");
    expect(late.reasons).toEqual([expect.stringMatching(/^11 of 1000 acks \(1\.1%\) came more than Genesys' 10 s webhook timeout/)]);
    // 10 of 1000 is at the bound: it passes
    expect(judge({ ...good, acksAfterGenesysTimeout: 10 }, slo, { latency: "local" }).verdict).toBe("PASS");
    for (const change of [
      { lost: 1 },
      { inFlight: 1 },
      { deadLetteredUnexpected: 1 },
      { duplicateSideEffects: 1 },
      { faultViolations: 1 },
    ]) {
      expect(judge({ ...good, delivery: { ...good.delivery!, ...change } }, slo, { latency: "local" }).verdict).toBe("FAIL");
    }
    expect(judge({ ...good, redrive: { ...sound, policy: undefined } }, slo, { latency: "local" }).verdict).toBe("FAIL");
  });
});

test("locally, arrivals dropped at the generator's own in-flight cap (never sent) are counted out of acceptedRatio and named; on AWS they count", () => {
  // 1000 offered, 50 dropped by the generator, 950 sent and accepted
  const input: VerdictInput = { ...good, accepted: 950, dropped: 50 };
  const local = judge(input, slo, { latency: "local" });
  expect(local.verdict).toBe("PASS");
  expect(local.checks.find((c) => c.name === "acceptedRatio")).toMatchObject({
    status: "pass",
    actual: 1,
    threshold: ">= 0.99 (of the 950 sent; 50 dropped at the generator's in-flight cap, this machine's pace, not judged locally)",
  });
  // failures of the messages sent still count
  expect(judge({ ...input, accepted: 900 }, slo, { latency: "local" }).reasons).toEqual([
    expect.stringMatching(/^accepted ratio 0\.9474 is below 0\.99 \(900 of 950 sent, 1000 offered\)$/),
  ]);
  expect(judge(input, slo).reasons).toEqual(["accepted ratio 0.9500 is below 0.99 (950 of 1000 offered)"]);
});
