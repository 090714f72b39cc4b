/** The fake Genesys downstream over plain HTTP, as any client sees it. */
import { startFakeGenesys, type FakeGenesys } from "../../lib/local/fake-genesys";

async function token(fake: FakeGenesys, id = "client", secret = "secret"): Promise<Response> {
  return fetch(`${fake.endpoint}/oauth/token`, {
    method: "POST",
    headers: {
      authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: "grant_type=client_credentials",
  });
}

const post = (fake: FakeGenesys, bearer: string, kind: string, body: unknown) =>
  fetch(`${fake.endpoint}/api/v2/conversations/messages/int-1/inbound/open/${kind}`, {
    method: "POST",
    headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });

describe("startFakeGenesys", () => {
  it("issues client-credentials tokens and refuses bad credentials and missing tokens", async () => {
    const fake = await startFakeGenesys({ clientId: "client", clientSecret: "secret", tokenExpiresInSeconds: 600 });
    try {
      const ok = await token(fake);
      expect(ok.status).toBe(200);
      expect(await ok.json()).toMatchObject({ token_type: "bearer", expires_in: 600, access_token: expect.any(String) });
      expect((await token(fake, "client", "wrong")).status).toBe(401);
      expect((await post(fake, "made-up", "receipt", { id: "m" })).status).toBe(401);
      expect(fake.stats()).toMatchObject({ tokensIssued: 1, tokenRejected: 1, unauthorized: 1, accepted: 0 });
    } finally {
      await fake.close();
    }
  });

  it("rate-limits with a token bucket, answering 429 with Retry-After and Genesys' body", async () => {
    const fake = await startFakeGenesys({ ratePerSecond: 2, burst: 2, retryAfterSeconds: 3 });
    try {
      const { access_token } = (await (await token(fake)).json()) as { access_token: string };
      const statuses = [];
      for (let i = 0; i < 3; i++)
        statuses.push((await post(fake, access_token, "message", { channel: { messageId: `m${i}` }, text: "hi" })).status);
      expect(statuses).toEqual([200, 200, 429]);
      const limited = await post(fake, access_token, "message", { channel: { messageId: "m9" } });
      expect(limited.headers.get("retry-after")).toBe("3");
      expect(await limited.json()).toMatchObject({
        code: "too.many.requests.retry.after",
        status: 429,
        message: expect.stringContaining("Retry the request in [3] seconds"),
      });
      await new Promise((r) => setTimeout(r, 600));
      expect((await post(fake, access_token, "message", { channel: { messageId: "m3" } })).status).toBe(200);
      expect(fake.stats()).toMatchObject({ accepted: 3, throttled: 2 });
    } finally {
      await fake.close();
    }
  });

  it("counts side effects per message id, injects failures, and resets", async () => {
    const fake = await startFakeGenesys();
    try {
      const { access_token } = (await (await token(fake)).json()) as { access_token: string };
      expect((await post(fake, access_token, "receipt", { id: "out-1", status: "Delivered" })).status).toBe(200);
      expect((await post(fake, access_token, "receipt", { id: "out-1", status: "Delivered" })).status).toBe(200);
      expect((await post(fake, access_token, "event", { channel: { messageId: "in-1" } })).status).toBe(200);
      fake.failNext(1, 503);
      expect((await post(fake, access_token, "receipt", { id: "out-2" })).status).toBe(503);
      expect(fake.effects("out-1")).toBe(2);
      expect(fake.effects("in-1")).toBe(1);
      expect(fake.effects("out-2")).toBe(0);
      expect(fake.stats()).toMatchObject({
        requests: 4,
        accepted: 3,
        failed: 1,
        duplicateEffects: 1,
        byKind: { receipt: 2, event: 1, message: 0 },
      });
      expect((await fetch(`${fake.endpoint}/api/v2/unknown`, { method: "POST" })).status).toBe(404);
      fake.reset();
      expect(fake.stats()).toMatchObject({ requests: 0, accepted: 0 });
      expect(fake.calls()).toEqual([]);
    } finally {
      await fake.close();
    }
  });
});
