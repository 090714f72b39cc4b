/**
 * The worker of the Event Streams pipeline: one Genesys notification per call. The pipeline
 * writes GCX_INGRESS_KIND=eventStreams, so the runtime parses each SQS body as the
 * EventBridge event, deduplicates on the event id and calls `handleEvent` (there is no
 * signature: EventBridge delivers inside the account).
 */
import { PermanentError, createWorker, type GenesysEventBridgeEvent, type WorkerContext } from "cdktf-genesys-consumer/runtime";

/** What the example keeps from a conversation start or end notification. */
export interface ConversationNotification {
  readonly topic: string;
  readonly conversationId: string;
  readonly correlationId?: string;
  readonly phase: "start" | "end" | "other";
}

/** Reads the topic, the conversation id and the correlation id of a Genesys event. */
export function conversationNotification(event: GenesysEventBridgeEvent): ConversationNotification {
  const topic = event.detail.topicName;
  const match = /^v2\.detail\.events\.conversation\.([^.]+)\.customer\.(start|end)$/.exec(topic);
  const body = (event.detail.eventBody ?? {}) as { conversationId?: unknown };
  const conversationId = typeof body.conversationId === "string" ? body.conversationId : match?.[1];
  if (!conversationId) throw new PermanentError(`event ${event.id} on ${topic} names no conversation`);
  return {
    topic,
    conversationId,
    correlationId: event.detail.metadata?.CorrelationId,
    phase: (match?.[2] as "start" | "end" | undefined) ?? "other",
  };
}

async function onEvent(event: GenesysEventBridgeEvent, ctx: WorkerContext): Promise<void> {
  const notification = conversationNotification(event);
  // Business logic goes here (open or close a ticket, update a CRM...), through
  // ctx.downstream(name) or ctx.genesys so calls are rate-limited and Retry-After aware.
  ctx.logger.info("conversation notification", { ...notification, attempt: ctx.attempt });
}

export const handler = createWorker({ handleEvent: onEvent });
