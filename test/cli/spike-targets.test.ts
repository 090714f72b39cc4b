/**
 * `spike --targets <file>`: scenarios sent to several webhook pipelines in one run, each
 * target's summary then the totals; every mismatch between the profile, the targets file and
 * the flags refused before any traffic, naming the fix.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readSyntheticMarker } from "cdktf-genesys-consumer/runtime";
import { captureCli, runCli } from "../helpers/cli";
import { startTarget, type Target } from "../runtime/loadgen/target";
import { parseTargetsFile } from "../../lib/cli/spike-targets";

let inbox: Target;
let orders: Target;
let dir: string;
const cli = captureCli();
const file = (name: string) => path.join(dir, name);

const PROFILE = `name: two-pipelines
scenarios:
  - name: steady
    phases: [{ type: constant, ratePerSecond: 10, durationSeconds: 1 }]
  - name: spike
    target: orders
    phases: [{ type: pause, durationSeconds: 0.2 }, { type: constant, ratePerSecond: 20, durationSeconds: 0.5 }]
slo: { ackP99Ms: 5000 }
`;

beforeAll(async () => {
  inbox = await startTarget();
  orders = await startTarget();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "spike-targets-"));
  fs.writeFileSync(file("two.yaml"), PROFILE);
  fs.writeFileSync(file("tiny.yaml"), "name: tiny\nphases:\n  - { type: constant, ratePerSecond: 10, durationSeconds: 1 }\n");
  fs.writeFileSync(file("targets.yaml"), `orders:\n  url: ${orders.url}\n  secretEnv: SPIKE_ORDERS_SECRET\n`);
  fs.writeFileSync(file("inbox-targets.yaml"), `inbox:\n  url: ${orders.url}\n  secretEnv: SPIKE_ORDERS_SECRET\n`);
  fs.writeFileSync(file("no-secret.yaml"), `orders:\n  url: ${orders.url}\n  recieptsTable: t\n`);
  fs.writeFileSync(file("primary.yaml"), `primary:\n  url: ${orders.url}\n  secretEnv: SPIKE_ORDERS_SECRET\n`);
  process.env.SPIKE_INBOX_SECRET = "inbox-signing-secret-0123456789";
  process.env.SPIKE_ORDERS_SECRET = "orders-signing-secret-0123456789";
});
afterAll(async () => {
  await inbox.close();
  await orders.close();
  fs.rmSync(dir, { recursive: true, force: true });
  delete process.env.SPIKE_INBOX_SECRET;
  delete process.env.SPIKE_ORDERS_SECRET;
});
beforeEach(() => {
  inbox.arrivals.length = 0;
  orders.arrivals.length = 0;
});

const spike = (...args: string[]) =>
  runCli(cli, "spike", "--url", inbox.url, "--secret-env", "SPIKE_INBOX_SECRET", "--no-progress", ...args);

test("sends each target its scenarios and prints each target's summary, then the totals; writes the JSON and the HTML pages", async () => {
  await spike("--profile", file("two.yaml"), "--targets", file("targets.yaml"), "--json", file("out.json"), "--html", file("out.html"));
  expect(process.exitCode ?? 0).toBe(0);
  expect(inbox.arrivals).toHaveLength(10);
  expect(orders.arrivals).toHaveLength(10);
  const runIds = (t: Target) => new Set(t.arrivals.map((a) => readSyntheticMarker(JSON.parse(a.body))!.runId));
  const report = JSON.parse(fs.readFileSync(file("out.json"), "utf8"));
  expect(report.kind).toBe("multi-target");
  expect([...runIds(inbox)]).toEqual([`${report.runId}.primary`]);
  expect([...runIds(orders)]).toEqual([`${report.runId}.orders`]);
  expect(report.totals).toMatchObject({ planned: 20, accepted: 20, notAccepted: 0 });
  expect(cli.out).toContain("note: target primary has no receipts table");
  expect(cli.out).toContain("note: target orders has no receipts table");
  expect(cli.out).toContain("VERDICT: PASS");
  expect(cli.out).toContain("=== Target primary (scenarios: steady) ===");
  expect(cli.out).toContain("=== Target orders (scenarios: spike) ===");
  expect(cli.out.indexOf("=== Totals")).toBeGreaterThan(cli.out.indexOf("=== Target orders"));
  expect(cli.out).toMatch(/\n {2}total\s+20\s+20\s+0\s+-\s+-\s+\S+\s+PASS\n/);
  for (const name of ["out.json", "out.primary.html", "out.orders.html", "out.html"]) expect(cli.out).toContain(path.join(dir, name));
  expect(fs.readFileSync(file("out.html"), "utf8")).toContain('<a href="out.orders.html">orders</a>');
});

test("--primary-target names the --url target; a target no scenario is for is noted and not sent anything", async () => {
  await spike("--profile", file("tiny.yaml"), "--targets", file("targets.yaml"), "--primary-target", "inbox");
  expect(process.exitCode ?? 0).toBe(0);
  expect(cli.out).toContain("note: target orders: no scenario is for it; it is not sent anything");
  expect(cli.out).toContain("=== Target inbox ===");
  expect(inbox.arrivals).toHaveLength(10);
  expect(orders.arrivals).toHaveLength(0);
});

describe("refused before any traffic, naming the fix", () => {
  test.each<[string, string[], RegExp | string]>([
    [
      "a profile naming a target without --targets",
      ["--profile", "two.yaml"],
      '--profile TWO: scenario "spike" is for target "orders": give the targets with --targets <file>',
    ],
    [
      "a target the targets file does not have",
      ["--profile", "two.yaml", "--targets", "inbox-targets.yaml"],
      '--profile TWO: scenario "spike" is for target "orders", which is not given (the targets given are: "primary", "inbox"): give the missing target, or change the scenario\'s `target`',
    ],
    [
      "a target without a secret, and a misspelt field",
      ["--profile", "two.yaml", "--targets", "no-secret.yaml"],
      /--targets .*no-secret\.yaml: orders: Unrecognized key\(s\) in object: 'recieptsTable'; orders\.secretArn: give exactly one of secretArn or secretEnv/,
    ],
    ["a missing targets file", ["--profile", "two.yaml", "--targets", "nope.yaml"], /--targets .*nope\.yaml: ENOENT/],
    [
      "a targets file entry named like the --url target",
      ["--profile", "two.yaml", "--targets", "primary.yaml"],
      /"primary" is the name of the --url target; rename that entry, or give the --url target another name with --primary-target/,
    ],
    ["--primary-target without --targets", ["--profile", "two.yaml", "--primary-target", "inbox"], /give --targets <file> too/],
    [
      "--baseline with --targets",
      ["--profile", "two.yaml", "--targets", "targets.yaml", "--baseline", "x.json"],
      /--baseline: a comparison with an earlier run is made against one target: drop it with --targets/,
    ],
    [
      // without --baseline these were sent to "add --baseline", which --targets then refused
      "the other comparison flags with --targets",
      ["--profile", "two.yaml", "--targets", "targets.yaml", "--fail-on-regression", "--tolerance", "ack.p99=10%"],
      /--fail-on-regression, --tolerance: a comparison with an earlier run is made against one target: drop them with --targets/,
    ],
  ])("%s", async (_name, args, message) => {
    const resolved = args.map((a) => (/\.(ya?ml|json)$/.test(a) ? file(a) : a));
    const expected = typeof message === "string" ? message.replace("TWO", file("two.yaml")) : message;
    await expect(spike(...resolved)).rejects.toThrow(expected);
    expect(inbox.arrivals).toHaveLength(0);
    expect(orders.arrivals).toHaveLength(0);
  });

  test("a target's missing secret variable names the file and the field", async () => {
    fs.writeFileSync(file("unset.yaml"), `orders:\n  url: ${orders.url}\n  secretEnv: SPIKE_NOT_SET_ANYWHERE\n`);
    await expect(spike("--profile", file("two.yaml"), "--targets", file("unset.yaml"))).rejects.toThrow(
      `--targets ${file("unset.yaml")}: orders.secretEnv SPIKE_NOT_SET_ANYWHERE: the environment variable is not set or empty`,
    );
    expect(inbox.arrivals).toHaveLength(0);
  });
});

test("parseTargetsFile reads JSON and YAML and names every bad field", () => {
  expect(parseTargetsFile('{"orders": {"url": "https://x.example/webhook", "secretArn": "arn:s"}}')).toEqual({
    orders: { url: "https://x.example/webhook", secretArn: "arn:s" },
  });
  expect(() => parseTargetsFile("orders:\n  url: ftp://x\n  secretEnv: S\n")).toThrow("orders.url: an http(s) URL");
  expect(() => parseTargetsFile("- a\n- b\n")).toThrow("expected a map of target name to its settings");
  expect(() => parseTargetsFile("{}")).toThrow("no targets: give at least one");
  expect(() => parseTargetsFile("a b:\n  url: https://x.example\n  secretEnv: S\n")).toThrow("a b: a target name");
  expect(() => parseTargetsFile("orders:\n  url: https://x.example\n  secretEnv: S\n  dlqUrl: https://q.example\n")).toThrow(
    "orders.receiptsTable: dlqUrl and quarantineUrl are read during reconciliation: give receiptsTable too",
  );
});
