/** The Genesys client and the generic downstream wrapper against the fake Genesys on 127.0.0.1. */
import {
  CircuitOpenError,
  Downstream,
  DownstreamRejectedError,
  DownstreamUnavailableError,
  GenesysClient,
  GenesysNotConfiguredError,
  genesysBaseUrls,
  InvocationDeadlineError,
  invocationTimeLeftMs,
  RetryableError,
  simulatedGenesysTransport,
  simulatedTransport,
  ThrottledError,
  withInvocationDeadline,
} from "cdktf-genesys-consumer/runtime";
import { TokenBucket } from "../../lib/runtime/genesys/token-bucket";
import { startFakeGenesys, type FakeGenesys } from "../../lib/local/fake-genesys";

describe("GenesysClient", () => {
  let fake: FakeGenesys;
  beforeAll(async () => {
    fake = await startFakeGenesys({ clientId: "id", clientSecret: "secret", ratePerSecond: 1000, burst: 1000 });
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => fake.reset());

  const client = (extra: Partial<ConstructorParameters<typeof GenesysClient>[0]> = {}) =>
    new GenesysClient({
      region: "eu-west-1",
      apiBaseUrl: fake.endpoint,
      loginBaseUrl: fake.endpoint,
      credentials: { clientId: "id", clientSecret: "secret" },
      ratePerSecond: 1000,
      burst: 100,
      ...extra,
    });

  it("gets a client-credentials token once and reuses it until shortly before expiry", async () => {
    const c = client();
    await c.sendInboundMessage("integration-1", {
      channel: { messageId: "m1", from: { id: "cust", idType: "Opaque" }, time: new Date().toISOString() },
      text: "hi",
    });
    await c.sendReceipt("integration-1", { id: "m2", status: "Delivered" });
    await c.sendEvent("integration-1", { channel: { messageId: "m3" }, events: [] });
    expect(fake.stats()).toMatchObject({ tokensIssued: 1, accepted: 3, byKind: { message: 1, receipt: 1, event: 1 } });
    expect(fake.calls().map((call) => [call.kind, call.integrationId, call.messageId])).toEqual([
      ["message", "integration-1", "m1"],
      ["receipt", "integration-1", "m2"],
      ["event", "integration-1", "m3"],
    ]);
  });

  it("renews a token that is within the refresh margin of its expiry", async () => {
    const short = await startFakeGenesys({ tokenExpiresInSeconds: 30 });
    try {
      const c = new GenesysClient({
        apiBaseUrl: short.endpoint,
        loginBaseUrl: short.endpoint,
        credentials: { clientId: "a", clientSecret: "b" },
        ratePerSecond: 100,
        tokenRefreshMarginSeconds: 60,
      });
      await c.sendReceipt("i", { id: "x" });
      await c.sendReceipt("i", { id: "y" });
      expect(short.stats().tokensIssued).toBe(2);
    } finally {
      await short.close();
    }
  });

  it("turns a 429 into a ThrottledError carrying the Retry-After", async () => {
    const limited = await startFakeGenesys({ ratePerSecond: 0.001, burst: 1, retryAfterSeconds: 7 });
    try {
      const c = new GenesysClient({
        apiBaseUrl: limited.endpoint,
        loginBaseUrl: limited.endpoint,
        credentials: { clientId: "a", clientSecret: "b" },
        ratePerSecond: 100,
      });
      await c.sendReceipt("i", { id: "first" });
      const error = await c.sendReceipt("i", { id: "second" }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ThrottledError);
      expect(error).toBeInstanceOf(RetryableError);
      expect(error).toMatchObject({ status: 429, retryAfterSeconds: 7 });
    } finally {
      await limited.close();
    }
  });

  it("classifies 5xx as retryable and other 4xx as permanent", async () => {
    const c = client({ breaker: false });
    fake.failNext(1, 502);
    await expect(c.sendReceipt("i", { id: "a" })).rejects.toBeInstanceOf(DownstreamUnavailableError);
    fake.failNext(1, 400);
    const rejected = await c.sendReceipt("i", { id: "b" }).catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(DownstreamRejectedError);
    expect(rejected).toMatchObject({ status: 400 });
  });

  it("treats refused client credentials as retryable (a configuration problem, not the message's)", async () => {
    const c = client({ credentials: { clientId: "id", clientSecret: "wrong" } });
    const error = await c.sendReceipt("i", { id: "a" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DownstreamUnavailableError);
    expect((error as Error).message).toMatch(/genesys login: HTTP 401/);
  });

  it("opens the breaker after consecutive failures and stops calling the downstream", async () => {
    const c = client({ breaker: { consecutiveFailures: 3, halfOpenAfterSeconds: 30 } });
    fake.failNext(100, 503);
    for (let i = 0; i < 3; i++) await expect(c.sendReceipt("i", { id: `f${i}` })).rejects.toBeInstanceOf(DownstreamUnavailableError);
    const open = await c.sendReceipt("i", { id: "blocked" }).catch((e: unknown) => e);
    expect(open).toBeInstanceOf(CircuitOpenError);
    expect(open).toMatchObject({ retryAfterSeconds: 30 });
    expect(c.downstream.breakerState).toBe("open");
    expect(fake.stats().requests).toBe(3);
  });

  it("keeps a simulated view's calls out of the breaker, which a view calling Genesys for real shares", async () => {
    const c = client({ breaker: { consecutiveFailures: 3, halfOpenAfterSeconds: 30 } });
    const simulated = c.withTransport(simulatedGenesysTransport());
    const made = c.withTransport((url, init) => fetch(url, init), { shareTokens: true });
    fake.failNext(100, 503);
    // real failures (one through the real-call view) interleaved with simulated 202s, which do not reset the count
    for (const [i, real] of [c, made, c].entries()) {
      await expect(real.sendReceipt("i", { id: `f${i}` })).rejects.toBeInstanceOf(DownstreamUnavailableError);
      if (i < 2) await expect(simulated.sendReceipt("i", { id: `s${i}` })).resolves.toBeUndefined();
    }
    expect(c.downstream.breakerState).toBe("open");
    await expect(simulated.sendReceipt("i", { id: "blocked" })).rejects.toBeInstanceOf(CircuitOpenError);
    expect(fake.stats().requests).toBe(3);
  });

  it("refuses accessToken() on a client that is not configured, before reading the credentials", async () => {
    const credentials = jest.fn(async () => {
      throw new Error("SecretId must not be undefined");
    });
    const c = client({ credentials, notConfigured: "the stack declared no Genesys credentials: set the worker prop genesys" });
    const error = await c.accessToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GenesysNotConfiguredError);
    expect((error as Error).message).toContain("set the worker prop genesys");
    expect(credentials).not.toHaveBeenCalled();
  });

  it("maps regions to the login and API hosts", () => {
    expect(genesysBaseUrls("eu-west-1")).toEqual({
      apiBaseUrl: "https://api.mypurecloud.ie",
      loginBaseUrl: "https://login.mypurecloud.ie",
    });
    expect(genesysBaseUrls("us-east-1")).toEqual({
      apiBaseUrl: "https://api.mypurecloud.com",
      loginBaseUrl: "https://login.mypurecloud.com",
    });
    expect(genesysBaseUrls("ap-southeast-2", { apiBaseUrl: "http://127.0.0.1:1/" }).apiBaseUrl).toBe("http://127.0.0.1:1");
    expect(() => genesysBaseUrls("mars-1")).toThrow(/unknown Genesys Cloud region "mars-1"/);
  });
});

describe("Downstream (generic wrapper)", () => {
  it("applies the same breaker to any call and does not count permanent errors", async () => {
    const d = new Downstream({ name: "crm", breaker: { consecutiveFailures: 2, halfOpenAfterSeconds: 5 } });
    let calls = 0;
    await expect(
      d.call(async () => {
        calls++;
        throw new DownstreamRejectedError("crm: 404", 404, "");
      }),
    ).rejects.toBeInstanceOf(DownstreamRejectedError);
    await expect(
      d.call(async () => {
        calls++;
        throw new Error("socket hang up");
      }),
    ).rejects.toThrow("socket hang up");
    await expect(
      d.call(async () => {
        calls++;
        throw new Error("socket hang up");
      }),
    ).rejects.toThrow("socket hang up");
    await expect(
      d.call(async () => {
        calls++;
        return "never";
      }),
    ).rejects.toBeInstanceOf(CircuitOpenError);
    expect(calls).toBe(3);
  });

  it("lets a simulated view spend tokens and meet the open breaker, but never count toward it nor be its half-open test call", async () => {
    const url = "http://crm.test/orders";
    let up = false;
    const d = new Downstream({ name: "crm", breaker: { consecutiveFailures: 3, halfOpenAfterSeconds: 0.05 } });
    // a view calling for real (a synthetic message in the "call" mode) counts as a real call
    const real = d.withTransport(async () => new Response(null, { status: up ? 200 : 503 }));
    const simulated = d.withTransport(simulatedTransport());
    for (let i = 0; i < 3; i++) {
      await expect(real.fetch(url)).rejects.toBeInstanceOf(DownstreamUnavailableError);
      if (i < 2) expect((await simulated.fetch(url)).status).toBe(202);
    }
    expect(d.breakerState).toBe("open");
    await expect(simulated.fetch(url)).rejects.toBeInstanceOf(CircuitOpenError);
    // past the open time, the downstream back up: a simulated call is still refused, only a real one tests and closes the breaker
    up = true;
    await new Promise((resolve) => setTimeout(resolve, 80));
    await expect(simulated.fetch(url)).rejects.toBeInstanceOf(CircuitOpenError);
    expect(d.breakerState).toBe("open");
    expect((await real.fetch(url)).status).toBe(200);
    expect(d.breakerState).toBe("closed");
    expect((await simulated.fetch(url)).status).toBe(202);
    // the token bucket is shared: a simulated call spends the one token a real call then lacks
    const paced = new Downstream({ name: "paced", ratePerSecond: 1 / 60, burst: 1, maxWaitMs: 0 });
    expect((await paced.withTransport(simulatedTransport()).fetch(url)).status).toBe(202);
    await expect(paced.withTransport(async () => new Response(null, { status: 200 })).fetch(url)).rejects.toBeInstanceOf(RetryableError);
  });

  it("turns a timeout into a retryable DownstreamUnavailableError", async () => {
    const d = new Downstream({ name: "slow", timeoutMs: 50, breaker: false });
    const error = await d
      .call((signal) => new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason))))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DownstreamUnavailableError);
    expect((error as Error).message).toBe("slow: no answer within 50 ms");
  });

  describe("inside an invocation (withInvocationDeadline)", () => {
    const hang = (signal: AbortSignal) => new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));

    it("cuts a call at the invocation's deadline, before its own timeout, without counting it toward the breaker", async () => {
      const d = new Downstream({ name: "crm", timeoutMs: 10_000, breaker: { consecutiveFailures: 1, halfOpenAfterSeconds: 30 } });
      const began = Date.now();
      // 650 ms left: the call is cut 500 ms before the end (CALL_CUT_RESERVE_MS), after about 150 ms
      const error = await withInvocationDeadline({ deadlineMs: Date.now() + 650 }, () => d.call(hang)).catch((e: unknown) => e);
      const tookMs = Date.now() - began;
      expect(error).toBeInstanceOf(InvocationDeadlineError);
      expect(error).toBeInstanceOf(RetryableError);
      expect((error as Error).message).toMatch(/^crm: cut after 1[0-5]\d ms, the time the invocation had left$/);
      expect(tookMs).toBeGreaterThanOrEqual(100);
      expect(tookMs).toBeLessThan(2_000);
      expect(d.breakerState).toBe("closed");
      // its own timeout, shorter than the time left, is still the downstream being unavailable
      await expect(
        withInvocationDeadline({ deadlineMs: Date.now() + 60_000 }, () =>
          new Downstream({ name: "x", timeoutMs: 30, breaker: false }).call(hang),
        ),
      ).rejects.toBeInstanceOf(DownstreamUnavailableError);
    });

    it("does not start a call in the invocation's last startMarginMs, and does not wait for a token it could not use", async () => {
      let calls = 0;
      const d = new Downstream({ name: "crm", breaker: false });
      const late = await withInvocationDeadline({ deadlineMs: Date.now() + 900, startMarginMs: 1_000 }, () =>
        d.call(async () => ++calls),
      ).catch((e: unknown) => e);
      expect(late).toBeInstanceOf(InvocationDeadlineError);
      expect((late as Error).message).toBe("crm: not called, the invocation has no time left for it");
      expect(calls).toBe(0);
      const paced = new Downstream({ name: "paced", ratePerSecond: 1, burst: 1, maxWaitMs: 5_000, breaker: false });
      await paced.call(async () => ++calls);
      const began = Date.now();
      // the next token is due in about 1 s, later than a call may start (200 ms): back off now, do not wait
      const error = await withInvocationDeadline({ deadlineMs: Date.now() + 1_200, startMarginMs: 1_000 }, () =>
        paced.call(async () => ++calls),
      ).catch((e: unknown) => e);
      expect(Date.now() - began).toBeLessThan(150);
      expect(error).toBeInstanceOf(RetryableError);
      expect(calls).toBe(1);
    });

    it("leaves calls outside an invocation alone", async () => {
      expect(invocationTimeLeftMs()).toBe(Number.POSITIVE_INFINITY);
      await expect(new Downstream({ name: "crm", breaker: false }).call(async () => "ok")).resolves.toBe("ok");
    });
  });
});

describe("TokenBucket", () => {
  it("spends the burst, then paces at the rate, and defers long waits as a RetryableError", async () => {
    let now = 0;
    const bucket = new TokenBucket({ ratePerSecond: 2, burst: 2, maxWaitMs: 1000, now: () => now });
    expect(bucket.reserve()).toBe(0);
    expect(bucket.reserve()).toBe(0);
    expect(bucket.reserve()).toBe(500);
    expect(bucket.reserve()).toBe(1000);
    expect(bucket.reserve()).toBe(-1);
    now = 5000;
    expect(bucket.reserve()).toBe(0);
    const slow = new TokenBucket({ ratePerSecond: 0.1, burst: 1, maxWaitMs: 100 });
    await slow.take();
    const error = await slow.take().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as RetryableError).retryAfterSeconds).toBe(10);
  });
});
