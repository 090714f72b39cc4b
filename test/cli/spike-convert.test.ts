/**
 * `spike convert plan.jmx` and `spike --profile plan.jmx` through the CLI: the profile written,
 * the notes printed, the properties given with -J, and a plan it cannot read refused (exit 2).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { parseProfile, peakRatePerSecond, profileDurationSeconds } from "../../lib/runtime/loadgen/profile";
import { loadProfile } from "../../lib/cli/spike";
import { startTarget, type Target } from "../runtime/loadgen/target";
import { captureCli, runCli } from "../helpers/cli";

const FIXTURES = path.join(__dirname, "../runtime/loadgen/convert/fixtures");
let dir: string;
const cli = captureCli();

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "spike-convert-cli-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const run = (...args: string[]) => runCli(cli, ...args);

test("convert: the typical plan (100 threads, 10 s ramp-up, a POST every 2 s for 600 s) becomes 100 / (2 + 0.1) = 47.6 msg/s, with its notes", async () => {
  await run("spike", "convert", path.join(FIXTURES, "typical-plan.jmx"));
  expect(process.exitCode).toBe(0);
  const profile = parseProfile(parseYaml(cli.out));
  expect(peakRatePerSecond(profile)).toBeCloseTo(100 / 2.1, 2);
  expect(profileDurationSeconds(profile)).toBeCloseTo(600, 0);
  // the notes: in the YAML as comments, and on standard error
  expect(cli.out).toMatch(/^# converted from .*typical-plan\.jmx \(jmx\)/);
  expect(cli.err).toMatch(/Assumptions:/);
  expect(cli.err).toMatch(/closed model/);
});

test("convert: -J overrides a ${__P(name,default)} and --out writes JSON", async () => {
  const out = path.join(dir, "profile.json");
  await run(
    "spike",
    "convert",
    path.join(FIXTURES, "typical-plan-parameterized.jmx"),
    "-J",
    "threads=20",
    "-J",
    "rampup=2",
    "-J",
    "duration=8",
    "--out",
    out,
  );
  expect(process.exitCode).toBe(0);
  const profile = parseProfile(JSON.parse(fs.readFileSync(out, "utf8")));
  expect(profileDurationSeconds(profile)).toBeCloseTo(8, 0);
  expect(cli.err).toMatch(/profile written to/);
});

test("convert: a file that is no plan, and a bad -J, are refused with exit code 2", async () => {
  const notAPlan = path.join(dir, "profile.yaml");
  fs.writeFileSync(notAPlan, "name: x\nphases: []\n");
  await run("spike", "convert", notAPlan);
  expect(process.exitCode).toBe(2);
  expect(cli.err).toMatch(/not a plan this converter reads/);
  cli.err = "";
  await run("spike", "convert", path.join(FIXTURES, "typical-plan.jmx"), "-J", "threads");
  expect(process.exitCode).toBe(2);
  expect(cli.err).toMatch(/-J threads: give a JMeter property as name=value/);
});

test("--profile plan.jmx converts on the fly and prints the same notes; a profile file is read as before", async () => {
  const notes: string[] = [];
  const converted = await loadProfile(
    path.join(FIXTURES, "typical-plan-parameterized.jmx"),
    { property: ["threads=20", "rampup=2", "duration=8"] },
    (t) => notes.push(t),
  );
  expect(profileDurationSeconds(converted)).toBeCloseTo(8, 0);
  expect(notes.join("")).toMatch(/a jmx plan, converted to a spike profile/);
  const own = path.join(dir, "own.yaml");
  fs.writeFileSync(own, "name: own\nphases:\n  - { type: constant, ratePerSecond: 5, durationSeconds: 2 }\n");
  notes.length = 0;
  expect((await loadProfile(own, {}, (t) => notes.push(t))).name).toBe("own");
  expect(notes).toEqual([]);
});

test("spike --profile plan.jmx sends the converted plan", async () => {
  const target: Target = await startTarget();
  process.env.SPIKE_CONVERT_SECRET = "convert-secret-0123456789";
  try {
    await run(
      "spike",
      "--url",
      target.url,
      "--secret-env",
      "SPIKE_CONVERT_SECRET",
      "--no-progress",
      "--profile",
      path.join(FIXTURES, "typical-plan-parameterized.jmx"),
      "-J",
      "threads=4",
      "-J",
      "rampup=1",
      "-J",
      "duration=2",
    );
    expect(cli.err).toMatch(/converted to a spike profile/);
    expect(target.arrivals.length).toBeGreaterThan(0);
  } finally {
    delete process.env.SPIKE_CONVERT_SECRET;
    await target.close();
  }
});
