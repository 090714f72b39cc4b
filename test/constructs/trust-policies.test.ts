/* eslint-disable @typescript-eslint/no-explicit-any -- synthesized Terraform JSON is untyped. */
/**
 * Confused-deputy keys in trust policies, where the assuming service sends them and only there:
 * EventBridge Scheduler's execution role carries aws:SourceAccount and aws:SourceArn (the schedule
 * group, as Scheduler documents); the roles API Gateway assumes carry none, because API Gateway
 * does not send them when it assumes an integration role (every webhook would be answered 500).
 */
import { ApiGatewayAccount, ConsumerPipeline, SpikeGenerator } from "../../lib";
import { pipelineProps, synth } from "./support";

const ACCOUNT = "${data.aws_caller_identity.gcx-aws-account.account_id}";
const REGION = "${data.aws_region.gcx-aws-region.region}";
const PARTITION = "${data.aws_partition.gcx-aws-partition.partition}";

describe("trust policies", () => {
  const out = synth((stack) => {
    const pipeline = new ConsumerPipeline(stack, "orders", pipelineProps());
    new ApiGatewayAccount(stack, "api-gateway-account");
    new SpikeGenerator(stack, "spike", {
      targetUrl: pipeline.ingress.url,
      signingSecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:signing",
    });
  });
  const trust = (fragment: string): any => JSON.parse(out.find("aws_iam_role", fragment).assume_role_policy);

  it("EventBridge Scheduler's execution role: aws:SourceAccount = this account, aws:SourceArn = the schedule group's ARN", () => {
    expect(trust("spike_scheduler-role_")).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "scheduler.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: {
            StringEquals: {
              "aws:SourceAccount": ACCOUNT,
              "aws:SourceArn": `arn:${PARTITION}:scheduler:${REGION}:${ACCOUNT}:schedule-group/default`,
            },
          },
        },
      ],
    });
    // the group the condition names is the schedule's, written out rather than implied
    expect(out.find("aws_scheduler_schedule", "spike_schedule_").group_name).toBe("default");
    expect(out.json.data.aws_partition).toEqual({ "gcx-aws-partition": {} });
  });

  it("the roles API Gateway assumes (webhook integration, account CloudWatch role) carry no condition: API Gateway does not send those keys", () => {
    for (const fragment of ["orders_ingress_role_", "api-gateway-account_role_"]) {
      expect(trust(fragment)).toEqual({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "apigateway.amazonaws.com" }, Action: "sts:AssumeRole" }],
      });
    }
  });
});
