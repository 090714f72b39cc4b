/**
 * Errors raised at synth by the constructs of this library, and the one way they are
 * collected: every construct (the Genesys ones and the genesyscloud provider bindings
 * included) adds its problems to a {@link Problems} collector, each naming the prop and the
 * fix, and throws them all at once in one {@link ValidationError}. A construct whose checks
 * a parent reuses (e.g. `ConsumerPipeline` listing a `WebhookIngress` problem as
 * `ingress.path`) collects them with the parent's prop as prefix.
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

/**
 * Collects problems; {@link Problems.throwIfAny} throws one {@link ValidationError}.
 *
 * To add a check: `problems.add("myProp", "what is wrong; the fix.")`. A problem of two
 * props that conflict names both: `problems.add(["a", "b"], "both are set. ...")` reads
 * `a, b: both are set. ...`.
 */
export class Problems {
  private readonly list: ValidationProblem[] = [];

  /**
   * @param prefix put before every prop added with {@link Problems.add}, e.g. `ingress` for
   * the checks of a `WebhookIngress` listed by a `ConsumerPipeline` (default: none).
   */
  constructor(private readonly prefix?: string) {}

  /** Adds a problem for `prop` (or for several props at once), each prefixed with the collector's prefix. */
  add(prop: string | readonly string[], message: string): void {
    const props = typeof prop === "string" ? [prop] : prop;
    this.list.push({ prop: props.map((p) => prefixed(this.prefix, p)).join(", "), message });
  }

  /** Adds every problem of another collector or check, as they are (already prefixed). */
  addAll(problems: readonly ValidationProblem[]): void {
    this.list.push(...problems);
  }

  /** The problems so far, each with its prop and message. */
  get items(): readonly ValidationProblem[] {
    return this.list;
  }

  /** Throws one {@link ValidationError} listing every problem, when there is any. */
  throwIfAny(constructPath: string, constructType: string): void {
    if (this.list.length) throw new ValidationError(constructPath, constructType, this.list);
  }
}

/** True for a value that is a literal number (not a Terraform token), so it can be validated at synth. */
export function isLiteralNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && !Token.isUnresolved(value);
}

/**
 * True when `value` is a plain literal (no Terraform token inside), so it can be checked at
 * synth. Unlike {@link isLiteralNumber}, a non-finite number counts as a literal (and so
 * fails a range check).
 */
export function isLiteral(value: string | number): boolean {
  return !Token.isUnresolved(value);
}

/** Joins a prop path prefix and a prop name: `prefixed("worker", "timeoutSeconds")` is `worker.timeoutSeconds`. */
export function prefixed(prefix: string | undefined, prop: string): string {
  return prefix ? `${prefix}.${prop}` : prop;
}
