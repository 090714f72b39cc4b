/**
 * Validation of the Genesys side's props: every problem is collected, then thrown once
 * in a {@link GenesysConfigError} whose message names each prop and its fix.
 */
import { Token } from "cdktf";

/** Thrown at synth (construct time) when props are invalid; `problems` lists each one. */
export class GenesysConfigError extends Error {
  override readonly name = "GenesysConfigError";
  constructor(
    /** The construct path the props belong to. */
    readonly path: string,
    /** One line per problem, each naming the prop and the fix. */
    readonly problems: readonly string[],
  ) {
    super(`${path}: invalid props:\n  - ${problems.join("\n  - ")}`);
  }
}

/** Collects problems and throws them once. */
export class Problems {
  private readonly list: string[] = [];
  add(problem: string): void {
    this.list.push(problem);
  }
  get all(): readonly string[] {
    return this.list;
  }
  throwIfAny(path: string): void {
    if (this.list.length > 0) throw new GenesysConfigError(path, this.list);
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
