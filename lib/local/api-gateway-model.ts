/**
 * The model of a synthesized REST API (API Gateway v1) the local server executes, read from
 * the stack: its routes (method, request parameters and validator, API key requirement, the
 * SQS or MOCK integration and its responses), its stages' throttling and access logs, and the
 * API keys its usage plans make valid. A part the emulator cannot execute is an
 * {@link UnsupportedIntegrationError} at start-up, never a silent difference at run time.
 */
import { API_GATEWAY_ACCOUNT_THROTTLE, API_GATEWAY_INTEGRATION_TIMEOUT_MS } from "../runtime/aws-limits";
import { accessLogOf, UnsupportedMetricFilterError, type AccessLog } from "./access-log";
import { apiKeysOf, type ApiKeyEntry } from "./api-keys";
import { LocalEmulatorError } from "./errors";
import type { StackResolver } from "./resolver";
import { ofType, type TfItem } from "./stack";

/** API Gateway's integration timeout default, milliseconds. */
const DEFAULT_INTEGRATION_TIMEOUT_MS = API_GATEWAY_INTEGRATION_TIMEOUT_MS;
/** The account-level throttle applied when a stage sets none (requests per second, burst). */
export const ACCOUNT_THROTTLE = API_GATEWAY_ACCOUNT_THROTTLE;

/** Thrown at start-up for a part of the REST API the emulator cannot execute. */
export class UnsupportedIntegrationError extends LocalEmulatorError {
  override readonly name = "UnsupportedIntegrationError";
}

/** One integration response: chosen by its selection pattern against the integration's status code. */
export interface IntegrationResponse {
  readonly statusCode: string;
  readonly selectionPattern?: RegExp;
  readonly templates: Record<string, string>;
  readonly parameters: Record<string, string>;
}

/** The integration of a route: an AWS service integration to SQS, or MOCK. */
export interface RouteIntegration {
  readonly address: string;
  readonly type: "AWS" | "MOCK";
  /** For AWS/SQS: the queue path ("123456789012/queue") or undefined for the action style. */
  readonly sqsPath?: string;
  readonly sqsAction?: string;
  readonly requestParameters: Record<string, string>;
  readonly requestTemplates: Record<string, string>;
  readonly passthrough: "WHEN_NO_MATCH" | "WHEN_NO_TEMPLATES" | "NEVER";
  readonly timeoutMs: number;
}

/** One method of a resource, with its integration. */
export interface Route {
  readonly resourcePath: string;
  readonly resourceId: string;
  readonly httpMethod: string;
  readonly methodAddress: string;
  /** Required method request parameters, e.g. "method.request.header.X-Hub-Signature-256". */
  readonly required: readonly string[];
  readonly validateParameters: boolean;
  /** `api_key_required`: a valid `x-api-key` of a usage plan on the stage, else 403 Forbidden. */
  readonly apiKeyRequired: boolean;
  readonly integration: RouteIntegration;
  readonly responses: readonly IntegrationResponse[];
}

/** Stage throttling settings as synthesized (undefined: not set). */
export interface Throttle {
  readonly rate: number;
  readonly burst: number;
}

/** A REST API model built from the synthesized resources. */
export interface RestApiModel {
  readonly address: string;
  readonly id: string;
  readonly name: string;
  readonly routes: readonly Route[];
  /** Stage name -> throttling by method path ("*\/*" or "webhook/POST"). */
  readonly stages: ReadonlyMap<string, ReadonlyMap<string, Throttle>>;
  /** The API keys usage plans make valid on its stages (read only when a method requires a key). */
  readonly apiKeys: readonly ApiKeyEntry[];
  /** Stage name -> its access log (format and metric filters), for the stages that have one. */
  readonly accessLogs: ReadonlyMap<string, AccessLog>;
}

/** The stack's resources of one type that belong to the API. */
const ofApi = (r: StackResolver, type: string, apiId: string): TfItem[] =>
  ofType(r.stack, type).filter((item) => r.configValue(item, "rest_api_id") === apiId);

/** What the API's routes are read from: its resources' paths, validators, integrations and integration responses. */
interface RouteSources {
  readonly resolver: StackResolver;
  readonly api: TfItem;
  /** Resource id -> path. */
  readonly paths: ReadonlyMap<string, string>;
  /** Validator id -> whether it validates request parameters. */
  readonly validators: ReadonlyMap<string, boolean>;
  /** "<resource id> <http method>" -> integration. */
  readonly integrations: ReadonlyMap<string, TfItem>;
  readonly responses: readonly TfItem[];
}

/** The key that joins a method to its integration: "<resource id> <http method>". */
const methodKey = (resolver: StackResolver, item: TfItem) =>
  `${String(resolver.configValue(item, "resource_id"))} ${String(resolver.configValue(item, "http_method"))}`;

function routeSources(resolver: StackResolver, api: TfItem, apiId: string): RouteSources {
  const rootId = String(resolver.attribute(api, "root_resource_id"));
  const paths = new Map<string, string>([[rootId, "/"]]);
  for (const res of ofApi(resolver, "aws_api_gateway_resource", apiId)) {
    paths.set(String(resolver.attribute(res, "id")), String(resolver.attribute(res, "path")));
  }
  const validators = new Map<string, boolean>();
  for (const v of ofApi(resolver, "aws_api_gateway_request_validator", apiId)) {
    validators.set(String(resolver.attribute(v, "id")), resolver.configValue(v, "validate_request_parameters") === true);
  }
  const integrations = new Map(ofApi(resolver, "aws_api_gateway_integration", apiId).map((i) => [methodKey(resolver, i), i]));
  const responses = ofApi(resolver, "aws_api_gateway_integration_response", apiId);
  return { resolver, api, paths, validators, integrations, responses };
}

/** The SQS target of an AWS integration URI (path or action style); throws for any other service. */
function sqsTarget(integrationItem: TfItem, uri: string): { sqsPath?: string; sqsAction?: string } {
  const m = /^arn:aws:apigateway:[^:]+:sqs:(path|action)\/(.+)$/.exec(uri);
  if (!m)
    throw new UnsupportedIntegrationError(
      `${integrationItem.address}: the AWS integration URI ${uri} is not an SQS one; the local emulator runs SQS service integrations only`,
    );
  return m[1] === "path" ? { sqsPath: m[2].split("?")[0] } : { sqsAction: m[2] };
}

/** A method's integration: AWS (SQS) or MOCK; any other type is not emulated. */
function integrationOf(resolver: StackResolver, integrationItem: TfItem): RouteIntegration {
  const cfg = resolver.config(integrationItem);
  const type = String(cfg.type);
  let target: { sqsPath?: string; sqsAction?: string } = {};
  if (type === "AWS") target = sqsTarget(integrationItem, String(cfg.uri));
  else if (type !== "MOCK") {
    throw new UnsupportedIntegrationError(
      `${integrationItem.address}: integration type ${type} is not emulated locally (AWS service integrations to SQS and MOCK are)`,
    );
  }
  return {
    address: integrationItem.address,
    type: type as "AWS" | "MOCK",
    sqsPath: target.sqsPath,
    sqsAction: target.sqsAction,
    requestParameters: (cfg.request_parameters as Record<string, string> | undefined) ?? {},
    requestTemplates: (cfg.request_templates as Record<string, string> | undefined) ?? {},
    passthrough: ((cfg.passthrough_behavior as string | undefined) ?? "WHEN_NO_MATCH") as RouteIntegration["passthrough"],
    timeoutMs: Number(cfg.timeout_milliseconds ?? DEFAULT_INTEGRATION_TIMEOUT_MS),
  };
}

/** An integration response as the server applies it (the selection pattern anchored, as API Gateway matches it). */
function integrationResponseOf(resolver: StackResolver, item: TfItem): IntegrationResponse {
  const c = resolver.config(item);
  const pattern = c.selection_pattern as string | undefined;
  return {
    statusCode: String(c.status_code),
    selectionPattern: pattern ? new RegExp(`^(?:${pattern})$`, "s") : undefined,
    templates: (c.response_templates as Record<string, string> | undefined) ?? {},
    parameters: (c.response_parameters as Record<string, string> | undefined) ?? {},
  };
}

/** The route of one aws_api_gateway_method; throws for authorization or an integration the emulator cannot run. */
function routeOf(sources: RouteSources, method: TfItem): Route {
  const { resolver, api } = sources;
  const resourceId = String(resolver.configValue(method, "resource_id"));
  const resourcePath = sources.paths.get(resourceId);
  if (!resourcePath) throw new UnsupportedIntegrationError(`${method.address}: resource ${resourceId} is not a resource of ${api.address}`);
  const httpMethod = String(resolver.configValue(method, "http_method")).toUpperCase();
  const authorization = String(resolver.configValue(method, "authorization") ?? "NONE");
  if (authorization !== "NONE")
    throw new UnsupportedIntegrationError(`${method.address}: authorization ${authorization} is not emulated locally`);
  const params = (resolver.configValue(method, "request_parameters") as Record<string, boolean> | undefined) ?? {};
  const validatorId = resolver.configValue(method, "request_validator_id");
  const integrationItem = sources.integrations.get(methodKey(resolver, method));
  if (!integrationItem)
    throw new UnsupportedIntegrationError(`${method.address} (${httpMethod} ${resourcePath}) has no aws_api_gateway_integration`);
  const integration = integrationOf(resolver, integrationItem);
  const methodResponses = sources.responses.filter(
    (r) =>
      methodKey(resolver, r) === methodKey(resolver, method) ||
      (String(resolver.configValue(r, "resource_id")) === resourceId &&
        String(resolver.configValue(r, "http_method")).toUpperCase() === httpMethod),
  );
  return {
    resourcePath,
    resourceId,
    httpMethod,
    methodAddress: method.address,
    required: Object.entries(params)
      .filter(([, req]) => req === true)
      .map(([name]) => name),
    validateParameters: validatorId !== undefined && sources.validators.get(String(validatorId)) === true,
    apiKeyRequired: resolver.configValue(method, "api_key_required") === true,
    integration,
    responses: methodResponses.map((r) => integrationResponseOf(resolver, r)),
  };
}

/**
 * The API's stages (from its aws_api_gateway_stage and deployments' stage_name) with the
 * throttling of their method settings, and their access logs.
 */
function stagesOf(resolver: StackResolver, apiId: string) {
  const stages = new Map<string, Map<string, Throttle>>();
  const stageNames = new Set<string>();
  const accessLogs = new Map<string, AccessLog>();
  for (const stage of ofApi(resolver, "aws_api_gateway_stage", apiId)) {
    stageNames.add(String(resolver.configValue(stage, "stage_name")));
    try {
      const log = accessLogOf(resolver, stage);
      if (log) accessLogs.set(String(resolver.configValue(stage, "stage_name")), log);
    } catch (error) {
      if (error instanceof UnsupportedMetricFilterError) throw new UnsupportedIntegrationError(error.message);
      throw error;
    }
  }
  for (const dep of ofApi(resolver, "aws_api_gateway_deployment", apiId)) {
    const name = resolver.configValue(dep, "stage_name");
    if (typeof name === "string" && name) stageNames.add(name);
  }
  for (const name of stageNames) stages.set(name, new Map());
  for (const ms of ofApi(resolver, "aws_api_gateway_method_settings", apiId)) {
    const stageName = String(resolver.configValue(ms, "stage_name"));
    const settings = (resolver.configValue(ms, "settings") as Record<string, unknown> | undefined) ?? {};
    const rate = Number(settings.throttling_rate_limit ?? -1);
    const burst = Number(settings.throttling_burst_limit ?? -1);
    if (rate < 0 && burst < 0) continue;
    const methodPath = String(resolver.configValue(ms, "method_path")).replace(/^\/+/, "").replace(/~1/g, "/");
    if (!stages.has(stageName)) stages.set(stageName, new Map());
    stages
      .get(stageName)!
      .set(methodPath, { rate: rate < 0 ? ACCOUNT_THROTTLE.rate : rate, burst: burst < 0 ? ACCOUNT_THROTTLE.burst : burst });
  }
  return { stages, accessLogs };
}

/** Builds the model of one aws_api_gateway_rest_api from the stack. */
export function buildRestApi(resolver: StackResolver, api: TfItem): RestApiModel {
  const apiId = String(resolver.attribute(api, "id"));
  const sources = routeSources(resolver, api, apiId);
  const routes = ofApi(resolver, "aws_api_gateway_method", apiId).map((method) => routeOf(sources, method));
  const { stages, accessLogs } = stagesOf(resolver, apiId);
  if (!stages.size) throw new UnsupportedIntegrationError(`${api.address} has no aws_api_gateway_stage: nothing would serve it`);
  const keyed = routes.some((r) => r.apiKeyRequired);
  if (keyed && String(resolver.configValue(api, "api_key_source") ?? "HEADER") !== "HEADER") {
    throw new UnsupportedIntegrationError(
      `${api.address}: api_key_source ${String(resolver.configValue(api, "api_key_source"))} is not emulated locally (HEADER is)`,
    );
  }
  const apiKeys = keyed ? apiKeysOf(resolver, apiId) : [];
  return { address: api.address, id: apiId, name: String(resolver.configValue(api, "name") ?? apiId), routes, stages, apiKeys, accessLogs };
}
