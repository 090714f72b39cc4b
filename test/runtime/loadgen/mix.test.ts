import { verify, SIGNATURE_HEADER, readSyntheticMarker, normalizedMessageSchema, orderingKey } from "cdktf-genesys-consumer/runtime";
import {
  buildSyntheticRequest,
  drawSize,
  MAX_SYNTHETIC_BODY_BYTES,
  messageKindFor,
  MESSAGE_KINDS,
  MessageMix,
  normalCdf,
  normalQuantile,
  parseProfile,
  planArrivals,
  ProfileError,
  SyntheticMessageFactory,
  type MessageKind,
  type SpikeProfileInput,
} from "../../../lib/runtime/loadgen";

const SECRET = "a-webhook-secret-of-20-chars";
const RUN = "spike-mix-test";

function profile(overrides: Partial<SpikeProfileInput> = {}) {
  return parseProfile({ name: "mix", phases: [{ type: "constant", ratePerSecond: 100, durationSeconds: 10 }], ...overrides });
}

const everyKind = profile({
  conversations: 7,
  messages: {
    mix: [
      { kind: "text", weight: 70 },
      { kind: "structured", weight: 10 },
      { kind: "attachment", weight: 5 },
      { kind: "typing", weight: 10 },
      { kind: "receipt", weight: 5 },
    ],
    sizeBytes: { distribution: "lognormal", median: 400, max: 20_000 },
  },
});

function problems(input: unknown): string[] {
  try {
    parseProfile(input);
  } catch (error) {
    if (error instanceof ProfileError) return error.issues;
    throw error;
  }
  return [];
}

describe("message mix: every kind is a message the worker accepts", () => {
  const factory = new SyntheticMessageFactory({ runId: RUN, profile: everyKind, secret: SECRET });
  const byKind = new Map<MessageKind, number[]>();
  for (let seq = 0; seq < 400; seq++) {
    const kind = messageKindFor(everyKind, seq);
    byKind.set(kind, [...(byKind.get(kind) ?? []), seq]);
  }

  test.each(MESSAGE_KINDS.map((k) => [k]))(
    "%s: parses as a NormalizedMessage, signature verifies, marker read back, same as a fresh build",
    (kind) => {
      const seqs = byKind.get(kind as MessageKind) ?? [];
      expect(seqs.length).toBeGreaterThan(5);
      for (const seq of seqs.slice(0, 20)) {
        const planned = 1_735_689_600_000 + seq * 10;
        const request = factory.build(seq, planned);
        expect(request.body).toBe(
          buildSyntheticRequest({ runId: RUN, seq, plannedSendMs: planned, profile: everyKind, secret: SECRET }).body,
        );
        expect(verify(request.body, request.headers[SIGNATURE_HEADER], [SECRET])).toBe(true);
        const json = JSON.parse(request.body) as Record<string, unknown>;
        const parsed = normalizedMessageSchema.safeParse(json);
        expect(parsed.success).toBe(true);
        expect(readSyntheticMarker(json)).toEqual(request.marker);
        expect(parsed.success && parsed.data.id).toBe(request.messageId);
        const expectedType = { text: "Text", structured: "Structured", attachment: "Text", typing: "Event", receipt: "Receipt" }[
          kind as MessageKind
        ];
        expect(json.type).toBe(expectedType);
        if (kind === "attachment") expect((json.content as { contentType: string }[])[0].contentType).toBe("Attachment");
        if (kind === "structured") expect(["QuickReply", "Card"]).toContain((json.content as { contentType: string }[])[0].contentType);
        if (kind === "typing") expect((json.events as { eventType: string }[])[0].eventType).toBe("Typing");
        if (kind === "receipt") expect(json.status).toBe("Delivered");
      }
    },
  );

  it("without `messages` the bodies are today's outbound Text, byte for byte; a text-only mix without sizes is the same", () => {
    const plain = profile();
    const textOnly = profile({ messages: { mix: [{ kind: "text", weight: 1 }] } });
    const a = new SyntheticMessageFactory({ runId: RUN, profile: plain, secret: SECRET });
    const b = new SyntheticMessageFactory({ runId: RUN, profile: textOnly, secret: SECRET });
    for (let seq = 0; seq < 50; seq++) {
      expect(b.body(seq, 1_000 + seq).body).toBe(a.body(seq, 1_000 + seq).body);
      expect(JSON.parse(a.body(seq, 1_000 + seq).body).type).toBe("Text");
    }
  });
});

describe("message mix: proportions, sizes, order", () => {
  it("the kinds over 10,000 messages are within 1 % of their weights", () => {
    const n = 10_000;
    const counts: Record<string, number> = {};
    for (let seq = 0; seq < n; seq++) {
      const kind = messageKindFor(everyKind, seq);
      counts[kind] = (counts[kind] ?? 0) + 1;
    }
    const expected = { text: 0.7, structured: 0.1, attachment: 0.05, typing: 0.1, receipt: 0.05 };
    for (const [kind, share] of Object.entries(expected)) expect(Math.abs(counts[kind] / n - share)).toBeLessThan(0.01);
  });

  it("the kinds depend on the seed (default: the profile name) and nothing else", () => {
    const seqKinds = (p: ReturnType<typeof profile>) => Array.from({ length: 200 }, (_, s) => messageKindFor(p, s)).join(",");
    const spec = everyKind.messages;
    expect(seqKinds(profile({ name: "mix", messages: spec }))).toBe(seqKinds(everyKind));
    expect(seqKinds(profile({ name: "other", messages: spec }))).not.toBe(seqKinds(everyKind));
    expect(seqKinds(profile({ name: "other", seed: "mix", messages: spec }))).toBe(seqKinds(everyKind));
  });

  it("text-carrying bodies have exactly the drawn size (above their ~600-byte envelope), within max; typing and receipts keep their natural size", () => {
    const factory = new SyntheticMessageFactory({ runId: RUN, profile: everyKind, secret: SECRET });
    const mix = new MessageMix(everyKind.messages!, "mix");
    const sizes: number[] = [];
    let exact = 0;
    for (let seq = 0; seq < 3000; seq++) {
      const { body } = factory.body(seq, 1_735_689_600_000 + seq);
      const kind = messageKindFor(everyKind, seq);
      if (kind === "typing" || kind === "receipt") {
        expect(body.length).toBeLessThan(1000);
        continue;
      }
      const target = mix.sizeOf(seq)!;
      expect(Buffer.byteLength(body)).toBe(body.length);
      expect(body.length).toBeLessThanOrEqual(20_000);
      if (target >= 1000) {
        expect(body.length).toBe(target);
        exact++;
      } else expect(body.length).toBeLessThanOrEqual(1000);
      sizes.push(body.length);
    }
    expect(exact).toBeGreaterThan(100);
    sizes.sort((x, y) => x - y);
    expect(sizes[sizes.length - 1]).toBeGreaterThan(4000); // the tail is drawn, not clamped to the median
  });

  it("drawSize: fixed, uniform and truncated lognormal stay within bounds; the lognormal median is the median", () => {
    expect(drawSize({ distribution: "fixed", bytes: 5000 }, 0.3)).toBe(5000);
    const uniform = Array.from({ length: 1000 }, (_, i) => drawSize({ distribution: "uniform", min: 1000, max: 2000 }, (i + 0.5) / 1000));
    expect(Math.min(...uniform)).toBe(1000);
    expect(Math.max(...uniform)).toBe(2000);
    const ln = { distribution: "lognormal" as const, median: 400, sigma: 1, min: 1, max: 1e6 };
    expect(drawSize(ln, 0.5)).toBeGreaterThanOrEqual(399);
    expect(drawSize(ln, 0.5)).toBeLessThanOrEqual(401);
    const truncated = { distribution: "lognormal" as const, median: 400, sigma: 2, min: 300, max: 600 };
    for (let i = 0; i < 100; i++) {
      const v = drawSize(truncated, i / 100);
      expect(v).toBeGreaterThanOrEqual(300);
      expect(v).toBeLessThanOrEqual(600);
    }
    expect(normalQuantile(normalCdf(1.3))).toBeCloseTo(1.3, 5);
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
  });

  it("a body at the pipeline limit is built at exactly 784,803 bytes", () => {
    const p = profile({
      messages: { mix: [{ kind: "attachment", weight: 1 }], sizeBytes: { distribution: "fixed", bytes: MAX_SYNTHETIC_BODY_BYTES } },
    });
    const { body } = new SyntheticMessageFactory({ runId: RUN, profile: p, secret: SECRET }).body(3, 1_000);
    expect(MAX_SYNTHETIC_BODY_BYTES).toBe(784_803);
    expect(Buffer.byteLength(body)).toBe(784_803);
  });

  it("FIFO: one conversation is one ordering key, and its messages are planned in sequence order", () => {
    const plan = planArrivals(everyKind);
    const factory = new SyntheticMessageFactory({ runId: RUN, profile: everyKind, secret: SECRET });
    const byKey = new Map<string, { seq: number; planned: number }[]>();
    for (let seq = 0; seq < plan.length; seq++) {
      const message = normalizedMessageSchema.parse(JSON.parse(factory.body(seq, 1_735_689_600_000 + plan[seq]).body));
      const key = orderingKey(message);
      byKey.set(key, [...(byKey.get(key) ?? []), { seq, planned: plan[seq] }]);
    }
    expect(byKey.size).toBe(7);
    for (const list of byKey.values()) {
      expect(list.length).toBeGreaterThan(100);
      for (let i = 1; i < list.length; i++) {
        expect(list[i].seq).toBeGreaterThan(list[i - 1].seq);
        expect(list[i].planned).toBeGreaterThanOrEqual(list[i - 1].planned);
      }
    }
  });
});

describe("message mix: bad input is refused naming the field", () => {
  const base = { phases: [{ type: "constant", ratePerSecond: 1, durationSeconds: 1 }] };
  it.each([
    [
      { messages: { sizeBytes: { distribution: "fixed", bytes: 784_804 } } },
      "messages.sizeBytes.bytes: Number must be less than or equal|at most 784803 bytes",
    ],
    [
      { messages: { sizeBytes: { distribution: "lognormal", median: 400, max: 1_000_000 } } },
      "messages.sizeBytes.max: .*at most 784803 bytes",
    ],
    [
      { messages: { sizeBytes: { distribution: "uniform", min: 900, max: 800 } } },
      "messages.sizeBytes.min: min \\(900\\) is above max \\(800\\)",
    ],
    [
      { messages: { sizeBytes: { distribution: "lognormal", median: 50, min: 100 } } },
      "messages.sizeBytes.median: median \\(50\\) must lie between",
    ],
    [{ messages: { mix: [{ kind: "video", weight: 1 }] } }, "messages.mix.0.kind: Invalid enum value. Expected 'text' \\| 'structured'"],
    [{ messages: { mix: [{ kind: "text", weight: 0 }] } }, "messages.mix.0.weight"],
    [
      {
        messages: {
          mix: [
            { kind: "text", weight: 1 },
            { kind: "text", weight: 2 },
          ],
        },
      },
      'messages.mix.1.kind: "text" is listed twice',
    ],
    [{ messages: { sizes: {} } }, "messages: Unrecognized key\\(s\\) in object: 'sizes'"],
    [
      { phases: [{ type: "constant", ratePerSecond: 1, durationSeconds: 1, arrivals: "bursty" }] },
      "phases.0.arrivals: Invalid enum value. Expected 'uniform' \\| 'poisson'",
    ],
  ])("%j", (overrides, message) => {
    const issues = problems({ ...base, ...overrides });
    expect(issues.join("\n")).toMatch(new RegExp(message));
  });
});
