/**
 * The local Lambda Invoke API, through @aws-sdk/client-lambda: RequestResponse (payload,
 * function errors), Event (queued, retried as configured, awaited with idle()), by name or
 * ARN, and Lambda's refusals (unknown function, unknown qualifier, payload over 1 MB async).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { FunctionHost } from "../../lib/local/lambda-host";
import { functionNameOf, startLambdaApi, type LambdaApi } from "../../lib/local/lambda-api";
import { LOCAL_CREDENTIALS } from "../../lib/local/services";

const HANDLER = `
let calls = 0;
exports.handler = async (event) => {
  calls++;
  if (event.fail) throw Object.assign(new Error("asked to fail " + calls), { name: "AskedError" });
  if (event.failFirst && calls === 1) throw new Error("first attempt fails");
  return { echo: event, calls };
};
`;

describe("local Lambda API", () => {
  let dir: string;
  let api: LambdaApi;
  let client: LambdaClient;
  const hosts: FunctionHost[] = [];
  const host = (name: string) => {
    const h = new FunctionHost({
      address: `aws_lambda_function.${name}`,
      name,
      arn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
      handler: "index.handler",
      runtime: "nodejs22.x",
      timeoutSeconds: 5,
      memoryMb: 128,
      codeDir: dir,
      environment: {},
    });
    hosts.push(h);
    return h;
  };
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "gcx-lambda-api-"));
    writeFileSync(join(dir, "index.js"), HANDLER);
    const once = host("once");
    const twice = host("retried");
    api = await startLambdaApi([
      { name: "once", arn: once.spec.arn, asyncRetries: 0, host: () => once },
      { name: "retried", arn: twice.spec.arn, asyncRetries: 2, host: () => twice },
    ]);
    client = new LambdaClient({ endpoint: api.endpoint, region: "us-east-1", credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  });
  afterAll(async () => {
    client.destroy();
    await api.close();
    await Promise.all(hosts.map((h) => h.close()));
    rmSync(dir, { recursive: true, force: true });
  });
  const payload = (o: unknown) => Buffer.from(JSON.stringify(o));
  const text = (p?: Uint8Array) => (p ? Buffer.from(p).toString("utf8") : "");

  it("answers RequestResponse with the payload, by name and by ARN", async () => {
    const byName = await client.send(new InvokeCommand({ FunctionName: "once", Payload: payload({ a: 1 }) }));
    expect(byName.StatusCode).toBe(200);
    expect(JSON.parse(text(byName.Payload))).toMatchObject({ echo: { a: 1 } });
    const byArn = await client.send(
      new InvokeCommand({ FunctionName: "arn:aws:lambda:us-east-1:123456789012:function:once:$LATEST", Payload: payload({ b: 2 }) }),
    );
    expect(JSON.parse(text(byArn.Payload))).toMatchObject({ echo: { b: 2 } });
  });

  it("reports a function error as Lambda does: 200, X-Amz-Function-Error, the error in the payload", async () => {
    const res = await client.send(new InvokeCommand({ FunctionName: "once", Payload: payload({ fail: true }) }));
    expect(res.FunctionError).toBe("Unhandled");
    expect(JSON.parse(text(res.Payload))).toMatchObject({ errorType: "AskedError" });
  });

  it("queues Event invocations (202), retries them as configured, and idle() waits for them", async () => {
    const res = await client.send(
      new InvokeCommand({ FunctionName: "retried", InvocationType: "Event", Payload: payload({ failFirst: true }) }),
    );
    expect(res.StatusCode).toBe(202);
    await client.send(new InvokeCommand({ FunctionName: "once", InvocationType: "Event", Payload: payload({ fail: true }) }));
    await api.idle();
    const retried = api.asyncInvocations.find((i) => i.functionName === "retried")!;
    expect(retried).toMatchObject({ attempts: 2, result: { ok: true } });
    const once = api.asyncInvocations.find((i) => i.functionName === "once")!;
    expect(once).toMatchObject({ attempts: 1, result: { ok: false, errorType: "AskedError" } });
  });

  it("refuses what Lambda refuses", async () => {
    await expect(client.send(new InvokeCommand({ FunctionName: "nope" }))).rejects.toMatchObject({ name: "ResourceNotFoundException" });
    await expect(client.send(new InvokeCommand({ FunctionName: "once", Qualifier: "live" }))).rejects.toMatchObject({
      name: "ResourceNotFoundException",
    });
    await expect(
      client.send(new InvokeCommand({ FunctionName: "once", InvocationType: "Event", Payload: payload({ big: "x".repeat(1024 * 1024) }) })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 413 } });
    expect(() => api.invokeAsync("arn:aws:lambda:us-east-1:123456789012:function:nope", {})).toThrow(
      /not an aws_lambda_function of the stack/,
    );
  });

  it("reads function references", () => {
    expect(functionNameOf("fn")).toBe("fn");
    expect(functionNameOf("fn:$LATEST")).toBe("fn");
    expect(functionNameOf("arn:aws:lambda:eu-west-1:123456789012:function:fn")).toBe("fn");
    expect(functionNameOf("fn:3")).toBeUndefined();
  });
});
