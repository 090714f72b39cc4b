/**
 * `spike reports list|get` against the local S3 server (TLS, the CA given with --ca-bundle),
 * and the errors a user can fix, each naming the flag.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startS3Server, type S3Server } from "../../lib/local/s3-server";
import { runSpike } from "../../lib/runtime/loadgen/run";
import { s3ObjectStore, storeRun } from "../../lib/runtime/loadgen/report-store";
import { LOCAL_CREDENTIALS } from "../../lib/local/services";
import { startTarget } from "../runtime/loadgen/target";
import { captureCli, runCli } from "../helpers/cli";

const BUCKET = "reports-cli";
let s3: S3Server;
let dir: string;
const saved = { ...process.env };
const runIds: string[] = [];

beforeAll(async () => {
  s3 = await startS3Server({ buckets: [{ name: BUCKET, denyInsecureTransport: true, blockPublicAcls: true, aclsDisabled: true }] });
  Object.assign(process.env, {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "spike-reports-cli-"));
  const target = await startTarget();
  const store = s3ObjectStore({ bucket: BUCKET, caBundle: s3.caFile, client: { endpoint: s3.endpoint } });
  try {
    for (const runId of ["cli-run-1", "cli-run-2"]) {
      const report = await runSpike({
        targetUrl: target.url,
        secret: "s",
        profile: { name: "tiny", phases: [{ type: "constant", ratePerSecond: 5, durationSeconds: 1 }] },
        runId,
      });
      await storeRun(store, { bucket: BUCKET, prefix: "spike-reports/", runName: "nightly" }, report);
      runIds.push(runId);
    }
  } finally {
    store.destroy();
    await target.close();
  }
});
afterAll(async () => {
  process.env = saved;
  await s3.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
const cli = captureCli();
const run = (...args: string[]) => runCli(cli, "spike", "reports", ...args);
const local = () => ["--bucket", BUCKET, "--endpoint", s3.endpoint, "--ca-bundle", s3.caFile, "--region", "us-east-1"];

test("list: the run names, then one run name's runs newest first", async () => {
  await run("list", ...local());
  expect(cli.out.trim()).toBe("nightly");
  cli.out = "";
  await run("list", ...local(), "--run-name", "nightly");
  const lines = cli.out.trim().split("\n");
  expect(lines[0]).toMatch(/^run\s+started\s+verdict/);
  expect(lines[1]).toMatch(/^cli-run-2 /);
  expect(lines[2]).toMatch(/^cli-run-1 /);
  cli.out = "";
  await run("list", ...local(), "--run-name", "nightly", "--json");
  expect(JSON.parse(cli.out).runs.map((r: { runId: string }) => r.runId)).toEqual(runIds);
});

test("get: a run's JSON, the latest run's HTML to a file, the trend page", async () => {
  await run("get", ...local(), "--run-name", "nightly", "--run-id", "cli-run-1");
  expect(JSON.parse(cli.out)).toMatchObject({ runId: "cli-run-1" });
  cli.out = "";
  const file = path.join(dir, "latest.html");
  await run("get", ...local(), "--run-name", "nightly", "--run-id", "latest", "--format", "html", "--out", file);
  expect(cli.out).toMatch(/^wrote .*latest\.html \(s3:\/\/reports-cli\/spike-reports\/nightly\/.*\/cli-run-2\/spike\.html\)/);
  expect(fs.readFileSync(file, "utf8")).toContain("<html");
  cli.out = "";
  await run("get", ...local(), "--run-name", "nightly", "--format", "trend");
  expect(cli.out).toContain("Spike history: nightly");
});

test("errors name the flag and the fix", async () => {
  await expect(run("list", "--endpoint", s3.endpoint)).rejects.toThrow(/--bucket is required/);
  await expect(run("list", ...local(), "--prefix", "no-slash")).rejects.toThrow(/--prefix "no-slash" must end with "\/"/);
  await expect(run("get", ...local(), "--run-name", "nightly", "--run-id", "nope")).rejects.toThrow(
    /--run-id nope: no report of run name nightly/,
  );
  await expect(run("get", ...local(), "--run-name", "nightly")).rejects.toThrow(/--run-id is required/);
  await expect(run("get", ...local(), "--run-name", "nightly", "--run-id", "latest", "--format", "pdf")).rejects.toThrow(/--format "pdf"/);
  await expect(run("list", ...local(), "--run-name", "other")).rejects.toThrow(/--run-name other: no history/);
  await expect(run("list", "--bucket", BUCKET, "--endpoint", s3.insecureEndpoint, "--run-name", "nightly")).rejects.toThrow(
    /refuses requests not over TLS.*--ca-bundle/,
  );
  await expect(run("list", "--bucket", BUCKET, "--endpoint", s3.endpoint, "--run-name", "nightly")).rejects.toThrow(
    /not trusted.*--ca-bundle/,
  );
  await expect(run("list", ...local().map((a) => (a === BUCKET ? "no-such-bucket" : a)))).rejects.toThrow(
    /--bucket no-such-bucket: no such bucket/,
  );
});
