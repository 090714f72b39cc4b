/**
 * API Gateway REST mapping templates: Velocity (velocityjs) with the `$input`, `$util` and
 * `$context` objects API Gateway supplies, as documented in the API Gateway developer guide
 * ("API Gateway mapping template and access logging variable reference").
 */
import { Compile, parse } from "velocityjs";

type VELOCITY_AST = ReturnType<typeof parse>[number];

/** The request as a mapping template sees it. */
export interface TemplateRequest {
  /** The raw payload. */
  readonly body: string;
  /** Header values by name as received (looked up case-insensitively). */
  readonly headers: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  readonly path: Readonly<Record<string, string>>;
}

/** `$context` values. */
export type TemplateContext = Readonly<Record<string, unknown>>;

/** Thrown when a template cannot be rendered (API Gateway answers 500 in that case). */
export class TemplateError extends Error {
  override readonly name = "TemplateError";
}

/** Evaluates the JSONPath subset mapping templates use: `$`, `$.a.b`, `$['a']`, `$.a[0]`, `$.a.*`. */
export function jsonPath(document: unknown, expression: string): unknown {
  const expr = expression.trim();
  if (!expr.startsWith("$")) throw new TemplateError(`JSONPath ${JSON.stringify(expression)} must start with $`);
  let value: unknown = document;
  const tokens = expr.slice(1).match(/\.\*|\.[^.[\]]+|\[\d+\]|\['[^']*'\]|\["[^"]*"\]/g) ?? [];
  if (tokens.join("") !== expr.slice(1)) throw new TemplateError(`JSONPath ${JSON.stringify(expression)} is not supported locally`);
  for (const token of tokens) {
    if (value === null || value === undefined) return undefined;
    if (token === ".*") value = Object.values(value as object);
    else if (token.startsWith("[") && /^\[\d+\]$/.test(token)) value = (value as unknown[])[Number(token.slice(1, -1))];
    else if (token.startsWith("[")) value = (value as Record<string, unknown>)[token.slice(2, -2)];
    else value = (value as Record<string, unknown>)[token.slice(1)];
  }
  return value;
}

/** Java's URLEncoder.encode (UTF-8), which `$util.urlEncode` is: space becomes '+', only [A-Za-z0-9.*_-] stay. */
export function javaUrlEncode(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()~]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, "+");
}

/** `$util.escapeJavaScript`: backslash escapes for quotes, backslashes and control characters (single quotes too). */
export function escapeJavaScript(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what gets escaped
  return String(text).replace(/[\\"'\u0000-\u001f\u2028\u2029/]/g, (c) => {
    switch (c) {
      case "\\": return "\\\\";
      case '"': return '\\"';
      case "'": return "\\'";
      case "/": return "\\/";
      case "\n": return "\\n";
      case "\r": return "\\r";
      case "\t": return "\\t";
      case "\b": return "\\b";
      case "\f": return "\\f";
      default: return "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0");
    }
  });
}

const lowerKeys = (record: Readonly<Record<string, string>>) => Object.fromEntries(Object.entries(record).map(([k, v]) => [k.toLowerCase(), v]));

/** The `$util` object. */
export const util = {
  escapeJavaScript,
  parseJson: (text: string) => JSON.parse(String(text)) as unknown,
  urlEncode: (text: string) => javaUrlEncode(String(text ?? "")),
  urlDecode: (text: string) => decodeURIComponent(String(text ?? "").replace(/\+/g, " ")),
  base64Encode: (text: string) => Buffer.from(String(text ?? ""), "utf8").toString("base64"),
  base64Decode: (text: string) => Buffer.from(String(text ?? ""), "base64").toString("utf8"),
};

/** The `$input` object over a request payload. */
export function inputFor(request: TemplateRequest) {
  let parsed: { ok: true; value: unknown } | undefined;
  const document = () => {
    if (!parsed) {
      try {
        parsed = { ok: true, value: request.body === "" ? {} : JSON.parse(request.body) };
      } catch {
        throw new TemplateError("Invalid JSON in request body");
      }
    }
    return parsed.value;
  };
  const headers = lowerKeys(request.headers);
  return {
    body: request.body,
    json: (path: string) => JSON.stringify(jsonPath(document(), path) ?? null),
    path: (path: string) => jsonPath(document(), path),
    params: (name?: string) => {
      if (name === undefined) return { path: { ...request.path }, querystring: { ...request.query }, header: { ...request.headers } };
      return request.path[name] ?? request.query[name] ?? headers[name.toLowerCase()] ?? "";
    },
  };
}

/**
 * The `java.lang.String` methods templates call on strings (API Gateway runs Velocity on the
 * JVM): `length()` (a property in JavaScript) and `substring()` with Java's bounds checks,
 * so a template that would throw on AWS throws here too.
 */
const javaStringMethods: NonNullable<ConstructorParameters<typeof Compile>[1]>["customMethodHandlers"] = [
  {
    uid: "java-string-length",
    match: ({ property, context, params }) => typeof context === "string" && property === "length" && params.length === 0,
    resolve: ({ context }) => (context as string).length,
  },
  {
    uid: "java-string-substring",
    match: ({ property, context }) => typeof context === "string" && property === "substring",
    resolve: ({ context, params }) => {
      const text = context as string;
      const [begin, end = text.length] = params as number[];
      if (!Number.isInteger(begin) || !Number.isInteger(end) || begin < 0 || end > text.length || begin > end) {
        throw new TemplateError(`String index out of range: substring(${params.join(", ")}) of a string of length ${text.length}`);
      }
      return text.substring(begin, end);
    },
  },
];

/** Parsed templates: a stack has a handful, and parsing one costs far more than rendering it. */
const templates = new Map<string, VELOCITY_AST[]>();
function compiled(template: string): Compile {
  let asts = templates.get(template);
  if (!asts) templates.set(template, (asts = parse(template)));
  // A Compile holds per-render state, so each render gets its own over the shared AST.
  return new Compile(asts, { customMethodHandlers: javaStringMethods });
}

/** Renders a mapping template. Unset references render as in API Gateway (`$x` stays literal, `$!x` is empty). */
export function renderTemplate(template: string, request: TemplateRequest, context: TemplateContext, stageVariables: Readonly<Record<string, string>> = {}): string {
  try {
    return compiled(template).render({ input: inputFor(request), util, context, stageVariables }, {});
  } catch (error) {
    if (error instanceof TemplateError) throw error;
    throw new TemplateError(`mapping template failed: ${(error as Error).message}`);
  }
}
