/**
 * The demo worker's handling of one message: a real outbound message from Genesys is
 * acknowledged with a "Delivered" receipt through the Genesys Platform API (`ctx.genesys`:
 * rate-limited, Retry-After aware, behind a circuit breaker); an event (`type: "Event"`, e.g.
 * a typing indicator) is not a message to acknowledge and is skipped.
 *
 * Nothing is logged per message at the default level (INFO): the worker's metrics count the
 * processed messages, and a line per message was half of the CloudWatch Logs bytes a webhook
 * costs (docs/guides/cost.md). `POWERTOOLS_LOG_LEVEL=DEBUG` shows the line again.
 */
import type { NormalizedMessage, WorkerContext } from "cdktf-genesys-consumer/runtime";

/** The Open Messaging receipt acknowledging an outbound message as delivered. */
export function deliveredReceipt(message: NormalizedMessage) {
  return {
    id: message.id,
    channel: { to: message.channel.to, time: new Date().toISOString() },
    status: "Delivered",
    direction: "Outbound",
    isFinalReceipt: true,
  };
}

/** Acknowledges an outbound message with a "Delivered" receipt; skips events and messages without an integration id. */
export async function acknowledge(message: NormalizedMessage, ctx: WorkerContext): Promise<void> {
  if (message.type === "Event") {
    ctx.logger.debug("event (e.g. a typing indicator): nothing to acknowledge", { messageId: message.id });
    return;
  }
  const integrationId = message.channel.id;
  if (!integrationId) {
    ctx.logger.warn("message without channel.id: nothing to acknowledge");
    return;
  }
  await ctx.genesys.sendReceipt(integrationId, deliveredReceipt(message));
  ctx.logger.debug("acknowledged", { messageId: message.id, attempt: ctx.attempt });
}
