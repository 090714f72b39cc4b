/**
 * API Gateway's account-wide CloudWatch Logs role (`aws_api_gateway_account`): a regional
 * singleton, so it is a separate opt-in construct, never created per pipeline. A stage
 * with access logging cannot be deployed in a region where this role was never set; create
 * this once per account and region (or set the role elsewhere).
 */
import { Construct } from "constructs";
import { ApiGatewayAccount as ApiGatewayAccountResource } from "@cdktf/provider-aws/lib/api-gateway-account";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { NAME_LIMITS, physicalName } from "./naming";
import { assumeRolePolicy } from "./policy";

/** The AWS managed policy API Gateway needs to write logs. */
export const API_GATEWAY_LOGS_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs";

export interface ApiGatewayAccountProps {
  /** Prepended to the role name. @default none */
  readonly namePrefix?: string;
  /** Tags on the role. @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

export class ApiGatewayAccount extends Construct {
  readonly role: IamRole;
  readonly account: ApiGatewayAccountResource;

  constructor(scope: Construct, id: string, props: ApiGatewayAccountProps = {}) {
    super(scope, id);
    this.role = new IamRole(this, "role", {
      name: physicalName(this, {
        prefix: props.namePrefix,
        suffix: "cloudwatch",
        maxLength: NAME_LIMITS.iamRole,
        allowed: /[A-Za-z0-9_+=,.@-]/,
      }),
      // no aws:SourceAccount / aws:SourceArn condition, as on the integration role (docs/guides/security.md)
      assumeRolePolicy: assumeRolePolicy("apigateway.amazonaws.com"),
      tags: props.tags ? { ...props.tags } : undefined,
    });
    const attachment = new IamRolePolicyAttachment(this, "logs", { role: this.role.name, policyArn: API_GATEWAY_LOGS_POLICY_ARN });
    this.account = new ApiGatewayAccountResource(this, "account", { cloudwatchRoleArn: this.role.arn, dependsOn: [attachment] });
  }
}
