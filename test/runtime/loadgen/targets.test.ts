import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { readSyntheticMarker } from "cdktf-genesys-consumer/runtime";
import {
  combineTargetReports,
  isMultiTargetReport,
  parseProfile,
  parseReport,
  planArrivals,
  PRIMARY_TARGET,
  ProfileError,
  renderMultiTargetHtmlIndex,
  renderMultiTargetSummary,
  runSpike,
  runSpikeAcrossTargets,
  scenarioPlanOf,
  splitProfileByTarget,
  TargetError,
  targetHtmlPath,
  writeMultiTargetReports,
  type SpikeProfileInput,
} from "../../../lib/runtime/loadgen";
import * as runModule from "../../../lib/runtime/loadgen/run";
import { startTarget, type Arrival, type Target } from "./target";
import { createReceiptsTable, startReceiptsTarget } from "./receipts-target";
import { LOCAL_AWS, startDynamo } from "../../helpers/local-servers";

const SECRET = "targets-signing-secret-0123456789";
const ORDERS_SECRET = "orders-signing-secret-0123456789";

/** Steady traffic to the primary target, a spike (Poisson, then uniform) and a burst to "orders". */
const twoTargets: SpikeProfileInput = {
  name: "two-targets",
  conversations: 4,
  scenarios: [
    { name: "steady", phases: [{ type: "constant", ratePerSecond: 10, durationSeconds: 2 }] },
    {
      name: "spike",
      target: "orders",
      conversations: 3,
      phases: [
        { type: "pause", durationSeconds: 0.5 },
        { type: "ramp", fromRatePerSecond: 0, toRatePerSecond: 30, durationSeconds: 1, arrivals: "poisson" },
        { type: "constant", ratePerSecond: 20, durationSeconds: 0.5 },
      ],
    },
    { name: "burst", target: "orders", phases: [{ type: "constant", ratePerSecond: 8, durationSeconds: 1 }] },
  ],
  sending: { retry: { maxAttempts: 1 } },
  reconcile: { deadlineSeconds: 10, pollIntervalSeconds: 0.1 },
  slo: { ackP99Ms: 5000 },
};

/** The planned send times (ms from the start) of a scenario in the profile's one merged plan, in order. */
function scenarioTimes(input: SpikeProfileInput, scenario: string): number[] {
  const p = parseProfile(input);
  const sp = scenarioPlanOf(p)!;
  const index = p.scenarios!.findIndex((s) => s.name === scenario);
  return Array.from(sp.plan).filter((_, seq) => sp.scenarioOf[seq] === index);
}

/** The (offset from start, conversation) of each arrival at a target, by planned time. */
function received(arrivals: readonly Arrival[], startMs: number) {
  return arrivals
    .map((a) => {
      const body = JSON.parse(a.body);
      const marker = readSyntheticMarker(body)!;
      return { runId: marker.runId, seq: marker.seq, offsetMs: marker.plannedSendMs - startMs, to: body.channel.to.id as string };
    })
    .sort((a, b) => a.offsetMs - b.offsetMs || a.seq - b.seq);
}

describe("splitProfileByTarget", () => {
  it("gives each target its scenarios, with the run's traffic seed, so each scenario plans the same arrivals", () => {
    const shares = splitProfileByTarget(twoTargets, ["orders", "primary"]);
    expect(shares.map((s) => [s.target, s.scenarios])).toEqual([
      ["primary", ["steady"]],
      ["orders", ["spike", "burst"]],
    ]);
    for (const share of shares) {
      expect(share.profile.seed).toBe("two-targets");
      expect(share.profile.scenarios!.every((s) => s.target === undefined)).toBe(true);
    }
    const orders = shares[1].profile;
    const sp = scenarioPlanOf(orders)!;
    for (const [i, name] of ["spike", "burst"].entries()) {
      const times = Array.from(sp.plan).filter((_, seq) => sp.scenarioOf[seq] === i);
      expect(times).toEqual(scenarioTimes(twoTargets, name));
    }
    expect(planArrivals(shares[0].profile)).toEqual(Float64Array.from(scenarioTimes(twoTargets, "steady")));
  });

  it("sends a profile without scenarios whole to the primary target", () => {
    const profile = parseProfile({ phases: [{ type: "constant", ratePerSecond: 5, durationSeconds: 1 }] });
    expect(splitProfileByTarget(profile, ["primary"])).toEqual([{ target: "primary", scenarios: [], profile }]);
    expect(() => splitProfileByTarget(profile, ["inbox"])).toThrow(
      'the profile has no scenarios, so all of it goes to the primary target "primary", which is not given (the targets given are: "inbox")',
    );
    expect(splitProfileByTarget(profile, ["inbox"], "inbox")[0].target).toBe("inbox");
  });

  it("refuses a scenario whose target is not given, naming the known targets and the fix", () => {
    expect(() => splitProfileByTarget(twoTargets, ["primary", "inbox"])).toThrow(TargetError);
    expect(() => splitProfileByTarget(twoTargets, ["primary", "inbox"])).toThrow(
      'scenario "spike" is for target "orders", which is not given; scenario "burst" is for target "orders", which is not given (the targets given are: "primary", "inbox"): give the missing target, or change the scenario\'s `target`',
    );
    expect(() => splitProfileByTarget(twoTargets, ["orders"])).toThrow(
      'scenario "steady" has no `target`, so it goes to the primary target "primary", which is not given',
    );
  });

  it("names the target whose scenarios plan no arrivals", () => {
    const input: SpikeProfileInput = {
      scenarios: [
        { name: "a", phases: [{ type: "constant", ratePerSecond: 5, durationSeconds: 1 }] },
        { name: "b", target: "idle", phases: [{ type: "pause", durationSeconds: 1 }] },
      ],
    };
    expect(() => splitProfileByTarget(input, ["primary", "idle"])).toThrow(
      'target "idle" (scenarios "b"): (profile): the profile plans no arrivals',
    );
  });

  it("validates the target's name in the profile", () => {
    const input = { scenarios: [{ name: "a", target: "no spaces", phases: [{ type: "constant", ratePerSecond: 1, durationSeconds: 1 }] }] };
    expect(() => parseProfile(input)).toThrow("scenarios.0.target: a target name: 1 to 64 letters, digits, `.`, `_` or `-`");
  });
});

describe("runSpikeAcrossTargets against two local targets", () => {
  let primary: Target;
  let orders: Target;
  beforeAll(async () => {
    primary = await startTarget();
    // orders refuses every burst message (its conversations are "synthetic-customer-burst-<n>")
    orders = await startTarget((a) => ({ status: JSON.parse(a.body).channel.to.id.includes("-burst-") ? 500 : 202 }));
  });
  afterAll(async () => {
    await primary.close();
    await orders.close();
  });
  beforeEach(() => {
    primary.arrivals.length = 0;
    orders.arrivals.length = 0;
  });

  it("sends each target exactly its scenarios' messages, from one shared start, and reports per target and in total", async () => {
    const startAtMs = Date.now() + 500;
    const progress = new Set<string>();
    const report = await runSpikeAcrossTargets({
      profile: twoTargets,
      runId: "multi-1",
      startAtMs,
      targets: { primary: { targetUrl: primary.url, secret: SECRET }, orders: { targetUrl: orders.url, secret: ORDERS_SECRET } },
      onProgress: (target, p) => progress.add(`${target}:${p.stage}`),
    });
    const steady = scenarioTimes(twoTargets, "steady");
    const spike = scenarioTimes(twoTargets, "spike");
    const burst = scenarioTimes(twoTargets, "burst");
    expect(steady).toHaveLength(20);
    expect(burst).toHaveLength(8);

    // each target received exactly its scenarios' arrivals, at the single-target plan's times
    // (the marker carries the planned send time rounded to the millisecond)
    const atPrimary = received(primary.arrivals, startAtMs);
    expect(atPrimary.map((a) => a.offsetMs)).toEqual(steady.map(Math.round));
    expect(atPrimary.every((a) => a.runId === "multi-1.primary" && a.to.startsWith("synthetic-customer-steady-"))).toBe(true);
    const atOrders = received(orders.arrivals, startAtMs);
    expect(atOrders.map((a) => a.offsetMs)).toEqual([...spike, ...burst].map(Math.round).sort((a, b) => a - b));
    expect(atOrders.every((a) => a.runId === "multi-1.orders")).toBe(true);
    expect(atOrders.filter((a) => a.to.includes("-burst-"))).toHaveLength(8);
    expect(atOrders.filter((a) => a.to.includes("-spike-"))).toHaveLength(spike.length);
    expect(orders.arrivals.every((a) => a.headers["x-hub-signature-256"] !== undefined)).toBe(true);

    // the combined report: every target's own, the totals, one verdict naming the failing target
    expect(isMultiTargetReport(report)).toBe(true);
    expect(report.runId).toBe("multi-1");
    expect(report.startMs).toBe(startAtMs);
    expect(report.targets.map((t) => [t.target, t.scenarios, t.report.runId, t.report.targetUrl, t.report.startMs])).toEqual([
      ["primary", ["steady"], "multi-1.primary", primary.url, startAtMs],
      ["orders", ["spike", "burst"], "multi-1.orders", orders.url, startAtMs],
    ]);
    const [p, o] = report.targets.map((t) => t.report);
    expect(p.planned).toBe(20);
    expect(p.counts.accepted).toBe(20);
    expect(p.verdict.verdict).toBe("PASS");
    expect(o.planned).toBe(spike.length + 8);
    expect(o.counts.accepted).toBe(spike.length);
    expect(o.scenarios).toMatchObject([
      { name: "spike", planned: spike.length, accepted: spike.length, notAccepted: 0 },
      { name: "burst", planned: 8, accepted: 0, notAccepted: 8 },
    ]);
    expect(o.verdict.verdict).toBe("FAIL");
    expect(report.totals).toMatchObject({
      planned: 20 + spike.length + 8,
      offered: 20 + spike.length + 8,
      accepted: 20 + spike.length,
      notAccepted: 8,
      failed: 8,
      reconciledTargets: [],
    });
    expect(report.totals.processed).toBeUndefined();
    expect(report.totals.ack.count).toBe(20 + spike.length);
    expect(report.verdict.verdict).toBe("FAIL");
    expect(report.verdict.failedTargets).toEqual(["orders"]);
    expect(report.verdict.reasons.length).toBeGreaterThan(0);
    expect(report.verdict.reasons.every((r) => r.startsWith("orders: "))).toBe(true);
    expect(report.unusedTargets).toEqual([]);
    expect([...progress]).toEqual(expect.arrayContaining(["primary:sending", "orders:sending"]));

    // the summary: each target's own, then the totals
    const summary = renderMultiTargetSummary(report);
    expect(summary).toContain("Spike run multi-1 (two-targets) across 2 target(s): primary, orders");
    expect(summary).toContain("VERDICT: FAIL (failed: orders)");
    const primaryAt = summary.indexOf("=== Target primary (scenarios: steady) ===");
    const ordersAt = summary.indexOf("=== Target orders (scenarios: spike, burst) ===");
    const totalsAt = summary.indexOf("=== Totals (all targets; delivery reconciled on no target (ingress side only)) ===");
    expect(primaryAt).toBeGreaterThan(0);
    expect(ordersAt).toBeGreaterThan(primaryAt);
    expect(totalsAt).toBeGreaterThan(ordersAt);
    expect(summary).toContain(`Spike run multi-1.orders (two-targets) -> ${orders.url}`);
    const totals = summary.slice(totalsAt).split("\n");
    expect(totals.find((l) => l.trimStart().startsWith("orders"))).toMatch(
      new RegExp(`^  orders\\s+spike, burst\\s+${spike.length + 8}\\s+${spike.length}\\s+8\\s+-\\s+-\\s+\\S+\\s+FAIL$`),
    );
    expect(totals.find((l) => l.trimStart().startsWith("total"))).toMatch(
      new RegExp(`^  total\\s+${spike.length + 28}\\s+${spike.length + 20}\\s+8\\s+-\\s+-\\s+\\S+\\s+FAIL$`),
    );
  });

  it("refuses an unknown target before any traffic, naming the known targets", async () => {
    await expect(
      runSpikeAcrossTargets({
        profile: twoTargets,
        targets: { primary: { targetUrl: primary.url, secret: SECRET }, inbox: { targetUrl: orders.url, secret: SECRET } },
      }),
    ).rejects.toThrow(
      'scenario "spike" is for target "orders", which is not given; scenario "burst" is for target "orders", which is not given (the targets given are: "primary", "inbox")',
    );
    await expect(
      runSpikeAcrossTargets({
        profile: twoTargets,
        targets: { primary: { targetUrl: primary.url, secret: SECRET }, orders: { targetUrl: "not a url", secret: SECRET } },
      }),
    ).rejects.toThrow('target "orders": targetUrl "not a url" is not a URL');
    await expect(
      runSpikeAcrossTargets({
        profile: twoTargets,
        targets: { primary: { targetUrl: primary.url, secret: SECRET }, orders: { targetUrl: orders.url, secret: "" } },
      }),
    ).rejects.toThrow('target "orders": the signing secret is empty');
    await new Promise((r) => setTimeout(r, 300));
    expect(primary.arrivals).toHaveLength(0);
    expect(orders.arrivals).toHaveLength(0);
  });

  it("runSpike still sends a profile without targets to its one target, and refuses one with targets before any traffic", async () => {
    const { scenarios: _s, ...rest } = twoTargets;
    const single = { ...rest, scenarios: twoTargets.scenarios!.map(({ target: _t, ...s }) => s) };
    const report = await runSpike({ targetUrl: primary.url, secret: SECRET, profile: single, runId: "single-1" });
    expect(isMultiTargetReport(report)).toBe(false);
    expect(report.scenarios!.map((s) => s.name)).toEqual(["steady", "spike", "burst"]);
    expect(primary.arrivals).toHaveLength(report.planned);
    primary.arrivals.length = 0;
    await expect(runSpike({ targetUrl: primary.url, secret: SECRET, profile: twoTargets })).rejects.toThrow(ProfileError);
    await expect(runSpike({ targetUrl: primary.url, secret: SECRET, profile: twoTargets })).rejects.toThrow(
      'scenarios: scenario "spike" is for target "orders", but runSpike sends to one target: run the profile with runSpikeAcrossTargets',
    );
    expect(primary.arrivals).toHaveLength(0);
  });

  it("sends a primary-only profile through the same path as one target, naming unused targets", async () => {
    const report = await runSpikeAcrossTargets({
      profile: { phases: [{ type: "constant", ratePerSecond: 10, durationSeconds: 1 }] },
      primaryTarget: "inbox",
      targets: { inbox: { targetUrl: primary.url, secret: SECRET }, orders: { targetUrl: orders.url, secret: SECRET } },
      runId: "multi-2",
    });
    expect(report.targets.map((t) => t.target)).toEqual(["inbox"]);
    expect(report.unusedTargets).toEqual(["orders"]);
    expect(report.verdict).toEqual({ verdict: "PASS", reasons: [], failedTargets: [] });
    expect(primary.arrivals).toHaveLength(10);
    expect(orders.arrivals).toHaveLength(0);
    expect(renderMultiTargetSummary(report)).toContain("not run (no scenario is for them): orders");
  });

  it("writes the JSON, an HTML index and one HTML report per target", async () => {
    const report = await runSpikeAcrossTargets({
      profile: twoTargets,
      runId: "multi-3",
      targets: { primary: { targetUrl: primary.url, secret: SECRET }, orders: { targetUrl: orders.url, secret: SECRET } },
    });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "targets-report-"));
    try {
      const index = path.join(dir, "spike.html");
      const written = await writeMultiTargetReports(report, { json: path.join(dir, "spike.json"), html: index });
      expect(written.map((w) => path.basename(w))).toEqual(["spike.json", "spike.primary.html", "spike.orders.html", "spike.html"]);
      const json = JSON.parse(fs.readFileSync(path.join(dir, "spike.json"), "utf8"));
      expect(json).toEqual(JSON.parse(JSON.stringify(report)));
      // `spike compare` and --baseline read one target's report, and say so when given the combined one
      expect(() => parseReport(json, "spike.json")).toThrow(
        "spike.json is the report of a run across targets (targets[0] primary, targets[1] orders): compare one target's report, its `targets[i].report`",
      );
      expect(parseReport(json.targets[1].report, "orders").runId).toBe("multi-3.orders");
      const html = fs.readFileSync(index, "utf8");
      expect(html).toContain('<h2 id="verdict" class="FAIL">VERDICT: FAIL (failed: orders)</h2>');
      expect(html).toContain('<th><a href="spike.orders.html">orders</a></th><td>spike, burst</td>');
      expect(html).toContain(`<tr><th>total</th><td></td><td>${report.totals.planned}</td><td>${report.totals.accepted}</td>`);
      expect(fs.readFileSync(path.join(dir, "spike.orders.html"), "utf8")).toContain("multi-3.orders");
      expect(renderMultiTargetHtmlIndex(report)).not.toContain("<a href");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(targetHtmlPath("out/report", "orders")).toBe("out/report.orders.html");
  });
});

describe("runSpikeAcrossTargets reconciled against each target's receipts", () => {
  let dynamo: Awaited<ReturnType<typeof startDynamo>>;
  beforeAll(async () => {
    dynamo = await startDynamo();
  });
  afterAll(() => dynamo.close());

  it("reconciles every target against its own table and adds the delivery counts", async () => {
    const ddb = dynamo.client();
    await createReceiptsTable(ddb, "inbox-receipts");
    await createReceiptsTable(ddb, "orders-receipts");
    const inbox = await startReceiptsTarget({ ddb, tableName: "inbox-receipts", secret: SECRET });
    // orders loses (acknowledges, never processes) the messages with seq 1 and 2 of its run
    const orders = await startReceiptsTarget({ ddb, tableName: "orders-receipts", secret: ORDERS_SECRET, lose: new Set([1, 2]) });
    try {
      const receipts = (tableName: string) => ({ tableName, endpoint: dynamo.endpoint, ...LOCAL_AWS });
      const report = await runSpikeAcrossTargets({
        profile: { ...twoTargets, reconcile: { deadlineSeconds: 2, pollIntervalSeconds: 0.1 } },
        runId: "multi-rec",
        targets: {
          primary: { targetUrl: inbox.url, secret: SECRET, receipts: receipts("inbox-receipts") },
          orders: { targetUrl: orders.url, secret: ORDERS_SECRET, receipts: receipts("orders-receipts") },
        },
      });
      const [p, o] = report.targets.map((t) => t.report);
      expect(p.delivery).toMatchObject({ reconciled: true, processed: 20, lost: 0 });
      expect(o.delivery).toMatchObject({ reconciled: true, processed: o.planned - 2, lost: 2 });
      expect(report.totals).toMatchObject({
        reconciledTargets: ["primary", "orders"],
        processed: 20 + o.planned - 2,
        lost: 2,
        duplicateSideEffects: 0,
      });
      expect(report.totals.endToEnd!.count).toBe(20 + o.planned - 2);
      expect(report.verdict.failedTargets).toEqual(["orders"]);
      expect(report.verdict.reasons.some((r) => r.startsWith("orders: ") && /lost/.test(r))).toBe(true);
      expect(renderMultiTargetSummary(report)).toContain("=== Totals (all targets; delivery reconciled on every target) ===");
    } finally {
      await inbox.close();
      await orders.close();
    }
  });

  it("reads every target's receipts table and edge key before the shared start: a missing one is refused with no traffic anywhere", async () => {
    const ddb = dynamo.client();
    await createReceiptsTable(ddb, "inbox-receipts-2");
    const inbox = await startTarget();
    // a Secrets Manager that answers, after longer than the shared start's delay, that the secret does not exist
    const secretsManager = http.createServer((req, res) => {
      req.resume();
      setTimeout(() => {
        res.writeHead(400, { "content-type": "application/x-amz-json-1.1" });
        res.end(JSON.stringify({ __type: "ResourceNotFoundException", message: "Secrets Manager can't find the specified secret." }));
      }, 1500);
    });
    await new Promise<void>((r) => secretsManager.listen(0, "127.0.0.1", r));
    const smEndpoint = `http://127.0.0.1:${(secretsManager.address() as { port: number }).port}`;
    try {
      const receipts = (tableName: string) => ({ tableName, endpoint: dynamo.endpoint, ...LOCAL_AWS });
      const primary = { targetUrl: inbox.url, secret: SECRET, receipts: receipts("inbox-receipts-2") };
      // no run id given: the table is still read before any traffic
      await expect(
        runSpikeAcrossTargets({
          profile: twoTargets,
          targets: { primary, orders: { targetUrl: inbox.url, secret: ORDERS_SECRET, receipts: receipts("orders-receipts-typo") } },
        }),
      ).rejects.toThrow(/^target "orders": the receipts table orders-receipts-typo could not be read: /);
      await expect(
        runSpikeAcrossTargets({
          profile: twoTargets,
          targets: {
            primary,
            orders: {
              targetUrl: inbox.url,
              secret: ORDERS_SECRET,
              edgeKey: {
                secretArn: "arn:aws:secretsmanager:us-east-1:000000000000:secret:missing",
                secretsManager: { endpoint: smEndpoint, ...LOCAL_AWS },
              },
            },
          },
        }),
      ).rejects.toThrow(/^target "orders": the edge API key could not be read: /);
      await new Promise((r) => setTimeout(r, 1200));
      expect(inbox.arrivals).toHaveLength(0);
    } finally {
      secretsManager.closeAllConnections();
      secretsManager.close();
      await inbox.close();
    }
  });
});

test("a target whose run throws after the start: the others' reports are kept, the verdict names it; all throwing throws", async () => {
  const target = await startTarget();
  const real = runModule.sendAndFinishSpike;
  const spy = jest.spyOn(runModule, "sendAndFinishSpike").mockImplementation(async (options, profile, runId) => {
    if (runId.endsWith(".orders")) {
      await new Promise((r) => setTimeout(r, 200));
      throw new Error("the receipts table went away");
    }
    return real(options, profile, runId);
  });
  try {
    const targets = { primary: { targetUrl: target.url, secret: SECRET }, orders: { targetUrl: target.url, secret: ORDERS_SECRET } };
    const report = await runSpikeAcrossTargets({ profile: twoTargets, runId: "partial", targets, startAtMs: Date.now() + 100 });
    expect(report.targets.map((t) => t.target)).toEqual(["primary"]);
    expect(report.failedRuns).toEqual([{ target: "orders", scenarios: ["spike", "burst"], error: "the receipts table went away" }]);
    expect(report.verdict.verdict).toBe("FAIL");
    expect(report.verdict.failedTargets).toEqual(["orders"]);
    expect(report.verdict.reasons[0]).toBe(
      "orders: the run failed after the start (its traffic is not in the totals): the receipts table went away",
    );
    expect(report.totals.planned).toBe(report.targets[0].report.planned);
    expect(renderMultiTargetSummary(report)).toContain(
      "not in the totals: target orders, whose run failed after the start: the receipts table went away",
    );
    spy.mockImplementation(async () => {
      throw new Error("down");
    });
    await expect(runSpikeAcrossTargets({ profile: twoTargets, targets })).rejects.toThrow(
      'the run across targets failed: target "primary": down; target "orders": down',
    );
  } finally {
    spy.mockRestore();
    await target.close();
  }
});

test("combineTargetReports: PASS only when every target passes", async () => {
  const target = await startTarget();
  try {
    const report = await runSpike({
      targetUrl: target.url,
      secret: SECRET,
      profile: { phases: [{ type: "constant", ratePerSecond: 5, durationSeconds: 1 }] },
    });
    const profile = parseProfile({ phases: [{ type: "constant", ratePerSecond: 5, durationSeconds: 1 }] });
    const pass = combineTargetReports({
      runId: "r",
      profile,
      primaryTarget: PRIMARY_TARGET,
      targets: [{ target: "a", scenarios: [], report }],
    });
    expect(pass.verdict).toEqual({ verdict: "PASS", reasons: [], failedTargets: [] });
    const failing = { ...report, verdict: { verdict: "FAIL" as const, reasons: ["lost: 3 > 0"], checks: [] } };
    const fail = combineTargetReports({
      runId: "r",
      profile,
      primaryTarget: PRIMARY_TARGET,
      targets: [
        { target: "a", scenarios: [], report },
        { target: "b", scenarios: [], report: failing },
      ],
    });
    expect(fail.verdict).toEqual({ verdict: "FAIL", reasons: ["b: lost: 3 > 0"], failedTargets: ["b"] });
    expect(fail.totals.planned).toBe(10);
  } finally {
    await target.close();
  }
});
