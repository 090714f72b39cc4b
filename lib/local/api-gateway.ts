/**
 * The synthesized REST API (API Gateway v1), executed on 127.0.0.1: routes, method request
 * parameters and request validators, stage throttling, the AWS service integration to SQS
 * through its VTL request template, integration responses and the payload limit. Answers
 * as API Gateway does (403 "Missing Authentication Token" for an unknown route, 403
 * "Forbidden" without a valid API key where the method requires one, 400 for a missing
 * required parameter, 429 without Retry-After, 413 above 10 MB).
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { MetricStore } from "./metrics";
import type { StackResolver } from "./resolver";
import { ofType, type TfItem } from "./stack";
import { TokenBucket } from "./token-bucket";
import { ApiKeyRegistry, apiKeysOf, type ApiKeyEntry } from "./api-keys";
import { API_KEY_HEADER } from "../runtime/edge-key";
import { renderResponseTemplate, renderTemplate, TemplateError, type TemplateRequest } from "./vtl";
import { accessLogOf, accessLogRecord, metricPoints, UnsupportedMetricFilterError, type AccessLog } from "./access-log";
import { closeServer, listenLoopback } from "./services";

/** API Gateway's payload limit, bytes (10 MB). */
export const PAYLOAD_LIMIT_BYTES = 10 * 1024 * 1024;
/** API Gateway's integration timeout default, milliseconds. */
const DEFAULT_INTEGRATION_TIMEOUT_MS = 29_000;
/** The account-level throttle applied when a stage sets none (requests per second, burst). */
export const ACCOUNT_THROTTLE = { rate: 10_000, burst: 5_000 } as const;

/** Thrown at start-up for a part of the REST API the emulator cannot execute. */
export class UnsupportedIntegrationError extends Error {
  override readonly name = "UnsupportedIntegrationError";
}

interface IntegrationResponse {
  readonly statusCode: string;
  readonly selectionPattern?: RegExp;
  readonly templates: Record<string, string>;
  readonly parameters: Record<string, string>;
}

interface Route {
  readonly resourcePath: string;
  readonly resourceId: string;
  readonly httpMethod: string;
  readonly methodAddress: string;
  /** Required method request parameters, e.g. "method.request.header.X-Hub-Signature-256". */
  readonly required: readonly string[];
  readonly validateParameters: boolean;
  /** `api_key_required`: a valid `x-api-key` of a usage plan on the stage, else 403 Forbidden. */
  readonly apiKeyRequired: boolean;
  readonly integration: {
    readonly address: string;
    readonly type: "AWS" | "MOCK";
    /** For AWS/SQS: the queue path ("123456789012/queue") or undefined for the action style. */
    readonly sqsPath?: string;
    readonly sqsAction?: string;
    readonly requestParameters: Record<string, string>;
    readonly requestTemplates: Record<string, string>;
    readonly passthrough: "WHEN_NO_MATCH" | "WHEN_NO_TEMPLATES" | "NEVER";
    readonly timeoutMs: number;
  };
  readonly responses: readonly IntegrationResponse[];
}

/** Stage throttling settings as synthesized (undefined: not set). */
interface Throttle {
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

const sameApi = (r: StackResolver, item: TfItem, apiId: string) => r.configValue(item, "rest_api_id") === apiId;

/** Builds the model of one aws_api_gateway_rest_api from the stack. */
export function buildRestApi(resolver: StackResolver, api: TfItem): RestApiModel {
  const apiId = String(resolver.attribute(api, "id"));
  const rootId = String(resolver.attribute(api, "root_resource_id"));
  const paths = new Map<string, string>([[rootId, "/"]]);
  for (const res of ofType(resolver.stack, "aws_api_gateway_resource").filter((x) => sameApi(resolver, x, apiId))) {
    paths.set(String(resolver.attribute(res, "id")), String(resolver.attribute(res, "path")));
  }
  const validators = new Map<string, boolean>();
  for (const v of ofType(resolver.stack, "aws_api_gateway_request_validator").filter((x) => sameApi(resolver, x, apiId))) {
    validators.set(String(resolver.attribute(v, "id")), resolver.configValue(v, "validate_request_parameters") === true);
  }
  const key = (item: TfItem) => `${String(resolver.configValue(item, "resource_id"))} ${String(resolver.configValue(item, "http_method"))}`;
  const integrations = new Map(
    ofType(resolver.stack, "aws_api_gateway_integration")
      .filter((x) => sameApi(resolver, x, apiId))
      .map((i) => [key(i), i]),
  );
  const responses = ofType(resolver.stack, "aws_api_gateway_integration_response").filter((x) => sameApi(resolver, x, apiId));
  const routes: Route[] = [];
  for (const method of ofType(resolver.stack, "aws_api_gateway_method").filter((x) => sameApi(resolver, x, apiId))) {
    const resourceId = String(resolver.configValue(method, "resource_id"));
    const resourcePath = paths.get(resourceId);
    if (!resourcePath)
      throw new UnsupportedIntegrationError(`${method.address}: resource ${resourceId} is not a resource of ${api.address}`);
    const httpMethod = String(resolver.configValue(method, "http_method")).toUpperCase();
    const authorization = String(resolver.configValue(method, "authorization") ?? "NONE");
    if (authorization !== "NONE")
      throw new UnsupportedIntegrationError(`${method.address}: authorization ${authorization} is not emulated locally`);
    const params = (resolver.configValue(method, "request_parameters") as Record<string, boolean> | undefined) ?? {};
    const validatorId = resolver.configValue(method, "request_validator_id");
    const integrationItem = integrations.get(key(method));
    if (!integrationItem)
      throw new UnsupportedIntegrationError(`${method.address} (${httpMethod} ${resourcePath}) has no aws_api_gateway_integration`);
    const cfg = resolver.config(integrationItem);
    const type = String(cfg.type);
    let sqsPath: string | undefined;
    let sqsAction: string | undefined;
    if (type === "AWS") {
      const uri = String(cfg.uri);
      const m = /^arn:aws:apigateway:[^:]+:sqs:(path|action)\/(.+)$/.exec(uri);
      if (!m)
        throw new UnsupportedIntegrationError(
          `${integrationItem.address}: the AWS integration URI ${uri} is not an SQS one; the local emulator runs SQS service integrations only`,
        );
      if (m[1] === "path") sqsPath = m[2].split("?")[0];
      else sqsAction = m[2];
    } else if (type !== "MOCK") {
      throw new UnsupportedIntegrationError(
        `${integrationItem.address}: integration type ${type} is not emulated locally (AWS service integrations to SQS and MOCK are)`,
      );
    }
    const methodResponses = responses.filter(
      (r) =>
        key(r) === key(method) ||
        (String(resolver.configValue(r, "resource_id")) === resourceId &&
          String(resolver.configValue(r, "http_method")).toUpperCase() === httpMethod),
    );
    routes.push({
      resourcePath,
      resourceId,
      httpMethod,
      methodAddress: method.address,
      required: Object.entries(params)
        .filter(([, req]) => req === true)
        .map(([name]) => name),
      validateParameters: validatorId !== undefined && validators.get(String(validatorId)) === true,
      apiKeyRequired: resolver.configValue(method, "api_key_required") === true,
      integration: {
        address: integrationItem.address,
        type: type as "AWS" | "MOCK",
        sqsPath,
        sqsAction,
        requestParameters: (cfg.request_parameters as Record<string, string> | undefined) ?? {},
        requestTemplates: (cfg.request_templates as Record<string, string> | undefined) ?? {},
        passthrough: ((cfg.passthrough_behavior as string | undefined) ?? "WHEN_NO_MATCH") as Route["integration"]["passthrough"],
        timeoutMs: Number(cfg.timeout_milliseconds ?? DEFAULT_INTEGRATION_TIMEOUT_MS),
      },
      responses: methodResponses.map((r) => {
        const c = resolver.config(r);
        const pattern = c.selection_pattern as string | undefined;
        return {
          statusCode: String(c.status_code),
          selectionPattern: pattern ? new RegExp(`^(?:${pattern})$`, "s") : undefined,
          templates: (c.response_templates as Record<string, string> | undefined) ?? {},
          parameters: (c.response_parameters as Record<string, string> | undefined) ?? {},
        };
      }),
    });
  }
  const stages = new Map<string, Map<string, Throttle>>();
  const stageNames = new Set<string>();
  const accessLogs = new Map<string, AccessLog>();
  for (const stage of ofType(resolver.stack, "aws_api_gateway_stage").filter((x) => sameApi(resolver, x, apiId))) {
    stageNames.add(String(resolver.configValue(stage, "stage_name")));
    try {
      const log = accessLogOf(resolver, stage);
      if (log) accessLogs.set(String(resolver.configValue(stage, "stage_name")), log);
    } catch (error) {
      if (error instanceof UnsupportedMetricFilterError) throw new UnsupportedIntegrationError(error.message);
      throw error;
    }
  }
  for (const dep of ofType(resolver.stack, "aws_api_gateway_deployment").filter((x) => sameApi(resolver, x, apiId))) {
    const name = resolver.configValue(dep, "stage_name");
    if (typeof name === "string" && name) stageNames.add(name);
  }
  for (const name of stageNames) stages.set(name, new Map());
  for (const ms of ofType(resolver.stack, "aws_api_gateway_method_settings").filter((x) => sameApi(resolver, x, apiId))) {
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

/** Counters of one API server. */
export interface ApiStats {
  requests: number;
  byStatus: Record<number, number>;
  throttled: number;
  /** Answered 403 Forbidden for a missing or invalid API key. */
  forbidden: number;
  enqueued: number;
}

/** Options of {@link startRestApi}. */
export interface RestApiServerOptions {
  readonly model: RestApiModel;
  /** The local SQS server the integration posts to. */
  readonly sqsEndpoint: string;
  readonly region: string;
  readonly accountId: string;
  readonly metrics?: MetricStore;
  /** A server already listening (the run allocates ports before resolving the stack). */
  readonly server?: Server;
}

/** A running local REST API. */
export interface RestApiServer {
  /** http://127.0.0.1:<port> — append /<stage>/<path>. */
  readonly endpoint: string;
  readonly model: RestApiModel;
  readonly stats: ApiStats;
  /** The API keys it accepts now (a test can retire or disable one while it runs). */
  readonly apiKeys: ApiKeyRegistry;
  close(): Promise<void>;
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "x-amzn-requestid": headers["x-amzn-requestid"] ?? randomUUID(),
    ...headers,
  });
  res.end(text);
};

function matchRoute(routes: readonly Route[], path: string): { routes: Route[]; params: Record<string, string> } | undefined {
  const segments = path.split("/").filter(Boolean);
  for (const candidate of [...new Set(routes.map((r) => r.resourcePath))]) {
    const pattern = candidate.split("/").filter(Boolean);
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < Math.max(pattern.length, segments.length); i++) {
      const p = pattern[i];
      if (p === undefined) {
        ok = false;
        break;
      }
      if (/^\{.+\+\}$/.test(p)) {
        params[p.slice(1, -2)] = segments.slice(i).join("/");
        if (segments.length <= i) ok = false;
        break;
      }
      if (segments[i] === undefined) {
        ok = false;
        break;
      }
      if (/^\{.+\}$/.test(p)) params[p.slice(1, -1)] = decodeURIComponent(segments[i]);
      else if (p !== segments[i]) {
        ok = false;
        break;
      }
    }
    if (ok) return { routes: routes.filter((r) => r.resourcePath === candidate), params };
  }
  return undefined;
}

/** Converts the SQS Query-protocol XML answer to the JSON API Gateway receives from SQS. */
export function sqsXmlToJson(xml: string): Record<string, unknown> {
  const parse = (text: string): unknown => {
    const children: [string, unknown][] = [];
    const re = /<([A-Za-z][\w.-]*)(?:\s[^>]*)?(?:\/>|>([\s\S]*?)<\/\1>)/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text))) children.push([m[1], m[2] === undefined ? null : parse(m[2])]);
    if (!children.length) {
      const t = text.trim();
      return t === ""
        ? null
        : t
            .replace(/&lt;/g, "<")
            .replace(/&gt;/g, ">")
            .replace(/&quot;/g, '"')
            .replace(/&apos;/g, "'")
            .replace(/&amp;/g, "&");
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of children) out[k] = k in out ? ([] as unknown[]).concat(out[k], v) : v;
    return out;
  };
  const doc = parse(xml.replace(/<\?xml[^>]*\?>/, "")) as Record<string, unknown>;
  if (doc.ErrorResponse) return doc.ErrorResponse as Record<string, unknown>;
  const send = (doc.SendMessageResponse as Record<string, Record<string, unknown>> | undefined)?.SendMessageResult;
  if (send)
    for (const k of ["MD5OfMessageAttributes", "MD5OfMessageBody", "MD5OfMessageSystemAttributes", "MessageId", "SequenceNumber"])
      send[k] ??= null;
  return doc;
}

const requestTime = (d: Date) => {
  const mon = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][d.getUTCMonth()];
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(d.getUTCDate())}/${mon}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
};

/** One header's value as received (several occurrences joined, as Node does for unknown headers). */
const headerValue = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value.join(", ") : value);

/**
 * The request headers as the client sent them, names in its case (`$input.params().header`);
 * a repeated header's values joined with ",".
 */
export function headersAsSent(rawHeaders: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const names = new Map<string, string>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = names.get(rawHeaders[i].toLowerCase()) ?? rawHeaders[i];
    names.set(name.toLowerCase(), name);
    out[name] = out[name] === undefined ? rawHeaders[i + 1] : `${out[name]},${rawHeaders[i + 1]}`;
  }
  return out;
}

/** Starts the local REST API on 127.0.0.1. */
export async function startRestApi(options: RestApiServerOptions): Promise<RestApiServer> {
  const { model } = options;
  const stats: ApiStats = { requests: 0, byStatus: {}, throttled: 0, forbidden: 0, enqueued: 0 };
  const apiKeys = new ApiKeyRegistry(model.apiKeys);
  const buckets = new Map<string, TokenBucket>();
  const bucketFor = (stage: string, route: Route): TokenBucket => {
    const settings = model.stages.get(stage)!;
    const methodPath = `${route.resourcePath.replace(/^\//, "")}/${route.httpMethod}`;
    const own = settings.get(methodPath);
    const key = own ? `${stage} ${methodPath}` : `${stage} */*`;
    let bucket = buckets.get(key);
    if (!bucket) {
      const t = own ?? settings.get("*/*") ?? ACCOUNT_THROTTLE;
      bucket = new TokenBucket(t.rate, t.burst);
      buckets.set(key, bucket);
    }
    return bucket;
  };

  const record = (stage: string, status: number, latencyMs: number, integrationMs?: number) => {
    stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
    const m = options.metrics;
    if (!m) return;
    const dimensionSets: Record<string, string>[] = [{ ApiName: model.name }, { ApiName: model.name, Stage: stage }];
    for (const dims of dimensionSets) {
      m.put("AWS/ApiGateway", "Count", dims, 1);
      m.put("AWS/ApiGateway", "4XXError", dims, status >= 400 && status < 500 ? 1 : 0);
      m.put("AWS/ApiGateway", "5XXError", dims, status >= 500 ? 1 : 0);
      m.put("AWS/ApiGateway", "Latency", dims, latencyMs);
      if (integrationMs !== undefined) m.put("AWS/ApiGateway", "IntegrationLatency", dims, integrationMs);
    }
  };

  /** A request's access-log record, through the stage's metric filters (lib/local/access-log.ts). */
  const logAccess = (stage: string, values: Readonly<Record<string, string | number | undefined>>) => {
    const log = model.accessLogs.get(stage);
    const m = options.metrics;
    if (!log?.filters.length || !m) return;
    for (const p of metricPoints(log, accessLogRecord(log.format, values))) m.put(p.namespace, p.metricName, p.dimensions, p.value);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    const requestId = randomUUID();
    stats.requests++;
    const url = new URL(req.url ?? "/", "http://local");
    const [stage, ...rest] = url.pathname.split("/").filter(Boolean);
    const answer = (status: number, body: unknown, integrationMs?: number, headers: Record<string, string> = {}) => {
      json(res, status, body, { "x-amzn-requestid": requestId, ...headers });
      if (stage && model.stages.has(stage)) {
        record(stage, status, performance.now() - started, integrationMs);
        logAccess(stage, {
          requestId,
          status,
          stage,
          apiId: model.id,
          httpMethod: req.method,
          requestTimeEpoch: Date.now(),
          "identity.sourceIp": req.socket.remoteAddress,
          "integration.latency": integrationMs === undefined ? undefined : Math.round(integrationMs),
        });
      } else stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
    };

    // Payload limit: read at most 10 MB.
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = Number(req.headers["content-length"] ?? 0) > PAYLOAD_LIMIT_BYTES;
    if (!tooLarge) {
      for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > PAYLOAD_LIMIT_BYTES) {
          tooLarge = true;
          break;
        }
        chunks.push(chunk as Buffer);
      }
    }
    if (tooLarge) {
      res.setHeader("connection", "close");
      return answer(413, { message: "Request Too Long" });
    }
    const body = Buffer.concat(chunks).toString("utf8");

    if (!stage || !model.stages.has(stage)) return answer(403, { message: "Missing Authentication Token" });
    const matched = matchRoute(model.routes, "/" + rest.join("/"));
    const method = (req.method ?? "GET").toUpperCase();
    const route = matched?.routes.find((r) => r.httpMethod === method) ?? matched?.routes.find((r) => r.httpMethod === "ANY");
    if (!matched || !route) return answer(403, { message: "Missing Authentication Token" });

    // The API key before throttling and validation (the key names the usage plan whose limits
    // apply). Whether a refused request takes a token from the stage's bucket is not
    // documented: it does here, never kinder to the traffic that has the key.
    const edgeKey = route.apiKeyRequired ? apiKeys.match(headerValue(req.headers[API_KEY_HEADER]), stage) : undefined;
    if (route.apiKeyRequired && !edgeKey) {
      bucketFor(stage, route).take();
      stats.forbidden++;
      return answer(403, { message: "Forbidden" });
    }

    if (!bucketFor(stage, route).take()) {
      stats.throttled++;
      return answer(429, { message: "Too Many Requests" });
    }

    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(",") : v;
    const query = Object.fromEntries(url.searchParams.entries());
    const request: TemplateRequest = { body, headers: headersAsSent(req.rawHeaders), query, path: matched.params };
    const lookupParam = (name: string): string | undefined => {
      const m = /^method\.request\.(header|querystring|path|multivalueheader|multivaluequerystring)\.(.+)$/.exec(name);
      if (!m) return undefined;
      if (m[1].endsWith("header")) return headers[m[2].toLowerCase()];
      if (m[1].endsWith("querystring")) return query[m[2]];
      return matched.params[m[2]];
    };
    if (route.validateParameters) {
      const missing = route.required.filter((p) => {
        const v = lookupParam(p);
        return v === undefined || v === "";
      });
      if (missing.length) {
        return answer(400, {
          message: `Missing required request parameters: [${missing.map((p) => p.replace(/^method\.request\.(header|querystring|path|multivalueheader|multivaluequerystring)\./, "")).join(", ")}]`,
        });
      }
    }

    const now = new Date();
    const context = {
      requestId,
      extendedRequestId: requestId,
      requestTimeEpoch: now.getTime(),
      requestTime: requestTime(now),
      httpMethod: method,
      resourcePath: route.resourcePath,
      resourceId: route.resourceId,
      path: url.pathname,
      stage,
      apiId: model.id,
      accountId: options.accountId,
      domainName: req.headers.host ?? "127.0.0.1",
      protocol: `HTTP/${req.httpVersion}`,
      identity: {
        sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
        apiKey: edgeKey?.value ?? "",
        apiKeyId: edgeKey?.id ?? "",
        caller: "",
        user: "",
      },
    };

    // Template selection by Content-Type, then the passthrough behaviour.
    const contentType = (headers["content-type"] ?? "application/json").split(";")[0].trim().toLowerCase();
    const templates = route.integration.requestTemplates;
    const templateKey = Object.keys(templates).find((k) => k.toLowerCase() === contentType);
    let integrationBody: string;
    try {
      if (templateKey !== undefined) integrationBody = renderTemplate(templates[templateKey], request, context);
      else if (
        route.integration.passthrough === "WHEN_NO_MATCH" ||
        (route.integration.passthrough === "WHEN_NO_TEMPLATES" && Object.keys(templates).length === 0)
      )
        integrationBody = body;
      else return answer(415, { message: "Unsupported Media Type" });
    } catch (error) {
      if (error instanceof TemplateError)
        return answer(error.message.includes("Invalid JSON") ? 400 : 500, {
          message: error.message.includes("Invalid JSON") ? "Invalid JSON in request body" : "Internal server error",
        });
      throw error;
    }

    // The integration request.
    const integrationHeaders: Record<string, string> = { accept: "application/json" };
    const integrationQuery = new URLSearchParams();
    for (const [target, source] of Object.entries(route.integration.requestParameters)) {
      const m = /^integration\.request\.(header|querystring|path)\.(.+)$/.exec(target);
      if (!m) continue;
      let value: string | undefined;
      if (/^'.*'$/s.test(source)) value = source.slice(1, -1);
      else if (source.startsWith("method.request.")) value = lookupParam(source);
      else if (source.startsWith("context.")) value = String((context as Record<string, unknown>)[source.slice(8)] ?? "");
      if (value === undefined) continue;
      if (m[1] === "header") integrationHeaders[m[2].toLowerCase()] = value;
      else if (m[1] === "querystring") integrationQuery.set(m[2], value);
    }

    let status: number;
    let responseBody: string;
    const integrationStarted = performance.now();
    if (route.integration.type === "MOCK") {
      let parsed: { statusCode?: number } = {};
      try {
        parsed = JSON.parse(integrationBody || "{}") as { statusCode?: number };
      } catch {
        parsed = {};
      }
      status = Number(parsed.statusCode ?? 200);
      responseBody = "";
    } else {
      const queuePath = route.integration.sqsPath;
      let form = integrationBody;
      if (route.integration.sqsAction && !/(^|&)Action=/.test(form))
        form = `Action=${encodeURIComponent(route.integration.sqsAction)}${form ? "&" + form : ""}`;
      for (const [k, v] of integrationQuery) form += `${form ? "&" : ""}${encodeURIComponent(k)}=${encodeURIComponent(v)}`;
      // The integration path names the queue; local-aws-sqs reads it from QueueUrl.
      if (queuePath && !/(^|&)QueueUrl=/.test(form)) form += `&QueueUrl=${encodeURIComponent(`${options.sqsEndpoint}/${queuePath}`)}`;
      try {
        const answerFromSqs = await fetch(`${options.sqsEndpoint}/${queuePath ?? ""}`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", ...integrationHeaders },
          body: form,
          signal: AbortSignal.timeout(route.integration.timeoutMs),
        });
        status = answerFromSqs.status;
        const text = await answerFromSqs.text();
        responseBody = text.trimStart().startsWith("<") ? JSON.stringify(sqsXmlToJson(text)) : text;
      } catch (error) {
        const name = (error as Error).name;
        if (name === "TimeoutError" || name === "AbortError")
          return answer(504, { message: "Endpoint request timed out" }, performance.now() - integrationStarted);
        return answer(500, { message: "Internal server error" }, performance.now() - integrationStarted);
      }
      if (status >= 200 && status < 300) stats.enqueued++;
    }
    const integrationMs = performance.now() - integrationStarted;

    // Integration responses: the selection pattern against the integration's status code.
    const statusText = String(status);
    const selected = route.responses.find((r) => r.selectionPattern?.test(statusText)) ?? route.responses.find((r) => !r.selectionPattern);
    if (!selected) return answer(500, { message: "Internal server error" }, integrationMs);
    const responseTemplateKey =
      Object.keys(selected.templates).find((k) => k.toLowerCase() === "application/json") ?? Object.keys(selected.templates)[0];
    let out = responseBody;
    let statusOverride: number | undefined;
    try {
      if (responseTemplateKey !== undefined && selected.templates[responseTemplateKey] !== "") {
        const rendered = renderResponseTemplate(
          selected.templates[responseTemplateKey],
          { body: responseBody, headers: {}, query: {}, path: {} },
          context,
        );
        out = rendered.body;
        statusOverride = rendered.override.status;
      }
    } catch {
      return answer(500, { message: "Internal server error" }, integrationMs);
    }
    const responseHeaders: Record<string, string> = {};
    for (const [target, source] of Object.entries(selected.parameters)) {
      const m = /^method\.response\.header\.(.+)$/.exec(target);
      if (m && /^'.*'$/s.test(source)) responseHeaders[m[1]] = source.slice(1, -1);
    }
    return answer(statusOverride ?? Number(selected.statusCode), out, integrationMs, responseHeaders);
  };

  const server = options.server ?? createServer();
  server.on("request", (req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) json(res, 500, { message: "Internal server error" });
      else res.end();
    });
  });
  const endpoint = server.listening ? `http://127.0.0.1:${(server.address() as { port: number }).port}` : await listenLoopback(server);
  return { endpoint, model, stats, apiKeys, close: () => closeServer(server) };
}
