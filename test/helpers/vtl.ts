/**
 * Mapping-template helpers for tests: rendering goes through the emulator's engine
 * (lib/local/vtl.ts, velocityjs with API Gateway's `$input`, `$util` and `$context`), so the
 * construct tests and the local run agree on what a template does.
 */
import { renderTemplate } from "../../lib/local/vtl";

export interface VtlRequest {
  /** The raw request body. */
  readonly body: string;
  /** Request headers, names as sent (`$input.params(name)` looks them up case-insensitively; `$input.params().header` is this map). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Query string parameters. */
  readonly query?: Readonly<Record<string, string>>;
  /** `$context` values. */
  readonly context?: Readonly<Record<string, unknown>>;
}

/** Renders a mapping template for one request, with the emulator's template engine. */
export function renderMappingTemplate(template: string, request: VtlRequest): string {
  return renderTemplate(
    template,
    { body: request.body, headers: request.headers ?? {}, query: request.query ?? {}, path: {} },
    { requestId: "test-request-id", ...(request.context ?? {}) },
  );
}

/** An SQS Query request (form-encoded) as a map of parameter -> value. */
export function parseQuery(body: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body));
}

/** The MessageBody of a SendMessage Query request as the producer sent it (the template base64-encodes it). */
export function sentBody(params: Record<string, string>): string {
  return Buffer.from(params.MessageBody, "base64").toString("utf8");
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
