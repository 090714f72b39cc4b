import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildProgram } from "../../bin/cli";
import { startTarget, type Target } from "../runtime/loadgen/target";

let target: Target;
let dir: string;
let output: string;
const saved = process.exitCode;

beforeAll(async () => {
  target = await startTarget();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "spike-cli-"));
  fs.writeFileSync(
    path.join(dir, "tiny.yaml"),
    "name: tiny\nphases:\n  - { type: constant, ratePerSecond: 10, durationSeconds: 1 }\nslo: { ackP99Ms: 2000 }\n",
  );
  fs.writeFileSync(
    path.join(dir, "strict.json"),
    JSON.stringify({ name: "strict", phases: [{ type: "constant", ratePerSecond: 10, durationSeconds: 1 }], slo: { ackP99Ms: 0.001 } }),
  );
  fs.writeFileSync(path.join(dir, "bad.yaml"), "phases:\n  - { type: constant, ratePerSecond: fast, durationSeconds: 1 }\n");
  process.env.SPIKE_TEST_SECRET = "cli-signing-secret-0123456789";
});
afterAll(async () => {
  await target.close();
  fs.rmSync(dir, { recursive: true, force: true });
  delete process.env.SPIKE_TEST_SECRET;
  process.exitCode = saved;
});
beforeEach(() => {
  output = "";
  jest.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    output += chunk.toString();
    return true;
  });
});
afterEach(() => jest.restoreAllMocks());

async function run(...args: string[]): Promise<void> {
  const program = buildProgram();
  for (const cmd of [program, ...program.commands])
    cmd.exitOverride().configureOutput({ writeErr: () => undefined, writeOut: (t) => (output += t) });
  await program.parseAsync(["node", "cdktf-genesys-consumer", "spike", ...args]);
}

describe("spike CLI: bad flags or a bad profile fail before any traffic", () => {
  test.each<[string, string[], RegExp]>([
    ["no secret flag", ["--url", "URL", "--profile", "tiny.yaml"], /give exactly one of --secret-arn <arn> or --secret-env <NAME>/],
    [
      "both secret flags",
      ["--url", "URL", "--profile", "tiny.yaml", "--secret-env", "SPIKE_TEST_SECRET", "--secret-arn", "arn:x"],
      /cannot be used with option/,
    ],
    [
      "a missing secret variable",
      ["--url", "URL", "--profile", "tiny.yaml", "--secret-env", "NOPE_NOT_SET"],
      /--secret-env NOPE_NOT_SET: the environment variable is not set or empty/,
    ],
    [
      "a malformed URL",
      ["--url", "not-a-url", "--profile", "tiny.yaml", "--secret-env", "SPIKE_TEST_SECRET"],
      /--url "not-a-url" is not a URL/,
    ],
    [
      "a missing profile file",
      ["--url", "URL", "--profile", "missing.yaml", "--secret-env", "SPIKE_TEST_SECRET"],
      /--profile: cannot read/,
    ],
    [
      "an invalid profile",
      ["--url", "URL", "--profile", "bad.yaml", "--secret-env", "SPIKE_TEST_SECRET"],
      /--profile .*bad\.yaml: invalid spike profile:\n {2}- phases\.0\.ratePerSecond: Expected number, received string/,
    ],
    [
      "queues without a receipts table",
      ["--url", "URL", "--profile", "tiny.yaml", "--secret-env", "SPIKE_TEST_SECRET", "--dlq-url", "http://127.0.0.1:1/q"],
      /give --receipts-table too/,
    ],
    [
      "an unknown flag",
      ["--url", "URL", "--profile", "tiny.yaml", "--secret-env", "SPIKE_TEST_SECRET", "--rps", "5"],
      /unknown option '--rps'/,
    ],
    ["no --url", ["--profile", "tiny.yaml", "--secret-env", "SPIKE_TEST_SECRET"], /required option '--url <ingress>' not specified/],
    [
      "both edge key flags",
      [
        "--url",
        "URL",
        "--profile",
        "tiny.yaml",
        "--secret-env",
        "SPIKE_TEST_SECRET",
        "--api-key-env",
        "SPIKE_TEST_KEY",
        "--api-key-secret-arn",
        "arn:k",
      ],
      /option '--api-key-secret-arn <arn>' cannot be used with option '--api-key-env <NAME>'/,
    ],
    [
      "a missing edge key variable",
      ["--url", "URL", "--profile", "tiny.yaml", "--secret-env", "SPIKE_TEST_SECRET", "--api-key-env", "NOPE_NOT_SET"],
      /--api-key-env NOPE_NOT_SET: the environment variable is not set or empty/,
    ],
    [
      "an unreadable edge key secret",
      [
        "--url",
        "URL",
        "--profile",
        "tiny.yaml",
        "--secret-env",
        "SPIKE_TEST_SECRET",
        "--api-key-secret-arn",
        "arn:k",
        "--secretsmanager-endpoint",
        "http://127.0.0.1:1",
        "--region",
        "eu-west-1",
      ],
      /^--api-key-secret-arn arn:k: the edge API key could not be read: /,
    ],
  ])("%s", async (_name, args, message) => {
    const resolved = args.map((a) => (a === "URL" ? target.url : a.endsWith(".yaml") ? path.join(dir, a) : a));
    await expect(run(...resolved)).rejects.toThrow(message);
    expect(target.arrivals).toHaveLength(0);
  });
});

test("--help explains every flag", async () => {
  await expect(run("--help")).rejects.toThrow("(outputHelp)");
  for (const flag of [
    "--url",
    "--secret-arn",
    "--secret-env",
    "--api-key-secret-arn",
    "--api-key-env",
    "--receipts-table",
    "--dlq-url",
    "--quarantine-url",
    "--profile",
    "--json",
    "--html",
    "--no-progress",
  ]) {
    expect(output).toContain(flag);
  }
});

test("a passing run exits 0, says delivery was not reconciled and writes the reports", async () => {
  process.exitCode = undefined;
  const json = path.join(dir, "out.json");
  const html = path.join(dir, "out.html");
  await run(
    "--url",
    target.url,
    "--secret-env",
    "SPIKE_TEST_SECRET",
    "--profile",
    path.join(dir, "tiny.yaml"),
    "--json",
    json,
    "--html",
    html,
    "--no-progress",
  );
  expect(process.exitCode).toBeUndefined();
  expect(output).toMatch(/no --receipts-table: the run reports the ingress side only; delivery will NOT be reconciled/);
  expect(output).toMatch(/VERDICT: PASS/);
  expect(JSON.parse(fs.readFileSync(json, "utf8")).counts.accepted).toBe(10);
  expect(fs.readFileSync(html, "utf8")).toContain('id="timeline-chart"');
  expect(target.arrivals).toHaveLength(10);
});

test("--api-key-env sends the ingress's edge API key in x-api-key with every message", async () => {
  process.exitCode = undefined;
  process.env.SPIKE_TEST_KEY = "CliEdgeKeyCliEdgeKey0123";
  try {
    const before = target.arrivals.length;
    await run(
      "--url",
      target.url,
      "--secret-env",
      "SPIKE_TEST_SECRET",
      "--api-key-env",
      "SPIKE_TEST_KEY",
      "--profile",
      path.join(dir, "tiny.yaml"),
      "--no-progress",
    );
    const sent = target.arrivals.slice(before);
    expect(sent).toHaveLength(10);
    expect(new Set(sent.map((a) => a.headers["x-api-key"]))).toEqual(new Set(["CliEdgeKeyCliEdgeKey0123"]));
    expect(output).toMatch(/VERDICT: PASS/);
  } finally {
    delete process.env.SPIKE_TEST_KEY;
  }
});

test("a failing run exits non-zero", async () => {
  process.exitCode = undefined;
  await run("--url", target.url, "--secret-env", "SPIKE_TEST_SECRET", "--profile", path.join(dir, "strict.json"), "--no-progress");
  expect(output).toMatch(/VERDICT: FAIL\n {2}- ingress ack p99 .* exceeds 0\.001 ms/);
  expect(process.exitCode).toBe(1);
  process.exitCode = undefined;
});
