/**
 * `runSpike`: send the profile (alone or through a fan-out of agents), reconcile against
 * the receipts, judge, and return one {@link SpikeReport}.
 */
import { mergeEncodedHistograms, summarize, decodeHistogram, encodeHistogram, type LatencySummary } from "./histogram";
import { mergeIngressParts, runIngress, type IngressCounts, type IngressPart, type IngressProgress } from "./engine";
import { newRunId } from "./message";
import { openEdgeKey, type EdgeKeySource } from "./edge-key-source";
import type { EdgeKey } from "../edge-key";
import { expandPhases, parseProfile, planArrivals, profileDurationSeconds, type SpikeProfile, type SpikeProfileInput } from "./profile";
import { inspectRedrivePolicy, reconcile, runIdUsed, type AwsClientOptions, type DeliveryResult, type ReceiptsSource, type RedriveInspection } from "./reconcile";
import { judge, type VerdictResult } from "./verdict";

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
  readonly fanOut?: { readonly agentCount: number; readonly startDelayMs?: number; runAgent(assignment: AgentAssignment): Promise<IngressPart> };
  /** Stops offering new arrivals when aborted. */
  readonly signal?: AbortSignal;
  /**
   * The ingress's edge API key, sent in `x-api-key`: a value, or the secret the stack keeps
   * the current key in (read before any traffic and again after a 403, so a key rotated
   * during the run costs a counted retry, not a message), or a key already open. Agents of a
   * fan-out read their own. Default: no key sent.
   */
  readonly edgeKey?: EdgeKeySource | EdgeKey;
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
  const profile = toProfile(options.profile);
  if (!options.secret) throw new TypeError("runSpike: the signing secret is empty");
  new URL(options.targetUrl); // throws on a malformed URL before any traffic
  const runId = options.runId ?? newRunId();
  if (options.runId !== undefined && options.receipts && (await runIdUsed(options.receipts, runId))) {
    throw new Error(`run id "${runId}" already has receipts in ${options.receipts.tableName} (an earlier run): give a new run id, or none for a generated one`);
  }
  const plan = planArrivals(profile);
  const onProgress = options.onProgress;

  let parts: IngressPart[];
  if (options.fanOut && options.fanOut.agentCount > 1) {
    const { agentCount } = options.fanOut;
    const startAtMs = options.startAtMs ?? Date.now() + (options.fanOut.startDelayMs ?? 5000);
    parts = await Promise.all(
      Array.from({ length: agentCount }, (_, agentIndex) => options.fanOut!.runAgent({ runId, profile, agentIndex, agentCount, startAtMs })),
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
      }),
    ];
  }
  return finishSpike({ ...options, profile, runId, plan, parts, onProgress });
}

/** Merges ingress parts, reconciles and judges (the controller's second half). */
export async function finishSpike(args: {
  profile: SpikeProfile;
  runId: string;
  plan?: Float64Array;
  parts: IngressPart[];
  targetUrl: string;
  receipts?: ReceiptsSource;
  dlqUrl?: string;
  quarantineQueueUrl?: string;
  queueUrl?: string;
  workerMaxReceiveCount?: number;
  sqsEndpoint?: string;
  sqs?: AwsClientOptions;
  onProgress?: (progress: SpikeProgress) => void;
}): Promise<SpikeReport> {
  const { profile, runId } = args;
  const plan = args.plan ?? planArrivals(profile);
  const merged = mergeIngressParts(args.parts);
  const ack = mergeEncodedHistograms(merged.histograms.ackUs);
  const service = mergeEncodedHistograms(merged.histograms.serviceUs);
  const ackSummary = summarize(ack);

  const sqsOptions: AwsClientOptions = args.sqs ?? {
    ...(args.sqsEndpoint ? { endpoint: args.sqsEndpoint } : {}),
    ...(args.receipts?.region ? { region: args.receipts.region } : {}),
    ...(args.receipts?.credentials ? { credentials: args.receipts.credentials } : {}),
  };
  let delivery: DeliveryResult | undefined;
  if (args.receipts) {
    const began = Date.now();
    delivery = await reconcile({
      runId,
      startMs: merged.startMs,
      profile,
      plan,
      notAccepted: merged.notAccepted,
      receipts: args.receipts,
      dlqUrl: args.dlqUrl,
      quarantineQueueUrl: args.quarantineQueueUrl,
      sqs: sqsOptions,
      deadlineMs: merged.endMs + profile.reconcile.deadlineSeconds * 1000,
      pollIntervalMs: profile.reconcile.pollIntervalSeconds * 1000,
      onProgress: args.onProgress
        ? (accounted, accepted) => args.onProgress!({ stage: "reconciling", accounted, accepted, elapsedSeconds: (Date.now() - began) / 1000 })
        : undefined,
    });
  }
  const redrive = args.queueUrl
    ? await inspectRedrivePolicy({ queueUrl: args.queueUrl, dlqUrl: args.dlqUrl, workerMaxReceiveCount: args.workerMaxReceiveCount, sqs: sqsOptions })
    : undefined;
  const endToEnd = delivery ? summarize(decodeHistogram(delivery.endToEndUs)) : undefined;
  const verdict = judge(
    {
      offered: merged.counts.offered,
      accepted: merged.counts.accepted,
      ackP99Ms: ackSummary.p99Ms,
      delivery: delivery && {
        lost: delivery.lost,
        deadLetteredUnexpected: delivery.deadLetteredUnexpected,
        duplicateSideEffects: delivery.duplicateSideEffects,
        duplicateDeliveries: delivery.duplicateDeliveries,
        endToEndP99Ms: endToEnd!.p99Ms,
        faultViolations: delivery.faultChecks.violations,
      },
      redrive,
    },
    profile.slo,
  );

  const durationSeconds = profileDurationSeconds(profile);
  const series = [...Object.values(merged.timeline), ...(delivery ? [delivery.deliveredTimeline] : [])];
  const length = Math.max(Math.ceil(durationSeconds), ...series.map((s) => s.length));
  const pad = (s: readonly number[]) => Array.from({ length }, (_, i) => s[i] ?? 0);
  const per = (n: number) => Math.round((n / durationSeconds) * 100) / 100;
  const { endToEndUs, deliveredTimeline, ...deliveryRest } = delivery ?? ({} as DeliveryResult);
  return {
    version: 1,
    runId,
    name: profile.name,
    targetUrl: args.targetUrl,
    startedAt: new Date(merged.startMs).toISOString(),
    startMs: merged.startMs,
    sendEndMs: merged.endMs,
    finishedMs: Date.now(),
    agents: args.parts.length,
    profile,
    phases: phaseSpans(profile),
    planned: plan.length,
    counts: merged.counts,
    rates: {
      durationSeconds,
      offeredPerSecond: per(merged.counts.offered),
      attemptedPerSecond: per(merged.counts.attempts),
      acceptedPerSecond: per(merged.counts.accepted),
      goodputPerSecond: per(delivery ? delivery.processed : merged.counts.accepted),
      goodputBasis: delivery ? "processed" : "accepted",
    },
    latency: { ack: ackSummary, service: summarize(service), ...(endToEnd ? { endToEnd } : {}) },
    histograms: { ackUs: encodeHistogram(ack), serviceUs: encodeHistogram(service), ...(endToEndUs ? { endToEndUs } : {}) },
    timeline: {
      offered: pad(merged.timeline.offered),
      attempted: pad(merged.timeline.attempted),
      accepted: pad(merged.timeline.accepted),
      throttled: pad(merged.timeline.throttled),
      dropped: pad(merged.timeline.dropped),
      failed: pad(merged.timeline.failed),
      ...(delivery ? { delivered: pad(deliveredTimeline) } : {}),
    },
    delivery: delivery ? deliveryRest : { reconciled: false, reason: "no receipts table given: delivery was not reconciled (ingress side only)" },
    ...(redrive ? { redrivePolicy: redrive } : {}),
    failureSamples: merged.failureSamples,
    verdict,
  };
}
