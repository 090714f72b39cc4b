/** Order notifications: forwards each outbound message's text to an order system through a rate-limited downstream. */
import { PermanentError, createWorker } from "cdktf-genesys-consumer/runtime";

const ORDERS_API = process.env.ORDERS_API_URL ?? "https://orders.example.com/api/notifications";

export const handler = createWorker({
  async handle(message, ctx) {
    if (message.type !== "Text" || !message.text) throw new PermanentError(`unsupported message type ${message.type}`);
    const response = await ctx.downstream("orders").fetch(ORDERS_API, {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": ctx.idempotencyKey },
      body: JSON.stringify({ conversation: message.channel.to?.id, text: message.text }),
    });
    ctx.logger.info("forwarded", { status: response.status });
  },
});
