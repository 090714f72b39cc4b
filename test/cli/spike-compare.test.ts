/**
 * `spike compare old.json new.json` through the CLI: the comparison printed, exit code 0 with no
 * regression, 1 on one, 2 on a file that is not a spike report.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runSpike, type SpikeReport } from "../../lib/runtime/loadgen/run";
import { startTarget } from "../runtime/loadgen/target";
import { captureCli, runCli } from "../helpers/cli";

let dir: string;
let report: SpikeReport;
const cli = captureCli();

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "spike-compare-cli-"));
  const target = await startTarget();
  try {
    report = await runSpike({
      targetUrl: target.url,
      secret: "s",
      profile: { name: "tiny", phases: [{ type: "constant", ratePerSecond: 5, durationSeconds: 1 }] },
      runId: "compare-1",
    });
  } finally {
    await target.close();
  }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: unknown): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, typeof content === "string" ? content : JSON.stringify(content));
  return p;
}
const compare = (...args: string[]) => runCli(cli, "spike", "compare", ...args);

test("the same run twice: no regression, exit code 0", async () => {
  const a = file("a.json", report);
  await compare(a, file("b.json", { ...report, runId: "compare-2" }));
  expect(process.exitCode).toBe(0);
  expect(cli.out).toMatch(/ack/);
  expect(cli.out).not.toMatch(/regress(ed|ion): /i);
});

test("a verdict turned FAIL is a regression: exit code 1, and --json writes the comparison", async () => {
  const failed = { ...report, runId: "compare-3", verdict: { ...report.verdict, verdict: "FAIL", reasons: ["seeded"] } };
  const json = path.join(dir, "comparison.json");
  await compare(file("old.json", report), file("new.json", failed), "--json", json);
  expect(process.exitCode).toBe(1);
  expect(cli.out).toMatch(/PASS/);
  expect(cli.out).toMatch(/FAIL/);
  expect(JSON.parse(fs.readFileSync(json, "utf8")).regressions.length).toBeGreaterThan(0);
});

test("a file that is not a spike report: exit code 2 with the reason", async () => {
  await compare(file("good.json", report), file("emulator.json", { stack: "x", functions: [] }));
  expect(process.exitCode).toBe(2);
  expect(cli.err).toMatch(/is not a spike report/);
});

test("a bad --tolerance is refused before any file is read: exit code 2", async () => {
  await compare(path.join(dir, "missing-a.json"), path.join(dir, "missing-b.json"), "--tolerance", "lost=5");
  expect(process.exitCode).toBe(2);
  expect(cli.err).toMatch(/lost/);
});
