import { verify, SIGNATURE_HEADER, readSyntheticMarker } from "cdktf-genesys-consumer/runtime";
import {
  buildSyntheticRequest,
  messageIdFor,
  parseProfile,
  SyntheticMessageFactory,
  type SpikeProfileInput,
} from "../../../lib/runtime/loadgen";
import { createHash } from "node:crypto";

const SECRET = "a-webhook-secret-of-20-chars";

function profile(overrides: Partial<SpikeProfileInput> = {}) {
  return parseProfile({ phases: [{ type: "constant", ratePerSecond: 1, durationSeconds: 1 }], ...overrides });
}

describe("SyntheticMessageFactory: a spliced body template", () => {
  const cases: Array<{ name: string; runId: string; integrationId?: string; p: ReturnType<typeof profile> }> = [
    { name: "defaults", runId: "spike-20250101T000000-abcd1234", p: profile() },
    {
      name: "every fault kind, work, few conversations",
      runId: "r-faults",
      p: profile({
        conversations: 3,
        workMs: 12.5,
        faults: {
          throttle: { fraction: 0.2, retryAfterSeconds: 3, attempts: 2 },
          transient: { fraction: 0.2, attempts: 4 },
          poison: { fraction: 0.2 },
        },
      }),
    },
    { name: "short text (shorter than the [synthetic N] prefix)", runId: "r-short", p: profile({ textLength: 5 }) },
    { name: "long text", runId: "r-long", p: profile({ textLength: 2000 }) },
    // ids that JSON must escape, and non-ASCII ones: the template keeps JSON.stringify's escaping
    {
      name: "odd run and integration ids",
      runId: 'run "quoted" \\ ünïcode ✓',
      integrationId: 'int\u0001"egr\nation',
      p: profile({ workMs: 1 }),
    },
  ];

  test.each(cases)("yields exactly the bytes a fresh build would, and the signature verifies ($name)", ({ runId, integrationId, p }) => {
    const factory = new SyntheticMessageFactory({ runId, profile: p, secret: SECRET, integrationId });
    const seqs = [0, 1, 2, 9, 10, 16, 17, 99, 100, 999, 1000, 12_345, 99_999, 100_000, 1_234_567];
    for (let s = 0; s < 400; s++) seqs.push(s * 37 + 3);
    // planned times: fractional, across second and year boundaries, before 1970 and beyond 9999
    const times = [1_700_000_000_000.4, 1_735_689_599_999.7, 1_735_689_600_000, 0, -1, 253_402_300_800_001, Date.now()];
    let i = 0;
    for (const seq of seqs) {
      const plannedSendMs = times[i++ % times.length] + (seq % 1000);
      const fresh = buildSyntheticRequest({ runId, seq, plannedSendMs, profile: p, secret: SECRET, integrationId });
      const spliced = factory.build(seq, plannedSendMs);
      expect(spliced.body).toBe(fresh.body);
      expect(spliced.headers).toEqual(fresh.headers);
      expect(spliced.marker).toEqual(fresh.marker);
      expect(spliced.messageId).toBe(fresh.messageId);
      const light = factory.body(seq, plannedSendMs);
      expect(light.body).toBe(fresh.body);
      expect(light.signature).toBe(fresh.headers[SIGNATURE_HEADER]);
      expect(verify(light.body, light.signature, [SECRET])).toBe(true);
      expect(verify(light.body, light.signature, ["another-secret-value"])).toBe(false);
      expect(readSyntheticMarker(JSON.parse(light.body))).toEqual(fresh.marker);
    }
  });

  test("every body is unique and carries its own id, seq and planned time", () => {
    const factory = new SyntheticMessageFactory({ runId: "r-unique", profile: profile({ conversations: 2 }), secret: SECRET });
    const bodies = new Set<string>();
    const signatures = new Set<string>();
    for (let seq = 0; seq < 5000; seq++) {
      const { body, signature, messageId } = factory.body(seq, 1_700_000_000_000);
      bodies.add(body);
      signatures.add(signature);
      const msg = JSON.parse(body);
      expect(msg.id).toBe(messageId);
      expect(msg.id).toBe(messageIdFor("r-unique", seq));
      expect(readSyntheticMarker(msg)).toMatchObject({ runId: "r-unique", seq, plannedSendMs: 1_700_000_000_000 });
    }
    expect(bodies.size).toBe(5000);
    expect(signatures.size).toBe(5000);
  });

  test("the factory's signature equals a fresh build's, with the pad signer and with its fallback (long or non-ASCII keys)", () => {
    for (const secret of [SECRET, "s".repeat(100), "clé-secrète-du-webhook"]) {
      const p = profile();
      const factory = new SyntheticMessageFactory({ runId: "r-fallback", profile: p, secret });
      const fresh = buildSyntheticRequest({ runId: "r-fallback", seq: 5, plannedSendMs: 1_700_000_000_000, profile: p, secret });
      expect(factory.body(5, 1_700_000_000_000).signature).toBe(fresh.headers[SIGNATURE_HEADER]);
    }
  });

  test("message ids are the first 32 hex characters of SHA-256(msg:<runId>:<seq>)", () => {
    expect(messageIdFor("r", 7)).toBe(createHash("sha256").update("msg:r:7").digest("hex").slice(0, 32));
  });

  test("a run id containing the template's placeholder text is refused, not spliced wrongly", () => {
    expect(() => new SyntheticMessageFactory({ runId: "@@slot:seq@@", profile: profile(), secret: SECRET })).toThrow(/placeholder/);
  });

  test("an empty secret is refused", () => {
    expect(() => new SyntheticMessageFactory({ runId: "r", profile: profile(), secret: "" })).toThrow(/secret/);
  });
});
