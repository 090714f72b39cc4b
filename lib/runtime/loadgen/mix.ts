/**
 * The message mix of a spike profile: which kind of Open Messaging message each sequence
 * number is (outbound Text, Structured with quick replies or a card, Text with an attachment
 * in `content[]`, a typing Event, a Receipt) and how many bytes its body has. Every choice is
 * a pure function of (seed, seq), so a controller, its agents and a re-run with the same
 * seed build the same traffic.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { DEFAULT_MAX_INGRESS_BODY_BYTES } from "../ingress-body";

/** The kinds of synthetic message. */
export const MESSAGE_KINDS = ["text", "structured", "attachment", "typing", "receipt"] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/**
 * The largest synthetic body, bytes: the largest webhook body a default pipeline accepts
 * (lib/runtime/ingress-body.ts, {@link DEFAULT_MAX_INGRESS_BODY_BYTES}: 784,803).
 */
export const MAX_SYNTHETIC_BODY_BYTES = DEFAULT_MAX_INGRESS_BODY_BYTES;

const bodyBytes = z
  .number()
  .int()
  .min(1)
  .max(MAX_SYNTHETIC_BODY_BYTES, {
    message: `at most ${MAX_SYNTHETIC_BODY_BYTES} bytes: the largest webhook body a default pipeline accepts (a bigger one is refused with 413 at the ingress)`,
  });

export const sizeSchema = z
  .discriminatedUnion("distribution", [
    z.object({ distribution: z.literal("fixed"), /** Body size, bytes. */ bytes: bodyBytes }).strict(),
    z
      .object({
        distribution: z.literal("uniform"),
        /** Smallest body, bytes. */ min: bodyBytes,
        /** Largest body, bytes. */ max: bodyBytes,
      })
      .strict(),
    z
      .object({
        distribution: z.literal("lognormal"),
        /** Median body size, bytes. */
        median: bodyBytes,
        /** Standard deviation of ln(size). Default 1. */
        sigma: z.number().positive().max(5).default(1),
        /** Smallest body, bytes (the distribution is truncated, not clamped). Default 1. */
        min: bodyBytes.default(1),
        /** Largest body, bytes. Default 20000. */
        max: bodyBytes.default(20_000),
      })
      .strict(),
  ])
  .superRefine((s, ctx) => {
    if (s.distribution !== "fixed" && s.min > s.max)
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["min"], message: `min (${s.min}) is above max (${s.max})` });
    if (s.distribution === "lognormal" && (s.median < s.min || s.median > s.max)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["median"],
        message: `median (${s.median}) must lie between min (${s.min}) and max (${s.max})`,
      });
    }
  });
export type SizeDistribution = z.output<typeof sizeSchema>;

export const messagesSchema = z
  .object({
    /** Kinds and their relative weights. Default: outbound Text only. */
    mix: z
      .array(z.object({ kind: z.enum(MESSAGE_KINDS), /** Relative weight, > 0. */ weight: z.number().positive().max(1e9) }).strict())
      .min(1)
      .max(MESSAGE_KINDS.length)
      .default([{ kind: "text", weight: 1 }])
      .superRefine((mix, ctx) => {
        const seen = new Set<string>();
        mix.forEach((entry, i) => {
          if (seen.has(entry.kind))
            ctx.addIssue({
              code: z.ZodIssueCode.custom,
              path: [i, "kind"],
              message: `"${entry.kind}" is listed twice; give each kind once`,
            });
          seen.add(entry.kind);
        });
      }),
    /**
     * Body size of the kinds that carry text (text, structured, attachment), bytes, padded with
     * text; typing Events and Receipts keep their natural size. Default: the text of `textLength`
     * characters (today's size).
     */
    sizeBytes: sizeSchema.optional(),
  })
  .strict();
export type MessagesSpec = z.output<typeof messagesSchema>;

/** Step of the kind sequence: an irrational other than the fault sequence's golden ratio, so kinds and faults are not correlated. */
const SILVER = Math.SQRT2 - 1;

/** A uniform draw in [0, 1) that is a pure function of its text. */
export function unitHash(text: string): number {
  return createHash("sha256").update(text).digest().readUInt32BE(0) / 2 ** 32;
}

/** Picks kinds and sizes per sequence number. */
export class MessageMix {
  private readonly edges: number[];
  private readonly kinds: MessageKind[];
  private readonly offset: number;

  constructor(
    readonly spec: MessagesSpec,
    readonly seed: string,
  ) {
    const total = spec.mix.reduce((sum, e) => sum + e.weight, 0);
    let edge = 0;
    this.kinds = spec.mix.map((e) => e.kind);
    this.edges = spec.mix.map((e) => (edge += e.weight / total));
    this.offset = unitHash(`kind:${seed}`);
  }

  /**
   * The kind of one message: a low-discrepancy sequence from a seeded offset, so even a small
   * run gets the weights almost exactly.
   */
  kindOf(seq: number): MessageKind {
    const u = (this.offset + (seq + 0.5) * SILVER) % 1;
    for (let i = 0; i < this.edges.length; i++) if (u < this.edges[i]) return this.kinds[i];
    return this.kinds[this.kinds.length - 1];
  }

  /** The target body size of one message, bytes, or undefined for today's text length. */
  sizeOf(seq: number): number | undefined {
    const s = this.spec.sizeBytes;
    if (!s) return undefined;
    return drawSize(s, unitHash(`size:${this.seed}:${seq}`));
  }
}

/** A body size from the distribution at the uniform draw `u` in [0, 1) (inverse CDF, truncated to [min, max]). */
export function drawSize(s: SizeDistribution, u: number): number {
  if (s.distribution === "fixed") return s.bytes;
  if (s.distribution === "uniform") return Math.min(s.max, s.min + Math.floor(u * (s.max - s.min + 1)));
  const mu = Math.log(s.median);
  const lo = normalCdf((Math.log(s.min) - mu) / s.sigma);
  const hi = normalCdf((Math.log(s.max) - mu) / s.sigma);
  const p = Math.min(1 - 1e-12, Math.max(1e-12, lo + u * (hi - lo)));
  return Math.min(s.max, Math.max(s.min, Math.round(Math.exp(mu + s.sigma * normalQuantile(p)))));
}

/** Standard normal CDF (Abramowitz & Stegun 7.1.26 erf, |error| < 1.5e-7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** Standard normal quantile (P. J. Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  );
}

/**
 * The kind-specific fields of one Outbound Open NormalizedMessage, after `channel`. Shapes
 * follow Genesys' Open Messaging NormalizedMessage (/work/shared/reference/genesys.md: `type`
 * Text|Structured|Receipt|Event, `content[]`, `status`, `isFinalReceipt`); the inner
 * `content[]` and `events[]` entries (`contentType` QuickReply / Card / Attachment,
 * `eventType` Typing) follow Genesys' public Open Messaging format documentation, which could
 * not be checked from this machine: the worker's schema accepts any object there.
 */
export function kindFields(kind: MessageKind, seq: number, text: string): Record<string, unknown> {
  switch (kind) {
    case "text":
      return { type: "Text", text, direction: "Outbound", originatingEntity: "Bot", content: [] };
    case "structured":
      return seq % 2 === 0
        ? {
            type: "Structured",
            text,
            direction: "Outbound",
            originatingEntity: "Bot",
            content: [
              { contentType: "QuickReply", quickReply: { text: "Yes", payload: "yes", action: "Message" } },
              { contentType: "QuickReply", quickReply: { text: "No", payload: "no", action: "Message" } },
            ],
          }
        : {
            type: "Structured",
            text,
            direction: "Outbound",
            originatingEntity: "Bot",
            content: [
              {
                contentType: "Card",
                card: {
                  title: "Your order",
                  description: "Track or change it",
                  actions: [{ type: "Link", text: "Track", url: "https://loadgen.invalid/track" }],
                },
              },
            ],
          };
    case "attachment":
      return {
        type: "Text",
        text,
        direction: "Outbound",
        originatingEntity: "Human",
        content: [
          {
            contentType: "Attachment",
            attachment: {
              mediaType: "Image",
              url: `https://loadgen.invalid/media/${seq}.png`,
              mime: "image/png",
              filename: `receipt-${seq}.png`,
            },
          },
        ],
      };
    case "typing":
      return {
        type: "Event",
        direction: "Outbound",
        originatingEntity: "Human",
        events: [{ eventType: "Typing", typing: { type: "On", duration: 5000 } }],
      };
    case "receipt":
      return { type: "Receipt", direction: "Outbound", status: "Delivered", isFinalReceipt: true };
  }
}

/** True for the kinds whose body is padded to the drawn size (they carry text). */
export function carriesText(kind: MessageKind): boolean {
  return kind === "text" || kind === "structured" || kind === "attachment";
}
