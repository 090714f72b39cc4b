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
 * The ordering key of DESIGN (FIFO message group, idempotency scope): the external party's
 * address on the integration, `channel.id` + `channel.to.id` for an outbound message,
 * `channel.id` + `channel.from.id` for an inbound one (a message without a direction is
 * taken as outbound: that is what the Open Messaging webhook delivers).
 */
export function orderingKey(message: NormalizedMessage): string {
  const party = message.direction === "Inbound" ? message.channel.from?.id : message.channel.to?.id;
  return `${message.channel.id ?? ""}:${party ?? ""}`;
}

/** The default idempotency key of a message: its id scoped by the ordering key. */
export function defaultIdempotencyKey(message: NormalizedMessage): string {
  return `${orderingKey(message)}:${message.id}`;
}
