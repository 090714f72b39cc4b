/**
 * Support inbox: acknowledges each outbound message with a delivery receipt, in order per
 * customer (FIFO). Events (`type: "Event"`, e.g. typing indicators) are not acknowledged.
 * Calls ctx.genesys, so the pipeline declares `worker.genesys`.
 */
import { createWorker } from "cdktf-genesys-consumer/runtime";

export const handler = createWorker({
  async handle(message, ctx) {
    if (message.type === "Event") {
      ctx.logger.debug("event (e.g. a typing indicator): nothing to acknowledge", { messageId: message.id });
      return;
    }
    if (!message.channel.id) return;
    await ctx.genesys.sendReceipt(message.channel.id, {
      id: message.id,
      channel: { to: message.channel.to, time: new Date().toISOString() },
      status: "Delivered",
      direction: "Outbound",
      isFinalReceipt: true,
    });
  },
});
