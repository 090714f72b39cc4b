/**
 * `runSpike`: send the profile (alone or through a fan-out of agents), reconcile against
 * the receipts, judge, and return one {@link SpikeReport}.
 */
import { mergeEncodedHistograms, summarize, decodeHistogram, encodeHistogram, type LatencySummary } from "./histogram";
import { mergeIngressParts, runIngress, type IngressCounts, type IngressPart, type IngressProgress } from "./engine";
import { newRunId } from "./message";
import { openEdgeKey, type EdgeKeySource } from "./edge-key-source";
import type { EdgeKey } from "../edge-key";
import {
  expandPhases,
  parseProfile,
  planArrivals,
  ProfileError,
  profileDurationSeconds,
  targetedScenario,
  type SpikeProfile,
  type SpikeProfileInput,
} from "./profile";
import {
  inspectRedrivePolicy,
  reconcileUntil,
  runIdUsed,
  type AwsClientOptions,
  type DeliveryResult,
  type ReceiptsSource,
  type RedriveInspection,
} from "./reconcile";
import { judge, type LatencyJudgement, type VerdictResult } from "./verdict";
import { deriveReconcileDeadline, type DeadlineDerivation, type PipelineRetrySettings } from "./deadline";
import { abortWatcher, type SpikeAbort } from "./thresholds";
import { availableParallelism, loadavg } from "node:os";
import type { BackpressureBlock } from "./backpressure";
import { scenarioPlanOf, scenarioReports, type ScenarioReport } from "./scenarios";

/** What one agent of a fan-out is asked to send. */
export interface AgentAssignment {
  readonly runId: string;
  readonly profile: SpikeProfile;
  readonly agentIndex: number;
  readonly agentCount: number;
  /** The shared start barrier, epoch ms. */
  readonly startAtMs: number;
}

export interface SpikeOptions {
  /** The ingress URL (API Gateway invoke URL + resource path, or a local emulator's). */
  readonly targetUrl: string;
  /** The raw webhook signing secret (HMAC key). */
  readonly secret: string;
  /** A validated profile, a profile object, or JSON / YAML text. */
  readonly profile: SpikeProfile | SpikeProfileInput | string;
  /** Default: a new `spike-<time>-<random>` id. */
  readonly runId?: string;
  /** The receipts table; without it only the ingress side is reported. */
  readonly receipts?: ReceiptsSource;
  /** The operational DLQ, peeked for this run's messages. */
  readonly dlqUrl?: string;
  /** The synthetic quarantine queue, drained of this run's messages. */
  readonly quarantineQueueUrl?: string;
  /**
   * The ingress queue the worker consumes. When given, its `RedrivePolicy` is read
   * (`GetQueueAttributes`) and the verdict's `redrivePolicy` check fails when there is
   * none, when it targets another queue than `dlqUrl`, or when its maxReceiveCount is below
   * `workerMaxReceiveCount`. Default: none (the check is SKIPPED).
   */
  readonly queueUrl?: string;
  /**
   * The worker's maxReceiveCount (`GCX_MAX_RECEIVE_COUNT`: the receive on which it
   * dead-letters a message itself, with its context), receives. The queue's redrive policy
   * must not move messages sooner. Default: not checked.
   */
  readonly workerMaxReceiveCount?: number;
  /** SQS endpoint (local emulator). Default: the SDK's. */
  readonly sqsEndpoint?: string;
  /** Full SQS client settings (endpoint, region, credentials); `sqsEndpoint` is shorthand. */
  readonly sqs?: AwsClientOptions;
  /** The integration id put in `channel.id`. Default: a fixed synthetic id. */
  readonly integrationId?: string;
  /** Progress while sending and reconciling. */
  readonly onProgress?: (progress: SpikeProgress) => void;
  /** Epoch ms the plan starts at. Default: now + 200 ms. */
  readonly startAtMs?: number;
  /**
   * Sends through several agents instead of in-process: `runAgent` is called once per
   * agent, in parallel, with a shared start barrier, and returns that agent's measurements.
   */
  readonly fanOut?: {
    readonly agentCount: number;
    readonly startDelayMs?: number;
    runAgent(assignment: AgentAssignment): Promise<IngressPart>;
  };
  /** Stops offering new arrivals when aborted. */
  readonly signal?: AbortSignal;
  /**
   * The ingress's edge API key, sent in `x-api-key`: a value, or the secret the stack keeps
   * the current key in (read before any traffic and again after a 403, so a key rotated
   * during the run costs a counted retry, not a message), or a key already open. Agents of a
   * fan-out read their own. Default: no key sent.
   */
  readonly edgeKey?: EdgeKeySource | EdgeKey;
  /**
   * The retry settings of the pipeline the spike targets (maxReceiveCount, the worker's
   * backoff, its timeout and batching window, the queue's visibility timeout): the
   * reconciliation deadline is `max(profile.reconcile.deadlineSeconds, derived)`, see
   * {@link deriveReconcileDeadline}. Default: none (the profile's deadline).
   */
  readonly pipelineRetry?: PipelineRetrySettings;
  /**
   * Epoch ms at which reconciliation stops before its deadline (a Lambda invocation about to
   * end): when reached with messages still unresolved, the report comes back with `pending`, a
   * continuation {@link resumeSpike} takes up. Default: none (reconcile until the deadline).
   */
  readonly reconcileStopAtMs?: number;
  /**
   * How latency is judged: "aws" (the profile's p99 bounds) or "local" (the emulator on this
   * machine: those bounds are shown, not judged; acks later than Genesys' 10 s timeout are).
   * @default "aws"
   */
  readonly latencyJudgement?: LatencyJudgement;
}

/** The settings {@link resumeSpike} needs besides the continuation: where the receipts and queues are. */
export type ResumeOptions = Pick<
  SpikeOptions,
  | "receipts"
  | "dlqUrl"
  | "quarantineQueueUrl"
  | "queueUrl"
  | "workerMaxReceiveCount"
  | "sqsEndpoint"
  | "sqs"
  | "onProgress"
  | "reconcileStopAtMs"
>;

/** The machine that ran the generator: cores and load average (1, 5, 15 min) at the start and the end. */
export interface MachineLoad {
  readonly cores: number;
  readonly loadAverageStart: number[];
  readonly loadAverageEnd: number[];
}

/**
 * Everything needed to resume a reconciliation another invocation started: JSON-serializable
 * (store it, pass it to {@link resumeSpike}). The receipts and queues are read again on
 * resumption; nothing else is kept.
 */
export interface SpikeContinuation {
  readonly version: 1;
  readonly runId: string;
  readonly targetUrl: string;
  readonly profile: SpikeProfile;
  readonly agents: number;
  /** The merged ingress measurements (histograms merged and encoded). */
  readonly ingress: Omit<IngressPart, "agentIndex" | "agentCount">;
  readonly deadline: DeadlineDerivation;
  /** Epoch ms after which reconciliation ends (last send + the deadline). */
  readonly deadlineMs: number;
  readonly pipelineRetry?: PipelineRetrySettings;
  readonly latencyJudgement: LatencyJudgement;
  /** Epoch ms the reconciliation began (first invocation). */
  readonly reconcileBeganMs: number;
  /** Invocations that have reconciled so far, this one included. */
  readonly invocations: number;
  readonly machine: { readonly cores: number; readonly loadAverageStart: number[] };
  /** Accounted for and accepted when this invocation stopped. */
  readonly progress: { readonly accounted: number; readonly accepted: number; readonly inFlight: number };
}

export type SpikeProgress =
  | ({ readonly stage: "sending" } & IngressProgress)
  | { readonly stage: "reconciling"; readonly accounted: number; readonly accepted: number; readonly elapsedSeconds: number };

export interface PhaseSpan {
  readonly name: string;
  readonly type: string;
  readonly startSeconds: number;
  readonly durationSeconds: number;
  readonly fromRatePerSecond: number;
  readonly toRatePerSecond: number;
}

/** The whole result of a run: JSON-serializable; {@link renderSummary} and {@link renderHtmlReport} read it. */
export interface SpikeReport {
  readonly version: 1;
  readonly runId: string;
  readonly name: string;
  readonly targetUrl: string;
  /** ISO time of the plan's start. */
  readonly startedAt: string;
  readonly startMs: number;
  readonly sendEndMs: number;
  readonly finishedMs: number;
  /** Senders: 1, or the number of agents of a fan-out. */
  readonly agents: number;
  readonly profile: SpikeProfile;
  readonly phases: PhaseSpan[];
  /** Arrivals the plan holds. */
  readonly planned: number;
  /**
   * A multi-scenario run: each scenario's planned, accepted, processed and lost messages (the
   * run's other figures add all scenarios together). Absent for a single-scenario profile.
   */
  readonly scenarios?: ScenarioReport[];
  readonly counts: IngressCounts;
  /** Averages over the planned traffic duration, per second. */
  readonly rates: {
    readonly durationSeconds: number;
    readonly offeredPerSecond: number;
    readonly attemptedPerSecond: number;
    readonly acceptedPerSecond: number;
    /** Processed per second when reconciled, else accepted per second. */
    readonly goodputPerSecond: number;
    readonly goodputBasis: "processed" | "accepted";
  };
  readonly latency: {
    /** Planned send time -> 2xx at the ingress (coordinated-omission corrected). */
    readonly ack: LatencySummary;
    /** Actual send -> response, every attempt. */
    readonly service: LatencySummary;
    /** Planned send time -> processed by the worker (reconciled runs only). */
    readonly endToEnd?: LatencySummary;
  };
  /** Encoded HDR histograms, microseconds (merge them, never average percentiles). */
  readonly histograms: { readonly ackUs: string; readonly serviceUs: string; readonly endToEndUs?: string };
  /** Per-second series from the plan's start; all the same length. */
  readonly timeline: {
    readonly offered: number[];
    readonly attempted: number[];
    readonly accepted: number[];
    readonly throttled: number[];
    readonly dropped: number[];
    readonly failed: number[];
    /** Processed per second (reconciled runs only). */
    readonly delivered?: number[];
  };
  readonly delivery: Omit<DeliveryResult, "endToEndUs" | "deliveredTimeline"> | { readonly reconciled: false; readonly reason: string };
  /** The ingress queue's redrive policy as read at the end of the run (when `queueUrl` was given). */
  readonly redrivePolicy?: RedriveInspection;
  readonly failureSamples: string[];
  /** How the reconciliation deadline was chosen (absent from older reports). */
  readonly reconcileDeadline?: DeadlineDerivation;
  /** How latency was judged (absent from older reports: "aws"). */
  readonly latencyJudgement?: LatencyJudgement;
  /** The generator's machine: cores and load average at the start and the end (absent from older reports). */
  readonly machine?: MachineLoad;
  /**
   * Set when reconciliation stopped at `reconcileStopAtMs` with messages unresolved: the
   * report is not a result (its verdict is FAIL, "not finished"); pass this to
   * {@link resumeSpike}, which continues and returns the final report (or another `pending`).
   */
  readonly pending?: SpikeContinuation;
  /**
   * Set when an `abortOnFail` threshold stopped the sending mid-way: when, which threshold,
   * its value then. The verdict is FAIL with it; what was sent is still reconciled.
   */
  readonly aborted?: SpikeAbort;
  /**
   * What the pipeline did with the spike, on the same time axis (queue depth, worker
   * concurrency, downstream calls and 429s, dead letters): recorded by the local emulator, or
   * read from CloudWatch by the generator on AWS after the run. Absent when not observed.
   */
  readonly backpressure?: BackpressureBlock;
  readonly verdict: VerdictResult;
}

function toProfile(input: SpikeOptions["profile"]): SpikeProfile {
  return parseProfile(input);
}

/** Phase spans for charts. */
export function phaseSpans(profile: SpikeProfile): PhaseSpan[] {
  let start = 0;
  return expandPhases(profile).map((ph, i) => {
    const span: PhaseSpan = {
      name: ph.name ?? `${ph.type} ${i + 1}`,
      type: ph.type,
      startSeconds: start,
      durationSeconds: ph.durationSeconds,
      fromRatePerSecond: ph.type === "constant" ? ph.ratePerSecond : ph.type === "ramp" ? ph.fromRatePerSecond : 0,
      toRatePerSecond: ph.type === "constant" ? ph.ratePerSecond : ph.type === "ramp" ? ph.toRatePerSecond : 0,
    };
    start += ph.durationSeconds;
    return span;
  });
}

/** Sends a spike, reconciles it (when a receipts table is given) and judges it. */
export async function runSpike(options: SpikeOptions): Promise<SpikeReport> {
  const loadAverageStart = loadavg();
  const profile = toProfile(options.profile);
  const targeted = targetedScenario(profile);
  if (targeted)
    throw new ProfileError([
      `scenarios: scenario "${targeted.name}" is for target "${targeted.target}", but runSpike sends to one target: run the profile with runSpikeAcrossTargets (CLI: \`spike --targets <file>\`), or remove the scenarios' \`target\``,
    ]);
  // a bad setting fails here, before any traffic
  deriveReconcileDeadline(profile, options.pipelineRetry);
  if (!options.secret) throw new TypeError("runSpike: the signing secret is empty");
  new URL(options.targetUrl); // throws on a malformed URL before any traffic
  const runId = options.runId ?? newRunId();
  if (options.runId !== undefined && options.receipts && (await runIdUsed(options.receipts, runId))) {
    throw new Error(
      `run id "${runId}" already has receipts in ${options.receipts.tableName} (an earlier run): give a new run id, or none for a generated one`,
    );
  }
  return sendAndFinishSpike(options, profile, runId, loadAverageStart);
}

/**
 * The part of {@link runSpike} after its checks: sends (in-process or through the fan-out),
 * reconciles and judges. A run across targets calls it directly after checking every target
 * itself, so that nothing reads AWS between the shared start being fixed and the sending.
 */
export async function sendAndFinishSpike(
  options: SpikeOptions,
  profile: SpikeProfile,
  runId: string,
  loadAverageStart: number[] = loadavg(),
): Promise<SpikeReport> {
  const plan = planArrivals(profile);
  const onProgress = options.onProgress;

  let parts: IngressPart[];
  if (options.fanOut && options.fanOut.agentCount > 1) {
    const { agentCount } = options.fanOut;
    const startAtMs = options.startAtMs ?? Date.now() + (options.fanOut.startDelayMs ?? 5000);
    parts = await Promise.all(
      Array.from({ length: agentCount }, (_, agentIndex) =>
        options.fanOut!.runAgent({ runId, profile, agentIndex, agentCount, startAtMs }),
      ),
    );
  } else {
    // read before any traffic: a missing or unreadable key fails the run here
    const edgeKey = options.edgeKey ? await openEdgeKey(options.edgeKey) : undefined;
    parts = [
      await runIngress({
        targetUrl: options.targetUrl,
        secret: options.secret,
        edgeKey,
        profile,
        runId,
        startAtMs: options.startAtMs,
        integrationId: options.integrationId,
        signal: options.signal,
        onProgress: onProgress ? (p) => onProgress({ stage: "sending", ...p }) : undefined,
        abortWhen: abortWatcher(profile.slo.thresholds, { latency: options.latencyJudgement }),
      }),
    ];
  }
  return finishSpike({ ...options, profile, runId, plan, parts, onProgress, loadAverageStart });
}

/** Merges ingress parts, reconciles and judges (the controller's second half). */
export async function finishSpike(
  args: ResumeOptions & {
    profile: SpikeProfile;
    runId: string;
    plan?: Float64Array;
    parts: IngressPart[];
    targetUrl: string;
    pipelineRetry?: PipelineRetrySettings;
    latencyJudgement?: LatencyJudgement;
    /** os.loadavg() before the traffic. Default: now. */
    loadAverageStart?: number[];
  },
): Promise<SpikeReport> {
  const { profile, runId } = args;
  const merged = mergeIngressParts(args.parts);
  const deadline = deriveReconcileDeadline(profile, args.pipelineRetry);
  const { agentIndex: _i, agentCount: _c, histograms, ...rest } = merged;
  const continuation: SpikeContinuation = {
    version: 1,
    runId,
    targetUrl: args.targetUrl,
    profile,
    agents: args.parts.length,
    ingress: {
      ...rest,
      histograms: {
        ackUs: encodeHistogram(mergeEncodedHistograms(histograms.ackUs)),
        serviceUs: encodeHistogram(mergeEncodedHistograms(histograms.serviceUs)),
      },
    },
    deadline,
    deadlineMs: merged.endMs + deadline.deadlineSeconds * 1000,
    ...(args.pipelineRetry ? { pipelineRetry: args.pipelineRetry } : {}),
    latencyJudgement: args.latencyJudgement ?? "aws",
    reconcileBeganMs: Date.now(),
    invocations: 1,
    machine: { cores: availableParallelism(), loadAverageStart: args.loadAverageStart ?? loadavg() },
    progress: { accounted: 0, accepted: merged.counts.accepted, inFlight: 0 },
  };
  return reconcileAndReport(continuation, args, args.plan);
}

/**
 * Continues a reconciliation that stopped with `pending` (another invocation, another process):
 * reads the receipts and queues again until everything is accounted for, the deadline passes,
 * or `options.reconcileStopAtMs` comes (then the report has `pending` again), and judges.
 */
export async function resumeSpike(continuation: SpikeContinuation, options: ResumeOptions = {}): Promise<SpikeReport> {
  if (continuation?.version !== 1 || typeof continuation.runId !== "string" || !continuation.ingress || !continuation.deadline) {
    throw new TypeError("resumeSpike: not a spike continuation (give the `pending` field of a report, as stored)");
  }
  if (!options.receipts)
    throw new TypeError(
      `resumeSpike: run ${continuation.runId} is reconciled against receipts; give options.receipts (the table it started with)`,
    );
  return reconcileAndReport(
    { ...continuation, profile: parseProfile(continuation.profile), invocations: continuation.invocations + 1 },
    options,
  );
}

/** The SQS client settings of a reconciliation: `sqs`, or the endpoint and the receipts table's region and credentials. */
function sqsClientOptions(args: ResumeOptions): AwsClientOptions {
  return (
    args.sqs ?? {
      ...(args.sqsEndpoint ? { endpoint: args.sqsEndpoint } : {}),
      ...(args.receipts?.region ? { region: args.receipts.region } : {}),
      ...(args.receipts?.credentials ? { credentials: args.receipts.credentials } : {}),
    }
  );
}

/**
 * Reads the receipts and queues until the run is reconciled (`delivery`), or stops at
 * `reconcileStopAtMs` with messages unresolved (`pending`, the continuation to resume).
 * Neither without a receipts table.
 */
async function reconcileDelivery(
  c: SpikeContinuation,
  args: ResumeOptions,
  plan: Float64Array,
  sqs: AwsClientOptions,
): Promise<{ delivery?: DeliveryResult; pending?: SpikeContinuation }> {
  if (!args.receipts) return {};
  const { profile, runId, ingress: merged } = c;
  const began = c.reconcileBeganMs;
  const result = await reconcileUntil({
    runId,
    startMs: merged.startMs,
    profile,
    plan,
    notAccepted: merged.notAccepted,
    receipts: args.receipts,
    dlqUrl: args.dlqUrl,
    quarantineQueueUrl: args.quarantineQueueUrl,
    sqs,
    deadlineMs: c.deadlineMs,
    stopAtMs: args.reconcileStopAtMs,
    waitingSinceMs: began,
    pollIntervalMs: profile.reconcile.pollIntervalSeconds * 1000,
    onProgress: args.onProgress
      ? (accounted, accepted) =>
          args.onProgress!({ stage: "reconciling", accounted, accepted, elapsedSeconds: (Date.now() - began) / 1000 })
      : undefined,
  });
  if (result.reconciled) return { delivery: result };
  return { pending: { ...c, progress: { accounted: result.accounted, accepted: result.accepted, inFlight: result.inFlight } } };
}

/** Averages per second over the planned traffic duration; goodput is processed when reconciled, else accepted. */
function perSecondRates(counts: IngressCounts, delivery: DeliveryResult | undefined, durationSeconds: number) {
  const per = (n: number) => Math.round((n / durationSeconds) * 100) / 100;
  return {
    offeredPerSecond: per(counts.offered),
    attemptedPerSecond: per(counts.attempts),
    acceptedPerSecond: per(counts.accepted),
    goodputPerSecond: per(delivery ? delivery.processed : counts.accepted),
  };
}

/** The measured figures of a run, as the report and the verdict both read them. */
interface RunFigures {
  readonly c: SpikeContinuation;
  readonly plan: Float64Array;
  readonly delivery: DeliveryResult | undefined;
  readonly pending: SpikeContinuation | undefined;
  readonly redrive: RedriveInspection | undefined;
  readonly ack: LatencySummary;
  readonly service: LatencySummary;
  readonly endToEnd: LatencySummary | undefined;
  readonly durationSeconds: number;
}

/** Judges the run against the profile's SLO; a run stopped with `pending` is FAIL, "not finished". */
function judgeRun(f: RunFigures): VerdictResult {
  const { c, delivery, pending, endToEnd } = f;
  const merged = c.ingress;
  const judged = judge(
    {
      offered: merged.counts.offered,
      accepted: merged.counts.accepted,
      dropped: merged.counts.dropped,
      ackP99Ms: f.ack.p99Ms,
      acksAfterGenesysTimeout: merged.counts.acksAfterGenesysTimeout,
      delivery: delivery && {
        lost: delivery.lost,
        inFlight: delivery.inFlight ?? 0,
        inFlightDescriptions: (delivery.inFlightSamples ?? []).map(describeInFlight),
        deadLetteredUnexpected: delivery.deadLetteredUnexpected,
        duplicateSideEffects: delivery.duplicateSideEffects,
        duplicateDeliveries: delivery.duplicateDeliveries,
        endToEndP99Ms: endToEnd!.p99Ms,
        faultViolations: delivery.faultChecks.violations,
      },
      redrive: f.redrive,
      metrics: {
        counts: merged.counts,
        ack: f.ack,
        service: f.service,
        ...(endToEnd ? { endToEnd } : {}),
        rates: perSecondRates(merged.counts, delivery, f.durationSeconds),
        ...(delivery
          ? {
              delivery: {
                processed: delivery.processed,
                lost: delivery.lost,
                inFlight: delivery.inFlight ?? 0,
                duplicateSideEffects: delivery.duplicateSideEffects,
                duplicateDeliveries: delivery.duplicateDeliveries,
                deadLetteredExpected: delivery.deadLetteredExpected,
                deadLetteredUnexpected: delivery.deadLetteredUnexpected,
                faultViolations: delivery.faultChecks.violations,
              },
            }
          : {}),
      },
      ...(merged.aborted ? { aborted: merged.aborted } : {}),
    },
    c.profile.slo,
    { latency: c.latencyJudgement },
  );
  if (!pending) return judged;
  return {
    verdict: "FAIL",
    reasons: [
      `not finished: reconciliation stopped at the invocation's end with ${pending.progress.accepted - pending.progress.accounted} of ${pending.progress.accepted} accepted message(s) unresolved (${pending.progress.inFlight} being retried); resume it from \`pending\` (deadline ${new Date(c.deadlineMs).toISOString()})`,
    ],
    checks: judged.checks,
  };
}

/** Reconciles (until the deadline or the stop time) and builds the report. */
async function reconcileAndReport(c: SpikeContinuation, args: ResumeOptions, knownPlan?: Float64Array): Promise<SpikeReport> {
  const plan = knownPlan ?? planArrivals(c.profile);
  const sqs = sqsClientOptions(args);
  const { delivery, pending } = await reconcileDelivery(c, args, plan, sqs);
  const redrive =
    args.queueUrl && !pending
      ? await inspectRedrivePolicy({ queueUrl: args.queueUrl, dlqUrl: args.dlqUrl, workerMaxReceiveCount: args.workerMaxReceiveCount, sqs })
      : undefined;
  const figures: RunFigures = {
    c,
    plan,
    delivery,
    pending,
    redrive,
    ack: summarize(decodeHistogram(c.ingress.histograms.ackUs)),
    service: summarize(decodeHistogram(c.ingress.histograms.serviceUs)),
    endToEnd: delivery ? summarize(decodeHistogram(delivery.endToEndUs)) : undefined,
    durationSeconds: profileDurationSeconds(c.profile),
  };
  return buildReport(figures, judgeRun(figures));
}

/** The report of a judged run: every series padded to the same length, the delivery block or why there is none. */
function buildReport(f: RunFigures, verdict: VerdictResult): SpikeReport {
  const { c, delivery, pending, redrive, endToEnd, durationSeconds } = f;
  const { profile, runId, ingress: merged } = c;
  const series = [...Object.values(merged.timeline), ...(delivery ? [delivery.deliveredTimeline] : [])];
  const length = Math.max(Math.ceil(durationSeconds), ...series.map((s) => s.length));
  const pad = (s: readonly number[]) => Array.from({ length }, (_, i) => s[i] ?? 0);
  const { endToEndUs, deliveredTimeline, ...deliveryRest } = delivery ?? ({} as DeliveryResult);
  return {
    version: 1,
    runId,
    name: profile.name,
    targetUrl: c.targetUrl,
    startedAt: new Date(merged.startMs).toISOString(),
    startMs: merged.startMs,
    sendEndMs: merged.endMs,
    finishedMs: Date.now(),
    agents: c.agents,
    profile,
    phases: phaseSpans(profile),
    planned: f.plan.length,
    ...(profile.scenarios
      ? {
          scenarios: scenarioReports(
            profile.scenarios,
            scenarioPlanOf(profile)!,
            merged.notAccepted,
            delivery?.byScenario && { processedByScenario: delivery.byScenario.processed, lostByScenario: delivery.byScenario.lost },
            merged.scenarioAckUs,
          ),
        }
      : {}),
    counts: merged.counts,
    rates: {
      durationSeconds,
      ...perSecondRates(merged.counts, delivery, durationSeconds),
      goodputBasis: delivery ? "processed" : "accepted",
    },
    latency: { ack: f.ack, service: f.service, ...(endToEnd ? { endToEnd } : {}) },
    histograms: { ackUs: merged.histograms.ackUs, serviceUs: merged.histograms.serviceUs, ...(endToEndUs ? { endToEndUs } : {}) },
    timeline: {
      offered: pad(merged.timeline.offered),
      attempted: pad(merged.timeline.attempted),
      accepted: pad(merged.timeline.accepted),
      throttled: pad(merged.timeline.throttled),
      dropped: pad(merged.timeline.dropped),
      failed: pad(merged.timeline.failed),
      ...(delivery ? { delivered: pad(deliveredTimeline) } : {}),
    },
    delivery: delivery
      ? deliveryRest
      : {
          reconciled: false,
          reason: pending
            ? `reconciliation continues in another invocation (${pending.progress.accounted} of ${pending.progress.accepted} accounted for so far)`
            : "no receipts table given: delivery was not reconciled (ingress side only)",
        },
    ...(redrive ? { redrivePolicy: redrive } : {}),
    failureSamples: merged.failureSamples,
    reconcileDeadline: c.deadline,
    latencyJudgement: c.latencyJudgement,
    machine: { cores: c.machine.cores, loadAverageStart: c.machine.loadAverageStart, loadAverageEnd: loadavg() },
    ...(pending ? { pending } : {}),
    ...(merged.aborted ? { aborted: merged.aborted } : {}),
    verdict,
  };
}

/** "seq 12: attempt 8 of 10" (the receive that failed and was put back). */
export function describeInFlight(m: { readonly seq: number; readonly attempt: number; readonly maxAttempts?: number }): string {
  return `seq ${m.seq}: in flight, attempt ${m.attempt}${m.maxAttempts !== undefined ? ` of ${m.maxAttempts}` : ""}`;
}
