/**
 * Physical names derived from the construct path, so two pipelines in one stack, a
 * pipeline nested in a user's own construct tree, and the same pipeline id in two stacks
 * never collide. Every name ends in a short hash of the full path (stack included) and is
 * truncated to the service's length limit. A name prefix is joined to the rest with `-`
 * unless it already ends with a separator.
 */
import { createHash } from "node:crypto";
import { Construct } from "constructs";
import { TerraformStack } from "cdktf";

/** AWS name length limits this library respects, characters. */
export const NAME_LIMITS = {
  sqsQueue: 80,
  lambdaFunction: 64,
  iamRole: 64,
  cloudwatchAlarm: 255,
  dynamodbTable: 255,
  secret: 512,
  snsTopic: 256,
  logGroup: 512,
  apiGatewayRestApi: 1024,
  dashboard: 255,
} as const;

export interface PhysicalNameOptions {
  /**
   * Put in front of the name (after sanitizing), joined with `-` unless it already ends with
   * a separator the name allows (`-`, `_`, `.` or `/`): `support` and `support-` both give
   * `support-orders-queue-<hash>`, `support_` gives `support_orders-queue-<hash>`. Default: none.
   */
  readonly prefix?: string;
  /** What the resource is, appended after the path, e.g. `dlq`. */
  readonly suffix?: string;
  /** The service's limit, characters (including any fixed ending). */
  readonly maxLength: number;
  /** A fixed ending kept after truncation, e.g. `.fifo`. */
  readonly ending?: string;
  /** Characters allowed; every other one becomes `-`. Default: letters, digits, `-`, `_`. */
  readonly allowed?: RegExp;
}

const HASH_LENGTH = 8;

/**
 * Characters that already separate a name prefix from the rest of the name: a prefix ending
 * with one of them (once sanitized for the resource's allowed characters) is used as is; any
 * other prefix gets a `-`.
 */
const NAME_PREFIX_SEPARATORS = "-_./";

/** The construct ids from below the stack down to `scope` (the readable part of a name). */
export function pathBelowStack(scope: Construct): string[] {
  const stack = TerraformStack.of(scope);
  const scopes = scope.node.scopes;
  const start = scopes.indexOf(stack) + 1;
  return scopes
    .slice(start)
    .map((s) => s.node.id)
    .filter((id) => id !== "");
}

/**
 * `<prefix>-<path below the stack joined with "-">-<suffix>-<hash><ending>`, truncated
 * to `maxLength` (the readable part is shortened from its end; the hash and the ending are
 * kept). The `-` after the prefix is left out when the prefix already ends with a separator
 * (see {@link PhysicalNameOptions.prefix}).
 * The hash covers the full construct path (stack included), the prefix (with the `-` added
 * to it, so `support` and `support-` give one name) and the suffix.
 */
export function physicalName(scope: Construct, options: PhysicalNameOptions): string {
  const allowed = options.allowed ?? /[A-Za-z0-9_-]/;
  const sanitize = (s: string) => [...s].map((c) => (allowed.test(c) ? c : "-")).join("");
  const clean = (s: string) =>
    sanitize(s)
      .replace(/-{2,}/g, "-")
      .replace(/^-+|-+$/g, "");
  const given = options.prefix ?? "";
  const sanitized = sanitize(given);
  const prefix = sanitized && !NAME_PREFIX_SEPARATORS.includes(sanitized[sanitized.length - 1]) ? `${given}-` : given;
  const parts = [...pathBelowStack(scope), options.suffix ?? ""].filter(Boolean).map(clean).filter(Boolean);
  const readable = clean(prefix + parts.join("-"));
  const hash = createHash("sha256")
    .update([scope.node.path, prefix, options.suffix ?? ""].join("\0"))
    .digest("hex")
    .slice(0, HASH_LENGTH);
  const ending = options.ending ?? "";
  const room = options.maxLength - ending.length - HASH_LENGTH - 1;
  if (room < 1) throw new Error(`physicalName: maxLength ${options.maxLength} leaves no room for a name`);
  const head = readable.slice(0, room).replace(/[-_./]+$/, "");
  return `${head ? head + "-" : ""}${hash}${ending}`;
}
