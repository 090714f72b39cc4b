/**
 * Classifying a dead letter without SQS: the ordering key it shows is the runtime's (the one
 * the worker and the ingress's FIFO group use), and "-" for a body that has no channel to key on.
 */
import { orderingKeyOf } from "../../lib/ops/dlq";
import { normalizedMessageSchema, orderingKey } from "../../lib/runtime/normalized-message";

describe("the ordering key of a dead letter", () => {
  const channel = { id: "c", to: { id: "cust" }, from: { id: "page" } };

  it("derives the ordering key of outbound and inbound messages", () => {
    expect(orderingKeyOf({ direction: "Outbound", channel: { id: "c", to: { id: "cust" }, from: { id: "c" } } })).toBe("c:cust");
    expect(orderingKeyOf({ direction: "Inbound", channel: { id: "c", to: { id: "c" }, from: { id: "cust" } } })).toBe("c:cust");
    expect(orderingKeyOf({ text: "no channel" })).toBe("-");
    expect(orderingKeyOf(undefined)).toBe("-");
  });

  it("is the runtime's ordering key for every message the worker accepts", () => {
    const messages = [
      { id: "m", type: "Text", channel, direction: "Outbound" },
      { id: "m", type: "Text", channel, direction: "Inbound" },
      // no direction: taken as outbound, even when only the sender is known
      { id: "m", type: "Text", channel },
      { id: "m", type: "Text", channel: { id: "c", from: { id: "page" } } },
      // the direction is compared as Genesys writes it
      { id: "m", type: "Text", channel, direction: "inbound" },
      // a missing part counts as empty, as in the ingress's FIFO group
      { id: "m", type: "Text", channel: { to: { id: "cust" } }, direction: "Outbound" },
      { id: "m", type: "Text", channel: { id: "c" }, direction: "Inbound" },
      { id: "m", type: "Text", channel: {} },
    ];
    for (const message of messages) {
      expect({ message, key: orderingKeyOf(message) }).toEqual({ message, key: orderingKey(normalizedMessageSchema.parse(message)) });
    }
  });

  it('is "-" for a body with no channel to key on', () => {
    for (const body of [undefined, null, "text", 42, [], {}, { channel: "c" }, { channel: [] }, { channel: { id: 7 } }]) {
      expect(orderingKeyOf(body)).toBe("-");
    }
  });
});
