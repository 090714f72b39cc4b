/**
 * Errors raised at synth by the constructs of this library.
 */
import { Token } from "cdktf";

/** One invalid prop: which prop, what is wrong with it, and how to fix it. */
export interface ValidationProblem {
  /** The prop path as the user wrote it, e.g. `worker.maxConcurrency`. */
  readonly prop: string;
  /** What is wrong and how to fix it, one sentence. */
  readonly message: string;
}

/**
 * Thrown from a construct's constructor when its props are invalid. Every problem found
 * is listed at once (not only the first), each naming the prop and the fix.
 */
export class ValidationError extends Error {
  override readonly name = "ValidationError";
  constructor(
    /** The construct path, e.g. `demo/orders`. */
    readonly constructPath: string,
    /** The construct type, e.g. `ConsumerPipeline`. */
    readonly constructType: string,
    readonly problems: readonly ValidationProblem[],
  ) {
    super(
      `${constructType} "${constructPath}" has ${problems.length} invalid prop${problems.length === 1 ? "" : "s"}:\n` +
        problems.map((p) => `  - ${p.prop}: ${p.message}`).join("\n"),
    );
  }
}

/** Collects problems; {@link Problems.throwIfAny} throws one {@link ValidationError}. */
export class Problems {
  private readonly list: ValidationProblem[] = [];

  /** Adds a problem for `prop` (prefixed with the collector's prefix). */
  add(prop: string, message: string): void {
    this.list.push({ prop, message });
  }

  /** Adds every problem of another collector. */
  addAll(problems: readonly ValidationProblem[]): void {
    this.list.push(...problems);
  }

  get items(): readonly ValidationProblem[] {
    return this.list;
  }

  throwIfAny(constructPath: string, constructType: string): void {
    if (this.list.length) throw new ValidationError(constructPath, constructType, this.list);
  }
}

/** True for a value that is a literal number (not a Terraform token), so it can be validated at synth. */
export function isLiteralNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && !Token.isUnresolved(value);
}

/** Joins a prop path prefix and a prop name: `prefixed("worker", "timeoutSeconds")` is `worker.timeoutSeconds`. */
export function prefixed(prefix: string | undefined, prop: string): string {
  return prefix ? `${prefix}.${prop}` : prop;
}
