/**
 * Physical names derived from the construct path, so two pipelines in one stack, a
 * pipeline nested in a user's own construct tree, and the same pipeline id in two stacks
 * never collide. Every name ends in a short hash of the full path (stack included) and is
 * truncated to the service's length limit.
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
  /** Prepended as-is (after sanitizing), e.g. `prod-`. Default: none. */
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

/** The construct ids from below the stack down to `scope` (the readable part of a name). */
export function pathBelowStack(scope: Construct): string[] {
  const stack = TerraformStack.of(scope);
  const scopes = scope.node.scopes;
  const start = scopes.indexOf(stack) + 1;
  return scopes.slice(start).map((s) => s.node.id).filter((id) => id !== "");
}

/**
 * `<prefix><path below the stack joined with "-">-<suffix>-<hash><ending>`, truncated
 * to `maxLength` (the readable part is shortened; the hash and the ending are kept).
 * The hash covers the full construct path (stack included), the prefix and the suffix.
 */
export function physicalName(scope: Construct, options: PhysicalNameOptions): string {
  const allowed = options.allowed ?? /[A-Za-z0-9_-]/;
  const clean = (s: string) =>
    [...s].map((c) => (allowed.test(c) ? c : "-")).join("").replace(/-{2,}/g, "-").replace(/^-+|-+$/g, "");
  const parts = [...pathBelowStack(scope), options.suffix ?? ""].filter(Boolean).map(clean).filter(Boolean);
  const readable = clean((options.prefix ?? "") + parts.join("-"));
  const hash = createHash("sha256")
    .update([scope.node.path, options.prefix ?? "", options.suffix ?? ""].join("\0"))
    .digest("hex")
    .slice(0, HASH_LENGTH);
  const ending = options.ending ?? "";
  const room = options.maxLength - ending.length - HASH_LENGTH - 1;
  if (room < 1) throw new Error(`physicalName: maxLength ${options.maxLength} leaves no room for a name`);
  const head = readable.slice(0, room).replace(/[-_.]+$/, "");
  return `${head ? head + "-" : ""}${hash}${ending}`;
}
