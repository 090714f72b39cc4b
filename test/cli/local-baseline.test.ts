/**
 * `local --baseline old.json`: the local run compared with an earlier run, printed after the
 * verdict, and the baseline section in the run's HTML report. The emulator itself is replaced
 * by a fake `runLocalStack` (its runs are tested elsewhere): this tests the command's wiring.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runSpike, writeReports, type SpikeReport } from "../../lib/runtime/loadgen";
import { startTarget } from "../runtime/loadgen/target";
import { throwingProgram } from "../helpers/cli";

const runLocalStack = jest.fn();
jest.mock("../../lib/local/run", () => ({
  ...jest.requireActual("../../lib/local/run"),
  runLocalStack: (...args: unknown[]) => runLocalStack(...args),
}));

let dir: string;
let report: SpikeReport;
let baseline: string;
let output: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "local-baseline-"));
  const target = await startTarget();
  try {
    report = await runSpike({
      targetUrl: target.url,
      secret: "s",
      profile: { name: "tiny", phases: [{ type: "constant", ratePerSecond: 5, durationSeconds: 1 }] },
      runId: "local-new",
    });
  } finally {
    await target.close();
  }
  baseline = path.join(dir, "baseline.json");
  fs.writeFileSync(baseline, JSON.stringify({ ...report, runId: "local-baseline-1", rates: { ...report.rates, acceptedPerSecond: 100 } }));
  fs.writeFileSync(path.join(dir, "emulator.json"), JSON.stringify({ stack: "x", functions: [] }));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
beforeEach(() => {
  output = "";
  process.exitCode = undefined;
  runLocalStack.mockReset();
  // the fake run writes its reports as the real one does, and answers with the report written
  runLocalStack.mockImplementation(async (options: { reportDir: string; html?: boolean }) => {
    const reports = await writeReports(report, {
      json: path.join(options.reportDir, "spike.json"),
      html: options.html === false ? undefined : path.join(options.reportDir, "spike.html"),
    });
    return { verdict: "PASS", spike: report, emulator: {}, summary: "SUMMARY", reports };
  });
  jest.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    output += chunk.toString();
    return true;
  });
  jest.spyOn(process.stderr, "write").mockImplementation(() => true);
});
afterEach(() => jest.restoreAllMocks());

const local = (...args: string[]) =>
  throwingProgram().parseAsync(["node", "cdktf-genesys-consumer", "local", "--stack-dir", dir, "--report-dir", dir, ...args]);

test("a baseline that is not a spike report is refused before the stack starts, naming the file and why", async () => {
  const file = path.join(dir, "emulator.json");
  await expect(local("--baseline", file)).rejects.toThrow(`--baseline ${file}: ${file} is not a spike report: missing `);
  await expect(local("--baseline", path.join(dir, "nope.json"))).rejects.toThrow(/^--baseline .*nope\.json: cannot read/);
  expect(runLocalStack).not.toHaveBeenCalled();
});

test("--baseline: the comparison after the verdict, the baseline section in spike.html, exit 0 (report only)", async () => {
  await local("--baseline", baseline);
  expect(runLocalStack).toHaveBeenCalledTimes(1);
  expect(output).toMatch(
    new RegExp(`^SUMMARY\\n\\nverdict: PASS\\n\\nCompared with the baseline ${baseline.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\\n`),
  );
  expect(output).toMatch(/add --fail-on-regression to gate on it/);
  const page = fs.readFileSync(path.join(dir, "spike.html"), "utf8");
  expect(page).toContain('<section id="baseline"><h2>Compared with the baseline run local-baseline-1</h2>');
  expect(/<tr[^>]*data-metric="accepted.rate">(.*?)<\/tr>/.exec(page)![1]).toContain("<td>100/s</td>");
  expect(process.exitCode).toBe(0);
});

test("--baseline --fail-on-regression: a regression exits 1; --json carries the comparison", async () => {
  await local("--baseline", baseline, "--fail-on-regression", "--json");
  const printed = JSON.parse(output);
  expect(printed.verdict).toBe("PASS");
  expect(printed.baseline.old.runId).toBe("local-baseline-1");
  expect(printed.baseline.regressions.length).toBeGreaterThan(0);
  expect(process.exitCode).toBe(1);
  process.exitCode = undefined;
});
