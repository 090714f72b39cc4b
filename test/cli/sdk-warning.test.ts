/**
 * The command line, run as a child process the way a user runs it, prints no AWS SDK
 * NodeVersionSupportWarning on Node.js < 22 (package.json `engines` allows >= 20.9), while a
 * user's explicit AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=false still brings it back.
 * Each command below creates an SDK client (which is when the SDK warns), then fails fast on
 * a closed local port.
 */
import { execFile } from "node:child_process";
import * as path from "node:path";

const root = path.resolve(__dirname, "../..");
const SWITCH = "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED";
const nodeMajor = Number(process.versions.node.split(".")[0]);

/** Runs bin/cli.ts as `cdktf-genesys-consumer <args>`; the environment has no SDK switch unless `extraEnv` sets it. */
function cli(args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // test/setup.ts sets the switch for the test process itself: the child must not inherit it.
  const { [SWITCH]: _ignored, ...inherited } = process.env;
  const env: NodeJS.ProcessEnv = { ...inherited, AWS_ACCESS_KEY_ID: "local", AWS_SECRET_ACCESS_KEY: "local", ...extraEnv };
  for (const name of ["AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SQS", "NODE_OPTIONS", "NODE_NO_WARNINGS"]) delete env[name];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", "-r", "tsconfig-paths/register", path.join(root, "bin", "cli.ts"), ...args],
      { cwd: root, env, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

const DLQ_INSPECT = [
  "dlq",
  "inspect",
  "--queue",
  "http://127.0.0.1:1/000000000000/dlq",
  "--endpoint",
  "http://127.0.0.1:1",
  "--region",
  "us-east-1",
  "--budget",
  "1",
];
const DLQ_ERROR =
  "error: cannot reach the SQS endpoint (connect ECONNREFUSED 127.0.0.1:1): check --endpoint / AWS_ENDPOINT_URL_SQS and the network\n";

describe("the CLI and the AWS SDK's Node.js version notice", () => {
  it("dlq inspect (an SQS client): stderr holds only the command's error", async () => {
    const run = await cli(DLQ_INSPECT);
    expect(run).toEqual({ code: 1, stdout: "", stderr: DLQ_ERROR });
  });

  it("spike --secret-arn (a Secrets Manager client): stderr holds only the command's error", async () => {
    const arn = "arn:aws:secretsmanager:us-east-1:000000000000:secret:signing";
    const run = await cli([
      "spike",
      "--url",
      "http://127.0.0.1:1/webhook",
      "--secret-arn",
      arn,
      "--secretsmanager-endpoint",
      "http://127.0.0.1:1",
      "--region",
      "us-east-1",
      "--profile",
      "smoke",
    ]);
    expect(run).toEqual({ code: 1, stdout: "", stderr: `error: --secret-arn ${arn}: connect ECONNREFUSED 127.0.0.1:1\n` });
  });

  (nodeMajor < 22 ? it : it.skip)(`the user's ${SWITCH}=false is kept: the SDK's notice is printed (Node.js < 22 only)`, async () => {
    const run = await cli(DLQ_INSPECT, { [SWITCH]: "false" });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `Warning: NodeVersionSupportWarning: The AWS SDK for JavaScript (v3)\nversions published after the first week of January 2027\nwill require node >=22. You are running node ${process.version}.`,
    );
    expect(run.stderr.endsWith(DLQ_ERROR)).toBe(true);
  });
});
