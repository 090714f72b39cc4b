/**
 * The nightly spike keeps its reports (a created bucket, or the team's) and alarms when a run
 * does not happen (the heartbeat missing longer than the schedule's longest gap).
 */
import { Testing, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SpikeGenerator, type SpikeGeneratorProps } from "../../lib/constructs/spike-generator";
import { parseLoadgenContract } from "../../lib/runtime/contract";
import { errorOf, synthPipeline } from "./support";

/* eslint-disable @typescript-eslint/no-explicit-any */
const BASE: SpikeGeneratorProps = {
  targetUrl: "https://abc.execute-api.eu-west-1.amazonaws.com/prod/webhook",
  signingSecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:signing",
};

function synth(props: Partial<SpikeGeneratorProps> = {}): { json: Record<string, any>; spike: SpikeGenerator } {
  const stack = new TerraformStack(Testing.app(), "test");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  const spike = new SpikeGenerator(stack, "spike", { ...BASE, ...props });
  return { json: JSON.parse(Testing.synth(stack)), spike };
}
const all = (json: Record<string, any>, type: string): any[] => Object.values(json.resource[type] ?? {});
const one = (json: Record<string, any>, type: string): any => {
  const items = all(json, type);
  expect(items).toHaveLength(1);
  return items[0];
};
const policyOf = (json: Record<string, any>) =>
  JSON.parse(all(json, "aws_iam_role_policy").find((p) => p.name === "spike-generator").policy);

describe("reports bucket", () => {
  const { json, spike } = synth();

  test("a created bucket is private, encrypted, TLS-only and expires reports after the retention", () => {
    const bucket = one(json, "aws_s3_bucket");
    expect(bucket.bucket).toMatch(/^[a-z0-9-]+-\$\{data\.aws_caller_identity\.[^}]+\.account_id\}$/);
    expect(bucket.force_destroy).toBe(false);
    expect(
      one(json, "aws_s3_bucket_server_side_encryption_configuration").rule[0].apply_server_side_encryption_by_default.sse_algorithm,
    ).toBe("AES256");
    expect(one(json, "aws_s3_bucket_public_access_block")).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(one(json, "aws_s3_bucket_ownership_controls").rule.object_ownership).toBe("BucketOwnerEnforced");
    const policy = JSON.parse(one(json, "aws_s3_bucket_policy").policy);
    expect(policy.Statement).toEqual([
      expect.objectContaining({ Effect: "Deny", Principal: "*", Action: "s3:*", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
    ]);
    expect(policy.Statement[0].Resource).toHaveLength(2);
    const rule = one(json, "aws_s3_bucket_lifecycle_configuration").rule[0];
    expect(rule).toMatchObject({ status: "Enabled", expiration: [{ days: 400 }] });
    expect(spike.reportBucket).toBeDefined();
  });

  test("the function knows the bucket, the prefix and the history length", () => {
    const contract = parseLoadgenContract(one(json, "aws_lambda_function").environment.variables);
    expect(contract).toMatchObject({ reportsPrefix: "spike-reports/", historyLength: 90 });
    expect(contract.reportsBucket).toContain("aws_s3_bucket.");
  });

  test("the role may put and get objects under the prefix only, and list with a prefix condition", () => {
    const statements = policyOf(json).Statement;
    const keep = statements.find((s: any) => s.Sid === "KeepReports");
    expect(keep.Action).toEqual(["s3:PutObject", "s3:GetObject"]);
    expect(keep.Resource).toMatch(/\}\/spike-reports\/\*$/);
    const list = statements.find((s: any) => s.Sid === "ListReports");
    expect(list).toMatchObject({ Action: "s3:ListBucket", Condition: { StringLike: { "s3:prefix": "spike-reports/*" } } });
    expect(list.Resource).not.toContain("/");
    expect(statements.some((s: any) => [].concat(s.Action).some((a: string) => a === "s3:*" || a === "s3:DeleteObject"))).toBe(false);
  });

  test("the team's bucket is used as it is: nothing created, IAM scoped to it", () => {
    const { json: brought, spike: s } = synth({
      reports: { bucket: { name: "team-reports", arn: "arn:aws:s3:::team-reports" }, prefix: "nightly/", historyLength: 30 },
    });
    expect(all(brought, "aws_s3_bucket")).toHaveLength(0);
    expect(s.reportBucket).toBeUndefined();
    expect(parseLoadgenContract(one(brought, "aws_lambda_function").environment.variables)).toMatchObject({
      reportsBucket: "team-reports",
      reportsPrefix: "nightly/",
      historyLength: 30,
    });
    expect(policyOf(brought).Statement.find((x: any) => x.Sid === "KeepReports").Resource).toBe("arn:aws:s3:::team-reports/nightly/*");
  });

  test("a brought bucket encrypted with a KMS key: the role may generate data keys and decrypt with that key only", () => {
    const key = "arn:aws:kms:eu-west-1:123456789012:key/1111-2222";
    const { json: plain } = synth({ reports: { bucket: { name: "team-reports", arn: "arn:aws:s3:::team-reports" } } });
    expect(policyOf(plain).Statement.find((x: any) => x.Sid === "ReportsKey")).toBeUndefined();
    const { json: kms } = synth({ reports: { bucket: { name: "team-reports", arn: "arn:aws:s3:::team-reports", kmsKeyArn: key } } });
    expect(policyOf(kms).Statement.find((x: any) => x.Sid === "ReportsKey")).toEqual({
      Sid: "ReportsKey",
      Effect: "Allow",
      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
      Resource: key,
    });
  });

  test("bad reports props are refused with the prop path and the fix", () => {
    const message = errorOf(() =>
      synth({ reports: { bucket: { name: "b", arn: "arn:aws:s3:::b" }, retentionDays: 30, prefix: "no-slash", historyLength: 0 } }),
    ).message;
    expect(message).toContain("reports.retentionDays");
    expect(message).toContain("reports.prefix");
    expect(message).toContain("reports.historyLength");
    expect(errorOf(() => synth({ reports: false as never })).message).toMatch(/reports.*always kept/);
    expect(errorOf(() => synth({ reports: { retentionDays: 0 } })).message).toMatch(/reports\.retentionDays.*1\.\.3650/);
  });
});

describe("missing-run alarm", () => {
  test("daily cron: an hourly alarm over 25 periods, every one breaching, missing data breaching", () => {
    const { json, spike } = synth();
    const alarm = all(json, "aws_cloudwatch_metric_alarm").find((a) => a.metric_name === "RunCompleted");
    expect(alarm).toMatchObject({
      namespace: "GenesysConsumer/Spike",
      statistic: "Sum",
      period: 3600,
      evaluation_periods: 25,
      datapoints_to_alarm: 25,
      threshold: 1,
      comparison_operator: "LessThanThreshold",
      treat_missing_data: "breaching",
    });
    expect(alarm.alarm_actions).toBeUndefined();
    expect(alarm.dimensions).toEqual({ RunName: spike.runName });
    expect(spike.missingRunAlarmShape).toMatchObject({ longestGapSeconds: 86_400, marginSeconds: 3600 });
  });

  test("rate(1 minute) gives 2 periods; rate(6 hours) 7; a time zone with DST adds an hour", () => {
    expect(synth({ scheduleExpression: "rate(1 minute)" }).spike.missingRunAlarmShape?.evaluationPeriods).toBe(2);
    expect(synth({ scheduleExpression: "rate(6 hours)" }).spike.missingRunAlarmShape?.evaluationPeriods).toBe(7);
    expect(synth({ scheduleTimezone: "Europe/Paris" }).spike.missingRunAlarmShape?.evaluationPeriods).toBe(26);
  });

  test("weekday-only cron watches the weekend gap (3 days)", () => {
    const { spike } = synth({ scheduleExpression: "cron(0 3 ? * MON-FRI *)" });
    expect(spike.missingRunAlarmShape).toMatchObject({ longestGapSeconds: 3 * 86_400, evaluationPeriods: 73 });
  });

  test("a weekly schedule is refused: CloudWatch looks back at most 7 days", () => {
    const message = errorOf(() => synth({ scheduleExpression: "cron(0 3 ? * MON *)" })).message;
    expect(message).toMatch(/scheduleExpression.*7 days.*604800/s);
    expect(message).toMatch(/at least every 167 hours/);
    expect(errorOf(() => synth({ scheduleExpression: "rate(7 days)" })).message).toContain("scheduleExpression");
  });

  test("an at() schedule and a disabled schedule get no missing-run alarm", () => {
    for (const props of [{ scheduleExpression: "at(2027-01-01T03:00:00)" }, { scheduleEnabled: false }]) {
      const { json, spike } = synth(props);
      expect(spike.missingRunAlarm).toBeUndefined();
      expect(all(json, "aws_cloudwatch_metric_alarm").some((a) => a.metric_name === "RunCompleted")).toBe(false);
    }
  });

  test("an unreadable cron is refused naming scheduleExpression", () => {
    expect(errorOf(() => synth({ scheduleExpression: "cron(0 3 ? * 2#1 *)" })).message).toMatch(/scheduleExpression.*W, # and L/);
    expect(errorOf(() => synth({ scheduleExpression: "cron(0 3 * * * *)" })).message).toMatch(
      /scheduleExpression.*exactly one of day-of-month and day-of-week/,
    );
  });
});

test("the created bucket's name fits S3's 63 lower-case characters with the 12-digit account, in a deep tree with a long prefix", () => {
  const stack = new TerraformStack(Testing.app(), "test");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  const longId = "A-Very-Long-Construct-Identifier-That-Goes-On-And-On";
  new SpikeGenerator(new Construct(new Construct(stack, longId), longId), longId, { ...BASE, namePrefix: "Twenty-Chars-Prefix1" });
  const bucket = one(JSON.parse(Testing.synth(stack)), "aws_s3_bucket").bucket as string;
  const name = bucket.replace(/\$\{data\.aws_caller_identity\.[^}]+\.account_id\}/, "123456789012");
  expect(name.length).toBeLessThanOrEqual(63);
  expect(name).toMatch(/^twenty-chars-prefix1-a-very-long-[a-z0-9-]*-[0-9a-f]{8}-123456789012$/);
});

describe("through ConsumerPipeline", () => {
  test("the pipeline exposes where the reports are, and names spikeGenerator.reports in its errors", () => {
    const { out, pipeline } = synthPipeline({ spikeGenerator: { reports: { historyLength: 30 } } });
    expect(pipeline.spikeReports).toMatchObject({ prefix: "spike-reports/", historyLength: 30 });
    expect(pipeline.spikeReports!.bucketName).toBe(pipeline.spikeGenerator!.reportBucket!.name);
    expect(out.list("aws_s3_bucket")).toHaveLength(1);
    expect(
      errorOf(() => synthPipeline({ spikeGenerator: { reports: { retentionDays: 0 }, scheduleExpression: "rate(8 days)" } })).message,
    ).toMatch(
      /spikeGenerator\.reports\.retentionDays: 0 is outside 1\.\.3650[\s\S]*spikeGenerator\.scheduleExpression: "rate\(8 days\)" leaves up to 192 hours/,
    );
  });
});
