/**
 * API Gateway REST mapping templates: Velocity (velocityjs) with the `$input`, `$util` and
 * `$context` objects API Gateway supplies, as documented in the API Gateway developer guide
 * ("API Gateway mapping template and access logging variable reference").
 */
import { Compile, parse } from "velocityjs";
import { LocalEmulatorError } from "./errors";

type VELOCITY_AST = ReturnType<typeof parse>[number];

/** The request as a mapping template sees it. */
export interface TemplateRequest {
  /** The raw payload. */
  readonly body: string;
  /**
   * Header values by name, names as the client sent them: `$input.params(name)` looks them up
   * case-insensitively, `$input.params().header` is this map and its `get` is exact (a Java
   * map's), so a template that needs a case-insensitive match must compare names itself.
   */
  readonly headers: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  readonly path: Readonly<Record<string, string>>;
}

/** `$context` values. */
export type TemplateContext = Readonly<Record<string, unknown>>;

/** Thrown when a template cannot be rendered (API Gateway answers 500 in that case). */
export class TemplateError extends LocalEmulatorError {
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
      case "\\":
        return "\\\\";
      case '"':
        return '\\"';
      case "'":
        return "\\'";
      case "/":
        return "\\/";
      case "\n":
        return "\\n";
      case "\r":
        return "\\r";
      case "\t":
        return "\\t";
      case "\b":
        return "\\b";
      case "\f":
        return "\\f";
      default:
        return "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0");
    }
  });
}

const lowerKeys = (record: Readonly<Record<string, string>>) =>
  Object.fromEntries(Object.entries(record).map(([k, v]) => [k.toLowerCase(), v]));

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

/** The velocityjs method handlers' type. */
type MethodHandlers = NonNullable<NonNullable<ConstructorParameters<typeof Compile>[1]>["customMethodHandlers"]>;

/**
 * The escapes a Java regular expression may use here, each read alike by JavaScript: escaped
 * punctuation, `\t \n \r \f`, `\xHH`, `\uHHHH`. Classes such as `\s` or `\w` differ (Unicode
 * spaces in JavaScript), so they are refused rather than run with another meaning.
 */
const JAVA_REGEX_ESCAPE = /^\\(?:[\\^$.|?*+()[\]{}/"'-]|[tnrf]|x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4})/;

/**
 * A Java regular expression (`String.replaceAll`) as a JavaScript one with the same meaning,
 * for the subset both read alike: literals, the escapes above, classes without nesting or
 * intersection, groups `( )` and `(?: )`, alternation, greedy and lazy quantifiers. `.`, `^`,
 * `$` outside a class (line terminators differ), possessive quantifiers and any other
 * construct throw a TemplateError: never run with a meaning API Gateway would not give it.
 */
export function javaRegex(pattern: string): RegExp {
  let inClass = false;
  let i = 0;
  const refuse = (what: string) => {
    throw new TemplateError(`the Java regular expression ${JSON.stringify(pattern)} uses ${what}, which the local emulator does not run`);
  };
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === "\\") {
      const escape = JAVA_REGEX_ESCAPE.exec(pattern.slice(i));
      if (!escape) refuse(`the escape ${pattern.slice(i, i + 2)}`);
      i += escape![0].length;
      continue;
    }
    if (inClass) {
      if (c === "[" || pattern.startsWith("&&", i)) refuse("a nested class or an intersection");
      if (c === "]") inClass = false;
      i += 1;
      continue;
    }
    if (c === "[") {
      inClass = true;
      i += pattern[i + 1] === "^" ? 2 : 1;
      if (pattern[i] === "]") refuse("a class starting with ]");
      continue;
    }
    if (c === "." || c === "^" || c === "$") refuse(`an unescaped ${c}`);
    if (c === "(" && pattern[i + 1] === "?" && pattern[i + 2] !== ":") refuse("a group construct other than (?:");
    if ("*+?}".includes(c) && pattern[i + 1] === "+") refuse("a possessive quantifier");
    i += 1;
  }
  if (inClass) refuse("an unclosed class");
  return new RegExp(pattern, "g");
}

/** Java's `String.equalsIgnoreCase`: same length, and each character equal, or equal once upper- or lower-cased. */
function equalsIgnoreCase(a: string, b: unknown): boolean {
  if (typeof b !== "string" || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    const up = (ch: string) => (ch.toUpperCase().length === 1 ? ch.toUpperCase() : ch);
    const low = (ch: string) => (ch.toLowerCase().length === 1 ? ch.toLowerCase() : ch);
    if (up(x) !== up(y) && low(up(x)) !== low(up(y))) return false;
  }
  return true;
}

/**
 * Java's `Map.get`: the exact key. velocityjs's own `get` also tries the key with its first
 * letter's case flipped, which would find `X-Hub-Signature-256` under `x-Hub-Signature-256`:
 * kinder than a Java map.
 */
const javaMapGet: MethodHandlers = [
  {
    uid: "java-map-get",
    match: ({ property, context, params }) =>
      property === "get" && params.length === 1 && typeof context === "object" && context !== null && !Array.isArray(context),
    resolve: ({ context, params }) =>
      Object.prototype.hasOwnProperty.call(context, String(params[0]))
        ? (context as Record<string, unknown>)[String(params[0])]
        : undefined,
  },
];

/**
 * The `java.lang.String` methods templates call on strings (API Gateway runs Velocity on the
 * JVM): `length()` (a property in JavaScript) and `substring()` with Java's bounds checks,
 * so a template that would throw on AWS throws here too; `equalsIgnoreCase()`, `contains()`,
 * and `replaceAll()` with Java's regular expressions (the subset {@link javaRegex} runs; the
 * replacement must be literal: Java reads `$` and `\` in it).
 */
const javaStringMethods: MethodHandlers = [
  {
    uid: "java-string-equals-ignore-case",
    match: ({ property, context, params }) => typeof context === "string" && property === "equalsIgnoreCase" && params.length === 1,
    resolve: ({ context, params }) => equalsIgnoreCase(context as string, params[0]),
  },
  {
    uid: "java-string-contains",
    match: ({ property, context, params }) => typeof context === "string" && property === "contains" && params.length === 1,
    resolve: ({ context, params }) => (context as string).includes(String(params[0])),
  },
  {
    uid: "java-string-replace-all",
    match: ({ property, context, params }) => typeof context === "string" && property === "replaceAll" && params.length === 2,
    resolve: ({ context, params }) => {
      const replacement = String(params[1]);
      if (/[$\\]/.test(replacement))
        throw new TemplateError(
          `replaceAll with ${JSON.stringify(replacement)}: a replacement holding $ or \\ is not run locally (Java reads group references in it)`,
        );
      return (context as string).replace(javaRegex(String(params[0])), () => replacement);
    },
  },
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
  return new Compile(asts, { customMethodHandlers: [...javaStringMethods, ...javaMapGet] });
}

/** Renders a mapping template. Unset references render as in API Gateway (`$x` stays literal, `$!x` is empty). */
export function renderTemplate(
  template: string,
  request: TemplateRequest,
  context: TemplateContext,
  stageVariables: Readonly<Record<string, string>> = {},
): string {
  try {
    return compiled(template).render({ input: inputFor(request), util, context, stageVariables }, {});
  } catch (error) {
    if (error instanceof TemplateError) throw error;
    throw new TemplateError(`mapping template failed: ${(error as Error).message}`);
  }
}

/** What a response template set through `$context.responseOverride`. */
export interface ResponseOverride {
  /** `$context.responseOverride.status`, when set. */
  status?: number;
}

/**
 * Renders an integration response template with `$context.responseOverride` (the status code
 * override of "Use a mapping template to override an API's request and response parameters and
 * status codes"). As on API Gateway an override is final: setting the status twice is an error
 * (API Gateway answers 5XX), and so is a status outside 100..599.
 */
export function renderResponseTemplate(
  template: string,
  request: TemplateRequest,
  context: TemplateContext,
): { body: string; override: ResponseOverride } {
  const override: ResponseOverride = {};
  const responseOverride = { header: {} as Record<string, string> };
  Object.defineProperty(responseOverride, "status", {
    enumerable: true,
    get: () => override.status,
    set: (value: unknown) => {
      if (override.status !== undefined)
        throw new TemplateError("$context.responseOverride.status was overridden twice (API Gateway answers 5XX)");
      const status = Number(value);
      if (!Number.isInteger(status) || status < 100 || status > 599)
        throw new TemplateError(`$context.responseOverride.status ${String(value)} is not an HTTP status`);
      override.status = status;
    },
  });
  const body = renderTemplate(template, request, { ...context, responseOverride });
  return { body, override };
}
