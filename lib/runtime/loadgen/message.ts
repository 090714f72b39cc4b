/**
 * Genesys-shaped synthetic traffic: an Outbound Open NormalizedMessage per arrival,
 * stamped with the synthetic marker inside the signed body, and its X-Hub-Signature-256.
 * Everything about a sequence number (id, conversation, fault) is a pure function of
 * (runId, seq), so a controller, its agents and the reconciliation agree without talking.
 */
import { createHash, hash as cryptoHash } from "node:crypto";
import { sign, signer, SIGNATURE_HEADER } from "../signature";
import { SYNTHETIC_KEY, type Fault, type SyntheticMarker } from "../synthetic";
import { trafficSeed, type SpikeProfile } from "./profile";
import { carriesText, kindFields, MessageMix, type MessageKind } from "./mix";
import { scenarioPlanOf } from "./scenarios";

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
  return faultOfIndex(faultIndex(faultOffset(runId), seq, faults), faults);
}

/** The run's offset on the fault sequence, in [0, 1). */
function faultOffset(runId: string): number {
  return hash32(`fault:${runId}`) / 2 ** 32;
}

/** 0 = no fault, 1 = throttle, 2 = transient, 3 = poison. */
function faultIndex(offset: number, seq: number, faults: SpikeProfile["faults"]): 0 | 1 | 2 | 3 {
  const u = (offset + (seq + 0.5) * GOLDEN) % 1;
  let edge = faults.throttle.fraction;
  if (u < edge) return 1;
  edge += faults.transient.fraction;
  if (u < edge) return 2;
  edge += faults.poison.fraction;
  if (u < edge) return 3;
  return 0;
}

function faultOfIndex(index: 0 | 1 | 2 | 3, faults: SpikeProfile["faults"]): Fault | undefined {
  switch (index) {
    case 1:
      return { kind: "throttle", retryAfterSeconds: faults.throttle.retryAfterSeconds, attempts: faults.throttle.attempts };
    case 2:
      return { kind: "transient", attempts: faults.transient.attempts };
    case 3:
      return { kind: "poison" };
    default:
      return undefined;
  }
}

/** The message id of one sequence number: 32 hex characters, like Genesys message ids. */
export function messageIdFor(runId: string, seq: number): string {
  return sha256Hex(`msg:${runId}:${seq}`).slice(0, 32);
}

/** SHA-256 in hex; the one-shot crypto.hash where this Node has it (20.12+), else createHash. */
const sha256Hex: (text: string) => string =
  typeof cryptoHash === "function"
    ? (text) => cryptoHash("sha256", text, "hex")
    : (text) => createHash("sha256").update(text).digest("hex");

/** A run id: sortable by time, unique. */
export function newRunId(now: number = Date.now()): string {
  return `spike-${new Date(now).toISOString().replace(/[-:]/g, "").replace(/\..*$/, "")}-${createHash("sha256").update(`${now}:${Math.random()}`).digest("hex").slice(0, 8)}`;
}

/** What of a profile the messages depend on. */
export type MessageProfile = Pick<SpikeProfile, "conversations" | "workMs" | "faults" | "textLength"> &
  Partial<Pick<SpikeProfile, "messages" | "seed" | "name" | "scenarios">>;

/** What varies per sequence number besides ids and times: the message mix (none: today's Text) and the conversation. */
interface SeqShape {
  readonly mix: MessageMix | undefined;
  /** The conversation: a number, or "<scenario>-<number>" in a multi-scenario run. */
  readonly conversation: number | string;
}

/**
 * The per-sequence-number shape of a profile's messages. Without scenarios: the profile's mix
 * (seeded by its seed) and conversation `seq x 7919 mod conversations`; with scenarios: the
 * scenario's mix (default the profile's, else Text) seeded by "<seed>/<scenario>", and the
 * scenario's own conversations. Either way the messages of one conversation come in sequence order.
 */
export function messageShaper(profile: MessageProfile): (seq: number) => SeqShape {
  const seed = trafficSeed(profile);
  const plan = scenarioPlanOf(profile);
  if (!plan || !profile.scenarios) {
    const mix = profile.messages ? new MessageMix(profile.messages, seed) : undefined;
    return (seq) => ({ mix, conversation: (seq * 7919) % profile.conversations });
  }
  const scenarios = profile.scenarios.map((s) => ({
    name: s.name,
    conversations: s.conversations ?? profile.conversations,
    mix: new MessageMix(s.messages ?? profile.messages ?? { mix: [{ kind: "text", weight: 1 }] }, `${seed}/${s.name}`),
  }));
  return (seq) => {
    const s = scenarios[plan.scenarioOf[seq] ?? 0];
    return { mix: s.mix, conversation: `${s.name}-${(seq * 7919) % s.conversations}` };
  };
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
  profile: MessageProfile;
  secret: string;
  integrationId?: string;
}): SyntheticRequest {
  const { runId, seq, plannedSendMs, profile } = args;
  const integrationId = args.integrationId ?? SYNTHETIC_INTEGRATION_ID;
  const messageId = messageIdFor(runId, seq);
  const { mix, conversation } = messageShaper(profile)(seq);
  const fault = faultForSeq(runId, seq, profile.faults);
  const marker: SyntheticMarker = {
    runId,
    seq,
    plannedSendMs: Math.round(plannedSendMs),
    ...(profile.workMs > 0 ? { workMs: profile.workMs } : {}),
    ...(fault ? { fault } : {}),
  };
  const body = mix
    ? mixedBody(mix, seq, messageId, integrationId, conversation, plannedSendMs, profile.textLength, marker)
    : JSON.stringify(messageObject(messageId, integrationId, conversation, plannedSendMs, textFor(seq, profile.textLength), marker));
  return {
    seq,
    messageId,
    body,
    headers: { "content-type": "application/json", [SIGNATURE_HEADER]: sign(body, args.secret) },
    marker,
  };
}

function textFor(seq: number, textLength: number): string {
  let text = `[synthetic ${seq}]`;
  for (let i = 0; text.length < textLength; i++) text += ` ${WORDS[(seq + i) % WORDS.length]}`;
  return text.slice(0, textLength);
}

/**
 * The body of one arrival of a profile with a message mix: its kind's fields, and for the kinds
 * that carry text, the text padded so that the body has the drawn size (ASCII: characters =
 * bytes), or `textLength` characters when the mix gives no size.
 */
function mixedBody(
  mix: MessageMix,
  seq: number,
  messageId: string,
  integrationId: string,
  conversation: number | string,
  plannedSendMs: number,
  textLength: number,
  marker: unknown,
): string {
  const kind = mix.kindOf(seq);
  const build = (text: string) =>
    JSON.stringify(kindMessageObject(kind, seq, messageId, integrationId, conversation, plannedSendMs, text, marker));
  if (!carriesText(kind)) return build("");
  const size = mix.sizeOf(seq);
  if (size === undefined) return build(textFor(seq, textLength));
  const head = `[synthetic ${seq}]`;
  const bare = build(head).length;
  return build(textFor(seq, head.length + Math.max(0, size - bare)));
}

/** The kind of message `seq` is: "text" without a mix. */
export function messageKindFor(profile: MessageProfile, seq: number): MessageKind {
  return messageShaper(profile)(seq).mix?.kindOf(seq) ?? "text";
}

/** The NormalizedMessage of one arrival of a given kind; its JSON.stringify is the body (key order matters). */
function kindMessageObject(
  kind: MessageKind,
  seq: number,
  messageId: string,
  integrationId: string,
  conversation: number | string,
  plannedSendMs: number,
  text: string,
  marker: unknown,
) {
  const base = messageObject(messageId, integrationId, conversation, plannedSendMs, text, marker);
  const { id, channel } = base;
  return { id, channel, ...kindFields(kind, seq, text), [SYNTHETIC_KEY]: marker };
}

/** The NormalizedMessage of one arrival; its JSON.stringify is the body (key order matters). */
function messageObject(
  messageId: string,
  integrationId: string,
  conversation: number | string,
  plannedSendMs: number | string,
  text: string,
  marker: unknown,
) {
  return {
    id: messageId,
    channel: {
      id: integrationId,
      platform: "Open",
      type: "Private",
      messageId,
      to: { id: `synthetic-customer-${conversation}@loadgen.invalid`, idType: "Opaque" },
      from: { id: integrationId, idType: "Opaque", nickname: "Synthetic spike" },
      time: typeof plannedSendMs === "number" ? new Date(plannedSendMs).toISOString() : plannedSendMs,
    },
    type: "Text",
    text,
    direction: "Outbound",
    originatingEntity: "Bot",
    content: [],
    [SYNTHETIC_KEY]: marker,
  };
}

/** The signed body of one arrival: what the engine sends (its marker is inside `body`). */
export interface SignedBody {
  readonly seq: number;
  readonly messageId: string;
  /** The exact bytes sent on every attempt. */
  readonly body: string;
  /** X-Hub-Signature-256 of `body`. */
  readonly signature: string;
}

/** Stands for a spliced value while the template is derived; JSON.stringify leaves it intact. */
const SLOT = (name: string) => `@@slot:${name}@@`;

/**
 * Builds the same bodies as {@link buildSyntheticRequest}, byte for byte, without building
 * and serializing an object per message: the JSON is derived once per run (per fault kind)
 * with placeholders, split into constant pieces, and each message splices in only what
 * varies (id, conversation, time, text, seq, planned send time). Every body is still
 * unique (its id and seq) and signed over its exact bytes.
 */
export class SyntheticMessageFactory {
  private readonly runId: string;
  private readonly profile: MessageProfile;
  private readonly integrationId: string;
  private readonly offset: number;
  private readonly sign: (body: string) => string;
  /** The message mix, when the profile gives one (bodies are then built per message, not spliced). */
  private readonly shape: ((seq: number) => SeqShape) | undefined;
  /** Pieces around the slots, per fault index: [p0, id, p1, id, p2, conv, p3, time, p4, text, p5, seq, p6, planned, p7]. */
  private readonly templates: string[][] = [];
  /** Text after "[synthetic <seq>]", per (digits of seq, seq mod the word count). */
  private readonly tails = new Map<number, string>();

  constructor(args: { runId: string; profile: MessageProfile; secret: string; integrationId?: string }) {
    this.runId = args.runId;
    this.profile = args.profile;
    this.integrationId = args.integrationId ?? SYNTHETIC_INTEGRATION_ID;
    this.offset = faultOffset(args.runId);
    this.sign = signer(args.secret);
    this.shape = args.profile.messages || args.profile.scenarios ? messageShaper(args.profile) : undefined;
    for (const index of [0, 1, 2, 3] as const) this.templates[index] = this.template(index);
  }

  private template(index: 0 | 1 | 2 | 3): string[] {
    const fault = faultOfIndex(index, this.profile.faults);
    const marker = {
      runId: this.runId,
      seq: SLOT("seq"),
      plannedSendMs: SLOT("planned"),
      ...(this.profile.workMs > 0 ? { workMs: this.profile.workMs } : {}),
      ...(fault ? { fault } : {}),
    };
    const json = JSON.stringify(messageObject(SLOT("id"), this.integrationId, SLOT("conv"), SLOT("time"), SLOT("text"), marker));
    // numbers are spliced without the quotes their placeholders were given
    const order = [
      `${SLOT("id")}`,
      `${SLOT("id")}`,
      `${SLOT("conv")}`,
      `"${SLOT("time")}"`,
      `"${SLOT("text")}"`,
      `"${SLOT("seq")}"`,
      `"${SLOT("planned")}"`,
    ];
    // a run id or integration id containing placeholder text would make the split ambiguous
    for (const slot of new Set(order)) {
      const expected = order.filter((o) => o === slot).length;
      if (json.split(slot).length - 1 !== expected) throw new Error(`message template: placeholder ${slot} is not where expected`);
    }
    const pieces: string[] = [];
    let rest = json;
    for (const slot of order) {
      const at = rest.indexOf(slot);
      pieces.push(rest.slice(0, at));
      rest = rest.slice(at + slot.length);
    }
    pieces.push(rest);
    return pieces;
  }

  /** The text of one message: equal to the fresh build's, from a cached tail. */
  private text(seq: number): string {
    const head = `[synthetic ${seq}]`;
    const textLength = this.profile.textLength;
    if (head.length >= textLength) return head.slice(0, textLength);
    const key = head.length * WORDS.length + (seq % WORDS.length);
    let tail = this.tails.get(key);
    if (tail === undefined) {
      tail = "";
      for (let i = 0; head.length + tail.length < textLength; i++) tail += ` ${WORDS[(seq + i) % WORDS.length]}`;
      tail = tail.slice(0, textLength - head.length);
      this.tails.set(key, tail);
    }
    return head + tail;
  }

  private isoSecond = Number.NaN;
  private isoPrefix = "";

  /** JSON of `new Date(ms).toISOString()`, from a per-second cache of everything before the milliseconds. */
  private isoTime(ms: number): string {
    const whole = Math.trunc(ms);
    const second = Math.floor(whole / 1000);
    // years 1970..9999 print as "YYYY-MM-DDTHH:MM:SS.mmmZ"; anything else takes the slow path
    if (!(whole >= 0 && whole < 253402300800000)) return JSON.stringify(new Date(ms).toISOString());
    if (second !== this.isoSecond) {
      this.isoSecond = second;
      this.isoPrefix = `"${new Date(second * 1000).toISOString().slice(0, 20)}`;
    }
    const milli = whole - second * 1000;
    return `${this.isoPrefix}${milli < 10 ? "00" : milli < 100 ? "0" : ""}${milli}Z"`;
  }

  /** The body and signature of one arrival. */
  body(seq: number, plannedSendMs: number): SignedBody {
    const messageId = messageIdFor(this.runId, seq);
    const shape = this.shape?.(seq);
    if (shape?.mix) {
      const body = mixedBody(
        shape.mix,
        seq,
        messageId,
        this.integrationId,
        shape.conversation,
        plannedSendMs,
        this.profile.textLength,
        this.marker(seq, plannedSendMs),
      );
      return { seq, messageId, body, signature: this.sign(body) };
    }
    const conversation = (seq * 7919) % this.profile.conversations;
    const t = this.templates[faultIndex(this.offset, seq, this.profile.faults)];
    // the text holds only "[synthetic N]" and the fixed words: nothing JSON would escape
    const body =
      t[0] +
      messageId +
      t[1] +
      messageId +
      t[2] +
      conversation +
      t[3] +
      this.isoTime(plannedSendMs) +
      t[4] +
      `"${this.text(seq)}"` +
      t[5] +
      seq +
      t[6] +
      Math.round(plannedSendMs) +
      t[7];
    return { seq, messageId, body, signature: this.sign(body) };
  }

  /** The full request of one arrival, as {@link buildSyntheticRequest} returns it. */
  build(seq: number, plannedSendMs: number): SyntheticRequest {
    const { messageId, body, signature } = this.body(seq, plannedSendMs);
    return {
      seq,
      messageId,
      body,
      headers: { "content-type": "application/json", [SIGNATURE_HEADER]: signature },
      marker: this.marker(seq, plannedSendMs),
    };
  }

  /** The synthetic marker of one arrival. */
  private marker(seq: number, plannedSendMs: number): SyntheticMarker {
    const fault = faultOfIndex(faultIndex(this.offset, seq, this.profile.faults), this.profile.faults);
    return {
      runId: this.runId,
      seq,
      plannedSendMs: Math.round(plannedSendMs),
      ...(this.profile.workMs > 0 ? { workMs: this.profile.workMs } : {}),
      ...(fault ? { fault } : {}),
    };
  }
}
