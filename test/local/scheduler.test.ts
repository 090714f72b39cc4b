/**
 * The local scheduler: the stack's schedules as Scheduler reads them, fired at their own
 * times through the local Lambda API's asynchronous path, and the refusals that name the fix.
 */
import { StackResolver } from "../../lib/local/resolver";
import { fireSchedules, stackSchedules } from "../../lib/local/scheduler";
import { parseStack } from "../../lib/local/stack";
import type { LambdaApi } from "../../lib/local/lambda-api";
import { stackBuckets } from "../../lib/local/s3-server";

const account = { region: "eu-west-1", accountId: "123456789012", sqsEndpoint: "http://127.0.0.1:1", apiEndpoints: {}, orgId: "o" };
const FN = "arn:aws:lambda:eu-west-1:123456789012:function:spike-fn";

function resolverWith(
  schedules: Record<string, Record<string, unknown>>,
  extra: Record<string, Record<string, Record<string, unknown>>> = {},
): StackResolver {
  return new StackResolver(parseStack({ resource: { aws_scheduler_schedule: schedules, ...extra } }, "/tmp/x"), account);
}
const schedule = (expression: string, more: Record<string, unknown> = {}) => ({
  name: "nightly",
  schedule_expression: expression,
  schedule_expression_timezone: "UTC",
  state: "ENABLED",
  flexible_time_window: { mode: "OFF" },
  target: { arn: FN, role_arn: "arn:aws:iam::123456789012:role/r", input: '{"role":"controller"}' },
  ...more,
});

/** A Lambda API stand-in recording the asynchronous invocations. */
function recorder(): LambdaApi & { calls: { ref: string; payload: unknown; atMs: number }[] } {
  const calls: { ref: string; payload: unknown; atMs: number }[] = [];
  return {
    endpoint: "",
    asyncInvocations: [],
    calls,
    invokeAsync: (ref, payload) => void calls.push({ ref, payload, atMs: Date.now() }),
    idle: async () => undefined,
    close: async () => undefined,
  };
}

describe("local scheduler", () => {
  test("reads the schedule's expression, time zone, state, target and input", () => {
    const [s] = stackSchedules(resolverWith({ a: schedule("rate(1 minute)", { state: "DISABLED" }) }));
    expect(s).toMatchObject({
      address: "aws_scheduler_schedule.a",
      timezone: "UTC",
      enabled: false,
      targetArn: FN,
      input: { role: "controller" },
      expression: { kind: "rate", periodSeconds: 60 },
    });
    expect(() => stackSchedules(resolverWith({ a: schedule("rate(one minute)") }))).toThrow(
      /aws_scheduler_schedule\.a: schedule_expression/,
    );
  });

  test("a rate schedule fires at its period from the run's start, with the target's input", async () => {
    const lambda = recorder();
    const startMs = Date.now() - 59_800; // the next firing is in 200 ms
    const fired = await fireSchedules(stackSchedules(resolverWith({ a: schedule("rate(1 minute)") })), lambda, {
      firings: 1,
      startMs,
      maxWaitMs: 5000,
    });
    expect(fired).toEqual([{ address: "aws_scheduler_schedule.a", atMs: startMs + 60_000, targetArn: FN, input: { role: "controller" } }]);
    expect(lambda.calls).toHaveLength(1);
    expect(lambda.calls[0].atMs).toBeGreaterThanOrEqual(startMs + 60_000);
  });

  test("refusals name the fix", async () => {
    const lambda = recorder();
    const now = Date.now();
    await expect(
      fireSchedules(stackSchedules(resolverWith({ a: schedule("rate(1 minute)", { state: "DISABLED" }) })), lambda, {
        firings: 1,
        startMs: now,
      }),
    ).rejects.toThrow(/no ENABLED aws_scheduler_schedule.*enable one/);
    await expect(
      fireSchedules(
        stackSchedules(resolverWith({ a: schedule("cron(0 3 * * ? *)", { schedule_expression_timezone: "Europe/Paris" }) })),
        lambda,
        { firings: 1, startMs: now },
      ),
    ).rejects.toThrow(/reads cron expressions in UTC.*Europe\/Paris/);
    await expect(
      fireSchedules(stackSchedules(resolverWith({ a: schedule("rate(1 day)") })), lambda, { firings: 1, startMs: now, maxWaitMs: 1000 }),
    ).rejects.toThrow(/beyond schedules.maxWaitMs.*rate\(1 minute\)/);
    await expect(
      fireSchedules(stackSchedules(resolverWith({ a: schedule("at(2020-01-01T00:00:00)") })), lambda, { firings: 1, startMs: now }),
    ).rejects.toThrow(/no schedule fires again/);
    await expect(fireSchedules([], lambda, { firings: 0, startMs: now })).rejects.toThrow(/schedules.firings: 0/);
    expect(lambda.calls).toHaveLength(0);
  });

  test("the stack's buckets with what their policy, access block and ownership say", () => {
    const r = resolverWith(
      {},
      {
        aws_s3_bucket: { reports: { bucket: "reports-123" }, plain: { bucket: "plain-123" } },
        aws_s3_bucket_policy: {
          p: {
            bucket: "${aws_s3_bucket.reports.id}",
            policy: JSON.stringify({
              Statement: [
                { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } },
              ],
            }),
          },
        },
        aws_s3_bucket_public_access_block: { b: { bucket: "${aws_s3_bucket.reports.id}", block_public_acls: true } },
        aws_s3_bucket_ownership_controls: {
          o: { bucket: "${aws_s3_bucket.reports.id}", rule: { object_ownership: "BucketOwnerEnforced" } },
        },
      },
    );
    expect(stackBuckets(r)).toEqual([
      { name: "reports-123", denyInsecureTransport: true, blockPublicAcls: true, aclsDisabled: true },
      { name: "plain-123", denyInsecureTransport: false, blockPublicAcls: false, aclsDisabled: false },
    ]);
  });
});
