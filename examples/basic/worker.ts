/**
 * The demo worker: the handler a platform team writes with the runtime half of the package.
 *
 * A real outbound message from Genesys is acknowledged with a "Delivered" receipt through
 * the Genesys Platform API (rate-limited, Retry-After aware, behind a circuit breaker). A
 * synthetic message from the spike generator does the same against the sandbox downstream
 * configured for the run (a Genesys-like fake when the stack runs locally), so side
 * effects can be counted and goodput measured.
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
