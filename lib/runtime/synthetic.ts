/**
 * The synthetic-message marker: one reserved top-level key inside the signed body,
 * never a header, so a replayed real message cannot be re-marked to skip the handler.
 */
import { z } from "zod";

/** The reserved top-level key of a NormalizedMessage body that marks it synthetic. */
export const SYNTHETIC_KEY = "x-synthetic";

export const FAULT_KINDS = ["throttle", "transient", "poison"] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const faultSchema = z
  .object({
    /** throttle: answer as a 429 with Retry-After; transient: a retryable failure; poison: always fails. */
    kind: z.enum(FAULT_KINDS),
    /** throttle only: the Retry-After the simulated downstream answers, in seconds. Default 1. */
    retryAfterSeconds: z.number().int().min(0).max(43_200).optional(),
    /** throttle / transient: how many attempts fail before one succeeds. Default 1. Ignored for poison. */
    attempts: z.number().int().min(1).max(1000).optional(),
  })
  .strict();
export type Fault = z.infer<typeof faultSchema>;

export const syntheticMarkerSchema = z
  .object({
    /** The load-generator run this message belongs to. */
    runId: z.string().min(1).max(128),
    /** Sequence number within the run, from 0. */
    seq: z.number().int().min(0),
    /** When the generator planned to send it, epoch milliseconds. */
    plannedSendMs: z.number().nonnegative(),
    /** Simulated work per attempt, milliseconds. Default 0. */
    workMs: z.number().nonnegative().max(900_000).optional(),
    fault: faultSchema.optional(),
  })
  .strict();
export type SyntheticMarker = z.infer<typeof syntheticMarkerSchema>;

/** Thrown when a body carries the synthetic key but its value is not a valid marker. */
export class InvalidSyntheticMarkerError extends Error {
  override readonly name = "InvalidSyntheticMarkerError";
  constructor(readonly issues: string[]) {
    super(`invalid "${SYNTHETIC_KEY}" marker: ${issues.join("; ")}`);
  }
}

/** Returns the marker of a parsed body, undefined for a real message; throws on a malformed marker. */
export function readSyntheticMarker(body: unknown): SyntheticMarker | undefined {
  if (typeof body !== "object" || body === null || !(SYNTHETIC_KEY in body)) return undefined;
  const parsed = syntheticMarkerSchema.safeParse((body as Record<string, unknown>)[SYNTHETIC_KEY]);
  if (!parsed.success) {
    throw new InvalidSyntheticMarkerError(parsed.error.issues.map((i) => `${[SYNTHETIC_KEY, ...i.path].join(".")}: ${i.message}`));
  }
  return parsed.data;
}

/** What a fault marker asks of attempt number `attempt` (1-based). */
export type FaultAction =
  | { readonly action: "none" }
  | { readonly action: "throttle"; readonly retryAfterSeconds: number }
  | { readonly action: "transient" }
  | { readonly action: "poison" };

export function faultFor(marker: SyntheticMarker | undefined, attempt: number): FaultAction {
  const fault = marker?.fault;
  if (!fault) return { action: "none" };
  if (fault.kind === "poison") return { action: "poison" };
  if (attempt > (fault.attempts ?? 1)) return { action: "none" };
  if (fault.kind === "throttle") return { action: "throttle", retryAfterSeconds: fault.retryAfterSeconds ?? 1 };
  return { action: "transient" };
}
