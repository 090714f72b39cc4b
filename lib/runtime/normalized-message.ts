/**
 * Schemas of what reaches the worker: the Genesys Open Messaging NormalizedMessage
 * (webhook pipelines) and the EventBridge event of Genesys Event Streams (eventStreams
 * pipelines). Neither is strict: fields Genesys adds later, and the synthetic key, pass.
 */
import { z } from "zod";

const participantSchema = z
  .object({
    id: z.string().optional(),
    idType: z.string().optional(),
    firstName: z.string().optional(),
    lastName: z.string().optional(),
    nickname: z.string().optional(),
    image: z.string().optional(),
    email: z.string().optional(),
  })
  .passthrough();

export const channelSchema = z
  .object({
    /** The integration id. */
    id: z.string().optional(),
    platform: z.string().optional(),
    type: z.string().optional(),
    messageId: z.string().optional(),
    to: participantSchema.optional(),
    from: participantSchema.optional(),
    /** ISO-8601. */
    time: z.string().optional(),
    metadata: z.record(z.unknown()).optional(),
  })
  .passthrough();

/**
 * A Genesys Open Messaging NormalizedMessage. Genesys' own schema makes every field
 * optional; the worker requires `id` (its idempotency key), an object `channel` and a
 * `type`, so a body that is not a message (an EventBridge event, `{}`) is rejected as malformed.
 */
export const normalizedMessageSchema = z
  .object({
    id: z.string().min(1),
    channel: channelSchema,
    /** Text | Structured | Receipt | Event (open: later values pass). */
    type: z.string().min(1),
    text: z.string().optional(),
    content: z.array(z.record(z.unknown())).optional(),
    /** Inbound | Outbound. */
    direction: z.string().optional(),
    /** Human | Bot. */
    originatingEntity: z.string().optional(),
    /** Receipts: Sent | Delivered | Read | Failed | Published | Removed. */
    status: z.string().optional(),
    reasons: z.array(z.object({ code: z.string().optional(), message: z.string().optional() }).passthrough()).optional(),
    isFinalReceipt: z.boolean().optional(),
    metadata: z.record(z.unknown()).optional(),
  })
  .passthrough();
export type NormalizedMessage = z.infer<typeof normalizedMessageSchema>;

/** Top-level keys of an EventBridge event: a webhook body holding them is not a NormalizedMessage. */
export const EVENTBRIDGE_ENVELOPE_KEYS = ["detail-type", "source", "detail"] as const;

/** True when a parsed body has the shape of an EventBridge event envelope. */
export function looksLikeEventBridgeEvent(body: unknown): boolean {
  return typeof body === "object" && body !== null && EVENTBRIDGE_ENVELOPE_KEYS.every((k) => k in body);
}

/** The EventBridge event Genesys Event Streams delivers (an SQS target receives it as the body). */
export const genesysEventBridgeEventSchema = z
  .object({
    version: z.string().optional(),
    /** EventBridge's event id: stable across redeliveries of one event, the default idempotency key. */
    id: z.string().min(1),
    "detail-type": z.string(),
    source: z.string(),
    account: z.string().optional(),
    time: z.string().optional(),
    region: z.string().optional(),
    resources: z.array(z.string()).optional(),
    detail: z
      .object({
        /** e.g. v2.detail.events.conversation.{id}.customer.start */
        topicName: z.string().min(1),
        version: z.string().optional(),
        eventBody: z.unknown(),
        metadata: z.object({ CorrelationId: z.string().optional() }).passthrough().optional(),
      })
      .passthrough(),
  })
  .passthrough();
export type GenesysEventBridgeEvent = z.infer<typeof genesysEventBridgeEventSchema>;

/**
 * The one definition of the ordering key (DESIGN: FIFO message group, idempotency scope): the
 * body paths whose values make it, in order, joined by the separator. It is the external
 * party's address on the integration: `channel.id` + `channel.to.id` for an outbound message,
 * `channel.id` + `channel.from.id` for an inbound one (a message without a direction is taken
 * as outbound: that is what the Open Messaging webhook delivers). The worker computes it with
 * {@link orderingKey}; the webhook ingress renders the same paths into its FIFO mapping template
 * (lib/constructs/ingress-template.ts). Paths are dotted names from the body's root.
 */
export const ORDERING_KEY = {
  /** The body field holding the direction. */
  directionPath: "direction",
  /** The key's paths for an outbound message, and for any direction not listed in {@link ORDERING_KEY.pathsByDirection}. */
  defaultPaths: ["channel.id", "channel.to.id"],
  /** The key's paths per direction value, compared exactly as Genesys writes it, where they differ from the default. */
  pathsByDirection: { Inbound: ["channel.id", "channel.from.id"] },
  /** Between the values of the paths. A missing value counts as empty. */
  separator: ":",
} as const satisfies {
  directionPath: string;
  defaultPaths: readonly string[];
  pathsByDirection: Readonly<Record<string, readonly string[]>>;
  separator: string;
};

/** The value at a dotted path of a body; undefined when a step on the way is not an object. */
function valueAt(body: unknown, path: string): unknown {
  let value = body;
  for (const name of path.split(".")) {
    value = typeof value === "object" && value !== null ? (value as Record<string, unknown>)[name] : undefined;
  }
  return value;
}

/** The paths of the ordering key of a message with this direction ({@link ORDERING_KEY}). */
export function orderingKeyPathsFor(direction: unknown): readonly string[] {
  const byDirection: Readonly<Record<string, readonly string[]>> = ORDERING_KEY.pathsByDirection;
  return typeof direction === "string" && Object.hasOwn(byDirection, direction) ? byDirection[direction] : ORDERING_KEY.defaultPaths;
}

/**
 * The ordering key of a message ({@link ORDERING_KEY}): `channel.id:channel.to.id` for an
 * outbound message or one without a direction, `channel.id:channel.from.id` for an inbound
 * one, a missing value counting as empty.
 */
export function orderingKey(message: NormalizedMessage): string {
  return orderingKeyPathsFor(valueAt(message, ORDERING_KEY.directionPath))
    .map((path) => `${valueAt(message, path) ?? ""}`)
    .join(ORDERING_KEY.separator);
}

/** The default idempotency key of a message: its id scoped by the ordering key. */
export function defaultIdempotencyKey(message: NormalizedMessage): string {
  return `${orderingKey(message)}:${message.id}`;
}
