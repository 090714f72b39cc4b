/**
 * Genesys-shaped synthetic traffic: an Outbound Open NormalizedMessage per arrival,
 * stamped with the synthetic marker inside the signed body, and its X-Hub-Signature-256.
 * Everything about a sequence number (id, conversation, fault) is a pure function of
 * (runId, seq), so a controller, its agents and the reconciliation agree without talking.
 */
import { createHash } from "node:crypto";
import { sign, SIGNATURE_HEADER } from "../signature";
import { SYNTHETIC_KEY, type Fault, type SyntheticMarker } from "../synthetic";
import type { SpikeProfile } from "./profile";

/** The Open Messaging integration id the synthetic messages claim to come through. */
export const SYNTHETIC_INTEGRATION_ID = "5e7a1c2b-0000-4000-8000-5717e71c0000";

const GOLDEN = 0.6180339887498949;

function hash32(text: string): number {
  return createHash("sha256").update(text).digest().readUInt32BE(0);
}

/**
 * The fault of one message. Sequence numbers map to a low-discrepancy sequence
 * (golden-ratio steps from a run-specific offset), so even a small run gets the
 * configured fractions almost exactly, in a different order every run.
 */
export function faultForSeq(runId: string, seq: number, faults: SpikeProfile["faults"]): Fault | undefined {
  const u = (hash32(`fault:${runId}`) / 2 ** 32 + (seq + 0.5) * GOLDEN) % 1;
  let edge = faults.throttle.fraction;
  if (u < edge) return { kind: "throttle", retryAfterSeconds: faults.throttle.retryAfterSeconds, attempts: faults.throttle.attempts };
  edge += faults.transient.fraction;
  if (u < edge) return { kind: "transient", attempts: faults.transient.attempts };
  edge += faults.poison.fraction;
  if (u < edge) return { kind: "poison" };
  return undefined;
}

/** The message id of one sequence number: 32 hex characters, like Genesys message ids. */
export function messageIdFor(runId: string, seq: number): string {
  return createHash("sha256").update(`msg:${runId}:${seq}`).digest("hex").slice(0, 32);
}

/** A run id: sortable by time, unique. */
export function newRunId(now: number = Date.now()): string {
  return `spike-${new Date(now).toISOString().replace(/[-:]/g, "").replace(/\..*$/, "")}-${createHash("sha256").update(`${now}:${Math.random()}`).digest("hex").slice(0, 8)}`;
}

export interface SyntheticRequest {
  readonly seq: number;
  readonly messageId: string;
  /** The exact bytes sent on every attempt. */
  readonly body: string;
  /** Content-Type and X-Hub-Signature-256, the same on every attempt. */
  readonly headers: Record<string, string>;
  readonly marker: SyntheticMarker;
}

const WORDS = "your order has shipped and will arrive tomorrow thanks for waiting we are here to help".split(" ");

/** Builds and signs the message for one arrival. */
export function buildSyntheticRequest(args: {
  runId: string;
  seq: number;
  plannedSendMs: number;
  profile: Pick<SpikeProfile, "conversations" | "workMs" | "faults" | "textLength">;
  secret: string;
  integrationId?: string;
}): SyntheticRequest {
  const { runId, seq, plannedSendMs, profile } = args;
  const integrationId = args.integrationId ?? SYNTHETIC_INTEGRATION_ID;
  const messageId = messageIdFor(runId, seq);
  const conversation = (seq * 7919) % profile.conversations;
  const fault = faultForSeq(runId, seq, profile.faults);
  const marker: SyntheticMarker = {
    runId,
    seq,
    plannedSendMs: Math.round(plannedSendMs),
    ...(profile.workMs > 0 ? { workMs: profile.workMs } : {}),
    ...(fault ? { fault } : {}),
  };
  let text = `[synthetic ${seq}]`;
  for (let i = 0; text.length < profile.textLength; i++) text += ` ${WORDS[(seq + i) % WORDS.length]}`;
  const message = {
    id: messageId,
    channel: {
      id: integrationId,
      platform: "Open",
      type: "Private",
      messageId,
      to: { id: `synthetic-customer-${conversation}@loadgen.invalid`, idType: "Opaque" },
      from: { id: integrationId, idType: "Opaque", nickname: "Synthetic spike" },
      time: new Date(plannedSendMs).toISOString(),
    },
    type: "Text",
    text: text.slice(0, profile.textLength),
    direction: "Outbound",
    originatingEntity: "Bot",
    content: [],
    [SYNTHETIC_KEY]: marker,
  };
  const body = JSON.stringify(message);
  return {
    seq,
    messageId,
    body,
    headers: { "content-type": "application/json", [SIGNATURE_HEADER]: sign(body, args.secret) },
    marker,
  };
}
