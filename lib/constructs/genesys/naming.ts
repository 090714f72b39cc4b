/**
 * Names derived from the construct path, so two pipelines in one stack never collide.
 */
import { createHash } from "node:crypto";
import { IConstruct } from "constructs";

/**
 * A name made of the construct path's segments (the stack's name included), with every
 * character outside `allowed` replaced by "-", at most `maxLength` characters: a longer
 * name keeps its end and is prefixed with an 8-character hash of the full path.
 */
export function nameFromPath(scope: IConstruct, maxLength: number, allowed: RegExp = /[A-Za-z0-9_-]/): string {
  const path = scope.node.path;
  const cleaned = [...path.replace(/\//g, "-")].map((c) => (allowed.test(c) ? c : "-")).join("");
  if (cleaned.length <= maxLength) return cleaned;
  const hash = createHash("sha256").update(path).digest("hex").slice(0, 8);
  return `${hash}-${cleaned.slice(cleaned.length - (maxLength - hash.length - 1))}`;
}
