/**
 * The spike profile: one zod schema for the open-model arrival plan, the synthetic
 * faults, the sending policy, the reconciliation deadline and the SLO thresholds.
 * Units live in the key names (`ratePerSecond`, `durationSeconds`, `workMs`).
 *
 * A profile is either a list of `phases` (constant or ramping arrival rate, pauses)
 * or the named `spike` shape (baseline, ramp, peak, plateau, drain), in JSON or YAML.
 */
import { z } from "zod";
import { parse as parseYaml } from "yaml";
import { thresholdProblems, type ThresholdSpec } from "./thresholds";
import { poissonInstants, seededRandom } from "./arrivals";
import { messagesSchema } from "./mix";
import { scenarioPlanOf, superposePhases } from "./scenarios";
import { LoadgenError } from "./errors";

const rate = z.number().min(0).max(100_000);

/**
 * How long Genesys waits for the webhook's answer before it retries, ms: "Genesys waits 10 s
 * for an answer and retries up to 5 times, 5 s apart, on a timeout, 429 or 5xx"
 * (/work/shared/reference/genesys.md, Open Messaging webhook, retry policy).
 */
export const GENESYS_WEBHOOK_TIMEOUT_MS = 10_000;

/** Default `slo.maxAcksOverGenesysTimeoutRatio`: at most 1 % of acks later than Genesys' 10 s timeout. */
export const DEFAULT_MAX_ACKS_OVER_GENESYS_TIMEOUT_RATIO = 0.01;
const seconds = z.number().positive().max(86_400);
const fraction = z.number().min(0).max(1);

/** Arrival spacing of a phase; absent means "uniform". */
const arrivalsSchema = z.enum(["uniform", "poisson"]).optional();

export const constantPhaseSchema = z
  .object({
    type: z.literal("constant"),
    /** A label shown in reports. */
    name: z.string().max(64).optional(),
    /** Arrivals per second. */
    ratePerSecond: rate,
    /** Phase length, seconds. */
    durationSeconds: seconds,
    /** How arrivals are spaced: "uniform" (evenly, the default) or "poisson" (a seeded Poisson process of this rate). */
    arrivals: arrivalsSchema,
  })
  .strict();

export const rampPhaseSchema = z
  .object({
    type: z.literal("ramp"),
    name: z.string().max(64).optional(),
    /** Arrival rate at the start of the phase, per second. */
    fromRatePerSecond: rate,
    /** Arrival rate at the end of the phase, per second (linear in between). */
    toRatePerSecond: rate,
    durationSeconds: seconds,
    /** How arrivals are spaced: "uniform" (evenly, the default) or "poisson" (a seeded Poisson process of this rate). */
    arrivals: arrivalsSchema,
  })
  .strict();

export const pausePhaseSchema = z
  .object({
    type: z.literal("pause"),
    name: z.string().max(64).optional(),
    durationSeconds: seconds,
  })
  .strict();

export const phaseSchema = z.discriminatedUnion("type", [constantPhaseSchema, rampPhaseSchema, pausePhaseSchema]);
export type Phase = z.infer<typeof phaseSchema>;

/**
 * The named spike: `baseline` rate for its duration, a linear `ramp` up to the `peak`
 * rate, the `plateau` at the peak, then `drain`: back down to the baseline rate over
 * `rampDownSeconds` and baseline traffic for `durationSeconds` while the queue drains.
 */
export const spikeShapeSchema = z
  .object({
    baseline: z.object({ ratePerSecond: rate, durationSeconds: seconds }).strict(),
    ramp: z.object({ durationSeconds: seconds }).strict(),
    peak: z.object({ ratePerSecond: rate }).strict(),
    plateau: z.object({ durationSeconds: seconds }).strict(),
    drain: z
      .object({
        /** Baseline traffic after the peak, seconds. */
        durationSeconds: seconds,
        /** Linear ramp from the peak back to the baseline before it, seconds. Default 0. */
        rampDownSeconds: z.number().min(0).max(86_400).default(0),
      })
      .strict(),
  })
  .strict();
export type SpikeShape = z.infer<typeof spikeShapeSchema>;

const faultsSchema = z
  .object({
    /** Share of messages whose simulated downstream answers 429 with Retry-After. Default 0. */
    throttle: z
      .object({
        fraction: fraction,
        /** Retry-After the simulated downstream answers, seconds. Default 2. */
        retryAfterSeconds: z.number().int().min(0).max(900).default(2),
        /** Throttled attempts before one succeeds. Default 1. */
        attempts: z.number().int().min(1).max(100).default(1),
      })
      .strict()
      .default({ fraction: 0 }),
    /** Share of messages that fail transiently (retried with backoff) before succeeding. Default 0. */
    transient: z
      .object({ fraction: fraction, attempts: z.number().int().min(1).max(100).default(1) })
      .strict()
      .default({ fraction: 0 }),
    /** Share of messages that always fail and must end in the quarantine queue. Default 0. */
    poison: z.object({ fraction: fraction }).strict().default({ fraction: 0 }),
  })
  .strict()
  .superRefine((f, ctx) => {
    const total = f.throttle.fraction + f.transient.fraction + f.poison.fraction;
    if (total > 1)
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `the fault fractions add up to ${Math.round(total * 1e6) / 1e6}, more than 1` });
  });

/** The charset of scenario and target names (a target's name in a profile, a targets file, `--primary-target`). */
export const NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
/** {@link NAME_PATTERN} in words, for errors. */
export const NAME_RULE = "1 to 64 letters, digits, `.`, `_` or `-`";

/** One scenario of a multi-scenario profile (see `scenarios`). */
export const scenarioSchema = z
  .object({
    /** Its name in reports (letters, digits, `.`, `_`, `-`). */
    name: z.string().regex(NAME_PATTERN, NAME_RULE),
    /**
     * The named target (webhook pipeline) it is sent to, in a run across several targets
     * (`runSpikeAcrossTargets`, `spike --targets`). Default: the run's primary target.
     */
    target: z.string().regex(NAME_PATTERN, `a target name: ${NAME_RULE}`).optional(),
    phases: z.array(phaseSchema).min(1).max(1000).optional(),
    spike: spikeShapeSchema.optional(),
    /** Its message mix. Default: the profile's `messages`. */
    messages: messagesSchema.optional(),
    /** Its conversations (addresses distinct from the other scenarios'). Default: the profile's `conversations`. */
    conversations: z.number().int().min(1).max(1_000_000).optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (!s.phases === !s.spike)
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["phases"], message: "give exactly one of `phases` or `spike` for this scenario" });
  });

/** The first scenario that names a target, for the one-pipeline senders' refusal (undefined when none does). */
export function targetedScenario(profile: Pick<SpikeProfile, "scenarios">): { name: string; target: string } | undefined {
  const s = profile.scenarios?.find((x) => x.target !== undefined);
  return s ? { name: s.name, target: s.target! } : undefined;
}

const retrySchema = z
  .object({
    /** Attempts per message including the first. Default 4. */
    maxAttempts: z.number().int().min(1).max(20).default(4),
    /** Base of the full-jitter exponential backoff, milliseconds. Default 200. */
    baseDelayMs: z.number().int().min(1).max(60_000).default(200),
    /** Cap of the jittered backoff, milliseconds. Default 10000. */
    maxDelayMs: z.number().int().min(1).max(900_000).default(10_000),
    /** Cap of a server's Retry-After, seconds; a longer one is cut to this. Default 30. */
    maxRetryAfterSeconds: z.number().min(0).max(900).default(30),
    /** Retry tokens for the whole run (AWS SDK retry-quota style). Default 500. */
    budgetTokens: z.number().int().min(0).max(10_000_000).default(500),
    /** Tokens a retry after a throttle or error response costs. Default 5. */
    retryCost: z.number().int().min(0).max(1000).default(5),
    /** Tokens a retry after a timeout or connection error costs. Default 10. */
    timeoutRetryCost: z.number().int().min(0).max(1000).default(10),
    /** Tokens a first-attempt success returns to the budget (never above the initial amount). Default 1. */
    successRefund: z.number().int().min(0).max(1000).default(1),
  })
  .strict();

const sendingSchema = z
  .object({
    /** Messages in flight (including those waiting to retry) before new arrivals are dropped. Default 512. */
    maxInFlight: z.number().int().min(1).max(100_000).default(512),
    /** Keep-alive connections to the target. Default 64. */
    connections: z.number().int().min(1).max(10_000).default(64),
    /** Per-attempt timeout, seconds (Genesys waits 10). Default 10. */
    requestTimeoutSeconds: z.number().positive().max(900).default(10),
    retry: retrySchema.default({}),
  })
  .strict();

const reconcileSchema = z
  .object({
    /** How long to wait, after the last send, for every accepted message to be accounted for, seconds. Default 300. */
    deadlineSeconds: z.number().min(0).max(3600).default(300),
    /** Pause between receipt polls, seconds. Default 2. */
    pollIntervalSeconds: z.number().min(0.05).max(60).default(2),
  })
  .strict();

/** One `slo.thresholds` entry: an expression, or an object with its options. */
const thresholdSpecSchema = z
  .union([
    z.string(),
    z
      .object({
        /** The expression, e.g. "rate(status.429) < 0.05". */
        expr: z.string(),
        /** Stop offering new arrivals as soon as it fails while sending (metrics observed while sending only). @default false */
        abortOnFail: z.boolean().optional(),
        /** Grace period before abortOnFail is evaluated, seconds from the plan's start. @default 0 */
        delayAbortEvalSeconds: z.number().min(0).max(86_400).optional(),
        /** Shown as WARN when it fails, never fails the verdict. @default false */
        warnOnly: z.boolean().optional(),
      })
      .strict(),
  ])
  .transform((t): ThresholdSpec => (typeof t === "string" ? { expr: t } : t))
  .superRefine((t, ctx) => {
    for (const message of thresholdProblems(t)) ctx.addIssue({ code: z.ZodIssueCode.custom, message });
  });

const sloSchema = z
  .object({
    /** Accepted messages neither processed nor dead-lettered by the deadline. Default 0. */
    maxLost: z.number().int().min(0).default(0),
    /** This run's messages found in the operational DLQ. Default 0. */
    maxUnexpectedDeadLetters: z.number().int().min(0).default(0),
    /** Messages whose side effect ran more than once. Default 0. */
    maxDuplicateSideEffects: z.number().int().min(0).default(0),
    /**
     * Duplicate deliveries (messages the worker completed more than once: delivered again
     * while or after being processed) / accepted messages, a ratio from 0 to 1. Idempotency
     * keeps their side effect single, but each one is work done twice; a high share means
     * the visibility timeout is shorter than the processing time. Default 0.01 (1 %).
     */
    maxDuplicateDeliveryRatio: fraction.default(0.01),
    /**
     * p99 of ingress acknowledgement latency from the planned send time, milliseconds: an
     * AWS-grade bound, judged on AWS, shown but not judged by the local emulator. Default 1000.
     */
    ackP99Ms: z.number().positive().default(1000),
    /**
     * Share of acknowledged messages answered more than Genesys' 10 s webhook timeout after
     * their planned send (Genesys would have retried them), a ratio from 0 to 1; judged on AWS
     * and locally. Default 0.01 (1 %).
     */
    maxAcksOverGenesysTimeoutRatio: fraction.default(DEFAULT_MAX_ACKS_OVER_GENESYS_TIMEOUT_RATIO),
    /** p99 of planned send to processed, milliseconds: judged on AWS, shown but not judged locally. Default 120000. */
    endToEndP99Ms: z.number().positive().default(120_000),
    /** Accepted / offered. Default 0.999. */
    minAcceptedRatio: fraction.default(0.999),
    /**
     * Threshold expressions over any reported metric, like k6's `thresholds` (see
     * ./thresholds.ts): `"ack.p99 < 800"`, or `{ expr, abortOnFail, delayAbortEvalSeconds, warnOnly }`.
     * Checked in addition to the fields above, each a check named by its expression.
     * @default none (absent: only the fields above are checked)
     */
    thresholds: z.array(thresholdSpecSchema).max(100).optional(),
  })
  .strict();

export const profileSchema = z
  .object({
    /** A name for the run in reports and metrics. Default "spike". */
    name: z.string().min(1).max(128).default("spike"),
    phases: z.array(phaseSchema).min(1).max(1000).optional(),
    spike: spikeShapeSchema.optional(),
    /** Distinct conversations (external addresses) the messages are spread over. Default 50. */
    conversations: z.number().int().min(1).max(1_000_000).default(50),
    /** Simulated work per attempt in the worker, milliseconds. Default 0. */
    workMs: z.number().min(0).max(900_000).default(0),
    /** Length of the message text, characters. Default 120. */
    textLength: z.number().int().min(1).max(100_000).default(120),
    /**
     * Seed of everything random in the traffic (Poisson arrivals, message kinds, sizes): the same
     * profile and seed plan the same traffic. Default: the profile's `name`.
     */
    seed: z.string().min(1).max(256).optional(),
    /** The message mix (kinds, weights, body sizes). Default: outbound Text of `textLength` characters. */
    messages: messagesSchema.optional(),
    /**
     * Several scenarios sent at once in one run (instead of `phases` or `spike`), each with its
     * own phases or spike shape and optionally its own `messages` and `conversations` (default:
     * the profile's); reported separately and together. At most 20, names unique.
     */
    scenarios: z
      .array(scenarioSchema)
      .min(1)
      .max(20)
      .superRefine((list, ctx) => {
        const seen = new Set<string>();
        list.forEach((s, i) => {
          if (seen.has(s.name))
            ctx.addIssue({
              code: z.ZodIssueCode.custom,
              path: [i, "name"],
              message: `scenario "${s.name}" is named twice; give each scenario its own name`,
            });
          seen.add(s.name);
        });
      })
      .optional(),
    faults: faultsSchema.default({}),
    sending: sendingSchema.default({}),
    reconcile: reconcileSchema.default({}),
    slo: sloSchema.default({}),
  })
  .strict()
  .superRefine((p, ctx) => {
    if ([p.phases, p.spike, p.scenarios].filter((x) => x !== undefined).length !== 1) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["phases"],
        message: "give exactly one of `phases` or `spike` (or `scenarios`, each with its own)",
      });
    }
  });

/** A validated profile with every default filled in. */
export type SpikeProfile = z.output<typeof profileSchema>;
/** A profile as written by a person (defaults optional). */
export type SpikeProfileInput = z.input<typeof profileSchema>;

/** Thrown for an invalid profile; every problem names its field. */
export class ProfileError extends LoadgenError {
  override readonly name = "ProfileError";
  constructor(readonly issues: string[]) {
    super(`invalid spike profile:\n  - ${issues.join("\n  - ")}`);
  }
}

/**
 * Validates a profile given as an object or as JSON / YAML text. `format` defaults to
 * "auto": text starting with `{` is JSON, anything else YAML (a superset of JSON).
 * Throws {@link ProfileError} naming every bad field.
 */
export function parseProfile(input: unknown, format: "json" | "yaml" | "auto" = "auto"): SpikeProfile {
  let value = input;
  if (typeof input === "string") {
    const text = input.trim();
    try {
      value = format === "json" || (format === "auto" && text.startsWith("{")) ? JSON.parse(text) : parseYaml(text);
    } catch (error) {
      throw new ProfileError([`not valid ${format === "json" ? "JSON" : "JSON or YAML"}: ${(error as Error).message}`]);
    }
  }
  const parsed = profileSchema.safeParse(value);
  if (!parsed.success) {
    throw new ProfileError(parsed.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(profile)"}: ${i.message}`));
  }
  if (countArrivals(parsed.data) === 0) throw new ProfileError(["(profile): the profile plans no arrivals"]);
  return parsed.data;
}

/** The phases a profile runs, with the `spike` shape expanded. */
export function expandPhases(profile: Pick<SpikeProfile, "phases" | "spike"> & { scenarios?: SpikeProfile["scenarios"] }): Phase[] {
  if (profile.phases) return profile.phases;
  // scenarios: their total rate, as phases
  if (profile.scenarios) return superposePhases(profile.scenarios);
  const s = profile.spike!;
  const b = s.baseline.ratePerSecond;
  const p = s.peak.ratePerSecond;
  const phases: Phase[] = [
    { type: "constant", name: "baseline", ratePerSecond: b, durationSeconds: s.baseline.durationSeconds },
    { type: "ramp", name: "ramp", fromRatePerSecond: b, toRatePerSecond: p, durationSeconds: s.ramp.durationSeconds },
    { type: "constant", name: "plateau", ratePerSecond: p, durationSeconds: s.plateau.durationSeconds },
  ];
  if (s.drain.rampDownSeconds > 0) {
    phases.push({ type: "ramp", name: "ramp-down", fromRatePerSecond: p, toRatePerSecond: b, durationSeconds: s.drain.rampDownSeconds });
  }
  phases.push({ type: "constant", name: "drain", ratePerSecond: b, durationSeconds: s.drain.durationSeconds });
  return phases;
}

/** Total planned length of the traffic, seconds. */
export function profileDurationSeconds(
  profile: Pick<SpikeProfile, "phases" | "spike"> & { scenarios?: SpikeProfile["scenarios"] },
): number {
  return expandPhases(profile).reduce((sum, phase) => sum + phase.durationSeconds, 0);
}

/** The highest arrival rate any phase reaches, per second. */
export function peakRatePerSecond(profile: Pick<SpikeProfile, "phases" | "spike"> & { scenarios?: SpikeProfile["scenarios"] }): number {
  return Math.max(
    0,
    ...expandPhases(profile).map((ph) =>
      ph.type === "constant" ? ph.ratePerSecond : ph.type === "ramp" ? Math.max(ph.fromRatePerSecond, ph.toRatePerSecond) : 0,
    ),
  );
}

/** Expected arrivals in one phase (the integral of its rate). */
function phaseCount(phase: Phase): number {
  if (phase.type === "constant") return phase.ratePerSecond * phase.durationSeconds;
  if (phase.type === "ramp") return ((phase.fromRatePerSecond + phase.toRatePerSecond) / 2) * phase.durationSeconds;
  return 0;
}

/** Number of arrivals the profile plans. */
export function countArrivals(
  profile: Pick<SpikeProfile, "phases" | "spike"> & { seed?: string; name?: string; scenarios?: SpikeProfile["scenarios"] },
): number {
  return planArrivals(profile).length;
}

/**
 * The planned send time of every arrival, milliseconds from the start of the run, in order.
 * Arrival k is planned at the instant the cumulative integral of the rate reaches k
 * (so a constant 20/s phase plans one arrival every 50 ms, starting at 0), deterministic,
 * so a controller and its agents agree on every sequence number's planned time.
 */
export function planArrivals(
  profile: Pick<SpikeProfile, "phases" | "spike"> & { seed?: string; name?: string; scenarios?: SpikeProfile["scenarios"] },
): Float64Array {
  const scenarioPlan = !profile.phases && !profile.spike ? scenarioPlanOf(profile) : undefined;
  if (scenarioPlan) return scenarioPlan.plan;
  const phases = expandPhases(profile);
  if (phases.some((ph) => ph.type !== "pause" && ph.arrivals === "poisson")) return planMixedArrivals(phases, trafficSeed(profile));
  const total = Math.floor(phases.reduce((sum, ph) => sum + phaseCount(ph), 0) + 1e-9);
  const out = new Float64Array(total);
  let k = 0;
  let startSeconds = 0;
  let cumulative = 0; // arrivals owed before this phase
  for (const phase of phases) {
    const count = phaseCount(phase);
    const end = cumulative + count;
    while (k < total && k < end - 1e-9) {
      const x = k - cumulative; // arrivals into this phase
      let tau: number;
      if (phase.type === "constant") tau = x / phase.ratePerSecond;
      else if (phase.type === "ramp") {
        const r0 = phase.fromRatePerSecond;
        const a = (phase.toRatePerSecond - r0) / (2 * phase.durationSeconds);
        // solve r0*t + a*t^2 = x in its numerically stable form
        tau = x === 0 ? 0 : (2 * x) / (r0 + Math.sqrt(Math.max(0, r0 * r0 + 4 * a * x)));
      } else break;
      out[k] = (startSeconds + Math.min(tau, phase.durationSeconds)) * 1000;
      k++;
    }
    cumulative = end;
    startSeconds += phase.durationSeconds;
  }
  return out.subarray(0, k);
}

/** The seed of a profile's random traffic: `seed`, else `name`, else "spike". */
export function trafficSeed(profile: { seed?: string; name?: string }): string {
  return profile.seed ?? profile.name ?? "spike";
}

/**
 * The plan of phases some of which are Poisson: a uniform phase plans its arrivals evenly from
 * its own start (as a lone uniform phase does), a Poisson phase draws them from a generator
 * seeded by (seed, phase index), so every phase is reproducible by itself.
 */
function planMixedArrivals(phases: readonly Phase[], seed: string): Float64Array {
  const out: number[] = [];
  let startSeconds = 0;
  phases.forEach((phase, index) => {
    if (phase.type !== "pause") {
      const from = phase.type === "constant" ? phase.ratePerSecond : phase.fromRatePerSecond;
      const to = phase.type === "constant" ? phase.ratePerSecond : phase.toRatePerSecond;
      if (phase.arrivals === "poisson") {
        for (const tau of poissonInstants(from, to, phase.durationSeconds, seededRandom(`arrivals:${seed}:${index}`)))
          out.push((startSeconds + tau) * 1000);
      } else {
        for (const tau of planArrivals({ phases: [{ ...phase, arrivals: undefined }] })) out.push(startSeconds * 1000 + tau);
      }
    }
    startSeconds += phase.durationSeconds;
  });
  return Float64Array.from(out);
}

/**
 * The default profile: about 60 s of traffic sized for a 2-core machine running the whole
 * stack under the local emulator (ingress, queues, tables, workers and this generator share
 * the cores): 10 msg/s baseline, a 10x spike to 100 msg/s held for 20 s, and small shares of
 * throttle, transient and poison faults. On AWS, raise the rates in your own profile.
 */
export const defaultSpikeProfile: SpikeProfileInput = {
  name: "default-spike",
  spike: {
    baseline: { ratePerSecond: 10, durationSeconds: 15 },
    ramp: { durationSeconds: 5 },
    peak: { ratePerSecond: 100 },
    plateau: { durationSeconds: 20 },
    drain: { durationSeconds: 25 },
  },
  conversations: 50,
  workMs: 5,
  faults: {
    throttle: { fraction: 0.01, retryAfterSeconds: 2 },
    transient: { fraction: 0.01 },
    poison: { fraction: 0.002 },
  },
  reconcile: { deadlineSeconds: 180, pollIntervalSeconds: 2 },
  slo: { ackP99Ms: 1000, endToEndP99Ms: 120_000, minAcceptedRatio: 0.999 },
};

/** A 10-second profile for quick end-to-end checks: 5 msg/s rising to 20 msg/s, a few faults. */
export const smokeSpikeProfile: SpikeProfileInput = {
  name: "smoke-spike",
  spike: {
    baseline: { ratePerSecond: 5, durationSeconds: 3 },
    ramp: { durationSeconds: 1 },
    peak: { ratePerSecond: 20 },
    plateau: { durationSeconds: 3 },
    drain: { durationSeconds: 3 },
  },
  conversations: 10,
  workMs: 1,
  faults: {
    throttle: { fraction: 0.03, retryAfterSeconds: 1 },
    transient: { fraction: 0.03 },
    poison: { fraction: 0.02 },
  },
  reconcile: { deadlineSeconds: 60, pollIntervalSeconds: 1 },
  slo: { ackP99Ms: 2000, endToEndP99Ms: 30_000, minAcceptedRatio: 0.99 },
};
