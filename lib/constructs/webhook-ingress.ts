/**
 * The webhook ingress: an API Gateway REST API whose one POST resource sends the request body,
 * base64-encoded and marked (./ingress-template.ts), to SQS through an AWS service integration
 * (no Lambda on the hot path). A body over the size budget is answered 413 and counted.
 */
import { createHash } from "node:crypto";
import { Construct, IConstruct } from "constructs";
import { Aspects, Fn, IAspect, TerraformOutput, TerraformStack, Token, dependable } from "cdktf";
import { ApiGatewayBasePathMapping } from "@cdktf/provider-aws/lib/api-gateway-base-path-mapping";
import { ApiGatewayDeployment } from "@cdktf/provider-aws/lib/api-gateway-deployment";
import { ApiGatewayDomainName } from "@cdktf/provider-aws/lib/api-gateway-domain-name";
import { ApiGatewayIntegration } from "@cdktf/provider-aws/lib/api-gateway-integration";
import { ApiGatewayIntegrationResponse } from "@cdktf/provider-aws/lib/api-gateway-integration-response";
import { ApiGatewayMethod } from "@cdktf/provider-aws/lib/api-gateway-method";
import { ApiGatewayMethodResponse } from "@cdktf/provider-aws/lib/api-gateway-method-response";
import { ApiGatewayMethodSettings } from "@cdktf/provider-aws/lib/api-gateway-method-settings";
import { ApiGatewayRequestValidator } from "@cdktf/provider-aws/lib/api-gateway-request-validator";
import { ApiGatewayResource } from "@cdktf/provider-aws/lib/api-gateway-resource";
import { ApiGatewayRestApi } from "@cdktf/provider-aws/lib/api-gateway-rest-api";
import { ApiGatewayStage } from "@cdktf/provider-aws/lib/api-gateway-stage";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Wafv2WebAclAssociation } from "@cdktf/provider-aws/lib/wafv2-web-acl-association";
import { CloudwatchLogMetricFilter } from "@cdktf/provider-aws/lib/cloudwatch-log-metric-filter";
import { SIGNATURE_HEADER } from "../runtime/signature";
import { BODY_ENCODING_ATTRIBUTE } from "../runtime/ingress-body";
import { SQS_MAX_MESSAGE_ATTRIBUTES } from "../runtime/aws-limits";
import { SQS_CLIENT_ERROR_TEMPLATE, webhookRequestTemplate } from "./ingress-template";
import { DEAD_LETTER_ATTRIBUTE, FIRST_SENT_ATTRIBUTE } from "../runtime/dead-letter";
import { ApiGatewayAccount } from "./api-gateway-account";
import { EdgeApiKey, EdgeApiKeyOptions, validateEdgeApiKeyOptions } from "./edge-api-key";
import { Problems, ValidationProblem, isLiteralNumber, prefixed } from "./errors";
import { DEFAULT_LOG_RETENTION_DAYS, checkLogRetention } from "./log-retention";
import { NAME_LIMITS, physicalName } from "./naming";
import { stackAccount, stackRegion } from "./stack-data";
import { PolicyStatement, assumeRolePolicy, policyDocument } from "./policy";

/** SQS allows 10 message attributes; the body-encoding marker, the signature and the dead-letter context take three. */
export const MAX_EXTRA_HEADERS = SQS_MAX_MESSAGE_ATTRIBUTES - 3;

export const INGRESS_DEFAULTS = {
  path: "webhook",
  stageName: "v1",
  throttlingRateLimitPerSecond: 5000,
  throttlingBurstLimit: 5000,
  accessLogRetentionDays: DEFAULT_LOG_RETENTION_DAYS,
  tracing: false,
  detailedMetrics: false,
} as const;

/** The method response codes the integration can answer with. */
export const INGRESS_STATUS = { accepted: "200", bodyTooLarge: "413", sqsClientError: "500", sqsServerError: "502" } as const;

/**
 * The metric counting webhook bodies refused as too large (413), per stage: a metric filter on
 * the stage's access log (`status` 413), published as `BodyTooLarge` in this namespace with
 * the dimensions `ApiId` and `Stage`. API Gateway's own 4XXError cannot tell a 413 from an
 * unsigned request.
 */
export const BODY_TOO_LARGE_METRIC = { namespace: "GenesysConsumer/Ingress", metricName: "BodyTooLarge" } as const;

/** The webhook ingress settings a user gives (also the `ingress` option of `ConsumerPipeline`). */
export interface WebhookIngressOptions {
  /**
   * The resource path receiving webhooks (segments of letters, digits, `._~-`, joined by `/`).
   * @default "webhook"
   */
  readonly path?: string;
  /**
   * The stage name (letters, digits, `_`).
   * @default "v1"
   */
  readonly stageName?: string;
  /**
   * Stage throttling steady rate, requests per second (> 0). Genesys retries a throttled
   * webhook only 5 times, so the ingress must never be the limiter: the queue absorbs spikes.
   * Half the default account limit (10,000/s), so one pipeline cannot starve the others.
   * @default 5000
   */
  readonly throttlingRateLimitPerSecond?: number;
  /**
   * Stage throttling burst, requests (>= 1; the account burst is 5,000 by default).
   * @default 5000
   */
  readonly throttlingBurstLimit?: number;
  /**
   * Request headers copied into SQS message attributes (same name), each only when present,
   * read from the request's headers only (never a query parameter of the same name), names in
   * any case. At most 7: SQS allows 10 attributes, and the body-encoding marker, the signature
   * and the dead-letter context use three. Each counts against the size budget (name, 6, value).
   * @default none
   */
  readonly extraHeaders?: readonly string[];
  /**
   * FIFO only: JSONPath expressions into the body whose values, joined by `:`, form the
   * ordering key. The message group id is the key URL-encoded (SQS accepts only ASCII
   * letters, digits and punctuation) and cut to 128 characters (the SQS limit). A body the
   * template cannot prove a JSON object, or an empty key, gets `unordered:<request id>`.
   * @default the integration and the external party: `$.channel.id` with `$.channel.to.id` for an outbound message, `$.channel.from.id` for an inbound one
   */
  readonly orderingKeyPaths?: readonly string[];
  /**
   * Retention of the access log group, days.
   * @default 30
   */
  readonly accessLogRetentionDays?: number;
  /**
   * ARN of a customer-managed KMS key encrypting the access log group.
   * @default none (CloudWatch Logs' own encryption)
   */
  readonly accessLogKmsKeyArn?: string;
  /**
   * X-Ray tracing on the stage.
   * @default false
   */
  readonly tracing?: boolean;
  /**
   * Per-method CloudWatch metrics (the API-level 4XXError/5XXError/Count metrics exist without it).
   * @default false
   */
  readonly detailedMetrics?: boolean;
  /**
   * ARN of a WAFv2 web ACL (REGIONAL scope) to associate with the stage.
   * @default none
   */
  readonly webAclArn?: string;
  /**
   * An edge API key (a flood filter, not authentication): the POST method requires
   * `x-api-key` with a key of a usage plan bound to the stage (no quota, no throttle), keys
   * generated at apply time, the key in use kept in a Secrets Manager secret
   * (`apiKey.secretArn`) for those that send it. A request without a valid key is answered 403
   * and enqueued nowhere; the X-Hub-Signature-256 HMAC stays the authenticity check. `true`
   * takes the defaults of {@link EdgeApiKeyOptions}; rotate with `generation` and
   * `alsoValidGeneration`. With `existingApi`, that API's `api_key_source` must be HEADER
   * (the default).
   * @default false (opt-in; see docs/guides/security.md, "Outsiders stop at the edge", for why)
   */
  readonly apiKey?: boolean | EdgeApiKeyOptions;
  /**
   * An existing REST API to add the webhook to, instead of creating one. The ingress adds its
   * path (which must not exist in that API yet), the POST method, the validator, the SQS
   * integration, and its own deployment and stage (`stageName`, which must not exist either):
   * a deployment snapshots the whole API, so the other resources of the API are served on
   * this stage too. Throttling, access logs, WAF and the custom domain apply to this stage.
   * @default none: a REST API is created
   */
  readonly existingApi?: ExistingRestApi;
  /**
   * A custom domain (regional endpoint, TLS 1.2) mapped to the stage; point a DNS alias at
   * `WebhookIngress.domainName.regionalDomainName`.
   * @default none
   */
  readonly customDomain?: {
    /** The domain name, e.g. `hooks.example.com`. */
    readonly domainName: string;
    /** ARN of an ACM certificate for it, in the stack's region. */
    readonly certificateArn: string;
    /** Base path under the domain. @default none (the domain root) */
    readonly basePath?: string;
  };
}

/** An existing REST API given to the ingress (e.g. the attributes of `DataAwsApiGatewayRestApi`). */
export interface ExistingRestApi {
  /** The REST API id. */
  readonly id: string;
  /** The id of its root resource (`/`): the webhook path is added under it. */
  readonly rootResourceId: string;
  /** Its name: the `ApiName` dimension of its CloudWatch metrics (the 4XX/5XX alarms). */
  readonly name: string;
}

export interface WebhookIngressProps extends WebhookIngressOptions {
  /**
   * The queue messages are sent to: its ARN (the role's policy), name and owning account (the
   * integration URI; the account defaults to the stack's).
   */
  readonly queue: { readonly arn: string; readonly name: string; readonly accountId?: string };
  /** True when the queue is FIFO (the template then sets MessageGroupId). @default false */
  readonly fifo?: boolean;
  /** The queue's customer KMS key, if any (the integration role may use it). @default none */
  readonly kmsKeyArn?: string;
  /** Prepended to every name. @default none */
  readonly namePrefix?: string;
  /** Tags on every taggable resource. @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

const SEGMENT = /^[A-Za-z0-9._~-]+$/;
const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]{1,256}$/;

/** Every problem with ingress props (prop names prefixed with `prefix`). */
export function validateIngressProps(props: WebhookIngressOptions, fifo: boolean, prefix?: string, fifoProp = "fifo"): ValidationProblem[] {
  const problems = new Problems();
  const p = (name: string) => prefixed(prefix, name);
  if (props.path !== undefined && !props.path.split("/").every((s) => SEGMENT.test(s))) {
    problems.add(
      p("path"),
      `"${props.path}" is not a resource path; use segments of letters, digits and ._~- joined by "/", without leading or trailing "/".`,
    );
  }
  if (props.stageName !== undefined && !/^[A-Za-z0-9_]{1,128}$/.test(props.stageName)) {
    problems.add(p("stageName"), `"${props.stageName}" is not a stage name; use letters, digits and underscores.`);
  }
  const rate = props.throttlingRateLimitPerSecond;
  if (isLiteralNumber(rate) && !(rate > 0)) {
    problems.add(
      p("throttlingRateLimitPerSecond"),
      `${rate} would reject every webhook (Genesys then gives up after 5 retries); set a rate above 0 requests per second (default 5000).`,
    );
  }
  const burst = props.throttlingBurstLimit;
  if (isLiteralNumber(burst) && (!(burst >= 1) || !Number.isInteger(burst))) {
    problems.add(p("throttlingBurstLimit"), `${burst} would reject every webhook; set an integer of at least 1 request (default 5000).`);
  }
  const headers = props.extraHeaders ?? [];
  if (headers.length > MAX_EXTRA_HEADERS) {
    problems.add(
      p("extraHeaders"),
      `${headers.length} headers is more than SQS message attributes allow; keep at most ${MAX_EXTRA_HEADERS} (${SQS_MAX_MESSAGE_ATTRIBUTES} attributes minus ${BODY_ENCODING_ATTRIBUTE}, ${SIGNATURE_HEADER} and ${DEAD_LETTER_ATTRIBUTE}).`,
    );
  }
  const seen = new Set<string>();
  for (const header of headers) {
    const lower = header.toLowerCase();
    if (!ATTRIBUTE_NAME.test(header) || lower.startsWith("aws.") || lower.startsWith("amazon.")) {
      problems.add(
        p("extraHeaders"),
        `"${header}" cannot be an SQS attribute name; use letters, digits, _ . - (not starting with AWS. or Amazon.).`,
      );
    } else if (
      lower === SIGNATURE_HEADER.toLowerCase() ||
      lower === DEAD_LETTER_ATTRIBUTE ||
      lower === FIRST_SENT_ATTRIBUTE ||
      lower === BODY_ENCODING_ATTRIBUTE
    ) {
      problems.add(p("extraHeaders"), `"${header}" is reserved (always carried or set by the pipeline); remove it.`);
    } else if (seen.has(lower)) {
      problems.add(p("extraHeaders"), `"${header}" is listed twice; list each header once.`);
    }
    seen.add(lower);
  }
  if (props.orderingKeyPaths !== undefined) {
    if (!fifo) problems.add(p("orderingKeyPaths"), `applies only to FIFO queues; set ${fifoProp}: true or remove it.`);
    if (!props.orderingKeyPaths.length) problems.add(p("orderingKeyPaths"), 'is empty; list at least one JSONPath such as "$.channel.id".');
    for (const jsonPath of props.orderingKeyPaths) {
      if (!/^\$(\.[A-Za-z0-9_-]+)+$/.test(jsonPath)) {
        problems.add(p("orderingKeyPaths"), `"${jsonPath}" is not a simple JSONPath; use dotted names such as "$.channel.to.id".`);
      }
    }
  }
  checkLogRetention(problems, p("accessLogRetentionDays"), props.accessLogRetentionDays);
  if (props.existingApi) {
    for (const field of ["id", "rootResourceId", "name"] as const) {
      if (!props.existingApi[field])
        problems.add(
          p(`existingApi.${field}`),
          "is required; give the existing REST API's id, rootResourceId and name (e.g. from DataAwsApiGatewayRestApi).",
        );
    }
  }
  if (props.customDomain && (!props.customDomain.domainName || !props.customDomain.certificateArn)) {
    problems.add(p("customDomain"), "needs both domainName and certificateArn; set both or remove customDomain.");
  }
  if (typeof props.apiKey === "object") problems.addAll(validateEdgeApiKeyOptions(props.apiKey, p("apiKey")));
  return [...problems.items];
}

/** Escapes a string so Terraform reads it literally (`${` and `%{` start Terraform templates). */
export function escapeTerraformTemplate(text: string): string {
  // Replacement functions: in a replacement string "$$" would mean one "$".
  return text.replace(/\$\{/g, () => "$${").replace(/%\{/g, () => "%%{");
}

// The mapping templates live in ./ingress-template; exported from here as before.
export { MAX_MESSAGE_GROUP_ID_LENGTH, UNORDERED_GROUP_PREFIX, webhookRequestTemplate } from "./ingress-template";

/** What a CloudWatch log group name does not allow (it takes letters, digits and `_-/#.`). */
const LOG_GROUP_DISALLOWED = "[^A-Za-z0-9_/#.-]";

/**
 * `name` made valid inside a log group name, each disallowed character replaced by `-`: an
 * existing API's name may hold spaces ("Orders API"). A reference (e.g. a data source's name)
 * is replaced by Terraform's `replace` with the same pattern.
 */
export function logGroupNamePart(name: string): string {
  if (Token.isUnresolved(name)) return Fn.replace(name, `/${LOG_GROUP_DISALLOWED}/`, "-");
  return name.replace(new RegExp(LOG_GROUP_DISALLOWED, "g"), "-");
}

/**
 * Makes a stage depend on every `ApiGatewayAccount` of its stack, at synth: API Gateway refuses
 * a stage's access-log settings until the account's CloudWatch role is set, and nothing else
 * orders the two, so a first deploy in a fresh region could race. An aspect, because the
 * account may be constructed before or after the ingress.
 */
class StageAfterApiGatewayAccount implements IAspect {
  private readonly added = new Set<ApiGatewayAccount>();

  constructor(private readonly stage: ApiGatewayStage) {}

  visit(node: IConstruct): void {
    if (node !== this.stage) return;
    const accounts = TerraformStack.of(node)
      .node.findAll()
      .filter((c): c is ApiGatewayAccount => c instanceof ApiGatewayAccount && !this.added.has(c));
    if (!accounts.length) return;
    // Synth may run the aspects more than once: add each account once.
    for (const a of accounts) this.added.add(a);
    this.stage.dependsOn = [...(this.stage.dependsOn ?? []), ...accounts.map((a) => dependable(a.account))];
  }
}

/** The 200 response body: `{"messageId":"<SQS message id>"}`. */
export const ACCEPTED_RESPONSE_TEMPLATE = `{"messageId":"$input.path('$.SendMessageResponse.SendMessageResult.MessageId')"}`;

/** The API Gateway REST API, its POST resource, SQS integration, stage, logs and role. */
export class WebhookIngress extends Construct {
  /** The REST API created here, unless `existingApi` was given. */
  readonly restApi?: ApiGatewayRestApi;
  /** The id of the REST API in use (created or existing). */
  readonly restApiId: string;
  readonly resource: ApiGatewayResource;
  readonly method: ApiGatewayMethod;
  readonly integration: ApiGatewayIntegration;
  readonly requestValidator: ApiGatewayRequestValidator;
  readonly deployment: ApiGatewayDeployment;
  readonly stage: ApiGatewayStage;
  readonly methodSettings: ApiGatewayMethodSettings;
  readonly accessLogGroup: CloudwatchLogGroup;
  /** Counts the requests answered 413 (a body over the size budget) from the access log. */
  readonly bodyTooLargeMetricFilter: CloudwatchLogMetricFilter;
  /** The metric of {@link bodyTooLargeMetricFilter} (Sum: refused bodies), for an alarm. */
  readonly bodyTooLargeMetric: {
    readonly namespace: string;
    readonly metricName: string;
    readonly dimensions: Readonly<Record<string, string>>;
  };
  /** The role API Gateway assumes to call SQS (sqs:SendMessage on this queue only). */
  readonly role: IamRole;
  readonly domainName?: ApiGatewayDomainName;
  readonly webAclAssociation?: Wafv2WebAclAssociation;
  /** The edge API key (usage plan, keys, key secret), with `apiKey`. */
  readonly apiKey?: EdgeApiKey;
  /** The webhook URL: `<stage invoke URL>/<path>` (a Terraform reference). */
  readonly url: string;
  /** The webhook URL on the custom domain, when one is set. */
  readonly customDomainUrl?: string;
  readonly urlOutput: TerraformOutput;
  /** The request template as API Gateway runs it (unescaped VTL). */
  readonly requestTemplate: string;
  /** The API name (a literal unless an existing API's name is a reference), the `ApiName` dimension of its metrics. */
  readonly apiName: string;
  readonly stageName: string;
  readonly path: string;

  constructor(scope: Construct, id: string, props: WebhookIngressProps) {
    super(scope, id);
    const problems = new Problems();
    problems.addAll(validateIngressProps(props, props.fifo ?? false));
    problems.throwIfAny(this.node.path, "WebhookIngress");

    const tags = props.tags ? { ...props.tags } : undefined;
    const apiKeyOn = props.apiKey !== undefined && props.apiKey !== false;
    this.path = props.path ?? INGRESS_DEFAULTS.path;
    this.stageName = props.stageName ?? INGRESS_DEFAULTS.stageName;
    this.apiName =
      props.existingApi?.name ?? physicalName(this, { prefix: props.namePrefix, suffix: "api", maxLength: NAME_LIMITS.apiGatewayRestApi });
    this.requestTemplate = webhookRequestTemplate({
      extraHeaders: props.extraHeaders,
      fifo: props.fifo,
      orderingKeyPaths: props.orderingKeyPaths,
    });

    const queueUri = this.queueUri(props);
    const { role, rolePolicy } = this.createRole(props, tags);
    this.role = role;
    const api = this.createRestApi(props, apiKeyOn, tags);
    this.restApi = api.restApi;
    this.restApiId = api.restApiId;
    this.resource = this.createResources(api.rootResourceId);
    this.requestValidator = this.createRequestValidator(props);
    this.method = this.createMethod(apiKeyOn);
    this.integration = this.createIntegration(queueUri, rolePolicy);
    const responses = this.createResponses();
    this.deployment = this.createDeployment(apiKeyOn, queueUri, responses);

    this.accessLogGroup = new CloudwatchLogGroup(this, "access-logs", {
      name: `/aws/apigateway/${logGroupNamePart(this.apiName)}/${this.stageName}/access`,
      retentionInDays: props.accessLogRetentionDays ?? INGRESS_DEFAULTS.accessLogRetentionDays,
      kmsKeyId: props.accessLogKmsKeyArn,
      tags,
    });
    this.stage = this.createStage(props, tags);
    this.bodyTooLargeMetric = { ...BODY_TOO_LARGE_METRIC, dimensions: { ApiId: this.restApiId, Stage: this.stageName } };
    this.bodyTooLargeMetricFilter = this.createBodyTooLargeMetricFilter();
    this.methodSettings = new ApiGatewayMethodSettings(this, "throttling", {
      restApiId: this.restApiId,
      stageName: this.stage.stageName,
      methodPath: "*/*",
      settings: {
        throttlingRateLimit: props.throttlingRateLimitPerSecond ?? INGRESS_DEFAULTS.throttlingRateLimitPerSecond,
        throttlingBurstLimit: props.throttlingBurstLimit ?? INGRESS_DEFAULTS.throttlingBurstLimit,
        metricsEnabled: props.detailedMetrics ?? INGRESS_DEFAULTS.detailedMetrics,
      },
    });
    if (props.webAclArn) {
      this.webAclAssociation = new Wafv2WebAclAssociation(this, "waf", { resourceArn: this.stage.arn, webAclArn: props.webAclArn });
    }
    if (props.customDomain) {
      this.domainName = this.createCustomDomain(props.customDomain, tags);
      const base = props.customDomain.basePath ? `/${props.customDomain.basePath}` : "";
      this.customDomainUrl = `https://${props.customDomain.domainName}${base}/${this.path}`;
    }
    if (apiKeyOn) {
      const options = typeof props.apiKey === "object" ? props.apiKey : {};
      this.apiKey = new EdgeApiKey(this, "edge-key", {
        ...options,
        restApiId: this.restApiId,
        stageName: this.stage.stageName,
        namePrefix: props.namePrefix,
        tags,
      });
    }

    this.url = `${this.stage.invokeUrl}/${this.path}`;
    this.urlOutput = new TerraformOutput(this, "url", { value: this.url, description: `Webhook URL of ${this.node.path}` });
  }

  /** The role API Gateway assumes to call SQS, allowed sqs:SendMessage on this queue only (and the queue's key). */
  private createRole(props: WebhookIngressProps, tags: Record<string, string> | undefined): { role: IamRole; rolePolicy: IamRolePolicy } {
    const role = new IamRole(this, "role", {
      name: physicalName(this, {
        prefix: props.namePrefix,
        suffix: "sqs-role",
        maxLength: NAME_LIMITS.iamRole,
        allowed: /[A-Za-z0-9_+=,.@-]/,
      }),
      // no aws:SourceAccount / aws:SourceArn condition here: API Gateway does not send them when it
      // assumes an integration role, so every webhook would be answered 500 (docs/guides/security.md)
      assumeRolePolicy: assumeRolePolicy("apigateway.amazonaws.com"),
      tags,
    });
    const statements: PolicyStatement[] = [{ Sid: "SendToQueue", Effect: "Allow", Action: "sqs:SendMessage", Resource: props.queue.arn }];
    if (props.kmsKeyArn) {
      statements.push({
        Sid: "EncryptForQueue",
        Effect: "Allow",
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Resource: props.kmsKeyArn,
      });
    }
    const rolePolicy = new IamRolePolicy(this, "role-policy", {
      role: role.id,
      name: "send-to-queue",
      policy: policyDocument(statements),
    });
    return { role, rolePolicy };
  }

  /** The REST API: created here, or the existing one. Returns its id and the id of the resource the path hangs from. */
  private createRestApi(
    props: WebhookIngressProps,
    apiKeyOn: boolean,
    tags: Record<string, string> | undefined,
  ): { restApi?: ApiGatewayRestApi; restApiId: string; rootResourceId: string } {
    if (props.existingApi) return { restApiId: props.existingApi.id, rootResourceId: props.existingApi.rootResourceId };
    const restApi = new ApiGatewayRestApi(this, "api", {
      name: this.apiName,
      description: `Genesys Cloud webhook ingress of ${this.node.path}`,
      endpointConfiguration: { types: ["REGIONAL"] },
      // where the edge API key is read from (the default, written down): the x-api-key header
      apiKeySource: apiKeyOn ? "HEADER" : undefined,
      tags,
    });
    return { restApi, restApiId: restApi.id, rootResourceId: restApi.rootResourceId };
  }

  /** One resource per segment of the path, under `parentId`; returns the last (the POST resource). */
  private createResources(parentId: string): ApiGatewayResource {
    let resource: ApiGatewayResource | undefined;
    this.path.split("/").forEach((segment, i) => {
      resource = new ApiGatewayResource(this, i === 0 ? "resource" : `resource-${i}`, {
        restApiId: this.restApiId,
        parentId,
        pathPart: segment,
      });
      parentId = resource.id;
    });
    return resource as ApiGatewayResource;
  }

  /** The validator refusing a request without the signature header. */
  private createRequestValidator(props: WebhookIngressProps): ApiGatewayRequestValidator {
    return new ApiGatewayRequestValidator(this, "validator", {
      restApiId: this.restApiId,
      // In a shared API, name the validator after this ingress so its purpose stays clear.
      name: props.existingApi
        ? physicalName(this, { prefix: props.namePrefix, suffix: "require-signature-header", maxLength: 255 })
        : "require-signature-header",
      validateRequestParameters: true,
      validateRequestBody: false,
    });
  }

  /** The POST method: the signature header required, and the edge API key when on. */
  private createMethod(apiKeyOn: boolean): ApiGatewayMethod {
    return new ApiGatewayMethod(this, "post", {
      restApiId: this.restApiId,
      resourceId: this.resource.id,
      httpMethod: "POST",
      // The signature (verified by the worker) is the authentication; the validator rejects requests without it.
      authorization: "NONE",
      // API Gateway checks the key before the validator: 403 for an outsider, nothing enqueued
      apiKeyRequired: apiKeyOn ? true : undefined,
      requestValidatorId: this.requestValidator.id,
      requestParameters: { [`method.request.header.${SIGNATURE_HEADER}`]: true },
    });
  }

  /** The SQS path API Gateway sends to: the queue in its account, in the stack's region. */
  private queueUri(props: WebhookIngressProps): string {
    const region = stackRegion(this);
    const account = stackAccount(this);
    return `arn:aws:apigateway:${region.region}:sqs:path/${props.queue.accountId ?? account.accountId}/${props.queue.name}`;
  }

  /** The AWS service integration sending the marked, base64-encoded body to SQS, as the role. */
  private createIntegration(queueUri: string, rolePolicy: IamRolePolicy): ApiGatewayIntegration {
    return new ApiGatewayIntegration(this, "sqs", {
      restApiId: this.restApiId,
      resourceId: this.resource.id,
      httpMethod: this.method.httpMethod,
      type: "AWS",
      integrationHttpMethod: "POST",
      uri: queueUri,
      credentials: this.role.arn,
      passthroughBehavior: "NEVER",
      requestParameters: { "integration.request.header.Content-Type": "'application/x-www-form-urlencoded'" },
      requestTemplates: { "application/json": escapeTerraformTemplate(this.requestTemplate) },
      dependsOn: [rolePolicy],
    });
  }

  /**
   * The method and integration responses: 200 with the message id, 5xx for SQS faults (so
   * Genesys retries) and the 413 method response the client-error template switches to.
   * Returns what the deployment depends on.
   */
  private createResponses(): Array<ApiGatewayIntegrationResponse | ApiGatewayMethodResponse> {
    const responses: ApiGatewayIntegrationResponse[] = [];
    const respond = (key: string, statusCode: string, selectionPattern: string | undefined, body: string) => {
      const methodResponse = this.createMethodResponse(`response-${key}`, statusCode);
      responses.push(
        new ApiGatewayIntegrationResponse(this, `integration-response-${key}`, {
          restApiId: this.restApiId,
          resourceId: this.resource.id,
          httpMethod: this.method.httpMethod,
          statusCode,
          selectionPattern,
          responseTemplates: { "application/json": escapeTerraformTemplate(body) },
          dependsOn: [this.integration, methodResponse],
        }),
      );
    };
    respond("accepted", INGRESS_STATUS.accepted, undefined, ACCEPTED_RESPONSE_TEMPLATE);
    // An SQS 4xx (access, attribute) is a configuration fault here: answer 5xx so Genesys retries.
    // SQS's size refusal is the exception: 413 (the template overrides the status), counted below.
    respond("sqs-client-error", INGRESS_STATUS.sqsClientError, "4\\d{2}", SQS_CLIENT_ERROR_TEMPLATE);
    const tooLargeResponse = this.createMethodResponse("response-body-too-large", INGRESS_STATUS.bodyTooLarge);
    respond(
      "sqs-server-error",
      INGRESS_STATUS.sqsServerError,
      "5\\d{2}",
      `{"message":"the queue is unavailable; retry","requestId":"$context.requestId"}`,
    );
    return [...responses, tooLargeResponse];
  }

  /** A method response of the POST method with an empty JSON model. */
  private createMethodResponse(id: string, statusCode: string): ApiGatewayMethodResponse {
    return new ApiGatewayMethodResponse(this, id, {
      restApiId: this.restApiId,
      resourceId: this.resource.id,
      httpMethod: this.method.httpMethod,
      statusCode,
      responseModels: { "application/json": "Empty" },
    });
  }

  /**
   * The deployment, replaced whenever what it snapshots changes: the path, the templates, the
   * statuses, the edge API key's requirement, and the queue and role the integration calls.
   */
  private createDeployment(
    apiKeyOn: boolean,
    queueUri: string,
    responses: Array<ApiGatewayIntegrationResponse | ApiGatewayMethodResponse>,
  ): ApiGatewayDeployment {
    const fingerprint = createHash("sha256")
      .update(
        JSON.stringify({
          path: this.path,
          template: this.requestTemplate,
          accepted: ACCEPTED_RESPONSE_TEMPLATE,
          clientError: SQS_CLIENT_ERROR_TEMPLATE,
          status: INGRESS_STATUS,
          header: SIGNATURE_HEADER,
          // only when on, so turning the key on (or off) redeploys and other stacks keep their fingerprint
          ...(apiKeyOn ? { apiKeyRequired: true } : {}),
        }),
      )
      .digest("hex");
    return new ApiGatewayDeployment(this, "deployment", {
      restApiId: this.restApiId,
      // A deployment snapshots the integration, queue URI and role included: when the queue or
      // the role is replaced (a new name, another account, `queue.existing`), the integration is
      // updated in place but the stage would keep calling the old ones. Their values, resolved
      // by Terraform (unknown until a replaced role exists), are triggers too, so that forces a
      // new deployment.
      triggers: { redeployment: fingerprint, queue: queueUri, role: this.role.arn },
      lifecycle: { createBeforeDestroy: true },
      dependsOn: [this.method, this.integration, ...responses],
    });
  }

  /** The stage, with its JSON access log (the body-too-large metric and the edge key rotation read it). */
  private createStage(props: WebhookIngressProps, tags: Record<string, string> | undefined): ApiGatewayStage {
    const stage = new ApiGatewayStage(this, "stage", {
      restApiId: this.restApiId,
      deploymentId: this.deployment.id,
      stageName: this.stageName,
      xrayTracingEnabled: props.tracing ?? INGRESS_DEFAULTS.tracing,
      accessLogSettings: {
        destinationArn: this.accessLogGroup.arn,
        format: JSON.stringify({
          requestId: "$context.requestId",
          ip: "$context.identity.sourceIp",
          requestTime: "$context.requestTimeEpoch",
          httpMethod: "$context.httpMethod",
          resourcePath: "$context.resourcePath",
          status: "$context.status",
          responseLength: "$context.responseLength",
          integrationStatus: "$context.integration.status",
          integrationLatency: "$context.integration.latency",
          error: "$context.error.message",
          // the dimensions of the body-too-large metric (BODY_TOO_LARGE_METRIC)
          apiId: "$context.apiId",
          stage: "$context.stage",
          // which edge API key a request carried (empty without one): how a rotation is watched
          apiKeyId: "$context.identity.apiKeyId",
        }),
      },
      tags,
    });
    Aspects.of(stage).add(new StageAfterApiGatewayAccount(stage));
    return stage;
  }

  /** Counts the requests answered 413 from the access log, as {@link BODY_TOO_LARGE_METRIC}. */
  private createBodyTooLargeMetricFilter(): CloudwatchLogMetricFilter {
    return new CloudwatchLogMetricFilter(this, "body-too-large", {
      name: "body-too-large",
      logGroupName: this.accessLogGroup.name,
      // the access log's status is a JSON string ("$context.status" in quotes)
      pattern: `{ $.status = "${INGRESS_STATUS.bodyTooLarge}" }`,
      metricTransformation: {
        namespace: BODY_TOO_LARGE_METRIC.namespace,
        name: BODY_TOO_LARGE_METRIC.metricName,
        value: "1",
        unit: "Count",
        dimensions: { ApiId: "$.apiId", Stage: "$.stage" },
      },
    });
  }

  /** The custom domain (regional, TLS 1.2) and its mapping to the stage. */
  private createCustomDomain(
    customDomain: NonNullable<WebhookIngressProps["customDomain"]>,
    tags: Record<string, string> | undefined,
  ): ApiGatewayDomainName {
    const domainName = new ApiGatewayDomainName(this, "domain", {
      domainName: customDomain.domainName,
      regionalCertificateArn: customDomain.certificateArn,
      endpointConfiguration: { types: ["REGIONAL"] },
      securityPolicy: "TLS_1_2",
      tags,
    });
    new ApiGatewayBasePathMapping(this, "domain-mapping", {
      apiId: this.restApiId,
      stageName: this.stage.stageName,
      domainName: domainName.domainName,
      basePath: customDomain.basePath,
    });
    return domainName;
  }
}
