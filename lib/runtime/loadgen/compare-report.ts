/**
 * Reading a spike report for a comparison: only what a comparison needs is required, the rest
 * is read defensively, so reports older versions wrote compare on what they hold.
 */
import { readFile } from "node:fs/promises";
import { z } from "zod";
import type { SpikeReport } from "./run";
import { LoadgenError } from "./errors";

/** Bad input to a comparison: an unreadable or foreign file, a bad tolerance (exit code 2). */
export class CompareInputError extends LoadgenError {
  override readonly name = "CompareInputError";
}

const num = z.number().finite();
const latencySchema = z.object({ p50Ms: num, p90Ms: num, p99Ms: num, maxMs: num }).passthrough();
const reportSchema = z
  .object({
    version: z.literal(1),
    runId: z.string(),
    name: z.string(),
    startedAt: z.string(),
    profile: z.record(z.unknown()).optional(),
    phases: z
      .array(z.object({ type: z.string(), durationSeconds: num, fromRatePerSecond: num, toRatePerSecond: num }).passthrough())
      .optional(),
    planned: num.optional(),
    agents: num.optional(),
    counts: z
      .object({
        offered: num,
        accepted: num,
        attempts: num,
        acksAfterGenesysTimeout: num.optional(),
        statusCodes: z.record(num).optional(),
      })
      .passthrough(),
    rates: z
      .object({ offeredPerSecond: num, acceptedPerSecond: num, goodputPerSecond: num, goodputBasis: z.string().optional() })
      .passthrough(),
    latency: z.object({ ack: latencySchema, endToEnd: latencySchema.optional() }).passthrough(),
    delivery: z.union([
      z.object({ reconciled: z.literal(false), reason: z.string() }).passthrough(),
      z
        .object({
          reconciled: z.literal(true),
          processed: num,
          lost: num,
          duplicateSideEffects: num,
          duplicateDeliveries: num,
          deadLetteredExpected: num,
          deadLetteredUnexpected: num,
          inFlight: num.optional(),
          faultChecks: z.object({ violations: num }).passthrough().optional(),
        })
        .passthrough(),
    ]),
    verdict: z
      .object({
        verdict: z.enum(["PASS", "FAIL"]),
        checks: z.array(z.object({ name: z.string(), status: z.string() }).passthrough()).optional(),
      })
      .passthrough(),
    latencyJudgement: z.string().optional(),
    machine: z.object({ cores: num }).passthrough().optional(),
    pending: z.unknown().optional(),
  })
  .passthrough();

/** Latency percentiles, milliseconds. */
export interface ComparablePercentiles {
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/**
 * The part of a report a comparison reads: a {@link SpikeReport}, or a report an older version
 * wrote (the optional fields are absent from some).
 */
export interface ComparableReport {
  readonly version: 1;
  readonly runId: string;
  readonly name: string;
  readonly startedAt: string;
  readonly profile?: object;
  readonly phases?: ReadonlyArray<{
    readonly type: string;
    readonly durationSeconds: number;
    readonly fromRatePerSecond: number;
    readonly toRatePerSecond: number;
  }>;
  readonly planned?: number;
  readonly agents?: number;
  readonly counts: {
    readonly offered: number;
    readonly accepted: number;
    readonly attempts: number;
    readonly acksAfterGenesysTimeout?: number;
    readonly statusCodes?: Readonly<Record<string, number>>;
  };
  readonly rates: {
    readonly offeredPerSecond: number;
    readonly acceptedPerSecond: number;
    readonly goodputPerSecond: number;
    readonly goodputBasis?: string;
  };
  readonly latency: { readonly ack: ComparablePercentiles; readonly endToEnd?: ComparablePercentiles };
  readonly delivery:
    | { readonly reconciled: false; readonly reason: string }
    | {
        readonly reconciled: true;
        readonly processed: number;
        readonly lost: number;
        readonly duplicateSideEffects: number;
        readonly duplicateDeliveries: number;
        readonly deadLetteredExpected: number;
        readonly deadLetteredUnexpected: number;
        readonly inFlight?: number;
        readonly faultChecks?: { readonly violations: number };
      };
  readonly verdict: {
    readonly verdict: "PASS" | "FAIL";
    readonly checks?: ReadonlyArray<{ readonly name: string; readonly status: string }>;
  };
  readonly latencyJudgement?: string;
  readonly machine?: { readonly cores: number };
  readonly pending?: unknown;
}

// a report as writeReports writes it is comparable (checked at compile time)
const _spikeReportIsComparable = (r: SpikeReport): ComparableReport => r;

/** Validates parsed JSON as a spike report; `label` names it in the error (a path). */
export function parseReport(json: unknown, label: string): ComparableReport {
  const version = (json as { version?: unknown } | null)?.version;
  if (typeof version === "number" && version !== 1) {
    throw new CompareInputError(
      `${label} is a spike report of version ${version}; this version of cdktf-genesys-consumer reads version 1: upgrade it`,
    );
  }
  if ((json as { kind?: unknown } | null)?.kind === "multi-target") {
    const targets = (json as { targets?: { target?: unknown }[] }).targets ?? [];
    throw new CompareInputError(
      `${label} is the report of a run across targets (${targets.map((t, i) => `targets[${i}] ${String(t?.target)}`).join(", ")}): compare one target's report, its \`targets[i].report\` (e.g. \`jq '.targets[0].report' ${label}\`)`,
    );
  }
  const parsed = reportSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const missing: string[] = [];
  const wrong: string[] = [];
  const at = (path: readonly (string | number)[]) =>
    path.reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), json);
  for (const issue of parsed.error.issues) {
    const path = issue.path.join(".") || "(root)";
    if (issue.path.length && at(issue.path) === undefined) missing.push(path);
    else if (issue.code === "invalid_union")
      wrong.push(`${path}: neither a reconciled delivery (processed, lost, ...) nor { reconciled: false, reason }`);
    else wrong.push(`${path}: ${issue.message}`);
  }
  const what = [...(missing.length ? [`missing ${missing.join(", ")}`] : []), ...wrong].join("; ");
  throw new CompareInputError(
    `${label} is not a spike report: ${what} (pass the JSON report a spike run writes with --json, e.g. reports/<runId>/spike.json)`,
  );
}

/** Reads and validates a JSON report file; throws {@link CompareInputError} naming the file and what is missing. */
export async function loadReportFile(path: string): Promise<ComparableReport> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new CompareInputError(`cannot read "${path}": ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const hint = /^\s*</.test(text) ? " (an HTML report? pass the JSON report written beside it)" : "";
    throw new CompareInputError(`${path} is not JSON${hint}: ${(error as Error).message}`);
  }
  return parseReport(json, path);
}
