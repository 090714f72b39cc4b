/**
 * Bad input never gets in, never takes anything down: a table of bad requests against the
 * local ingress and worker of the emulated demo stack (queue message size limit set to
 * 8 KiB so the size rows are cheap). Each row states its expected outcome — refused at the
 * ingress (nothing enqueued), dead-lettered in the DLQ with its reason (the handler never
 * ran), delivered, or deduplicated — and asserts it; a valid message is sent after every
 * row and all of them must be delivered exactly once; then a short spike must pass and the
 * worker must not have failed a single invocation.
 *
 * `npm run test:e2e -- bad-input` (RELIABILITY_UPDATE_DOCS=1 to refresh docs/guides/reliability.md).
 */
import { randomUUID } from "node:crypto";
import { request } from "node:http";
import { sign, SIGNATURE_HEADER } from "../../lib/runtime/signature";
import { WORKER_CONTRACT } from "../../lib/runtime/contract";
import { maxIngressBodyBytes } from "../../lib/runtime/ingress-body";
import type { DeadLetterReason } from "../../lib/runtime/dead-letter";
import { runLocalStack, type LocalRunResult, type RunningStack } from "../../lib/local/run";
import { watchDeadLetters, type ObservedDeadLetter } from "./helpers/dead-letters";
import { synthVariant } from "./helpers/stacks";
import { failedCorrectnessChecks } from "./local-helpers";
import { markdownTable, publishTable } from "./helpers/tables";

/** The queue's MaximumMessageSize in this stack, bytes. */
const SIZE_LIMIT = 8192;
/** The largest body the ingress accepts with it: base64-encoded, with the marker and the signature attribute (lib/runtime/ingress-body.ts). */
const MAX_BODY = maxIngressBodyBytes(SIZE_LIMIT);

interface Reply {
  readonly status: number;
  readonly body: string;
}

/** One raw HTTP request (full control over method, headers and bytes). */
function send(url: string, options: { method?: string; headers?: Record<string, string>; body?: Buffer | string }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : Buffer.isBuffer(options.body) ? options.body : Buffer.from(options.body, "utf8");
    const req = request(
      url,
      { method: options.method ?? "POST", headers: { ...(body ? { "content-length": String(body.length) } : {}), ...options.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** A Genesys-shaped outbound NormalizedMessage (a real one: no synthetic marker). */
function message(id: string, text = "hello"): Record<string, unknown> {
  return {
    id,
    channel: {
      id: "9a1b5c1e-0000-4000-8000-bad1d0000000",
      platform: "Open",
      type: "Private",
      to: { id: `customer-${id}` },
      from: { id: "bot" },
      time: new Date().toISOString(),
    },
    type: "Text",
    text,
    direction: "Outbound",
  };
}

/** A valid message whose body is exactly `bytes` bytes. */
function messageOfBodySize(id: string, bytes: number): string {
  const base = JSON.stringify(message(id, ""));
  const body = JSON.stringify(message(id, "x".repeat(bytes - Buffer.byteLength(base))));
  if (Buffer.byteLength(body) !== bytes) throw new Error("size arithmetic");
  return body;
}

type Expected =
  | { readonly kind: "refused"; readonly status: number }
  | { readonly kind: "dead-lettered"; readonly reason: DeadLetterReason }
  | { readonly kind: "delivered" }
  | { readonly kind: "deduplicated" };

interface Row {
  readonly input: string;
  readonly expected: Expected;
  /** Sends the row's request(s); returns the replies and the message id / body tag to look for. */
  readonly send: (ctx: { url: string; secret: string; tag: string }) => Promise<{ replies: Reply[]; id?: string }>;
}

const json = { "content-type": "application/json" };
const signedPost = (url: string, body: string | Buffer, secret: string, extra: Record<string, string> = {}) =>
  send(url, { body, headers: { ...json, [SIGNATURE_HEADER]: sign(body, secret), ...extra } });

const rows: Row[] = [
  {
    input: "no signature header",
    expected: { kind: "refused", status: 400 },
    send: async ({ url, tag }) => ({ replies: [await send(url, { body: JSON.stringify(message(tag)), headers: json })] }),
  },
  {
    input: "wrong signature (random digest)",
    expected: { kind: "dead-lettered", reason: "invalid-signature" },
    send: async ({ url, tag }) => ({
      id: tag,
      replies: [
        await send(url, {
          body: JSON.stringify(message(tag)),
          headers: { ...json, [SIGNATURE_HEADER]: `sha256=${Buffer.from(randomUUID()).toString("base64")}` },
        }),
      ],
    }),
  },
  {
    input: "signature over a different body",
    expected: { kind: "dead-lettered", reason: "invalid-signature" },
    send: async ({ url, secret, tag }) => ({
      id: tag,
      replies: [
        await send(url, {
          body: JSON.stringify(message(tag)),
          headers: { ...json, [SIGNATURE_HEADER]: sign(JSON.stringify(message(`${tag}-other`)), secret) },
        }),
      ],
    }),
  },
  {
    input: "hex digest instead of base64",
    expected: { kind: "dead-lettered", reason: "invalid-signature" },
    send: async ({ url, secret, tag }) => {
      const body = JSON.stringify(message(tag));
      const hex = `sha256=${Buffer.from(sign(body, secret).slice("sha256=".length), "base64").toString("hex")}`;
      return { id: tag, replies: [await send(url, { body, headers: { ...json, [SIGNATURE_HEADER]: hex } })] };
    },
  },
  {
    input: "signed with the wrong secret",
    expected: { kind: "dead-lettered", reason: "invalid-signature" },
    send: async ({ url, tag }) => ({ id: tag, replies: [await signedPost(url, JSON.stringify(message(tag)), "not-the-secret")] }),
  },
  {
    input: "empty body (signed)",
    expected: { kind: "refused", status: 500 },
    send: async ({ url, secret }) => ({ replies: [await signedPost(url, "", secret)] }),
  },
  {
    input: "malformed JSON (signed)",
    expected: { kind: "dead-lettered", reason: "malformed" },
    send: async ({ url, secret, tag }) => ({ id: tag, replies: [await signedPost(url, `{"id":"${tag}","channel":{`, secret)] }),
  },
  {
    input: "valid JSON, not a NormalizedMessage (signed)",
    expected: { kind: "dead-lettered", reason: "malformed" },
    send: async ({ url, secret, tag }) => ({ id: tag, replies: [await signedPost(url, JSON.stringify({ tag, hello: "world" }), secret)] }),
  },
  {
    input: `body 1 byte over the size budget (${MAX_BODY + 1} B: base64 with its attributes over the queue's ${SIZE_LIMIT} B)`,
    expected: { kind: "refused", status: 413 },
    send: async ({ url, secret, tag }) => ({ replies: [await signedPost(url, messageOfBodySize(tag, MAX_BODY + 1), secret)] }),
  },
  {
    input: `body at exactly the size budget (${MAX_BODY} B for a queue of ${SIZE_LIMIT} B)`,
    expected: { kind: "delivered" },
    send: async ({ url, secret, tag }) => ({ id: tag, replies: [await signedPost(url, messageOfBodySize(tag, MAX_BODY), secret)] }),
  },
  {
    input: "signature also in the query string (?X-Hub-Signature-256=<forged>), genuine header",
    expected: { kind: "delivered" },
    send: async ({ url, secret, tag }) => {
      const body = JSON.stringify(message(tag));
      return {
        id: tag,
        replies: [await signedPost(`${url}?${SIGNATURE_HEADER}=${encodeURIComponent(sign(body, "forger"))}`, body, secret)],
      };
    },
  },
  {
    input: "signature header name in lower case",
    expected: { kind: "delivered" },
    send: async ({ url, secret, tag }) => {
      const body = JSON.stringify(message(tag));
      return { id: tag, replies: [await send(url, { body, headers: { ...json, [SIGNATURE_HEADER.toLowerCase()]: sign(body, secret) } })] };
    },
  },
  {
    input: "U+FFFE, U+FFFF and a raw control character in the text (signed; SQS refuses them as text)",
    expected: { kind: "delivered" },
    send: async ({ url, secret, tag }) => ({
      id: tag,
      replies: [await signedPost(url, JSON.stringify(message(tag, "a\uFFFEb\uFFFFc\u0001")), secret)],
    }),
  },
  {
    input: "JSON with a byte order mark (signed)",
    expected: { kind: "dead-lettered", reason: "malformed" },
    send: async ({ url, secret, tag }) => ({ id: tag, replies: [await signedPost(url, `\uFEFF${JSON.stringify(message(tag))}`, secret)] }),
  },
  {
    input: "wrong method (GET)",
    expected: { kind: "refused", status: 403 },
    send: async ({ url, secret, tag }) => {
      const body = JSON.stringify(message(tag));
      return { replies: [await send(url, { method: "GET", headers: { [SIGNATURE_HEADER]: sign(body, secret) } })] };
    },
  },
  {
    input: "wrong path",
    expected: { kind: "refused", status: 403 },
    send: async ({ url, secret, tag }) => ({ replies: [await signedPost(`${url}-elsewhere`, JSON.stringify(message(tag)), secret)] }),
  },
  {
    input: "wrong content type (text/plain, signed)",
    expected: { kind: "refused", status: 415 },
    send: async ({ url, secret, tag }) => ({
      replies: [await signedPost(url, JSON.stringify(message(tag)), secret, { "content-type": "text/plain" })],
    }),
  },
  {
    input: "a huge header (32 KiB)",
    expected: { kind: "refused", status: 431 },
    send: async ({ url, secret, tag }) => ({
      replies: [await signedPost(url, JSON.stringify(message(tag)), secret, { "x-filler": "a".repeat(32 * 1024) })],
    }),
  },
  {
    input: "non-UTF-8 bytes in the body (signed over the raw bytes)",
    expected: { kind: "dead-lettered", reason: "invalid-signature" },
    send: async ({ url, secret, tag }) => {
      const text = JSON.stringify(message(tag, "@@@"));
      const raw = Buffer.from(text, "utf8");
      const at = raw.indexOf("@@@");
      raw[at] = 0xff;
      raw[at + 1] = 0xfe;
      raw[at + 2] = 0xc3;
      return { id: tag, replies: [await signedPost(url, raw, secret)] };
    },
  },
  {
    input: "a valid message replayed (same id, sent twice)",
    expected: { kind: "deduplicated" },
    send: async ({ url, secret, tag }) => {
      const body = JSON.stringify(message(tag));
      return { id: tag, replies: [await signedPost(url, body, secret), await signedPost(url, body, secret)] };
    },
  },
];

interface Observation {
  readonly row: Row;
  readonly tag: string;
  readonly statuses: number[];
  readonly enqueued: number;
  readonly id?: string;
  observed: string;
  ok: boolean;
}

const until = async (what: string, check: () => boolean, timeoutMs: number) => {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
};

describe("bad input never gets in, never takes anything down (emulated demo stack)", () => {
  const observations: Observation[] = [];
  const valid: string[] = [];
  let deadLetters: ObservedDeadLetter[] = [];
  let result: LocalRunResult | undefined;
  let effects: Map<string, number> = new Map();

  beforeAll(
    async () => {
      const variant = synthVariant({
        worker: { maxConcurrency: 2, timeoutSeconds: 10, downstreamRequestsPerMinute: 6000 },
        queue: { maxMessageSizeBytes: SIZE_LIMIT },
      });
      try {
        result = await runLocalStack({
          stack: variant.stackDir,
          html: false,
          reportDir: "reports/reliability/runs",
          overrides: { downstreamRatePerSecond: 1000 },
          profile: {
            name: "after-bad-input",
            phases: [{ type: "constant", ratePerSecond: 20, durationSeconds: 3 }],
            reconcile: { deadlineSeconds: 60, pollIntervalSeconds: 0.5 },
            slo: { ackP99Ms: 5000, endToEndP99Ms: 60_000 },
          },
          beforeSpike: async (running: RunningStack) => {
            const watcher = watchDeadLetters(running.sqsEndpoint, running.region, running.workerEnvironment[WORKER_CONTRACT.dlqUrl.env]);
            try {
              for (const row of rows) {
                const tag = `bad-${observations.length}-${randomUUID().slice(0, 8)}`;
                const before = running.apiStats.enqueued;
                const { replies, id } = await row.send({ url: running.targetUrl, secret: running.secret, tag });
                observations.push({
                  row,
                  tag,
                  id,
                  statuses: replies.map((r) => r.status),
                  enqueued: running.apiStats.enqueued - before,
                  observed: "",
                  ok: false,
                });
                // A valid message after every row: all must be delivered once.
                const good = `valid-${observations.length}-${randomUUID().slice(0, 8)}`;
                const body = JSON.stringify(message(good));
                const reply = await signedPost(running.targetUrl, body, running.secret);
                if (reply.status !== 200)
                  throw new Error(`a valid message after "${row.input}" was answered ${reply.status}: ${reply.body}`);
                valid.push(good);
              }
              const expectedDeadLetters = observations.filter((o) => o.row.expected.kind === "dead-lettered").length;
              const wanted = [
                ...valid,
                ...observations
                  .filter((o) => o.row.expected.kind === "delivered" || o.row.expected.kind === "deduplicated")
                  .map((o) => o.id!),
              ];
              await until(
                "the valid messages and the dead letters",
                () => wanted.every((id) => running.downstream.effects(id) >= 1) && watcher.seen.length >= expectedDeadLetters,
                60_000,
              );
              // Time for a duplicate to show up, if there were one.
              await new Promise((r) => setTimeout(r, 2000));
            } finally {
              await watcher.stop();
              deadLetters = watcher.seen;
              effects = new Map([...valid, ...observations.map((o) => o.id ?? o.tag)].map((id) => [id, running.downstream.effects(id)]));
            }
          },
        });
      } finally {
        variant.cleanup();
      }
      for (const o of observations) {
        const letter = deadLetters.find((d) => d.body.includes(o.tag));
        const effect = effects.get(o.id ?? o.tag) ?? 0;
        const e = o.row.expected;
        const statuses = o.statuses.join(", ");
        if (e.kind === "refused") {
          o.ok = o.statuses.every((s) => s === e.status) && o.enqueued === 0 && !letter && effect === 0;
          o.observed = `${statuses}, ${o.enqueued} enqueued`;
        } else if (e.kind === "dead-lettered") {
          o.ok =
            o.statuses.every((s) => s === 200) && letter?.context?.reason === e.reason && effect === 0 && letter.context.attempts === 1;
          o.observed = `${statuses}; ${letter ? `DLQ, reason ${letter.context?.reason ?? "(no context)"}: ${letter.context?.message ?? ""}` : "not in the DLQ"}; handler ran ${effect} time(s)`;
        } else if (e.kind === "delivered") {
          o.ok = o.statuses.every((s) => s === 200) && effect === 1 && !letter;
          o.observed = `${statuses}; delivered, side effect ${effect} time(s)`;
        } else {
          o.ok = o.statuses.length === 2 && o.statuses.every((s) => s === 200) && o.enqueued === 2 && effect === 1 && !letter;
          o.observed = `${statuses} (${o.enqueued} enqueued); side effect ${effect} time(s)`;
        }
      }
      const expectedText = (e: Expected) =>
        e.kind === "refused"
          ? `refused at the ingress: ${e.status}, nothing enqueued`
          : e.kind === "dead-lettered"
            ? `200, then DLQ with reason \`${e.reason}\`, handler never runs`
            : e.kind === "delivered"
              ? "200, delivered once"
              : "200 twice, side effect once";
      const validDelivered = valid.filter((id) => effects.get(id) === 1).length;
      publishTable(
        "bad-input",
        "#### Bad input never gets in, never takes anything down",
        markdownTable(
          ["input", "expected", "observed", "ok"],
          [
            ...observations.map((o) => [o.row.input, expectedText(o.row.expected), o.observed, o.ok ? "yes" : "NO"]),
            [
              "a valid message after each row",
              `${valid.length} delivered once`,
              `${validDelivered} delivered once`,
              validDelivered === valid.length ? "yes" : "NO",
            ],
            [
              "a spike after all of it (60 messages)",
              "PASS, no failed invocation",
              `${result?.verdict ?? "-"}, ${result?.emulator.functions[0]?.stats.errors ?? "-"} failed invocations`,
              result?.verdict === "PASS" && result.emulator.functions[0]?.stats.errors === 0 ? "yes" : "NO",
            ],
          ],
        ),
      );
    },
    5 * 60 * 1000,
  );

  test.each(rows.map((r) => [r.input, r] as const))("%s", (_input, row) => {
    const o = observations.find((x) => x.row === row);
    expect(o).toBeDefined();
    expect({ input: row.input, observed: o!.observed, ok: o!.ok }).toEqual({ input: row.input, observed: o!.observed, ok: true });
  });

  test("every valid message sent in between is delivered exactly once", () => {
    expect(valid).toHaveLength(rows.length);
    expect(valid.map((id) => [id, effects.get(id)])).toEqual(valid.map((id) => [id, 1]));
  });

  test("every dead letter carries its context and the original signature attribute when there was one", () => {
    const ours = deadLetters.filter((d) => observations.some((o) => d.body.includes(o.tag)));
    expect(ours.length).toBe(rows.filter((r) => r.expected.kind === "dead-lettered").length);
    for (const d of ours) {
      expect(d.context).toMatchObject({ attempts: 1, requestId: expect.any(String), sourceQueueArn: expect.stringContaining(":") });
      expect(d.attributes).toContain(SIGNATURE_HEADER);
    }
  });

  test("nothing is taken down: a spike afterwards passes and no invocation failed", () => {
    expect(result && failedCorrectnessChecks(result)).toEqual([]);
    expect(result?.emulator.functions[0].stats.errors).toBe(0);
    expect(result?.emulator.functions[0].stats.timeouts).toBe(0);
  });
});
