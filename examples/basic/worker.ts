/**
 * The demo worker: the handler a platform team writes with the runtime half of the package.
 *
 * A real outbound message from Genesys is acknowledged with a "Delivered" receipt through
 * the Genesys Platform API (rate-limited, Retry-After aware, behind a circuit breaker); an
 * event (`type: "Event"`, e.g. a typing indicator) is not a message to acknowledge and is
 * skipped. A synthetic message from the spike generator runs the same code, but its
 * Genesys calls are simulated (the stack's `synthetic: { downstream: "simulate" }`: rate
 * limit, breaker and timeout, then a 202 without a network call), so the nightly spike never
 * calls the production org. When the stack runs locally the emulator points them at a
 * Genesys-like fake instead, so side effects can be counted and goodput measured.
 */
import { createWorker, type NormalizedMessage, type WorkerContext } from "cdktf-genesys-consumer/runtime";

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

async function acknowledge(message: NormalizedMessage, ctx: WorkerContext): Promise<void> {
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
  ctx.logger.info("acknowledged", { messageId: message.id, attempt: ctx.attempt });
}

export const handler = createWorker({
  handle: acknowledge,
  handleSynthetic: acknowledge,
});
