import { createHmac } from "node:crypto";
import { sign, signer, verify, SIGNATURE_HEADER } from "cdktf-genesys-consumer/runtime";

const SECRET = "a-genesys-secret-token-longer-than-15";
// The reference example body of a Genesys outbound NormalizedMessage, as raw bytes on the wire.
const BODY =
  '{"id":"c327c2078ca056db130c55ce648d9fa2","channel":{"id":"73cb7fb7-c2db-4996-88f3-0a83a4fea1da","platform":"Open","type":"Private","messageId":"c327c2078ca056db130c55ce648d9fa2","to":{"id":"customer-42@acme-chat","idType":"Opaque"},"from":{"id":"73cb7fb7-c2db-4996-88f3-0a83a4fea1da","idType":"Opaque","nickname":"Acme Support"},"time":"2025-03-14T09:26:53.589Z"},"type":"Text","text":"Hi Ana, your order shipped today.","direction":"Outbound","originatingEntity":"Human","content":[]}';

describe("X-Hub-Signature-256", () => {
  it("is named as Genesys sends it", () => {
    expect(SIGNATURE_HEADER).toBe("X-Hub-Signature-256");
  });

  it("verifies a message signed exactly as Genesys documents: sha256=<base64 HMAC-SHA256(secret token, raw body)>", () => {
    // Computed independently of sign(): the documented recipe.
    const header = "sha256=" + createHmac("sha256", Buffer.from(SECRET, "utf8")).update(Buffer.from(BODY, "utf8")).digest("base64");
    expect(verify(BODY, header, [SECRET])).toBe(true);
    expect(verify(Buffer.from(BODY, "utf8"), header, [SECRET])).toBe(true);
    expect(sign(BODY, SECRET)).toBe(header);
  });

  it("rejects a hex digest, a missing prefix, a missing header and a tampered body", () => {
    const hex = "sha256=" + createHmac("sha256", SECRET).update(BODY).digest("hex");
    const base64 = createHmac("sha256", SECRET).update(BODY).digest("base64");
    expect(verify(BODY, hex, [SECRET])).toBe(false);
    expect(verify(BODY, base64, [SECRET])).toBe(false);
    expect(verify(BODY, undefined, [SECRET])).toBe(false);
    expect(verify(BODY, null, [SECRET])).toBe(false);
    expect(verify(BODY.replace("Ana", "Ann"), sign(BODY, SECRET), [SECRET])).toBe(false);
    // Re-serialising the JSON changes the bytes: verification is over the raw body only.
    expect(verify(JSON.stringify(JSON.parse(BODY), null, 1), sign(BODY, SECRET), [SECRET])).toBe(false);
  });

  it("accepts the previous secret during a rotation and rejects an unknown one", () => {
    const header = sign(BODY, "the-previous-secret-value");
    expect(verify(BODY, header, ["the-current-secret-value", "the-previous-secret-value"])).toBe(true);
    expect(verify(BODY, header, ["the-current-secret-value"])).toBe(false);
    expect(verify(BODY, header, [])).toBe(false);
    expect(verify(BODY, header, ["", "the-previous-secret-value"])).toBe(true);
  });

  it("signer(secret) gives sign()'s value for any key and body (pads for short ASCII keys, HMAC otherwise)", () => {
    const bodies = ["", "{}", "x".repeat(63), "x".repeat(64), "x".repeat(65), '{"t":"wörld ✓"}', "y".repeat(5000)];
    for (const secret of ["k", "a-webhook-secret-of-32-characters", "s".repeat(63), "s".repeat(64), "s".repeat(65), "clé-secrète"]) {
      const signBody = signer(secret);
      for (const body of bodies) {
        expect(signBody(body)).toBe(`sha256=${createHmac("sha256", secret).update(body, "utf8").digest("base64")}`);
        expect(signBody(body)).toBe(sign(body, secret));
        expect(verify(body, signBody(body), [secret])).toBe(true);
      }
    }
    expect(() => signer("")).toThrow("sign: the secret is empty");
  });

  it("refuses to sign with an empty secret", () => {
    expect(() => sign(BODY, "")).toThrow("sign: the secret is empty");
  });

  it("compares in constant time per secret (every secret evaluated, through timingSafeEqual)", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const crypto = require("node:crypto") as typeof import("node:crypto");
    const spy = jest.spyOn(crypto, "timingSafeEqual");
    try {
      const header = sign(BODY, "first-secret-value-xx");
      expect(verify(BODY, header, ["first-secret-value-xx", "second-secret-value-x"])).toBe(true);
      // Both secrets were compared even though the first matched.
      expect(spy).toHaveBeenCalledTimes(2);
    } finally {
      spy.mockRestore();
    }
  });
});
