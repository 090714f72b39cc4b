/**
 * A spike across several targets: the scenarios of one profile sent to several webhook
 * pipelines at once (steady traffic to one, a spike to another). Each target's share is a run
 * of its own, as {@link runSpike} makes it (its own run id, sender, receipts, reconciliation and
 * verdict); all shares start at one shared instant; the combined report holds every target's
 * report, the totals, and one verdict (FAIL when any target fails, naming it).
 *
 * A scenario names its target with `target`; scenarios without one go to the primary target.
 * Each scenario's arrivals are those of the single-target plan: a share keeps the run's traffic
 * seed, and Poisson arrivals are seeded per scenario name.
 */
import { LoadgenError } from "./errors";
import { mergeEncodedHistograms, summarize, type LatencySummary } from "./histogram";
import { newRunId } from "./message";
import { NAME_PATTERN, NAME_RULE, parseProfile, ProfileError, trafficSeed, type SpikeProfile, type SpikeProfileInput } from "./profile";
import { deriveReconcileDeadline } from "./deadline";
import { runIdUsed, type DeliveryResult } from "./reconcile";
import { openEdgeKey } from "./edge-key-source";
import type { EdgeKey } from "../edge-key";
import { sendAndFinishSpike, type SpikeOptions, type SpikeProgress, type SpikeReport } from "./run";
import type { Verdict } from "./verdict";

/** The name of the target that scenarios without `target` go to, unless the run names another. */
export const PRIMARY_TARGET = "primary";

/** How long after the checks the shared start is, by default, ms: every target's sender opens its key and checks its run id first. */
export const TARGETS_START_DELAY_MS = 1000;

/** The longest run id a synthetic marker carries (lib/runtime/synthetic.ts). */
const MAX_RUN_ID = 128;

/** Thrown for targets that do not fit the profile (unknown, missing, malformed), before any traffic. */
export class TargetError extends LoadgenError {
  override readonly name = "TargetError";
}

/** One target of a run: the per-target part of {@link SpikeOptions} (URL, secret, edge key, receipts, queues, retry settings). */
export type SpikeTarget = Omit<SpikeOptions, "profile" | "runId" | "startAtMs" | "signal" | "onProgress">;

/** What one target is sent: its scenarios, as a profile of their own. */
export interface TargetShare {
  readonly target: string;
  /** Its scenarios' names, in the profile's order (empty for a profile without scenarios). */
  readonly scenarios: string[];
  /** The run's profile with only these scenarios (their `target` removed) and the run's traffic seed. */
  readonly profile: SpikeProfile;
}

export interface MultiTargetSpikeOptions {
  /** A validated profile, a profile object, or JSON / YAML text. */
  readonly profile: SpikeProfile | SpikeProfileInput | string;
  /** The targets by name (letters, digits, `.`, `_`, `-`); scenarios name theirs with `target`. */
  readonly targets: Readonly<Record<string, SpikeTarget>>;
  /** The target scenarios without `target` go to. @default "primary" */
  readonly primaryTarget?: string;
  /** The run id; each target's run is `<runId>.<target>`. Default: a new `spike-<time>-<random>` id. */
  readonly runId?: string;
  /** Epoch ms every target's plan starts at. Default: now + {@link TARGETS_START_DELAY_MS} after the checks. */
  readonly startAtMs?: number;
  /** Stops offering new arrivals to every target when aborted. */
  readonly signal?: AbortSignal;
  /** Progress of each target's run while sending and reconciling. */
  readonly onProgress?: (target: string, progress: SpikeProgress) => void;
}

/** One target's part of a run across targets. */
export interface TargetSpikeReport {
  readonly target: string;
  /** The scenarios sent to it. */
  readonly scenarios: string[];
  /** Its own report (run id `<runId>.<target>`). */
  readonly report: SpikeReport;
}

/** All targets of a run added together. */
export interface MultiTargetTotals {
  readonly planned: number;
  readonly offered: number;
  readonly attempts: number;
  readonly accepted: number;
  /** planned - accepted: dropped, failed, or never offered. */
  readonly notAccepted: number;
  readonly dropped: number;
  readonly failed: number;
  readonly throttledResponses: number;
  /** The targets whose delivery was reconciled against receipts: the delivery totals add only theirs. */
  readonly reconciledTargets: string[];
  /** The delivery totals, present when at least one target was reconciled. */
  readonly processed?: number;
  readonly lost?: number;
  readonly inFlight?: number;
  readonly duplicateDeliveries?: number;
  readonly duplicateSideEffects?: number;
  readonly deadLetteredExpected?: number;
  readonly deadLetteredUnexpected?: number;
  /** Ack latency from the planned send, every target's histogram merged. */
  readonly ack: LatencySummary;
  /** Planned send to processed, the reconciled targets' histograms merged. */
  readonly endToEnd?: LatencySummary;
}

/** The verdict of a run across targets: FAIL when any target's is. */
export interface MultiTargetVerdict {
  readonly verdict: Verdict;
  /** Every failing target's reasons, each prefixed with `<target>: `; empty on PASS. */
  readonly reasons: string[];
  readonly failedTargets: string[];
}

/** The result of {@link runSpikeAcrossTargets}: JSON-serializable. */
export interface MultiTargetSpikeReport {
  readonly version: 1;
  readonly kind: "multi-target";
  /** The run id; each target's run id is `<runId>.<target>`. */
  readonly runId: string;
  readonly name: string;
  /** The whole profile, with every scenario's `target`. */
  readonly profile: SpikeProfile;
  readonly primaryTarget: string;
  /** ISO time of the shared start. */
  readonly startedAt: string;
  readonly startMs: number;
  readonly finishedMs: number;
  /** In the order the profile first names them (the primary target first when it has scenarios). */
  readonly targets: TargetSpikeReport[];
  /** Targets given that no scenario is for (not run). */
  readonly unusedTargets: string[];
  /**
   * Targets whose run threw after the shared start (their traffic is not in the totals; what
   * the other targets sent and reconciled is). The verdict is FAIL with them. Absent when none.
   */
  readonly failedRuns?: { readonly target: string; readonly scenarios: string[]; readonly error: string }[];
  readonly totals: MultiTargetTotals;
  readonly verdict: MultiTargetVerdict;
}

/** True for a report of {@link runSpikeAcrossTargets} (false for a single target's {@link SpikeReport}). */
export function isMultiTargetReport(report: unknown): report is MultiTargetSpikeReport {
  return typeof report === "object" && report !== null && (report as { kind?: unknown }).kind === "multi-target";
}

/** The run id of one target's share. */
export function targetRunId(runId: string, target: string): string {
  return `${runId}.${target}`;
}

/** "target "orders" is not given" lines for the scenarios whose target is unknown (empty when all are known). */
function unknownTargetProblems(scenarios: NonNullable<SpikeProfile["scenarios"]>, known: ReadonlySet<string>, primary: string): string[] {
  return scenarios
    .filter((s) => !known.has(s.target ?? primary))
    .map((s) =>
      s.target !== undefined
        ? `scenario "${s.name}" is for target "${s.target}", which is not given`
        : `scenario "${s.name}" has no \`target\`, so it goes to the primary target "${primary}", which is not given`,
    );
}

/**
 * Splits a profile into the share of each target: scenarios without `target` go to
 * `primaryTarget`, a profile without scenarios goes to it whole. Throws {@link TargetError},
 * naming the known targets, when a scenario's target is not among `targets`.
 */
export function splitProfileByTarget(
  input: SpikeProfile | SpikeProfileInput | string,
  targets: readonly string[],
  primaryTarget: string = PRIMARY_TARGET,
): TargetShare[] {
  const profile = parseProfile(input);
  const known = new Set(targets);
  const givenText = `the targets given are: ${targets.length ? targets.map((t) => `"${t}"`).join(", ") : "none"}`;
  const scenarios = profile.scenarios;
  if (!scenarios) {
    if (!known.has(primaryTarget))
      throw new TargetError(
        `the profile has no scenarios, so all of it goes to the primary target "${primaryTarget}", which is not given (${givenText}); give it, or name another primary target`,
      );
    return [{ target: primaryTarget, scenarios: [], profile }];
  }
  const problems = unknownTargetProblems(scenarios, known, primaryTarget);
  if (problems.length)
    throw new TargetError(`${problems.join("; ")} (${givenText}): give the missing target, or change the scenario's \`target\``);
  const used = scenarios.map((s) => s.target ?? primaryTarget);
  const order = [...new Set(used.includes(primaryTarget) ? [primaryTarget, ...used] : used)];
  return order.map((target) => {
    const mine = scenarios.filter((s) => (s.target ?? primaryTarget) === target);
    try {
      const share = parseProfile({ ...profile, seed: trafficSeed(profile), scenarios: mine.map(({ target: _t, ...s }) => s) });
      return { target, scenarios: mine.map((s) => s.name), profile: share };
    } catch (error) {
      if (!(error instanceof ProfileError)) throw error;
      throw new TargetError(`target "${target}" (scenarios ${mine.map((s) => `"${s.name}"`).join(", ")}): ${error.issues.join("; ")}`);
    }
  });
}

/** Refuses, before any traffic, a target whose settings cannot work (naming it). */
async function checkTarget(
  name: string,
  target: SpikeTarget | undefined,
  share: TargetShare,
  runId: string,
  given: boolean,
): Promise<EdgeKey | undefined> {
  if (!target) throw new TargetError(`target "${name}" is not given`);
  try {
    new URL(target.targetUrl);
  } catch {
    throw new TargetError(`target "${name}": targetUrl "${target.targetUrl}" is not a URL`);
  }
  if (!target.secret) throw new TargetError(`target "${name}": the signing secret is empty`);
  if (runId.length > MAX_RUN_ID)
    throw new TargetError(`target "${name}": its run id "${runId}" is longer than ${MAX_RUN_ID} characters; give a shorter run id`);
  try {
    deriveReconcileDeadline(share.profile, target.pipelineRetry);
  } catch (error) {
    throw new TargetError(`target "${name}": ${(error as Error).message}`);
  }
  const edgeKey = target.edgeKey ? await openTargetKey(name, target.edgeKey) : undefined;
  if (target.receipts) {
    // read for every target, run id given or not: a missing or unreadable table fails here, before the shared start
    let used: boolean;
    try {
      used = await runIdUsed(target.receipts, runId);
    } catch (error) {
      throw new TargetError(`target "${name}": the receipts table ${target.receipts.tableName} could not be read: ${errorText(error)}`);
    }
    if (given && used)
      throw new TargetError(
        `target "${name}": run id "${runId}" already has receipts in ${target.receipts.tableName} (an earlier run): give a new run id, or none for a generated one`,
      );
  }
  return edgeKey;
}

/** Opens a target's edge API key before the shared start (a Secrets Manager read for a secret source). */
async function openTargetKey(name: string, source: NonNullable<SpikeTarget["edgeKey"]>): Promise<EdgeKey> {
  try {
    return await openEdgeKey(source);
  } catch (error) {
    throw new TargetError(`target "${name}": the edge API key could not be read: ${errorText(error)}`);
  }
}

/**
 * Sends a profile's scenarios to their targets at once (each target's share through
 * {@link runSpike}, all starting at one shared instant), and combines the reports. Every
 * target is checked before any traffic; when one target's run throws after the start, the
 * others stop offering arrivals, reconcile what they sent, and the report keeps theirs with the
 * failed run in `failedRuns` and the verdict (FAIL); only when every run throws does this throw.
 */
export async function runSpikeAcrossTargets(options: MultiTargetSpikeOptions): Promise<MultiTargetSpikeReport> {
  const profile = parseProfile(options.profile);
  const primary = options.primaryTarget ?? PRIMARY_TARGET;
  const names = Object.keys(options.targets);
  for (const name of [...names, primary]) if (!NAME_PATTERN.test(name)) throw new TargetError(`target name "${name}": ${NAME_RULE}`);
  const shares = splitProfileByTarget(profile, names, primary);
  const runId = options.runId ?? newRunId();
  const runs = shares.map((share) => ({ share, target: options.targets[share.target], runId: targetRunId(runId, share.target) }));
  // every check that reads AWS (edge keys, receipts tables) runs here, before the shared start is fixed
  const keys = await Promise.all(runs.map((r) => checkTarget(r.share.target, r.target, r.share, r.runId, options.runId !== undefined)));
  const startAtMs = options.startAtMs ?? Date.now() + TARGETS_START_DELAY_MS;
  const controller = new AbortController();
  const stop = () => controller.abort();
  if (options.signal?.aborted) stop();
  options.signal?.addEventListener("abort", stop, { once: true });
  let settled: PromiseSettledResult<SpikeReport>[];
  try {
    settled = await Promise.allSettled(
      runs.map((r, i) =>
        // checked above (checkTarget): sent without runSpike's own checks, which would read AWS again after the start is fixed
        sendAndFinishSpike(
          {
            ...r.target,
            ...(keys[i] ? { edgeKey: keys[i] } : {}),
            profile: r.share.profile,
            runId: r.runId,
            startAtMs,
            signal: controller.signal,
            onProgress: options.onProgress ? (p) => options.onProgress!(r.share.target, p) : undefined,
          },
          r.share.profile,
          r.runId,
        ).catch((error: unknown) => {
          stop();
          throw error;
        }),
      ),
    );
  } finally {
    options.signal?.removeEventListener("abort", stop);
  }
  const failedRuns = settled.flatMap((s, i) =>
    s.status === "rejected" ? [{ target: runs[i].share.target, scenarios: runs[i].share.scenarios, error: errorText(s.reason) }] : [],
  );
  // every run threw: nothing was reported, so the run throws
  if (failedRuns.length === runs.length)
    throw new TargetError(`the run across targets failed: ${failedRuns.map((f) => `target "${f.target}": ${f.error}`).join("; ")}`);
  // some threw: what the others sent and reconciled is kept, and the verdict names the failed runs
  const reports = settled.flatMap((s, i) =>
    s.status === "fulfilled" ? [{ target: runs[i].share.target, scenarios: runs[i].share.scenarios, report: s.value }] : [],
  );
  return combineTargetReports({
    runId,
    profile,
    primaryTarget: primary,
    targets: reports,
    unusedTargets: names.filter((n) => !shares.some((s) => s.target === n)),
    failedRuns,
  });
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

/** The totals of the targets' reports: ingress counts of all, delivery counts of the reconciled ones, latency merged. */
export function targetTotals(targets: readonly TargetSpikeReport[]): MultiTargetTotals {
  const reports = targets.map((t) => t.report);
  const count = (key: "offered" | "attempts" | "accepted" | "dropped" | "failed" | "throttledResponses") =>
    sum(reports.map((r) => r.counts[key]));
  const reconciled = targets.filter((t) => t.report.delivery.reconciled);
  const delivery = reconciled.map((t) => t.report.delivery as Omit<DeliveryResult, "endToEndUs" | "deliveredTimeline">);
  const add = (
    key: "processed" | "lost" | "duplicateDeliveries" | "duplicateSideEffects" | "deadLetteredExpected" | "deadLetteredUnexpected",
  ) => sum(delivery.map((d) => d[key]));
  const planned = sum(reports.map((r) => r.planned));
  const endToEnd = reconciled.map((t) => t.report.histograms.endToEndUs).filter((h): h is string => h !== undefined);
  return {
    planned,
    offered: count("offered"),
    attempts: count("attempts"),
    accepted: count("accepted"),
    notAccepted: planned - count("accepted"),
    dropped: count("dropped"),
    failed: count("failed"),
    throttledResponses: count("throttledResponses"),
    reconciledTargets: reconciled.map((t) => t.target),
    ...(delivery.length
      ? {
          processed: add("processed"),
          lost: add("lost"),
          inFlight: sum(delivery.map((d) => d.inFlight ?? 0)),
          duplicateDeliveries: add("duplicateDeliveries"),
          duplicateSideEffects: add("duplicateSideEffects"),
          deadLetteredExpected: add("deadLetteredExpected"),
          deadLetteredUnexpected: add("deadLetteredUnexpected"),
        }
      : {}),
    ack: summarize(mergeEncodedHistograms(reports.map((r) => r.histograms.ackUs))),
    ...(endToEnd.length ? { endToEnd: summarize(mergeEncodedHistograms(endToEnd)) } : {}),
  };
}

/** Combines the targets' reports of one run: totals, and one verdict (FAIL when any target fails, naming it). */
export function combineTargetReports(args: {
  readonly runId: string;
  readonly profile: SpikeProfile;
  readonly primaryTarget: string;
  readonly targets: readonly TargetSpikeReport[];
  readonly unusedTargets?: readonly string[];
  /** Targets whose run threw after the start: FAIL, named in the verdict. */
  readonly failedRuns?: readonly { readonly target: string; readonly scenarios: string[]; readonly error: string }[];
}): MultiTargetSpikeReport {
  const { targets } = args;
  const failedRuns = args.failedRuns ?? [];
  const failed = targets.filter((t) => t.report.verdict.verdict !== "PASS");
  const startMs = Math.min(...targets.map((t) => t.report.startMs));
  return {
    version: 1,
    kind: "multi-target",
    runId: args.runId,
    name: args.profile.name,
    profile: args.profile,
    primaryTarget: args.primaryTarget,
    startedAt: new Date(startMs).toISOString(),
    startMs,
    finishedMs: Math.max(...targets.map((t) => t.report.finishedMs)),
    targets: [...targets],
    unusedTargets: [...(args.unusedTargets ?? [])],
    ...(failedRuns.length ? { failedRuns: failedRuns.map((f) => ({ ...f, scenarios: [...f.scenarios] })) } : {}),
    totals: targetTotals(targets),
    verdict: {
      verdict: failed.length || failedRuns.length ? "FAIL" : "PASS",
      reasons: [
        ...failedRuns.map((f) => `${f.target}: the run failed after the start (its traffic is not in the totals): ${f.error}`),
        ...failed.flatMap((t) =>
          t.report.verdict.reasons.length ? t.report.verdict.reasons.map((r) => `${t.target}: ${r}`) : [`${t.target}: FAIL`],
        ),
      ],
      failedTargets: [...failedRuns.map((f) => f.target), ...failed.map((t) => t.target)],
    },
  };
}
