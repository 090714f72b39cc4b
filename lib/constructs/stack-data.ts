/**
 * Data sources every pipeline of a stack can share: the default AWS provider's region, caller
 * identity and partition, read once per stack however many pipelines, ingresses and dashboards it has.
 */
import type { Construct } from "constructs";
import { TerraformStack } from "cdktf";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";

const REGION_ID = "gcx-aws-region";
const ACCOUNT_ID = "gcx-aws-account";
const PARTITION_ID = "gcx-aws-partition";

/** The stack's `data.aws_region` (default provider), created by the first caller. */
export function stackRegion(scope: Construct): DataAwsRegion {
  const stack = TerraformStack.of(scope);
  return (stack.node.tryFindChild(REGION_ID) as DataAwsRegion | undefined) ?? new DataAwsRegion(stack, REGION_ID);
}

/** The stack's `data.aws_caller_identity` (default provider), created by the first caller. */
export function stackAccount(scope: Construct): DataAwsCallerIdentity {
  const stack = TerraformStack.of(scope);
  return (stack.node.tryFindChild(ACCOUNT_ID) as DataAwsCallerIdentity | undefined) ?? new DataAwsCallerIdentity(stack, ACCOUNT_ID);
}

/** The stack's `data.aws_partition` (default provider: `aws`, `aws-cn`, `aws-us-gov`), created by the first caller. */
export function stackPartition(scope: Construct): DataAwsPartition {
  const stack = TerraformStack.of(scope);
  return (stack.node.tryFindChild(PARTITION_ID) as DataAwsPartition | undefined) ?? new DataAwsPartition(stack, PARTITION_ID);
}
