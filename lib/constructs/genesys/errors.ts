/**
 * Validation of the Genesys side's props: every problem is collected, then thrown once in
 * the library's one {@link ValidationError} (the same class every construct throws, so a
 * `ConsumerPipeline` lists the Genesys side's problems beside its own, prefixed with the
 * pipeline prop).
 */
import { Token } from "cdktf";
import { ValidationError, type ValidationProblem } from "../errors";

/**
 * The error the Genesys constructs throw: the library's {@link ValidationError}. Kept as a
 * name for code written against earlier versions; `problems` lists `{ prop, message }`.
 * @deprecated use `ValidationError`
 */
export const GenesysConfigError = ValidationError;
/** @deprecated use `ValidationError` */
export type GenesysConfigError = ValidationError;

/**
 * One problem line of the Genesys checks (`prop: what is wrong. The fix.`) as a
 * {@link ValidationProblem}, its prop path prefixed with `prefix` (e.g. `ingress` gives
 * `ingress.topics[0]`). A line without `: ` is a problem of the whole object (`prefix`).
 */
export function problemFromLine(line: string, prefix?: string): ValidationProblem {
  const at = line.indexOf(": ");
  const prop = at < 0 ? "" : line.slice(0, at);
  const message = at < 0 ? line : line.slice(at + 2);
  const path = prop
    ? prop
        .split(", ")
        .map((p) => (prefix ? `${prefix}.${p}` : p))
        .join(", ")
    : (prefix ?? "props");
  return { prop: path, message };
}

/** Collects problem lines (`prop: problem; fix`) and throws them once as a {@link ValidationError}. */
export class Problems {
  private readonly list: ValidationProblem[] = [];

  /** Adds one problem line, `prop: what is wrong. The fix.` */
  add(problem: string): void {
    this.list.push(problemFromLine(problem));
  }

  /** The problems so far, each with its prop and message. */
  get items(): readonly ValidationProblem[] {
    return this.list;
  }

  /** Throws one {@link ValidationError} when there is any problem. */
  throwIfAny(path: string, constructType: string): void {
    if (this.list.length > 0) throw new ValidationError(path, constructType, this.list);
  }
}

/** True when `value` is a plain literal (no Terraform token inside), so it can be checked at synth. */
export function isLiteral(value: string): boolean {
  return !Token.isUnresolved(value);
}

/** True for a literal number (not a token). */
export function isLiteralNumber(value: number): boolean {
  return !Token.isUnresolved(value);
}
