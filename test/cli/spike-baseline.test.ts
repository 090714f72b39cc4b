/**
 * `spike --baseline old.json`: the run compared with an earlier run (as `spike compare` does),
 * printed after the verdict and shown in the HTML report; a bad baseline is refused before any
 * traffic; a regression changes the exit code only with --fail-on-regression.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { captureCli, runCli } from "../helpers/cli";
import { startTarget, type Target } from "../runtime/loadgen/target";

let target: Target;
let dir: string;
let baseline: string;
const cli = captureCli();
const run = (...args: string[]) => runCli(cli, "spike", ...args);

beforeAll(async () => {
  target = await startTarget();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "spike-baseline-"));
  fs.writeFileSync(
    path.join(dir, "tiny.yaml"),
    "name: tiny\nphases:\n  - { type: constant, ratePerSecond: 10, durationSeconds: 1 }\nslo: { ackP99Ms: 2000 }\n",
  );
  fs.writeFileSync(path.join(dir, "emulator.json"), JSON.stringify({ stack: "x", functions: [] }));
  fs.writeFileSync(path.join(dir, "spike.html"), "<!doctype html><html></html>");
  process.env.SPIKE_BASELINE_SECRET = "baseline-signing-secret-0123";
  // a small fake baseline: the JSON report of a first run, edited to have accepted 100/s
  const first = path.join(dir, "first.json");
  const quiet = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
  await run(
    "--url",
    target.url,
    "--secret-env",
    "SPIKE_BASELINE_SECRET",
    "--profile",
    path.join(dir, "tiny.yaml"),
    "--json",
    first,
    "--no-progress",
  );
  quiet.mockRestore();
  const report = JSON.parse(fs.readFileSync(first, "utf8"));
  baseline = path.join(dir, "baseline.json");
  fs.writeFileSync(baseline, JSON.stringify({ ...report, runId: "baseline-run-1", rates: { ...report.rates, acceptedPerSecond: 100 } }));
});
afterAll(async () => {
  await target.close();
  fs.rmSync(dir, { recursive: true, force: true });
  delete process.env.SPIKE_BASELINE_SECRET;
});

const spike = (...args: string[]) =>
  run("--url", target.url, "--secret-env", "SPIKE_BASELINE_SECRET", "--profile", path.join(dir, "tiny.yaml"), "--no-progress", ...args);

describe("a bad baseline is refused before any traffic, naming the file and why", () => {
  test.each<[string, string, RegExp]>([
    ["a missing file", "missing.json", /^--baseline .*missing\.json: cannot read ".*missing\.json"/],
    [
      "a JSON file that is not a spike report",
      "emulator.json",
      /^--baseline .*emulator\.json: .*emulator\.json is not a spike report: missing /,
    ],
    [
      "an HTML report",
      "spike.html",
      /^--baseline .*spike\.html: .*spike\.html is not JSON \(an HTML report\? pass the JSON report written beside it\)/,
    ],
  ])("%s", async (_name, file, message) => {
    const before = target.arrivals.length;
    await expect(spike("--baseline", path.join(dir, file))).rejects.toThrow(message);
    expect(target.arrivals).toHaveLength(before);
  });

  test("a bad --tolerance, and comparison flags without --baseline", async () => {
    const before = target.arrivals.length;
    await expect(spike("--baseline", baseline, "--tolerance", "speed=5%")).rejects.toThrow(/^--baseline .*: .*speed/);
    await expect(spike("--fail-on-regression")).rejects.toThrow(
      "--fail-on-regression only apply to a comparison with an earlier run: add --baseline <old spike.json>",
    );
    expect(target.arrivals).toHaveLength(before);
  });
});

test("--baseline prints the comparison after the verdict and puts the baseline section in the HTML report; a regression is reported only", async () => {
  const html = path.join(dir, "run.html");
  await spike("--baseline", baseline, "--html", html);
  expect(process.exitCode).toBeUndefined();
  const verdictAt = cli.out.indexOf("VERDICT: PASS");
  const comparedAt = cli.out.indexOf(`Compared with the baseline ${baseline}:`);
  expect(verdictAt).toBeGreaterThanOrEqual(0);
  expect(comparedAt).toBeGreaterThan(verdictAt);
  expect(cli.out.slice(comparedAt)).toMatch(/accepted/);
  expect(cli.out).toMatch(/note: the comparison with the baseline does not change the exit code; add --fail-on-regression to gate on it/);
  const page = fs.readFileSync(html, "utf8");
  expect(page).toContain('<section id="baseline"><h2>Compared with the baseline run baseline-run-1</h2>');
  expect(/<tr[^>]*data-metric="accepted.rate">(.*?)<\/tr>/.exec(page)![1]).toContain("<td>100/s</td>");
});

test("--fail-on-regression: a regression against the baseline exits 1 though the run passed", async () => {
  await spike("--baseline", baseline, "--fail-on-regression");
  expect(cli.out).toMatch(/VERDICT: PASS/);
  expect(cli.out).not.toMatch(/note: the comparison/);
  expect(process.exitCode).toBe(1);
  process.exitCode = undefined;
});

test("--fail-on-regression with a loose enough tolerance: no regression, exit 0", async () => {
  await spike("--baseline", baseline, "--fail-on-regression", "--tolerance", "rate=99%", "--tolerance", "latency=10000%");
  expect(cli.out).toMatch(/Compared with the baseline/);
  expect(process.exitCode).toBeUndefined();
});
