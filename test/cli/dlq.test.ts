/**
 * `cdktf-genesys-consumer dlq ...` through the real command line program (buildProgram),
 * against local-aws-sqs, reached both through --endpoint and through AWS_ENDPOINT_URL_SQS.
 */
import type { SQSClient } from "@aws-sdk/client-sqs";
import { throwingProgram } from "../helpers/cli";
import { startSqs } from "../helpers/local-servers";
import {
  approximateCount,
  createPipeline,
  normalizedBody,
  putDeadLetter,
  putSqsRedriven,
  receiveAll,
  type Pipeline,
} from "../ops/fixtures";

describe("cdktf-genesys-consumer dlq", () => {
  let sqs: Awaited<ReturnType<typeof startSqs>>;
  let client: SQSClient;
  const savedEnv = { ...process.env };
  let stdout: string[];
  let stderr: string[];

  beforeAll(async () => {
    sqs = await startSqs();
    client = sqs.client();
  });
  afterAll(async () => {
    client.destroy();
    await sqs.close();
  });
  beforeEach(() => {
    // The standard AWS configuration: credentials and region from the environment.
    process.env = { ...savedEnv, AWS_ACCESS_KEY_ID: "local", AWS_SECRET_ACCESS_KEY: "local", AWS_REGION: "us-east-1" };
    delete process.env.AWS_ENDPOINT_URL_SQS;
    delete process.env.AWS_PROFILE;
    stdout = [];
    stderr = [];
    jest.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      stdout.push(String(chunk));
      return true;
    });
    jest.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    });
  });
  afterEach(() => {
    jest.restoreAllMocks();
    process.env = savedEnv;
  });

  const run = (...args: string[]) => throwingProgram(false).parseAsync(["node", "cdktf-genesys-consumer", ...args]);
  const local = () => ["--endpoint", sqs.endpoint];
  const nameOf = (p: Pipeline) => p.dlq.url.slice(p.dlq.url.lastIndexOf("/") + 1);

  async function mixed(prefix: string): Promise<Pipeline> {
    const pipeline = await createPipeline(client, prefix);
    await putDeadLetter(client, pipeline, "exhausted", normalizedBody(1));
    await putDeadLetter(client, pipeline, "exhausted", normalizedBody(2));
    await putDeadLetter(client, pipeline, "permanent", normalizedBody(3));
    await putDeadLetter(client, pipeline, "invalid-signature", normalizedBody(4));
    await putSqsRedriven(client, pipeline, normalizedBody(5));
    return pipeline;
  }

  it("inspect --json prints the dead letters and the count per reason", async () => {
    // Prepare
    const pipeline = await mixed("cli-json");

    // Act
    await run("dlq", "inspect", "--queue", nameOf(pipeline), ...local(), "--json");

    // Assess
    const result = JSON.parse(stdout.join(""));
    expect(result.countsByReason).toStrictEqual({ exhausted: 2, permanent: 1, "invalid-signature": 1, "redriven-by-sqs": 1 });
    expect(result.messages).toHaveLength(5);
    expect(result.queue.url).toBe(pipeline.dlq.url);
    expect(await receiveAll(client, pipeline.dlq.url)).toHaveLength(5);
  });

  it("inspect prints a table and the reasons with what to do, reaching SQS through AWS_ENDPOINT_URL_SQS", async () => {
    // Prepare
    const pipeline = await mixed("cli-table");
    process.env.AWS_ENDPOINT_URL_SQS = sqs.endpoint;

    // Act
    await run("dlq", "inspect", "--queue", nameOf(pipeline), "--limit", "3");

    // Assess
    const text = stdout.join("");
    expect(text).toMatch(/~5 message\(s\); 3 read \(stopped: limit; raise --limit to read more\)/);
    expect(text).toMatch(/^MESSAGE ID\s+REASON\s+ATTEMPTS\s+FIRST ATTEMPT\s+LAST ATTEMPT\s+ORDERING KEY\s+SYNTHETIC RUN\s+ERROR$/m);
    expect(text).toMatch(/^REASON\s+COUNT\s+WHAT TO DO$/m);
    expect(text).toContain("2023-11-14T22:13:20Z");
  });

  it("redrive --reason moves the selected dead letters; --reason invalid-signature is refused without --force", async () => {
    // Prepare
    const pipeline = await mixed("cli-redrive");

    // Act + Assess
    await expect(run("dlq", "redrive", "--queue", pipeline.dlq.url, ...local(), "--reason", "invalid-signature")).rejects.toThrow(
      /refusing to redrive invalid-signature dead letters without --force: .*never verified to come from Genesys/,
    );
    await run("dlq", "redrive", "--queue", pipeline.dlq.url, ...local(), "--reason", "exhausted", "permanent", "--to", pipeline.source.arn);
    expect(stdout.join("")).toMatch(new RegExp(`moved 3 of 3 selected message\\(s\\) from ${pipeline.dlq.url} to ${pipeline.source.url}`));
    expect((await receiveAll(client, pipeline.source.url)).map((m) => JSON.parse(m.Body!).id).sort()).toStrictEqual([
      "msg-1",
      "msg-2",
      "msg-3",
    ]);
    expect(await approximateCount(client, pipeline.dlq.url)).toBe(2);
  });

  it("redrive without filters runs the move task to the only source queue and reports progress", async () => {
    // Prepare
    const pipeline = await createPipeline(client, "cli-all");
    for (let i = 0; i < 3; i++) await putDeadLetter(client, pipeline, "exhausted", normalizedBody(i));

    // Act
    await run("dlq", "redrive", "--queue", pipeline.dlq.arn, ...local(), "--rate", "10");

    // Assess
    expect(stdout.join("")).toMatch(
      new RegExp(`moved 3 of 3 message\\(s\\) from ${pipeline.dlq.url} to ${pipeline.source.arn} in [0-9.]+ s \\(COMPLETED\\)`),
    );
    expect(stderr.join("")).toMatch(/move task COMPLETED: 3\/3 message\(s\) moved/);
    expect(await receiveAll(client, pipeline.source.url)).toHaveLength(3);
  });

  it("purge refuses without --yes, naming the count and the command, and purges with it", async () => {
    // Prepare
    const pipeline = await mixed("cli-purge");

    // Act + Assess
    await expect(run("dlq", "purge", "--queue", nameOf(pipeline), ...local())).rejects.toThrow(
      new RegExp(`it holds ~5 message\\(s\\).*Nothing was deleted.*dlq purge --queue ${nameOf(pipeline)} --yes`),
    );
    await run("dlq", "purge", "--queue", nameOf(pipeline), ...local(), "--yes");
    expect(stdout.join("")).toMatch(/purged .*: ~5 message\(s\) deleted/);
  });

  it("fails clearly on a missing queue and on an unknown reason", async () => {
    await expect(run("dlq", "inspect", "--queue", "nope-dlq", ...local())).rejects.toThrow(/queue "nope-dlq" does not exist/);
    await expect(run("dlq", "redrive", "--queue", "x", ...local(), "--reason", "flaky")).rejects.toMatchObject({
      code: "commander.invalidArgument",
      message: expect.stringMatching(
        /Allowed choices are invalid-signature, malformed, permanent, exhausted, stale, redriven-by-sqs, eventbridge-delivery-failed, unreadable-context/,
      ),
    });
    await expect(run("dlq", "inspect", ...local())).rejects.toMatchObject({ code: "commander.missingMandatoryOptionValue" });
  });
});
