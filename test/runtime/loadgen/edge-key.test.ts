/**
 * The generator's side of the edge API key: it sends `x-api-key`, reads the key at the start,
 * and after a 403 reads it again (one read shared by the 403s of the moment) and retries with
 * the new key as a counted retry; a 403 whose re-read gives the same key is final. The Lambda
 * (GCX_API_KEY_SECRET_ARN), the in-process run (a Secrets Manager secret) and the CLI
 * (--api-key-env / --api-key-secret-arn) send it.
 */
import { API_KEY_HEADER, EdgeKey, EdgeKeyError, SIGNATURE_HEADER, loadgenEnvironment } from "cdktf-genesys-consumer/runtime";
import {
  createLoadgenHandler,
  parseProfile,
  runIngress,
  runSpike,
  type IngressPart,
  type SpikeProfileInput,
} from "../../../lib/runtime/loadgen";
import { startSecretsServer, type SecretsServer } from "../../../lib/local/secrets-server";
import { LOCAL_CREDENTIALS } from "../../../lib/local/services";
import { startTarget, type Target } from "./target";

const SECRET = "a-webhook-secret-of-20-chars";
const K1 = "FirstKeyFirstKey1234567890";
const K2 = "SecondKeySecondKey0987654321";

const profile = (overrides: Partial<SpikeProfileInput> = {}) =>
  parseProfile({ phases: [{ type: "constant", ratePerSecond: 20, durationSeconds: 1 }], ...overrides });

let target: Target | undefined;
afterEach(async () => {
  await target?.close();
  target = undefined;
});

/** A reader returning the values in turn (the last one forever), counting its calls. */
function reader(...values: string[]) {
  const calls = { count: 0 };
  const read = async () => values[Math.min(calls.count++, values.length - 1)];
  return { read, calls };
}

describe("EdgeKey", () => {
  test("reads once at the start, and once for a burst of 403s with the same key", async () => {
    const { read, calls } = reader(K1, K2);
    const key = await EdgeKey.open(read, { minRereadIntervalMs: 0 });
    expect([key.current, calls.count]).toEqual([K1, 1]);
    const next = await Promise.all(Array.from({ length: 10 }, () => key.keyAfterForbidden(K1)));
    expect(new Set(next)).toEqual(new Set([K2]));
    expect([calls.count, key.rereads]).toEqual([2, 1]);
    // a 403 to a request sent with the old key after the change: no read, the new key
    expect(await key.keyAfterForbidden(K1)).toBe(K2);
    expect(calls.count).toBe(2);
  });

  test("a re-read giving the refused key again makes the 403 final; reads stay min-interval apart", async () => {
    const { read, calls } = reader(K1);
    const key = await EdgeKey.open(read, { minRereadIntervalMs: 200 });
    const started = Date.now();
    expect(await key.keyAfterForbidden(K1)).toBeUndefined();
    expect(await key.keyAfterForbidden(K1)).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    expect(calls.count).toBe(3);
  });

  test("an unreadable or empty key is an EdgeKeyError naming the cause", async () => {
    await expect(EdgeKey.open(async () => "  ")).rejects.toThrow(new EdgeKeyError("the edge API key read is empty"));
    await expect(EdgeKey.open(async () => Promise.reject(new Error("AccessDeniedException: no")))).rejects.toThrow(
      new EdgeKeyError("the edge API key could not be read: AccessDeniedException: no"),
    );
    expect(() => EdgeKey.fixed("")).toThrow(new EdgeKeyError("the edge API key is empty"));
  });
});

describe("runIngress with an edge key", () => {
  test("a key rotated during the run: every message accepted, the 403s counted as retries with one re-read", async () => {
    let retiredAt: number | undefined;
    target = await startTarget((a, i) => {
      if (i === 10) retiredAt = i; // K1 retired from the 11th request on
      const valid = retiredAt === undefined ? [K1, K2] : [K2];
      return { status: valid.includes(String(a.headers[API_KEY_HEADER])) ? 202 : 403 };
    });
    const { read } = reader(K1, K2);
    const edgeKey = await EdgeKey.open(read, { minRereadIntervalMs: 0 });
    const part = await runIngress({ targetUrl: target.url, secret: SECRET, profile: profile(), runId: "r-rotate", edgeKey });
    const forbidden = part.counts.forbiddenResponses;
    expect(forbidden).toBeGreaterThanOrEqual(1);
    expect(part.counts).toMatchObject({
      offered: 20,
      accepted: 20,
      failed: 0,
      retries: forbidden,
      acceptedAfterRetry: forbidden,
      attempts: 20 + forbidden,
      edgeKeyRereads: 1,
    });
    expect(part.counts.statusCodes).toEqual({ "202": 20, "403": forbidden });
    // a retry is the same signed body, with the new key
    const bySeq = new Map<number, typeof target.arrivals>();
    for (const a of target.arrivals) {
      const seq = JSON.parse(a.body)["x-synthetic"].seq as number;
      bySeq.set(seq, [...(bySeq.get(seq) ?? []), a]);
    }
    const retried = [...bySeq.values()].filter((as) => as.length === 2);
    expect(retried).toHaveLength(forbidden);
    for (const [first, second] of retried) {
      expect([first.headers[API_KEY_HEADER], second.headers[API_KEY_HEADER]]).toEqual([K1, K2]);
      expect(second.body).toBe(first.body);
      expect(second.headers[SIGNATURE_HEADER.toLowerCase()]).toBe(first.headers[SIGNATURE_HEADER.toLowerCase()]);
    }
  });

  test("a key that stays refused fails every message once, with the reason, and no retry storm", async () => {
    target = await startTarget(() => ({ status: 403 }));
    const { read, calls } = reader(K1);
    const edgeKey = await EdgeKey.open(read, { minRereadIntervalMs: 300 });
    const part = await runIngress({
      targetUrl: target.url,
      secret: SECRET,
      profile: profile({ phases: [{ type: "constant", ratePerSecond: 10, durationSeconds: 1 }] }),
      runId: "r-refused",
      edgeKey,
    });
    expect(part.counts).toMatchObject({ offered: 10, accepted: 0, failed: 10, retries: 0, forbiddenResponses: 10 });
    expect(target.arrivals).toHaveLength(10);
    expect(part.failureSamples[0]).toMatch(/^seq \d+: HTTP 403 \(final: the edge API key read again is the one refused\)$/);
    // one read at the start, then at most one per 300 ms over the ~1 s of 403s
    expect(calls.count).toBeLessThanOrEqual(6);
  });

  test("without an edge key a 403 stays final and no key header is sent", async () => {
    target = await startTarget(() => ({ status: 403 }));
    const part = await runIngress({
      targetUrl: target.url,
      secret: SECRET,
      profile: profile({ phases: [{ type: "constant", ratePerSecond: 2, durationSeconds: 1 }] }),
      runId: "r-nokey",
    });
    expect(part.counts).toMatchObject({ failed: 2, retries: 0, forbiddenResponses: 0, edgeKeyRereads: 0 });
    expect(part.failureSamples[0]).toMatch(/HTTP 403 \(final\)$/);
    expect(target.arrivals.every((a) => a.headers[API_KEY_HEADER] === undefined)).toBe(true);
  });
});

describe("the senders read the key where the stack keeps it", () => {
  let secrets: SecretsServer;
  beforeAll(async () => {
    secrets = await startSecretsServer({ region: "eu-west-1", accountId: "123456789012", secrets: { "edge-key": K1 } });
  });
  afterAll(() => secrets.close());

  test("runSpike reads the key secret before traffic and again after a 403 (the secret rotated mid-run)", async () => {
    target = await startTarget((a, i) => {
      if (i === 5) secrets.put("edge-key", K2); // the apply that switches the key in use...
      const valid = i < 5 ? [K1] : [K2]; // ...and retires the old one at once
      return { status: valid.includes(String(a.headers[API_KEY_HEADER])) ? 202 : 403 };
    });
    const report = await runSpike({
      targetUrl: target.url,
      secret: SECRET,
      profile: { phases: [{ type: "constant", ratePerSecond: 20, durationSeconds: 1 }] },
      edgeKey: {
        secretArn: secrets.arnOf("edge-key"),
        secretsManager: { endpoint: secrets.endpoint, region: "eu-west-1", credentials: LOCAL_CREDENTIALS },
      },
    });
    expect(report.counts).toMatchObject({ offered: 20, accepted: 20, failed: 0 });
    expect(report.counts.forbiddenResponses).toBeGreaterThanOrEqual(1);
    expect(report.counts.edgeKeyRereads).toBeGreaterThanOrEqual(1);
  });

  test("runSpike refuses to start when the key secret cannot be read, before any traffic", async () => {
    target = await startTarget();
    await expect(
      runSpike({
        targetUrl: target.url,
        secret: SECRET,
        profile: { phases: [{ type: "constant", ratePerSecond: 5, durationSeconds: 1 }] },
        edgeKey: { secretArn: "nope", secretsManager: { endpoint: secrets.endpoint, region: "eu-west-1", credentials: LOCAL_CREDENTIALS } },
      }),
    ).rejects.toThrow(/^the edge API key could not be read: Secrets Manager can't find the specified secret\.$/);
    expect(target.arrivals).toHaveLength(0);
  });

  test("the Lambda agent reads GCX_API_KEY_SECRET_ARN and sends the key", async () => {
    target = await startTarget((a) => ({ status: a.headers[API_KEY_HEADER] === K2 ? 202 : 403 }));
    const env = loadgenEnvironment({
      targetUrl: target.url,
      signatureSecretArn: "arn:signing",
      apiKeySecretArn: "arn:edge-key",
      profile: JSON.stringify({ phases: [{ type: "constant", ratePerSecond: 5, durationSeconds: 1 }] }),
    });
    const asked: string[] = [];
    const agent = createLoadgenHandler({
      env,
      readSecret: async () => SECRET,
      readApiKey: async (arn) => (asked.push(arn), K2),
      log: () => undefined,
    });
    const part = (await agent({
      role: "agent",
      assignment: {
        runId: "r-lambda",
        profile: profile({ phases: [{ type: "constant", ratePerSecond: 5, durationSeconds: 1 }] }),
        agentIndex: 0,
        agentCount: 1,
        startAtMs: Date.now() + 50,
      },
    })) as IngressPart;
    expect(part.counts).toMatchObject({ offered: 5, accepted: 5, forbiddenResponses: 0 });
    expect(asked).toEqual(["arn:edge-key"]);
  });
});
