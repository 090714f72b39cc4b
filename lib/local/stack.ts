/**
 * The synthesized stack as the emulator reads it: `cdktf.out/stacks/<stack>/cdk.tf.json`
 * (Terraform JSON written by cdktf), and the explicit table of what the emulator does
 * with each resource and data-source type.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { LocalEmulatorError } from "./errors";

/** One resource or data-source block of the synthesized JSON (attribute names in snake_case). */
export type TfBlock = Record<string, unknown>;

/** A resource or data source with its Terraform address. */
export interface TfItem {
  /** `aws_sqs_queue.pipeline_queue_1A2B3C` or `data.aws_region.region`. */
  readonly address: string;
  readonly type: string;
  readonly name: string;
  readonly mode: "resource" | "data";
  /** The construct path cdktf recorded (`demo/pipeline/queue`), when present. */
  readonly path?: string;
  readonly config: TfBlock;
}

/** A loaded `cdk.tf.json`. */
export interface SynthesizedStack {
  /** Absolute path of the stack directory (the asset paths are relative to it). */
  readonly dir: string;
  readonly file: string;
  readonly stackName: string;
  readonly resources: readonly TfItem[];
  readonly dataSources: readonly TfItem[];
  /** The `aws` provider's region, when synthesized. */
  readonly providerRegion?: string;
}

/** Thrown when the stack file is missing or is not Terraform JSON as cdktf writes it. */
export class StackLoadError extends LocalEmulatorError {
  override readonly name = "StackLoadError";
}

/** Loads a stack from its directory or from the `cdk.tf.json` path. */
export function loadStack(stackDirOrFile: string): SynthesizedStack {
  const absolute = resolve(stackDirOrFile);
  if (!existsSync(absolute)) {
    throw new StackLoadError(`no synthesized stack at ${absolute}: run \`CHECKPOINT_DISABLE=1 npx cdktf synth\` first`);
  }
  const file = statSync(absolute).isDirectory() ? join(absolute, "cdk.tf.json") : absolute;
  if (!existsSync(file)) throw new StackLoadError(`${file} does not exist: run \`CHECKPOINT_DISABLE=1 npx cdktf synth\` first`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new StackLoadError(`${file} is not JSON: ${(error as Error).message}`);
  }
  return parseStack(json, dirname(file), file);
}

/** Parses synthesized Terraform JSON (exported for tests that build a stack in memory). */
export function parseStack(json: unknown, dir: string, file = join(dir, "cdk.tf.json")): SynthesizedStack {
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new StackLoadError(`${file}: not a Terraform JSON object`);
  const root = json as Record<string, unknown>;
  const meta = (root["//"] as { metadata?: { stackName?: string } } | undefined)?.metadata;
  const resources = blocks(root.resource, "resource", file);
  const dataSources = blocks(root.data, "data", file);
  const aws = (root.provider as Record<string, unknown> | undefined)?.aws;
  const firstAws = Array.isArray(aws) ? (aws[0] as TfBlock | undefined) : (aws as TfBlock | undefined);
  const region = typeof firstAws?.region === "string" && !firstAws.region.includes("${") ? firstAws.region : undefined;
  return { dir, file, stackName: meta?.stackName ?? "stack", resources, dataSources, providerRegion: region };
}

function blocks(section: unknown, mode: "resource" | "data", file: string): TfItem[] {
  if (section === undefined) return [];
  if (typeof section !== "object" || section === null) throw new StackLoadError(`${file}: "${mode}" is not an object`);
  const out: TfItem[] = [];
  for (const [type, byName] of Object.entries(section as Record<string, unknown>)) {
    for (const [name, config] of Object.entries((byName ?? {}) as Record<string, unknown>)) {
      const block = (config ?? {}) as TfBlock;
      if (block.count !== undefined || block.for_each !== undefined) {
        throw new StackLoadError(
          `${mode === "data" ? "data." : ""}${type}.${name}: count / for_each are not supported by the local emulator`,
        );
      }
      const metaPath = (block["//"] as { metadata?: { path?: string } } | undefined)?.metadata?.path;
      out.push({ address: `${mode === "data" ? "data." : ""}${type}.${name}`, type, name, mode, path: metaPath, config: block });
    }
  }
  return out;
}

/** What the emulator does with a resource type. */
export type Support = { readonly role: "emulated"; readonly as: string } | { readonly role: "not-emulated"; readonly why: string };

const emulated = (as: string): Support => ({ role: "emulated", as });
const inert = (why: string): Support => ({ role: "not-emulated", why });

/**
 * Every resource type the emulator knows. `emulated` ones run locally; `not-emulated` ones
 * have no runtime role in a local run and are listed in the report. Any type missing here
 * stops the run with an {@link UnsupportedResourceError}.
 */
export const RESOURCE_SUPPORT: Readonly<Record<string, Support>> = {
  aws_sqs_queue: emulated("a queue on the local SQS server (local-aws-sqs)"),
  aws_sqs_queue_redrive_policy: emulated("the redrive policy of its queue"),
  aws_dynamodb_table: emulated("a table on the local DynamoDB server (dynalite)"),
  aws_secretsmanager_secret: emulated("a secret on the local Secrets Manager server"),
  aws_secretsmanager_secret_version: emulated("the secret's current value"),
  random_password: emulated("a value generated for this run (crypto random, synthesized length)"),
  aws_lambda_function: emulated("its synthesized bundle in worker threads with its synthesized environment"),
  aws_lambda_event_source_mapping: emulated("an SQS poller with the synthesized batch size, window, concurrency and response types"),
  aws_cloudwatch_metric_alarm: emulated("evaluated against the run's observed metrics (would fire / quiet)"),
  aws_cloudwatch_log_metric_filter: emulated(
    "on a REST API stage's access log: its metric counted from the local API's requests (one JSON condition); on another log group it publishes nothing locally",
  ),
  aws_api_gateway_rest_api: emulated("an HTTP server on 127.0.0.1"),
  aws_api_gateway_resource: emulated("a route of the local REST API"),
  aws_api_gateway_method: emulated("method matching and required request parameters"),
  aws_api_gateway_integration: emulated("the AWS service integration to SQS (VTL request template)"),
  aws_api_gateway_integration_response: emulated("status selection and response templates"),
  aws_api_gateway_method_response: emulated("the method's declared status codes"),
  aws_api_gateway_request_validator: emulated("required request parameters are validated"),
  aws_api_gateway_deployment: emulated("the deployment the stage serves"),
  aws_api_gateway_stage: emulated("the stage path of the local invoke URL"),
  aws_api_gateway_method_settings: emulated("stage throttling (token bucket rate and burst)"),
  aws_api_gateway_api_key: emulated("an edge API key (its value, enabled or not) checked in x-api-key"),
  aws_api_gateway_usage_plan: emulated("the API stages its keys are valid on (a quota or a throttle stops the run: not emulated)"),
  aws_api_gateway_usage_plan_key: emulated("a key's membership of a usage plan"),
  aws_s3_bucket: emulated("a bucket on the local S3 server (PutObject, GetObject, HeadObject, ListObjectsV2 over HTTPS)"),
  aws_s3_bucket_policy: emulated(
    "a statement denying aws:SecureTransport false refuses every plain-HTTP request; other statements are not enforced",
  ),
  aws_s3_bucket_public_access_block: emulated("block_public_acls refuses a public ACL on PutObject"),
  aws_s3_bucket_ownership_controls: emulated("BucketOwnerEnforced refuses any ACL but bucket-owner-full-control"),
  aws_s3_bucket_server_side_encryption_configuration: inert(
    "encryption at rest is not emulated (objects are answered with x-amz-server-side-encryption AES256)",
  ),
  aws_s3_bucket_lifecycle_configuration: inert("objects do not expire locally (a local run is shorter than a day)"),
  aws_iam_role: inert("IAM is not enforced locally"),
  aws_iam_policy: inert("IAM is not enforced locally"),
  aws_iam_role_policy: inert("IAM is not enforced locally"),
  aws_iam_role_policy_attachment: inert("IAM is not enforced locally"),
  aws_sqs_queue_policy: inert("queue policies are not enforced locally"),
  aws_sqs_queue_redrive_allow_policy: inert("redrive-allow policies are not enforced locally"),
  aws_lambda_permission: inert("resource policies are not enforced locally"),
  aws_lambda_function_event_invoke_config: emulated(
    "maximum_retry_attempts of an asynchronous invocation through the local Lambda API (retried at once, not after Lambda's 1 and 2 minutes)",
  ),
  aws_cloudwatch_log_group: inert("function output goes to the run's log files"),
  aws_cloudwatch_dashboard: inert("no dashboards locally; the HTML report holds the charts"),
  aws_cloudwatch_event_rule: inert("schedules and event rules do not fire locally"),
  aws_cloudwatch_event_target: inert("schedules and event rules do not fire locally"),
  aws_scheduler_schedule: emulated(
    "with the run's `schedules` option: rate() and cron() (read in UTC) fire its Lambda target with the target's input; without it inert (the spike is started by hand)",
  ),
  aws_scheduler_schedule_group: inert("schedules do not fire locally"),
  aws_sns_topic: inert("alarm notifications are listed in the report, not sent"),
  aws_sns_topic_policy: inert("alarm notifications are listed in the report, not sent"),
  aws_sns_topic_subscription: inert("alarm notifications are listed in the report, not sent"),
  aws_kms_key: inert("encryption at rest is not emulated"),
  aws_kms_alias: inert("encryption at rest is not emulated"),
  aws_api_gateway_account: inert("account-wide API Gateway logging role"),
  aws_api_gateway_domain_name: inert("custom domains are not emulated; the local URL is on 127.0.0.1"),
  aws_api_gateway_base_path_mapping: inert("custom domains are not emulated"),
  aws_api_gateway_rest_api_policy: inert("resource policies are not enforced locally"),
  aws_api_gateway_gateway_response: inert("gateway responses keep API Gateway's default bodies locally"),
  aws_api_gateway_model: inert("request body models are not validated locally"),
  aws_wafv2_web_acl: inert("WAF is not emulated"),
  aws_wafv2_web_acl_association: inert("WAF is not emulated"),
  random_id: inert("no runtime role"),
  random_string: inert("no runtime role"),
  random_uuid: inert("no runtime role"),
  time_sleep: inert("no runtime role"),
};

/** Resource type prefixes with no runtime role locally. */
export const NOT_EMULATED_PREFIXES: Readonly<Record<string, string>> = {
  genesyscloud_: "Genesys Cloud configuration; the local run uses a Genesys-like fake downstream",
};

/** Data sources the resolver answers locally. */
export const DATA_SOURCE_SUPPORT: Readonly<Record<string, string>> = {
  aws_caller_identity: "account 123456789012, the local SQS server's account",
  aws_region: "the provider's region (default us-east-1)",
  aws_partition: "aws",
  aws_iam_policy_document: "its `json`, rendered from the synthesized statements",
  genesyscloud_organizations_me: "a local organization id",
};

/** Thrown when the stack holds a resource or data-source type the emulator cannot run. */
export class UnsupportedResourceError extends LocalEmulatorError {
  override readonly name = "UnsupportedResourceError";
  constructor(readonly items: readonly TfItem[]) {
    super(
      `the local emulator cannot run ${items.map((i) => `${i.mode === "data" ? "data source" : "resource"} type "${i.type}" (${i.address}${i.path ? `, ${i.path}` : ""})`).join("; ")}. ` +
        "Remove it from the stack, or add the type to RESOURCE_SUPPORT in lib/local/stack.ts with what the emulator should do with it.",
    );
  }
}

/** The support entry of a type, undefined when the emulator does not know it. */
export function supportOf(type: string): Support | undefined {
  const direct = RESOURCE_SUPPORT[type];
  if (direct) return direct;
  const prefix = Object.keys(NOT_EMULATED_PREFIXES).find((p) => type.startsWith(p));
  return prefix ? inert(NOT_EMULATED_PREFIXES[prefix]) : undefined;
}

/** A stack split by what the emulator does with each item. */
export interface StackPlan {
  readonly emulated: readonly TfItem[];
  readonly notEmulated: readonly { readonly item: TfItem; readonly why: string }[];
}

/** Classifies every resource and data source; throws naming every type it cannot run. */
export function planStack(stack: SynthesizedStack): StackPlan {
  const unsupported: TfItem[] = [];
  const emulatedItems: TfItem[] = [];
  const notEmulated: { item: TfItem; why: string }[] = [];
  for (const item of stack.resources) {
    const support = supportOf(item.type);
    if (!support) unsupported.push(item);
    else if (support.role === "emulated") emulatedItems.push(item);
    else notEmulated.push({ item, why: support.why });
  }
  for (const item of stack.dataSources) {
    if (!(item.type in DATA_SOURCE_SUPPORT)) unsupported.push(item);
  }
  if (unsupported.length) throw new UnsupportedResourceError(unsupported);
  return { emulated: emulatedItems, notEmulated };
}

/** Items of one type. */
export function ofType(stack: SynthesizedStack, type: string): TfItem[] {
  return stack.resources.filter((r) => r.type === type);
}
