/**
 * The ordering key's one definition (ORDERING_KEY) and the runtime's `orderingKey` derived from
 * it: the external party's address on the integration, per direction.
 */
import { ORDERING_KEY, normalizedMessageSchema, orderingKey, orderingKeyPathsFor } from "../../lib/runtime/normalized-message";

describe("the ordering key", () => {
  const channel = { id: "c", to: { id: "cust" }, from: { id: "page" } };
  const keyOf = (message: object) => orderingKey(normalizedMessageSchema.parse({ id: "m", type: "Text", ...message }));

  it("is channel.id:channel.to.id for an outbound message or one without a direction, channel.id:channel.from.id for an inbound one", () => {
    expect(keyOf({ channel, direction: "Outbound" })).toBe("c:cust");
    expect(keyOf({ channel })).toBe("c:cust");
    expect(keyOf({ channel, direction: "Inbound" })).toBe("c:page");
    // compared as Genesys writes it
    expect(keyOf({ channel, direction: "inbound" })).toBe("c:cust");
  });

  it("counts a missing value as empty", () => {
    expect(keyOf({ channel: { to: { id: "cust" } } })).toBe(":cust");
    expect(keyOf({ channel: { id: "c" }, direction: "Inbound" })).toBe("c:");
    expect(keyOf({ channel: {} })).toBe(":");
  });

  it("reads the paths of its one definition, per direction", () => {
    expect(orderingKeyPathsFor("Inbound")).toEqual(["channel.id", "channel.from.id"]);
    expect(orderingKeyPathsFor("Outbound")).toBe(ORDERING_KEY.defaultPaths);
    expect(orderingKeyPathsFor(undefined)).toBe(ORDERING_KEY.defaultPaths);
    expect(orderingKeyPathsFor("toString")).toBe(ORDERING_KEY.defaultPaths);
    expect(ORDERING_KEY.separator).toBe(":");
  });
});
