/**
 * A minimal API Gateway mapping-template renderer for tests: velocityjs with the `$input`,
 * `$util` and `$context` objects a REST API integration request sees.
 */
import { render } from "velocityjs";

export interface VtlRequest {
  /** The raw request body. */
  readonly body: string;
  /** Request headers (looked up case-insensitively, as API Gateway does for `$input.params`). */
  readonly headers?: Readonly<Record<string, string>>;
  /** `$context` values. */
  readonly context?: Readonly<Record<string, unknown>>;
}

/** Java's URLEncoder.encode (what `$util.urlEncode` runs): space as `+`, `*` `-` `.` `_` kept. */
export function javaUrlEncode(value: string): string {
  return encodeURIComponent(value)
    .replace(/%20/g, "+")
    .replace(/[!'()~]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

/** Evaluates a dotted JSONPath (`$.a.b`) on a JSON body; "" when absent, as `$input.path` renders. */
function jsonPath(body: string, expression: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return "";
  }
  for (const key of expression.replace(/^\$\.?/, "").split(".").filter(Boolean)) {
    if (value === null || typeof value !== "object") return "";
    value = (value as Record<string, unknown>)[key];
  }
  return value ?? "";
}

/** Renders a mapping template for one request. */
export function renderMappingTemplate(template: string, request: VtlRequest): string {
  const headers = Object.fromEntries(Object.entries(request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const input = {
    body: request.body,
    params: (name: string) => headers[name.toLowerCase()] ?? "",
    path: (expression: string) => jsonPath(request.body, expression),
    json: (expression: string) => JSON.stringify(jsonPath(request.body, expression)),
  };
  const util = { urlEncode: javaUrlEncode, escapeJavaScript: (s: string) => JSON.stringify(s).slice(1, -1) };
  return render(template, { input, util, context: { requestId: "test-request-id", ...(request.context ?? {}) } });
}

/** An SQS Query request (form-encoded) as a map of parameter -> value. */
export function parseQuery(body: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body));
}

/** The message attributes of a SendMessage Query request, name -> StringValue. */
export function messageAttributes(params: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (let n = 1; params[`MessageAttribute.${n}.Name`] !== undefined; n++) {
    if (params[`MessageAttribute.${n}.Value.DataType`] !== "String") throw new Error(`attribute ${n} is not a String`);
    out[params[`MessageAttribute.${n}.Name`]] = params[`MessageAttribute.${n}.Value.StringValue`];
  }
  return out;
}
