/**
 * The subset of Terraform's expression language that cdktf writes into `cdk.tf.json`:
 * string templates with `${...}` interpolations (`$${` and `%%{` are literal), references
 * (`aws_sqs_queue.q.arn`, `data.aws_region.r.name`, `x.y.z[0]`), literals, objects
 * (`{"a" = b}`), tuples and a few pure functions (jsonencode, jsondecode, tostring,
 * tonumber, tolist, join, lower, upper, format with %s/%d). Anything else is an
 * {@link ExpressionError} that quotes the expression.
 */
import { LocalEmulatorError } from "./errors";

/** Looks up a reference given as its traversal, e.g. ["aws_sqs_queue", "q", "arn"]. */
export type ReferenceLookup = (traversal: readonly (string | number)[]) => unknown;

/** Thrown for an expression the emulator cannot evaluate. */
export class ExpressionError extends LocalEmulatorError {
  override readonly name = "ExpressionError";
}

/** True when a string holds at least one unescaped interpolation. */
export function hasInterpolation(text: string): boolean {
  for (let i = 0; i < text.length - 1; i++) {
    if (text[i] === "$" && text[i + 1] === "$" && text[i + 2] === "{") {
      i += 2;
      continue;
    }
    if (text[i] === "$" && text[i + 1] === "{") return true;
  }
  return false;
}

/**
 * Evaluates a Terraform string template. A string that is exactly one interpolation
 * yields the value itself (a number, an object...), as Terraform does.
 */
export function evaluateTemplate(text: string, lookup: ReferenceLookup): unknown {
  const parts: unknown[] = [];
  let literal = "";
  let i = 0;
  while (i < text.length) {
    if (text.startsWith("$${", i)) {
      literal += "${";
      i += 3;
    } else if (text.startsWith("%%{", i)) {
      literal += "%{";
      i += 3;
    } else if (text.startsWith("%{", i)) {
      throw new ExpressionError(`template directives (%{...}) are not supported: ${JSON.stringify(text.slice(i, i + 80))}`);
    } else if (text.startsWith("${", i)) {
      const parser = new Parser(text, i + 2, lookup);
      const value = parser.expression();
      parser.skipSpace();
      if (text[parser.pos] !== "}") throw new ExpressionError(`expected "}" at ${parser.pos} in ${JSON.stringify(text)}`);
      if (literal) parts.push(literal);
      literal = "";
      parts.push({ value });
      i = parser.pos + 1;
    } else {
      literal += text[i++];
    }
  }
  if (literal) parts.push(literal);
  if (parts.length === 1 && typeof parts[0] === "object") return (parts[0] as { value: unknown }).value;
  return parts.map((p) => (typeof p === "string" ? p : stringify((p as { value: unknown }).value, text))).join("");
}

function stringify(value: unknown, where: string): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value === null || value === undefined) throw new ExpressionError(`an interpolation in ${JSON.stringify(where)} is null`);
  throw new ExpressionError(`cannot interpolate a ${Array.isArray(value) ? "list" : "map"} into a string: ${JSON.stringify(where)}`);
}

const FUNCTIONS: Record<string, (args: unknown[], source: string) => unknown> = {
  jsonencode: ([v]) => JSON.stringify(v),
  jsondecode: ([v]) => JSON.parse(String(v)),
  tostring: ([v]) => (typeof v === "string" ? v : stringify(v, "tostring")),
  tonumber: ([v]) => {
    const n = Number(v);
    if (Number.isNaN(n)) throw new ExpressionError(`tonumber(${JSON.stringify(v)}): not a number`);
    return n;
  },
  tolist: ([v]) => v,
  toset: ([v]) => v,
  join: ([sep, list]) => (list as unknown[]).map((x) => stringify(x, "join")).join(String(sep)),
  lower: ([v]) => String(v).toLowerCase(),
  upper: ([v]) => String(v).toUpperCase(),
  format: ([fmt, ...rest]) => {
    let k = 0;
    return String(fmt).replace(/%[sd%]/g, (m) => (m === "%%" ? "%" : stringify(rest[k++], "format")));
  },
};

class Parser {
  constructor(
    readonly src: string,
    public pos: number,
    readonly lookup: ReferenceLookup,
  ) {}

  skipSpace(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos])) this.pos++;
  }

  fail(what: string): never {
    throw new ExpressionError(
      `${what} at offset ${this.pos} in ${JSON.stringify(this.src.length > 300 ? this.src.slice(0, 300) + "..." : this.src)}`,
    );
  }

  expression(): unknown {
    this.skipSpace();
    const c = this.src[this.pos];
    let value: unknown;
    if (c === '"') value = this.quoted();
    else if (c === "{") value = this.object();
    else if (c === "[") value = this.tuple();
    else if (c === "-" || (c >= "0" && c <= "9")) value = this.number();
    else if (c && /[A-Za-z_]/.test(c)) value = this.identifierExpression();
    else this.fail("unexpected character " + JSON.stringify(c ?? "end of input"));
    this.skipSpace();
    const next = this.src[this.pos];
    if ((next && /[+*/%<>!=&|?]/.test(next)) || (next === "-" && this.src[this.pos + 1] !== ">")) {
      this.fail(`operators are not supported by the local emulator (found ${JSON.stringify(next)})`);
    }
    return value;
  }

  number(): number {
    const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(this.src.slice(this.pos));
    if (!m) this.fail("bad number");
    this.pos += m[0].length;
    return Number(m[0]);
  }

  quoted(): unknown {
    // A quoted HCL string: escapes, and nested ${} templates.
    this.pos++;
    let raw = "";
    while (this.pos < this.src.length && this.src[this.pos] !== '"') {
      const ch = this.src[this.pos];
      if (ch === "\\") {
        const e = this.src[this.pos + 1];
        const map: Record<string, string> = { n: "\n", t: "\t", r: "\r", '"': '"', "\\": "\\" };
        if (e === "u") {
          raw += String.fromCharCode(parseInt(this.src.slice(this.pos + 2, this.pos + 6), 16));
          this.pos += 6;
          continue;
        }
        if (!(e in map)) this.fail(`unsupported escape \\${e}`);
        raw += map[e];
        this.pos += 2;
      } else if (ch === "$" && this.src[this.pos + 1] === "{") {
        // nested interpolation: copy through to the matching brace
        const start = this.pos;
        const inner = new Parser(this.src, this.pos + 2, this.lookup);
        inner.expression();
        inner.skipSpace();
        if (this.src[inner.pos] !== "}") this.fail('expected "}"');
        raw += this.src.slice(start, inner.pos + 1);
        this.pos = inner.pos + 1;
      } else {
        raw += ch;
        this.pos++;
      }
    }
    if (this.src[this.pos] !== '"') this.fail("unterminated string");
    this.pos++;
    return evaluateTemplate(raw, this.lookup);
  }

  object(): Record<string, unknown> {
    this.pos++;
    const out: Record<string, unknown> = {};
    for (;;) {
      this.skipSpace();
      if (this.src[this.pos] === "}") {
        this.pos++;
        return out;
      }
      let key: string;
      if (this.src[this.pos] === '"') key = String(this.quoted());
      else {
        const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(this.src.slice(this.pos));
        if (!m) this.fail("expected an object key");
        key = m[0];
        this.pos += key.length;
      }
      this.skipSpace();
      if (this.src[this.pos] !== "=" && this.src[this.pos] !== ":") this.fail('expected "=" after an object key');
      this.pos++;
      out[key] = this.expression();
      this.skipSpace();
      if (this.src[this.pos] === ",") this.pos++;
    }
  }

  tuple(): unknown[] {
    this.pos++;
    const out: unknown[] = [];
    for (;;) {
      this.skipSpace();
      if (this.src[this.pos] === "]") {
        this.pos++;
        return out;
      }
      out.push(this.expression());
      this.skipSpace();
      if (this.src[this.pos] === ",") this.pos++;
      else if (this.src[this.pos] !== "]") this.fail('expected "," or "]"');
    }
  }

  identifierExpression(): unknown {
    const name = this.identifier();
    if (name === "true") return true;
    if (name === "false") return false;
    if (name === "null") return null;
    this.skipSpace();
    if (this.src[this.pos] === "(") {
      const fn = FUNCTIONS[name];
      if (!fn) this.fail(`function ${name}() is not supported by the local emulator`);
      this.pos++;
      const args: unknown[] = [];
      for (;;) {
        this.skipSpace();
        if (this.src[this.pos] === ")") {
          this.pos++;
          break;
        }
        args.push(this.expression());
        this.skipSpace();
        if (this.src[this.pos] === ",") this.pos++;
      }
      return fn(args, this.src);
    }
    const traversal: (string | number)[] = [name];
    for (;;) {
      if (this.src[this.pos] === ".") {
        this.pos++;
        const m = /^(\d+|[A-Za-z_][A-Za-z0-9_-]*)/.exec(this.src.slice(this.pos));
        if (!m) this.fail("expected an attribute name");
        this.pos += m[0].length;
        traversal.push(/^\d+$/.test(m[0]) ? Number(m[0]) : m[0]);
      } else if (this.src[this.pos] === "[") {
        this.pos++;
        const index = this.expression();
        this.skipSpace();
        if (this.src[this.pos] !== "]") this.fail('expected "]"');
        this.pos++;
        if (typeof index !== "string" && typeof index !== "number") this.fail("an index must be a string or a number");
        traversal.push(index);
      } else break;
    }
    return this.lookup(traversal);
  }

  identifier(): string {
    const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(this.src.slice(this.pos));
    if (!m) this.fail("expected an identifier");
    this.pos += m[0].length;
    return m[0];
  }
}
