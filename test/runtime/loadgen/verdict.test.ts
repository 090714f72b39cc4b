import { judge, parseProfile, smokeSpikeProfile, type VerdictInput } from "../../../lib/runtime/loadgen";

const slo = parseProfile({ ...smokeSpikeProfile, slo: { ackP99Ms: 500, endToEndP99Ms: 10_000, minAcceptedRatio: 0.99 } }).slo;
const good: VerdictInput = {
  offered: 1000,
  accepted: 1000,
  ackP99Ms: 120,
  delivery: { lost: 0, deadLetteredUnexpected: 0, duplicateSideEffects: 0, endToEndP99Ms: 4000, faultViolations: 0 },
};

test("a run within every threshold passes with seven checks", () => {
  const v = judge(good, slo);
  expect(v.verdict).toBe("PASS");
  expect(v.reasons).toEqual([]);
  expect(v.checks.map((c) => [c.name, c.status])).toEqual([
    ["acceptedRatio", "pass"],
    ["ackP99Ms", "pass"],
    ["lost", "pass"],
    ["unexpectedDeadLetters", "pass"],
    ["duplicateSideEffects", "pass"],
    ["endToEndP99Ms", "pass"],
    ["faultViolations", "pass"],
  ]);
});

test.each<[string, Partial<VerdictInput> | Partial<NonNullable<VerdictInput["delivery"]>>, boolean, RegExp]>([
  ["acceptedRatio", { accepted: 980 }, false, /accepted ratio 0\.9800 is below 0\.99 \(980 of 1000 offered\)/],
  ["ackP99Ms", { ackP99Ms: 501 }, false, /ingress ack p99 501\.0 ms exceeds 500 ms/],
  ["lost", { lost: 1 }, true, /1 accepted message\(s\) lost/],
  ["unexpectedDeadLetters", { deadLetteredUnexpected: 2 }, true, /2 unexpected dead letter\(s\)/],
  ["duplicateSideEffects", { duplicateSideEffects: 1 }, true, /1 duplicate side effect\(s\)/],
  ["endToEndP99Ms", { endToEndP99Ms: 10_001 }, true, /end-to-end p99 10001 ms exceeds 10000 ms/],
  ["faultViolations", { faultViolations: 3 }, true, /3 fault-marked message\(s\)/],
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
  expect(v.checks.filter((c) => c.status === "skipped").map((c) => c.name)).toEqual(["lost", "unexpectedDeadLetters", "duplicateSideEffects", "endToEndP99Ms", "faultViolations"]);
});
