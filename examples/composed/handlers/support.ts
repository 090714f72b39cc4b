/** Support inbox: acknowledges each outbound message with a delivery receipt, in order per customer (FIFO). */
import { createWorker } from "cdktf-genesys-consumer/runtime";

export const handler = createWorker({
  async handle(message, ctx) {
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
