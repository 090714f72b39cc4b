/**
 * The local API Gateway enforces `api_key_required` as AWS does: 403 {"message":"Forbidden"}
 * unless `x-api-key` is an enabled key of a usage plan bound to this API and stage, checked
 * before the request validator and the template (nothing is enqueued). The stack is the real
 * synthesized output of a WebhookIngress with `apiKey` in the middle of a rotation (two
 * generations valid), and the key values come from the resolver (the run's random_password).
 */
import { createServer } from "node:http";
import { ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { Testing } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { QueueWithDlq, WebhookIngress } from "../../lib";
import { UnsupportedUsagePlanError } from "../../lib/local/api-keys";
import { buildRestApi, startRestApi, type RestApiServer } from "../../lib/local/api-gateway";
import { LOCAL_ACCOUNT_ID, StackResolver } from "../../lib/local/resolver";
import { createQueues, LOCAL_CREDENTIALS, startSqsServer, type LocalEndpoint } from "../../lib/local/services";
import { ofType, parseStack, supportOf, type SynthesizedStack } from "../../lib/local/stack";
import { sign, SIGNATURE_HEADER } from "../../lib/runtime/signature";

const REGION = "eu-west-1";
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- synthesized Terraform JSON is untyped
type TfJson = Record<string, any>;

/** A queue and an ingress whose key is being rotated: generation 2 in use, generation 1 still valid. */
function synthesized(): TfJson {
  return JSON.parse(
    Testing.synthScope((scope) => {
      new AwsProvider(scope, "aws", { region: REGION });
      const queues = new QueueWithDlq(scope, "q");
      new WebhookIngress(scope, "hook", {
        queue: { arn: queues.queue.arn, name: queues.queue.name },
        path: "genesys/webhook",
        apiKey: { generation: 2, alsoValidGeneration: 1 },
      });
    }),
  ) as TfJson;
}

function resolverOf(stack: SynthesizedStack, sqsEndpoint: string, apiEndpoint = "http://127.0.0.1:1"): StackResolver {
  const api = ofType(stack, "aws_api_gateway_rest_api")[0];
  return new StackResolver(stack, {
    region: REGION,
    accountId: LOCAL_ACCOUNT_ID,
    sqsEndpoint,
    apiEndpoints: { [api.address]: apiEndpoint },
    orgId: "o",
  });
}

const keyItem = (stack: SynthesizedStack, generation: number) =>
  ofType(stack, "aws_api_gateway_api_key").find((k) => k.name.includes(`key-${generation}_`))!;

describe("api_key_required on the local REST API", () => {
  let sqs: LocalEndpoint;
  let api: RestApiServer;
  let client: SQSClient;
  let queueUrl: string;
  let url: string;
  let resolver: StackResolver;
  let stack: SynthesizedStack;
  const keys: Record<number, string> = {};

  beforeAll(async () => {
    stack = parseStack(synthesized(), "/nonexistent");
    sqs = await startSqsServer(REGION, LOCAL_ACCOUNT_ID);
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    resolver = resolverOf(stack, sqs.endpoint, `http://127.0.0.1:${(server.address() as { port: number }).port}`);
    const queues = await createQueues(resolver, sqs.endpoint, REGION);
    api = await startRestApi({
      model: buildRestApi(resolver, ofType(stack, "aws_api_gateway_rest_api")[0]),
      sqsEndpoint: sqs.endpoint,
      region: REGION,
      accountId: LOCAL_ACCOUNT_ID,
      server,
    });
    const stage = ofType(stack, "aws_api_gateway_stage")[0];
    url = `${String(resolver.attribute(stage, "invoke_url"))}/genesys/webhook`;
    const integration = ofType(stack, "aws_api_gateway_integration")[0];
    queueUrl = queues.find((q) => String(resolver.configValue(integration, "uri")).endsWith(`/${q.name}`))!.url;
    for (const g of [1, 2]) keys[g] = String(resolver.attribute(keyItem(stack, g), "value"));
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
  const body = JSON.stringify({ id: "m-1", text: "hello" });
  const post = (headers: Record<string, string>) =>
    fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
  const signed = { [SIGNATURE_HEADER]: sign(body, "s3cret-s3cret-s3cret") };

  it("reads the key values from the resolver: the run's random_password, also what the key secret holds", () => {
    const password = ofType(stack, "random_password").find((p) => p.name.includes("key-2-value"))!;
    expect(keys[2]).toBe(resolver.attribute(password, "result"));
    expect(keys[2]).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(keys[1]).not.toBe(keys[2]);
    const version = ofType(stack, "aws_secretsmanager_secret_version")[0];
    expect(resolver.configValue(version, "secret_string")).toBe(keys[2]);
    const listed = api.apiKeys.list().map((k) => [k.address, k.enabled, [...k.stages]]);
    expect(listed.sort()).toEqual(
      [
        [keyItem(stack, 1).address, true, ["v1"]],
        [keyItem(stack, 2).address, true, ["v1"]],
      ].sort(),
    );
  });

  it("lists the key, the usage plan and its keys as emulated", () => {
    for (const type of ["aws_api_gateway_api_key", "aws_api_gateway_usage_plan", "aws_api_gateway_usage_plan_key"])
      expect(supportOf(type)?.role).toBe("emulated");
  });

  it("answers 403 Forbidden without a key, with a wrong key, and with an empty one, enqueuing nothing", async () => {
    for (const headers of [
      signed,
      { ...signed, "x-api-key": "wrong-key-wrong-key-wrong" },
      { ...signed, "x-api-key": "" },
      { ...signed, "x-api-key": keys[2].toLowerCase() },
    ]) {
      const res = await post(headers);
      expect([res.status, await res.json()]).toEqual([403, { message: "Forbidden" }]);
    }
    expect(await receive()).toEqual([]);
    expect(api.stats.forbidden).toBe(4);
  });

  it("checks the key before the request validator: no key and no signature is 403, a key and no signature is 400", async () => {
    const noKey = await post({});
    expect([noKey.status, await noKey.json()]).toEqual([403, { message: "Forbidden" }]);
    const keyOnly = await post({ "X-API-Key": keys[2] });
    expect([keyOnly.status, await keyOnly.json()]).toEqual([
      400,
      { message: "Missing required request parameters: [X-Hub-Signature-256]" },
    ]);
    expect(await receive()).toEqual([]);
  });

  it("accepts either generation during the rotation, and the key never reaches the queue", async () => {
    for (const g of [2, 1]) {
      const res = await post({ ...signed, "x-api-key": keys[g] });
      expect(res.status).toBe(200);
    }
    const messages = await receive();
    expect(messages).toHaveLength(2);
    for (const m of messages) {
      const carried = JSON.stringify(m);
      expect(carried).not.toContain(keys[1]);
      expect(carried).not.toContain(keys[2]);
    }
  });

  it("refuses a key once it leaves the usage plan or is disabled, as an apply would", async () => {
    api.apiKeys.remove(keyItem(stack, 1).address);
    const retired = await post({ ...signed, "x-api-key": keys[1] });
    expect([retired.status, await retired.json()]).toEqual([403, { message: "Forbidden" }]);
    expect((await post({ ...signed, "x-api-key": keys[2] })).status).toBe(200);
    api.apiKeys.setEnabled(keyItem(stack, 2).address, false);
    expect((await post({ ...signed, "x-api-key": keys[2] })).status).toBe(403);
    api.apiKeys.setEnabled(keyItem(stack, 2).address, true);
    expect(await receive()).toHaveLength(1);
  });
});

describe("usage plans the local API Gateway does not run, or that do not cover the stage", () => {
  const edited = (edit: (json: TfJson) => void): SynthesizedStack => {
    const json = synthesized();
    edit(json);
    return parseStack(json, "/nonexistent");
  };
  const plan = (json: TfJson) => Object.values(json.resource.aws_api_gateway_usage_plan)[0] as TfJson;

  it("stops on a quota or a throttle rather than letting through what AWS refuses", () => {
    const quota = edited((json) => (plan(json).quota_settings = { limit: 1000, period: "DAY" }));
    expect(() => buildRestApi(resolverOf(quota, "http://127.0.0.1:1"), ofType(quota, "aws_api_gateway_rest_api")[0])).toThrow(
      new UnsupportedUsagePlanError(
        `${ofType(quota, "aws_api_gateway_usage_plan")[0].address}: quota_settings is not emulated locally (the local API Gateway would let through what AWS refuses); remove it to run the stack locally`,
      ),
    );
    const throttle = edited((json) => (plan(json).throttle_settings = { rate_limit: 10, burst_limit: 5 }));
    expect(() => buildRestApi(resolverOf(throttle, "http://127.0.0.1:1"), ofType(throttle, "aws_api_gateway_rest_api")[0])).toThrow(
      /throttle_settings is not emulated locally/,
    );
  });

  it("makes no key valid on a stage no usage plan covers", () => {
    const other = edited((json) => (plan(json).api_stages[0].stage = "other"));
    const model = buildRestApi(resolverOf(other, "http://127.0.0.1:1"), ofType(other, "aws_api_gateway_rest_api")[0]);
    expect(model.apiKeys.every((k) => k.stages.has("other") && !k.stages.has("v1"))).toBe(true);
    expect(model.routes[0].apiKeyRequired).toBe(true);
  });
});
