import { join } from "node:path";
import { ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { buildRestApi, sqsXmlToJson, startRestApi, type RestApiServer } from "../../lib/local/api-gateway";
import { LOCAL_ACCOUNT_ID, StackResolver } from "../../lib/local/resolver";
import { createQueues, LOCAL_CREDENTIALS, startSqsServer, type LocalEndpoint } from "../../lib/local/services";
import { loadStack } from "../../lib/local/stack";
import { TokenBucket } from "../../lib/local/token-bucket";
import { TemplateError, escapeJavaScript, javaUrlEncode, renderTemplate } from "../../lib/local/vtl";
import { sign, SIGNATURE_HEADER } from "../../lib/runtime/signature";

const REGION = "eu-west-1";

describe("mapping templates", () => {
  it("gives $input, $util and $context as API Gateway does", () => {
    const request = { body: '{"a":{"b":[1,2]},"t":"x y"}', headers: { "X-Hub-Signature-256": "sha256=abc" }, query: { q: "1" }, path: {} };
    const out = renderTemplate(
      "$input.json('$.a.b')|$input.path('$.t')|$input.params('x-hub-signature-256')|$input.params('q')|$util.base64Encode('hi')|$context.requestId|$!missing",
      request,
      { requestId: "r-1" },
    );
    expect(out).toBe("[1,2]|x y|sha256=abc|1|aGk=|r-1|");
    expect(javaUrlEncode("a b+c/é!")).toBe("a+b%2Bc%2F%C3%A9%21");
    expect(escapeJavaScript(`say "hi"\n`)).toBe('say \\"hi\\"\\n');
  });

  it("runs java.lang.String's length() and substring(), bounds checks included", () => {
    const request = { body: "{}", headers: {}, query: {}, path: {} };
    expect(renderTemplate(`#set($s = "abcdef")$s.length()|$s.substring(2)|$s.substring(1, 3)`, request, {})).toBe("6|cdef|bc");
    expect(() => renderTemplate(`#set($s = "abc")$s.substring(0, 128)`, request, {})).toThrow(TemplateError);
    expect(() => renderTemplate(`#set($s = "abc")$s.substring(2, 1)`, request, {})).toThrow(/String index out of range/);
  });

  it("converts the SQS Query XML answer to the JSON API Gateway reads", () => {
    const json = sqsXmlToJson(
      '<?xml version="1.0"?><SendMessageResponse><SendMessageResult><MD5OfMessageBody>m</MD5OfMessageBody><MessageId>id-1</MessageId></SendMessageResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></SendMessageResponse>',
    );
    expect(json).toEqual({
      SendMessageResponse: {
        SendMessageResult: {
          MD5OfMessageBody: "m",
          MessageId: "id-1",
          MD5OfMessageAttributes: null,
          MD5OfMessageSystemAttributes: null,
          SequenceNumber: null,
        },
        ResponseMetadata: { RequestId: "r" },
      },
    });
  });
});

describe("TokenBucket", () => {
  it("admits the burst, then the rate", () => {
    let now = 0;
    const bucket = new TokenBucket(2, 4, () => now);
    expect([1, 2, 3, 4, 5].map(() => bucket.take())).toEqual([true, true, true, true, false]);
    now = 500;
    expect([bucket.take(), bucket.take()]).toEqual([true, false]);
  });
});

describe("the synthesized REST API on 127.0.0.1", () => {
  let sqs: LocalEndpoint;
  let api: RestApiServer;
  let client: SQSClient;
  let queueUrl: string;
  let url: string;

  beforeAll(async () => {
    sqs = await startSqsServer(REGION, LOCAL_ACCOUNT_ID);
    const { createServer } = await import("node:http");
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const resolver = new StackResolver(loadStack(join(__dirname, "fixtures", "webhook")), {
      region: REGION,
      accountId: LOCAL_ACCOUNT_ID,
      sqsEndpoint: sqs.endpoint,
      apiEndpoints: { "aws_api_gateway_rest_api.api": endpoint },
      orgId: "o",
    });
    const queues = await createQueues(resolver, sqs.endpoint, REGION);
    queueUrl = queues.find((q) => q.name === "fixture-queue")!.url;
    api = await startRestApi({
      model: buildRestApi(resolver, resolver.item("aws_api_gateway_rest_api.api")),
      sqsEndpoint: sqs.endpoint,
      region: REGION,
      accountId: LOCAL_ACCOUNT_ID,
      server,
    });
    url = `${String(resolver.attribute(resolver.item("aws_api_gateway_stage.stage"), "invoke_url"))}/genesys/webhook`;
    client = new SQSClient({ region: REGION, endpoint: sqs.endpoint, credentials: LOCAL_CREDENTIALS });
  });
  afterAll(async () => {
    client.destroy();
    await api.close();
    await sqs.close();
  });
  const receive = async () =>
    (
      await client.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ["All"], WaitTimeSeconds: 0 }),
      )
    ).Messages ?? [];
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it("enqueues a signed request with its signature attribute and answers the mapped 200", async () => {
    const body = JSON.stringify({ id: "m-1", text: "héllo + world & more" });
    const signature = sign(body, "s3cret");
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", [SIGNATURE_HEADER]: signature, "x-extra": "ignored" },
      body,
    });
    const answer = (await res.json()) as { messageId: string };
    expect(res.status).toBe(200);
    const [message] = await receive();
    expect(answer.messageId).toBe(message.MessageId);
    expect(message.Body).toBe(body);
    expect(message.MessageAttributes?.[SIGNATURE_HEADER]?.StringValue).toBe(signature);
  });

  it("answers 400 from the request validator for an unsigned request and enqueues nothing", async () => {
    await pause(600); // let the stage's token bucket refill
    const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ message: "Missing required request parameters: [X-Hub-Signature-256]" });
    expect(await receive()).toEqual([]);
  });

  it("answers unknown routes and methods as API Gateway does, and 415 when no template matches (NEVER)", async () => {
    await pause(1500);
    const wrongPath = await fetch(url.replace("webhook", "nope"), { method: "POST", body: "{}" });
    expect([wrongPath.status, await wrongPath.json()]).toEqual([403, { message: "Missing Authentication Token" }]);
    const wrongMethod = await fetch(url, { method: "GET" });
    expect(wrongMethod.status).toBe(403);
    const text = await fetch(url, { method: "POST", headers: { "content-type": "text/plain", [SIGNATURE_HEADER]: "sha256=x" }, body: "x" });
    expect([text.status, await text.json()]).toEqual([415, { message: "Unsupported Media Type" }]);
  });

  it("throttles with the synthesized stage rate and burst: 429 without Retry-After", async () => {
    await pause(2100); // full bucket: burst 4, rate 2/s
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        fetch(url, { method: "POST", headers: { "content-type": "application/json", [SIGNATURE_HEADER]: sign("{}", "k") }, body: "{}" }),
      ),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(4);
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(5);
    const throttled = answers.find((a) => a.status === 429)!;
    expect(await throttled.json()).toEqual({ message: "Too Many Requests" });
    expect(throttled.headers.get("retry-after")).toBeNull();
    await receive();
  });

  it("refuses a payload above 10 MB with 413", async () => {
    await pause(2100);
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", [SIGNATURE_HEADER]: "sha256=x" },
      body: "x".repeat(10 * 1024 * 1024 + 1),
    });
    expect(res.status).toBe(413);
  });
});
