/**
 * Order notifications: forwards each outbound message's text to an order system through a
 * rate-limited downstream. Events (`type: "Event"`, e.g. typing indicators) are skipped; any
 * other message without text is refused (permanent: to the DLQ at once). A 4xx answer of the
 * order system other than 429 throws DownstreamRejectedError (permanent); 429 and 5xx retry later.
 */
import { PermanentError, createWorker } from "cdktf-genesys-consumer/runtime";

const ORDERS_API = process.env.ORDERS_API_URL ?? "https://orders.example.com/api/notifications";

export const handler = createWorker({
  async handle(message, ctx) {
    if (message.type === "Event") {
      ctx.logger.debug("event (e.g. a typing indicator): nothing to forward", { messageId: message.id });
      return;
    }
    if (message.type !== "Text" || !message.text) throw new PermanentError(`unsupported message type ${message.type}`);
    const response = await ctx.downstream("orders").fetch(ORDERS_API, {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": ctx.idempotencyKey },
      body: JSON.stringify({ conversation: message.channel.to?.id, text: message.text }),
    });
    ctx.logger.info("forwarded", { status: response.status });
  },
});
