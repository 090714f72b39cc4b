/**
 * Shared types of the plan converters: what a conversion returns, the notes that explain
 * it, the options every format accepts, and the error thrown when a plan cannot be read.
 */
import type { SpikeProfileInput } from "../profile";
import { LoadgenError } from "../errors";

/** The plan formats {@link convertPlan} reads. */
export const PLAN_FORMATS = {
  /** A JMeter test plan as JMeter 5.x saves it (`.jmx`, XML). */
  jmx: "jmx",
  /** The YAML form people post: `thread_groups: [{ num_threads, ramp_up, scheduler }]`. */
  jmeterYaml: "jmeter-yaml",
  /** A Taurus (bzt) configuration with `execution:` blocks. */
  taurus: "taurus",
} as const;
export type PlanFormat = (typeof PLAN_FORMATS)[keyof typeof PLAN_FORMATS];

/**
 * How much a note matters:
 * - `info`: how an element was converted;
 * - `assumption`: a number the plan does not give that the conversion had to choose (say which, and how to change it);
 * - `warning`: the converted profile differs from what the plan would do, or exceeds a profile limit;
 * - `not-converted`: an element of the plan that the profile cannot express, listed, never silently dropped.
 */
export type ConversionNoteLevel = "info" | "assumption" | "warning" | "not-converted";

/** One line of the conversion's explanation. */
export interface ConversionNote {
  readonly level: ConversionNoteLevel;
  /** Where in the plan, e.g. `Users (ThreadGroup) > Parse reply (JSR223Sampler)`; absent for the plan as a whole. */
  readonly element?: string;
  readonly message: string;
}

/** Options every converter accepts. */
export interface ConvertPlanOptions {
  /** The plan's file name; its extension picks the format (`.jmx`; `.yml`/`.yaml`/`.json` are told apart by their keys). @default none (format detected from the text) */
  readonly fileName?: string;
  /** Force a format instead of detecting it. @default detected */
  readonly format?: PlanFormat;
  /**
   * JMeter properties, as `-Jname=value` gives them: they override the defaults of
   * `${__P(name,default)}` and `${__property(name,,default)}`. @default {}
   */
  readonly properties?: Readonly<Record<string, string>>;
  /**
   * Expected response time of one request, milliseconds: R in the closed-to-open
   * conversion rate = threads / (think time + R). Must be > 0. @default 100
   */
  readonly responseTimeMs?: number;
  /**
   * Path of the HTTP POST sampler that stands for the Genesys webhook when the plan posts
   * to several paths; the others are listed as not converted. @default the first POST's path
   */
  readonly webhookPath?: string;
  /** The profile's `name`. @default the plan's name (Test Plan name, Taurus scenario, or "converted-plan") */
  readonly name?: string;
}

/** The default of {@link ConvertPlanOptions.responseTimeMs}, milliseconds. */
export const DEFAULT_RESPONSE_TIME_MS = 100;

/** What a conversion returns. */
export interface ConversionResult {
  /** The format that was read. */
  readonly format: PlanFormat;
  /** A profile `parseProfile` accepts (open-model phases; defaults left to the profile). */
  readonly profile: SpikeProfileInput;
  /** How the plan was converted, what was assumed, and what could not be converted. */
  readonly notes: ConversionNote[];
}

/** Thrown when a plan cannot be converted; the message names the element or option and the fix. */
export class PlanConversionError extends LoadgenError {
  override readonly name = "PlanConversionError";
  constructor(
    message: string,
    /** Where in the plan, when known. */
    readonly element?: string,
  ) {
    super(element ? `${element}: ${message}` : message);
  }
}
