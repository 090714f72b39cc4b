/**
 * The ingress's mapping templates as synthesized, rendered by the emulator's engine
 * (test/helpers/vtl.ts): headers read from the header map only, every body carried byte for
 * byte (base64 with its marker), the FIFO group derived without ever parsing a body that is
 * not a JSON object, SQS's size refusal answered 413 and counted.
 */
import { ValidationError } from "../../lib";
import { JSON_GUARD_PASSES, defaultOrderingKeyLines, jsonObjectGuardLines } from "../../lib/constructs/ingress-template";
import { TemplateError, renderResponseTemplate } from "../../lib/local/vtl";
import { sign } from "../../lib/runtime";
import { messageAttributes, parseQuery, renderMappingTemplate, sentBody } from "../helpers/vtl";
import { Synthesized, errorOf, synthIngress } from "./support";

const SECRET = "0123456789abcdef0123456789";

/** The request template as API Gateway reads it (Terraform's `$${` is a literal `${`). */
function requestTemplate(out: Synthesized): string {
  return out
    .one("aws_api_gateway_integration")
    .request_templates["application/json"].replace(/\$\$\{/g, "${")
    .replace(/%%\{/g, "%{");
}

const message = (text: string) =>
  JSON.stringify({
    id: "m-1",
    channel: { id: "c-1", to: { id: "customer-1" }, time: "2025-03-14T09:26:53.589Z" },
    type: "Text",
    text,
    direction: "Outbound",
  });

describe("headers are read from the header map only", () => {
  const template = requestTemplate(synthIngress({ extraHeaders: ["X-Trace"] }));
  const body = message("hi");
  const signature = sign(body, SECRET);

  it("ignores a query parameter named like the signature header or an extra header", () => {
    const params = parseQuery(
      renderMappingTemplate(template, {
        body,
        headers: { "X-Hub-Signature-256": signature, "X-Trace": "t-1" },
        query: { "X-Hub-Signature-256": "sha256=forged", "X-Trace": "forged" },
      }),
    );
    expect(messageAttributes(params)).toEqual({ "x-body-encoding": "base64", "X-Hub-Signature-256": signature, "X-Trace": "t-1" });
  });

  it("does not take a query parameter for a header that is absent", () => {
    const params = parseQuery(renderMappingTemplate(template, { body, query: { "X-Hub-Signature-256": signature, "X-Trace": "t-1" } }));
    expect(messageAttributes(params)).toEqual({ "x-body-encoding": "base64" });
  });

  it("matches header names whatever their case", () => {
    for (const name of ["x-hub-signature-256", "X-HUB-SIGNATURE-256", "x-Hub-Signature-256"]) {
      const params = parseQuery(renderMappingTemplate(template, { body, headers: { [name]: signature, "x-trace": "t-2" } }));
      expect(messageAttributes(params)).toEqual({ "x-body-encoding": "base64", "X-Hub-Signature-256": signature, "X-Trace": "t-2" });
    }
  });

  it("(why: $input.params(name) searches the path, then the query string, then the headers)", () => {
    const out = renderMappingTemplate("$input.params('X-Hub-Signature-256')|$input.params().header.get('X-Hub-Signature-256')", {
      body,
      headers: { "X-Hub-Signature-256": signature },
      query: { "X-Hub-Signature-256": "sha256=forged" },
    });
    expect(out).toBe(`sha256=forged|${signature}`);
  });
});

describe("every legal body reaches SQS byte for byte", () => {
  const bodies = {
    "U+FFFE and U+FFFF": message("\uFFFE\uFFFF"),
    "control characters SQS refuses (U+0001, U+001F, escaped and raw)": `{"text":"\u0001\u001f","x":"\\u0000"}`,
    "a byte order mark": `\uFEFF${message("bom")}`,
    "astral characters": message("😀 𝄞"),
    "not JSON": "plain text ✓",
  };
  for (const fifo of [false, true]) {
    const template = requestTemplate(synthIngress({ fifo }));
    for (const [name, body] of Object.entries(bodies)) {
      it(`${fifo ? "FIFO" : "standard"}: ${name}, base64 with the marker, signature verifiable on the decoded bytes`, () => {
        const params = parseQuery(renderMappingTemplate(template, { body, headers: { "X-Hub-Signature-256": sign(body, SECRET) } }));
        expect(params.MessageBody).toMatch(/^[A-Za-z0-9+/]*={0,2}$/);
        expect(Buffer.from(params.MessageBody, "base64").equals(Buffer.from(body, "utf8"))).toBe(true);
        expect(messageAttributes(params)["x-body-encoding"]).toBe("base64");
        expect(sign(Buffer.from(params.MessageBody, "base64"), SECRET)).toBe(messageAttributes(params)["X-Hub-Signature-256"]);
      });
    }
  }
});

describe("a FIFO pipeline accepts what a standard one accepts", () => {
  const template = requestTemplate(synthIngress({ fifo: true }));
  const render = (body: string, requestId = "5f0c2a4e-0000-4000-8000-000000000001") =>
    parseQuery(renderMappingTemplate(template, { body, headers: { "X-Hub-Signature-256": sign(body, SECRET) }, context: { requestId } }));

  it("gives a body that is not a JSON object the group unordered:<request id>, without parsing it", () => {
    for (const body of ["plain text", `\uFEFF${message("bom")}`, '{"id":"m-1","channel":{', "[1,2]", '"a string"', "", '{"a":1}{"b":2}']) {
      const params = render(body);
      expect(params.MessageGroupId).toBe("unordered:5f0c2a4e-0000-4000-8000-000000000001");
      expect(sentBody(params)).toBe(body);
    }
  });

  it("keeps the conversation's group for a JSON object", () => {
    expect(render(message("hi")).MessageGroupId).toBe("c-1%3Acustomer-1");
    expect(render(`  \n${message("leading whitespace")}\t`).MessageGroupId).toBe("c-1%3Acustomer-1");
  });

  it("never collides with a conversation: a body naming the request id as its key still gets the URL-encoded key", () => {
    const body = JSON.stringify({ id: "m-1", channel: { id: "unordered", to: { id: "5f0c2a4e-0000-4000-8000-000000000001" } } });
    expect(render(body).MessageGroupId).toBe("unordered%3A5f0c2a4e-0000-4000-8000-000000000001");
  });

  it("(why: a template that parses a body that is not JSON fails before the integration, which API Gateway answers 400)", () => {
    const unguarded = "#set($key = \"$!input.path('$.channel.id')\")$key";
    const error = errorOf(() => renderMappingTemplate(unguarded, { body: "plain text" }));
    expect(error).toBeInstanceOf(TemplateError);
    // the emulator answers this error 400 "Invalid JSON in request body" (lib/local/api-gateway.ts), as API Gateway does
    expect(error.message).toBe("Invalid JSON in request bodyon $!input.path('$.channel.id') at L/N 1:0");
    expect(() => renderMappingTemplate(template, { body: "plain text" })).not.toThrow();
  });
});

/** A deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random JSON value (strings with escapes and characters SQS refuses, numbers, nesting). */
function randomJson(r: () => number, depth: number): unknown {
  const pick = Math.floor(r() * (depth > 5 ? 4 : 7));
  const strings = ["", "a", 'q"uote', "back\\slash", "\u0001\u001f", "\uFFFE\uFFFF", "é😀", "\u2028", "new\nline", "{[:,]}", "true"];
  switch (pick) {
    case 0:
      return strings[Math.floor(r() * strings.length)];
    case 1:
      return [0, -1, 1.5, -2.5e10, 1e-7, 123456789012, 0.1][Math.floor(r() * 7)];
    case 2:
      return [true, false, null][Math.floor(r() * 3)];
    case 3:
      return strings[Math.floor(r() * strings.length)] + String(Math.floor(r() * 10));
    case 4:
      return Array.from({ length: Math.floor(r() * 4) }, () => randomJson(r, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: Math.floor(r() * 4) }, (_, i) => [
          `${strings[Math.floor(r() * strings.length)]}${i}`,
          randomJson(r, depth + 1),
        ]),
      );
  }
}

/** Text with one random edit: many edits make invalid JSON, some keep it valid. */
function mutate(r: () => number, text: string): string {
  const at = Math.floor(r() * (text.length + 1));
  const pieces = [
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    '"',
    "\\",
    " ",
    "0",
    "01",
    "-",
    ".",
    "e",
    "tru",
    "null",
    "x",
    "\uFEFF",
    "'",
    "\u0001",
    "1.",
    "S",
    "V",
    "M",
    "L",
    "_",
  ];
  switch (Math.floor(r() * 3)) {
    case 0:
      return text.slice(0, at) + text.slice(at + 1);
    case 1:
      return text.slice(0, at) + pieces[Math.floor(r() * pieces.length)] + text.slice(at);
    default:
      return text.slice(0, at) + pieces[Math.floor(r() * pieces.length)] + text.slice(at + 1);
  }
}

describe("the FIFO guard never proves a body JSON that is not, and proves ordinary JSON objects", () => {
  const guard = `${jsonObjectGuardLines().join("")}$json`;
  const proven = (body: string) => renderMappingTemplate(guard, { body }) === "true";
  const isJsonObject = (body: string) => {
    try {
      const v: unknown = JSON.parse(body);
      return typeof v === "object" && v !== null && !Array.isArray(v);
    } catch {
      return false;
    }
  };

  it("on 3,000 random objects and their mutations: proven implies JSON.parse gives an object; every unmutated object is proven", () => {
    const r = rng(20250314);
    let provenCount = 0;
    for (let i = 0; i < 1500; i++) {
      const value = Object.fromEntries([
        ["id", `m-${i}`],
        ["v", randomJson(r, 0)],
      ]);
      const text = r() < 0.5 ? JSON.stringify(value) : JSON.stringify(value, null, 2);
      expect({ text, proven: proven(text) }).toEqual({ text, proven: true });
      let mutated = text;
      for (let k = 0; k < 1 + Math.floor(r() * 3); k++) mutated = mutate(r, mutated);
      const p = proven(mutated);
      if (p) provenCount++;
      expect({ mutated, proven: p, object: isJsonObject(mutated) }).toEqual({
        mutated,
        proven: p,
        object: p ? true : isJsonObject(mutated),
      });
    }
    // some mutations stay valid JSON (a space, a digit): the guard proves those too
    expect(provenCount).toBeGreaterThan(0);
  });

  it("refuses the known traps", () => {
    for (const body of [
      '{"a":1,}',
      "{'a':1}",
      '{"a":01}',
      '{"a":1.}',
      '{"a":.5}',
      '{"a":tru}',
      '{"a":"\\x"}',
      '{"a":"\u0001"}',
      '{"a" 1}',
      "{,}",
      '{"a":1}}',
      "{} {}",
      "{},{}",
      "{S:V}",
      '{"a":V}',
      "\uFEFF{}",
      '{"a":"\uFFFD"}',
      `{"a":${"9".repeat(65)}}`,
    ]) {
      expect({ body, proven: proven(body) }).toEqual({ body, proven: false });
    }
  });

  it(`proves nesting up to its ${JSON_GUARD_PASSES} passes, and leaves deeper bodies unproven (still accepted)`, () => {
    expect(proven(`${'{"a":'.repeat(30)}1${"}".repeat(30)}`)).toBe(true);
    expect(proven(`${'{"a":'.repeat(60)}1${"}".repeat(60)}`)).toBe(false);
  });
});

describe("a body over the size budget", () => {
  const out = synthIngress();
  const clientError = out.list("aws_api_gateway_integration_response").find((r) => r.status_code === "500");

  it("is answered 413 when SQS refuses it as too long, any other SQS 4xx staying 500", () => {
    const template = clientError.response_templates["application/json"];
    const sqsError = (message: string) =>
      JSON.stringify({ Error: { Type: "Sender", Code: "InvalidParameterValue", Message: message, Detail: null }, RequestId: "r" });
    const tooLong = renderResponseTemplate(
      template,
      {
        body: sqsError("One or more parameters are invalid. Reason: Message must be shorter than 1046509 bytes."),
        headers: {},
        query: {},
        path: {},
      },
      { requestId: "req-1" },
    );
    expect(tooLong).toEqual({
      body: '{"message":"the webhook body is larger than this pipeline accepts","requestId":"req-1"}',
      override: { status: 413 },
    });
    const other = renderResponseTemplate(
      template,
      { body: sqsError("Value for parameter MessageGroupId is invalid."), headers: {}, query: {}, path: {} },
      { requestId: "req-2" },
    );
    expect(other).toEqual({ body: '{"message":"the webhook could not be queued","requestId":"req-2"}', override: {} });
  });

  it("is counted from the access log by a metric filter (status 413, per API id and stage)", () => {
    const filter = out.one("aws_cloudwatch_log_metric_filter");
    const logGroupId = out.id("aws_cloudwatch_log_group", "hook_access-logs");
    expect(filter).toMatchObject({
      name: "body-too-large",
      log_group_name: `\${aws_cloudwatch_log_group.${logGroupId}.name}`,
      pattern: '{ $.status = "413" }',
      metric_transformation: {
        namespace: "GenesysConsumer/Ingress",
        name: "BodyTooLarge",
        value: "1",
        unit: "Count",
        dimensions: { ApiId: "$.apiId", Stage: "$.stage" },
      },
    });
    const format = JSON.parse(out.one("aws_api_gateway_stage").access_log_settings.format);
    expect(format).toMatchObject({ status: "$context.status", apiId: "$context.apiId", stage: "$context.stage" });
  });
});

describe("extraHeaders", () => {
  it("refuses the marker's name, reserved by the pipeline", () => {
    const error = errorOf(() => synthIngress({ extraHeaders: ["X-Body-Encoding"] })) as ValidationError;
    expect(error.problems).toEqual([
      { prop: "extraHeaders", message: '"X-Body-Encoding" is reserved (always carried or set by the pipeline); remove it.' },
    ]);
  });
});

describe("the FIFO ordering key lines", () => {
  it("render the runtime's one definition of the ordering key (ORDERING_KEY), as the template always had it", () => {
    expect(defaultOrderingKeyLines()).toEqual([
      `#set($key = "$!input.path('$.channel.id'):$!input.path('$.channel.to.id')")`,
      `#if("$!input.path('$.direction')" == "Inbound")#set($key = "$!input.path('$.channel.id'):$!input.path('$.channel.from.id')")#end`,
    ]);
  });
});
