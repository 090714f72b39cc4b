/**
 * The synthesized REST API (API Gateway v1), executed on 127.0.0.1: routes, method request
 * parameters and request validators, stage throttling, the AWS service integration to SQS
 * through its VTL request template, integration responses and the payload limit. Answers
 * as API Gateway does (403 "Missing Authentication Token" for an unknown route, 403
 * "Forbidden" without a valid API key where the method requires one, 400 for a missing
 * required parameter, 429 without Retry-After, 413 above 10 MB).
 *
 * The model the server executes is read from the stack in ./api-gateway-model.ts. A request
 * goes through the steps API Gateway documents, one function each: payload limit, method
 * request (route, API key, throttle, parameters), integration request, integration, method
 * response; the server's state is one {@link RestApiState}.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { API_GATEWAY_MAX_PAYLOAD_BYTES } from "../runtime/aws-limits";
import { API_KEY_HEADER } from "../runtime/edge-key";
import { accessLogRecord, metricPoints } from "./access-log";
import { ACCOUNT_THROTTLE, type RestApiModel, type Route } from "./api-gateway-model";
import { ApiKeyRegistry, type ApiKeyEntry } from "./api-keys";
import type { MetricStore } from "./metrics";
import { closeServer, listenLoopback } from "./services";
import { TokenBucket } from "./token-bucket";
import { renderResponseTemplate, renderTemplate, TemplateError, type TemplateRequest } from "./vtl";

// The model is built in its own module; these names stay importable from here.
export { ACCOUNT_THROTTLE, buildRestApi, UnsupportedIntegrationError, type RestApiModel } from "./api-gateway-model";

/** API Gateway's payload limit, bytes (10 MB). */
export const PAYLOAD_LIMIT_BYTES = API_GATEWAY_MAX_PAYLOAD_BYTES;

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

/** The server's state in one object: its model and options, counters, accepted API keys and the stages' token buckets. */
class RestApiState {
  readonly stats: ApiStats = { requests: 0, byStatus: {}, throttled: 0, forbidden: 0, enqueued: 0 };
  readonly apiKeys: ApiKeyRegistry;
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(readonly options: RestApiServerOptions) {
    this.apiKeys = new ApiKeyRegistry(options.model.apiKeys);
  }

  get model(): RestApiModel {
    return this.options.model;
  }

  /** The token bucket that throttles a route on a stage: its method's own settings, else the stage's "*\/*", else the account's. */
  bucketFor(stage: string, route: Route): TokenBucket {
    const settings = this.model.stages.get(stage)!;
    const methodPath = `${route.resourcePath.replace(/^\//, "")}/${route.httpMethod}`;
    const own = settings.get(methodPath);
    const key = own ? `${stage} ${methodPath}` : `${stage} */*`;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      const t = own ?? settings.get("*/*") ?? ACCOUNT_THROTTLE;
      bucket = new TokenBucket(t.rate, t.burst);
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  /** Counts an answer on a stage and puts the AWS/ApiGateway metrics (by API, and by API and stage). */
  record(stage: string, status: number, latencyMs: number, integrationMs?: number): void {
    this.stats.byStatus[status] = (this.stats.byStatus[status] ?? 0) + 1;
    const m = this.options.metrics;
    if (!m) return;
    const dimensionSets: Record<string, string>[] = [{ ApiName: this.model.name }, { ApiName: this.model.name, Stage: stage }];
    for (const dims of dimensionSets) {
      m.put("AWS/ApiGateway", "Count", dims, 1);
      m.put("AWS/ApiGateway", "4XXError", dims, status >= 400 && status < 500 ? 1 : 0);
      m.put("AWS/ApiGateway", "5XXError", dims, status >= 500 ? 1 : 0);
      m.put("AWS/ApiGateway", "Latency", dims, latencyMs);
      if (integrationMs !== undefined) m.put("AWS/ApiGateway", "IntegrationLatency", dims, integrationMs);
    }
  }

  /** A request's access-log record, through the stage's metric filters (lib/local/access-log.ts). */
  logAccess(stage: string, values: Readonly<Record<string, string | number | undefined>>): void {
    const log = this.model.accessLogs.get(stage);
    const m = this.options.metrics;
    if (!log?.filters.length || !m) return;
    for (const p of metricPoints(log, accessLogRecord(log.format, values))) m.put(p.namespace, p.metricName, p.dimensions, p.value);
  }
}

/** One request and its answer: the request id, when it started, and the stage it names. */
class Exchange {
  readonly started = performance.now();
  readonly requestId = randomUUID();
  readonly url: URL;
  /** The first path segment (a stage when the API has one by that name). */
  readonly stage: string | undefined;
  /** The resource path after the stage. */
  readonly path: string;

  constructor(
    readonly api: RestApiState,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
  ) {
    this.url = new URL(req.url ?? "/", "http://local");
    const [stage, ...rest] = this.url.pathname.split("/").filter(Boolean);
    this.stage = stage;
    this.path = "/" + rest.join("/");
  }

  /** Answers in JSON, then counts it: on a known stage, metrics and the access log; otherwise the status alone. */
  answer(status: number, body: unknown, integrationMs?: number, headers: Record<string, string> = {}): void {
    const { api, req, stage, requestId } = this;
    json(this.res, status, body, { "x-amzn-requestid": requestId, ...headers });
    if (stage && api.model.stages.has(stage)) {
      api.record(stage, status, performance.now() - this.started, integrationMs);
      api.logAccess(stage, {
        requestId,
        status,
        stage,
        apiId: api.model.id,
        httpMethod: req.method,
        requestTimeEpoch: Date.now(),
        "identity.sourceIp": req.socket.remoteAddress,
        "integration.latency": integrationMs === undefined ? undefined : Math.round(integrationMs),
      });
    } else api.stats.byStatus[status] = (api.stats.byStatus[status] ?? 0) + 1;
  }
}

/** The request body, or undefined when it is above the payload limit (read no further than the limit). */
async function readPayload(req: IncomingMessage): Promise<string | undefined> {
  if (Number(req.headers["content-length"] ?? 0) > PAYLOAD_LIMIT_BYTES) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > PAYLOAD_LIMIT_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** A method request parameter's value by its mapping name (`method.request.header.X`, `...querystring.X`, `...path.X`). */
type ParamLookup = (name: string) => string | undefined;

const METHOD_PARAMETER = /^method\.request\.(header|querystring|path|multivalueheader|multivaluequerystring)\.(.+)$/;

/** A request matched to a route, with what its templates and parameter mappings read. */
interface MatchedRequest {
  readonly stage: string;
  readonly route: Route;
  readonly method: string;
  readonly body: string;
  /** Header values by lower-case name (repeated ones joined with ","). */
  readonly headers: Record<string, string>;
  readonly request: TemplateRequest;
  readonly lookupParam: ParamLookup;
  readonly edgeKey: ApiKeyEntry | undefined;
}

/**
 * The API key before throttling and validation (the key names the usage plan whose limits
 * apply): 403 without a valid one where the method requires it, 429 when the stage's bucket is
 * empty. Whether a refused request takes a token from the stage's bucket is not documented: it
 * does here, never kinder to the traffic that has the key. Undefined: answered.
 */
function admitKeyAndThrottle(x: Exchange, stage: string, route: Route): { edgeKey: ApiKeyEntry | undefined } | undefined {
  const { api, req } = x;
  const edgeKey = route.apiKeyRequired ? api.apiKeys.match(headerValue(req.headers[API_KEY_HEADER]), stage) : undefined;
  if (route.apiKeyRequired && !edgeKey) {
    api.bucketFor(stage, route).take();
    api.stats.forbidden++;
    return void x.answer(403, { message: "Forbidden" });
  }
  if (!api.bucketFor(stage, route).take()) {
    api.stats.throttled++;
    return void x.answer(429, { message: "Too Many Requests" });
  }
  return { edgeKey };
}

/**
 * The method request: the route by stage, path and method (403 "Missing Authentication
 * Token" for none), the key and the throttle, then the required parameters when its validator
 * checks them (400). Undefined: answered.
 */
function methodRequest(x: Exchange, body: string): MatchedRequest | undefined {
  const { api, req, stage } = x;
  if (!stage || !api.model.stages.has(stage)) return void x.answer(403, { message: "Missing Authentication Token" });
  const matched = matchRoute(api.model.routes, x.path);
  const method = (req.method ?? "GET").toUpperCase();
  const route = matched?.routes.find((r) => r.httpMethod === method) ?? matched?.routes.find((r) => r.httpMethod === "ANY");
  if (!matched || !route) return void x.answer(403, { message: "Missing Authentication Token" });
  const admitted = admitKeyAndThrottle(x, stage, route);
  if (!admitted) return undefined;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(",") : v;
  const query = Object.fromEntries(x.url.searchParams.entries());
  const request: TemplateRequest = { body, headers: headersAsSent(req.rawHeaders), query, path: matched.params };
  const lookupParam: ParamLookup = (name) => {
    const m = METHOD_PARAMETER.exec(name);
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
      const names = missing.map((p) =>
        p.replace(/^method\.request\.(header|querystring|path|multivalueheader|multivaluequerystring)\./, ""),
      );
      return void x.answer(400, { message: `Missing required request parameters: [${names.join(", ")}]` });
    }
  }
  return { stage, route, method, body, headers, request, lookupParam, edgeKey: admitted.edgeKey };
}

/** The `$context` the templates see. */
function requestContext(x: Exchange, m: MatchedRequest) {
  const { req, requestId, api } = x;
  const now = new Date();
  return {
    requestId,
    extendedRequestId: requestId,
    requestTimeEpoch: now.getTime(),
    requestTime: requestTime(now),
    httpMethod: m.method,
    resourcePath: m.route.resourcePath,
    resourceId: m.route.resourceId,
    path: x.url.pathname,
    stage: m.stage,
    apiId: api.model.id,
    accountId: api.options.accountId,
    domainName: req.headers.host ?? "127.0.0.1",
    protocol: `HTTP/${req.httpVersion}`,
    identity: {
      sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
      userAgent: m.headers["user-agent"] ?? "",
      apiKey: m.edgeKey?.value ?? "",
      apiKeyId: m.edgeKey?.id ?? "",
      caller: "",
      user: "",
    },
  };
}

type RequestContext = ReturnType<typeof requestContext>;

/**
 * The integration request body: the request template chosen by Content-Type, else the
 * passthrough behaviour (415 when it passes nothing through); a template error is 400 for
 * invalid JSON, else 500. Undefined: answered.
 */
function integrationBody(x: Exchange, m: MatchedRequest, context: RequestContext): string | undefined {
  const { integration } = m.route;
  const contentType = (m.headers["content-type"] ?? "application/json").split(";")[0].trim().toLowerCase();
  const templates = integration.requestTemplates;
  const templateKey = Object.keys(templates).find((k) => k.toLowerCase() === contentType);
  try {
    if (templateKey !== undefined) return renderTemplate(templates[templateKey], m.request, context);
    if (
      integration.passthrough === "WHEN_NO_MATCH" ||
      (integration.passthrough === "WHEN_NO_TEMPLATES" && Object.keys(templates).length === 0)
    )
      return m.body;
    return void x.answer(415, { message: "Unsupported Media Type" });
  } catch (error) {
    if (error instanceof TemplateError) {
      const invalidJson = error.message.includes("Invalid JSON");
      return void x.answer(invalidJson ? 400 : 500, { message: invalidJson ? "Invalid JSON in request body" : "Internal server error" });
    }
    throw error;
  }
}

/** The integration request's headers and query string, from its request parameter mappings. */
function integrationParameters(m: MatchedRequest, context: RequestContext) {
  const headers: Record<string, string> = { accept: "application/json" };
  const query = new URLSearchParams();
  for (const [target, source] of Object.entries(m.route.integration.requestParameters)) {
    const t = /^integration\.request\.(header|querystring|path)\.(.+)$/.exec(target);
    if (!t) continue;
    let value: string | undefined;
    if (/^'.*'$/s.test(source)) value = source.slice(1, -1);
    else if (source.startsWith("method.request.")) value = m.lookupParam(source);
    else if (source.startsWith("context.")) value = String((context as Record<string, unknown>)[source.slice(8)] ?? "");
    if (value === undefined) continue;
    if (t[1] === "header") headers[t[2].toLowerCase()] = value;
    else if (t[1] === "querystring") query.set(t[2], value);
  }
  return { headers, query };
}

/** What an integration answered. */
interface IntegrationResult {
  readonly status: number;
  readonly body: string;
}

/** The MOCK integration: the status code its request template gives (`{"statusCode": 200}`), no body. */
function callMock(body: string): IntegrationResult {
  let parsed: { statusCode?: number } = {};
  try {
    parsed = JSON.parse(body || "{}") as { statusCode?: number };
  } catch {
    parsed = {};
  }
  return { status: Number(parsed.statusCode ?? 200), body: "" };
}

/**
 * The SQS integration: the form posted to the local SQS server (the action and the queue URL
 * added as API Gateway's path or action style implies), its XML answer as JSON. A timeout is
 * 504, any other failure 500. Undefined: answered.
 */
async function callSqs(x: Exchange, m: MatchedRequest, body: string, context: RequestContext, startedMs: number) {
  const { integration } = m.route;
  const { sqsEndpoint } = x.api.options;
  const params = integrationParameters(m, context);
  const queuePath = integration.sqsPath;
  let form = body;
  if (integration.sqsAction && !/(^|&)Action=/.test(form))
    form = `Action=${encodeURIComponent(integration.sqsAction)}${form ? "&" + form : ""}`;
  for (const [k, v] of params.query) form += `${form ? "&" : ""}${encodeURIComponent(k)}=${encodeURIComponent(v)}`;
  // The integration path names the queue; local-aws-sqs reads it from QueueUrl.
  if (queuePath && !/(^|&)QueueUrl=/.test(form)) form += `&QueueUrl=${encodeURIComponent(`${sqsEndpoint}/${queuePath}`)}`;
  let result: IntegrationResult;
  try {
    const answerFromSqs = await fetch(`${sqsEndpoint}/${queuePath ?? ""}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", ...params.headers },
      body: form,
      signal: AbortSignal.timeout(integration.timeoutMs),
    });
    const text = await answerFromSqs.text();
    result = { status: answerFromSqs.status, body: text.trimStart().startsWith("<") ? JSON.stringify(sqsXmlToJson(text)) : text };
  } catch (error) {
    const name = (error as Error).name;
    if (name === "TimeoutError" || name === "AbortError")
      return void x.answer(504, { message: "Endpoint request timed out" }, performance.now() - startedMs);
    return void x.answer(500, { message: "Internal server error" }, performance.now() - startedMs);
  }
  if (result.status >= 200 && result.status < 300) x.api.stats.enqueued++;
  return result;
}

/**
 * The method response: the integration response whose selection pattern matches the
 * integration's status (else the default one; none: 500), its response template and its
 * static header mappings.
 */
function methodResponse(x: Exchange, m: MatchedRequest, result: IntegrationResult, context: RequestContext, integrationMs: number): void {
  const statusText = String(result.status);
  const selected =
    m.route.responses.find((r) => r.selectionPattern?.test(statusText)) ?? m.route.responses.find((r) => !r.selectionPattern);
  if (!selected) return x.answer(500, { message: "Internal server error" }, integrationMs);
  const responseTemplateKey =
    Object.keys(selected.templates).find((k) => k.toLowerCase() === "application/json") ?? Object.keys(selected.templates)[0];
  let out = result.body;
  let statusOverride: number | undefined;
  try {
    if (responseTemplateKey !== undefined && selected.templates[responseTemplateKey] !== "") {
      const rendered = renderResponseTemplate(
        selected.templates[responseTemplateKey],
        { body: result.body, headers: {}, query: {}, path: {} },
        context,
      );
      out = rendered.body;
      statusOverride = rendered.override.status;
    }
  } catch {
    return x.answer(500, { message: "Internal server error" }, integrationMs);
  }
  const responseHeaders: Record<string, string> = {};
  for (const [target, source] of Object.entries(selected.parameters)) {
    const h = /^method\.response\.header\.(.+)$/.exec(target);
    if (h && /^'.*'$/s.test(source)) responseHeaders[h[1]] = source.slice(1, -1);
  }
  return x.answer(statusOverride ?? Number(selected.statusCode), out, integrationMs, responseHeaders);
}

/**
 * One request through API Gateway's steps: the payload limit (413), the method request, the
 * integration request (template), the integration (SQS or MOCK) and the method response.
 */
async function handleRequest(api: RestApiState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const x = new Exchange(api, req, res);
  api.stats.requests++;
  const body = await readPayload(req);
  if (body === undefined) {
    res.setHeader("connection", "close");
    return x.answer(413, { message: "Request Too Long" });
  }
  const m = methodRequest(x, body);
  if (!m) return;
  const context = requestContext(x, m);
  const integrationRequest = integrationBody(x, m, context);
  if (integrationRequest === undefined) return;
  const integrationStarted = performance.now();
  const result =
    m.route.integration.type === "MOCK"
      ? callMock(integrationRequest)
      : await callSqs(x, m, integrationRequest, context, integrationStarted);
  if (!result) return;
  methodResponse(x, m, result, context, performance.now() - integrationStarted);
}

/** Starts the local REST API on 127.0.0.1. */
export async function startRestApi(options: RestApiServerOptions): Promise<RestApiServer> {
  const api = new RestApiState(options);
  const server = options.server ?? createServer();
  server.on("request", (req, res) => {
    handleRequest(api, req, res).catch(() => {
      if (!res.headersSent) json(res, 500, { message: "Internal server error" });
      else res.end();
    });
  });
  const endpoint = server.listening ? `http://127.0.0.1:${(server.address() as { port: number }).port}` : await listenLoopback(server);
  return { endpoint, model: options.model, stats: api.stats, apiKeys: api.apiKeys, close: () => closeServer(server) };
}
