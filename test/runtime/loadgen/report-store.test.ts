/**
 * The nightly report kept with its history: keys, the bounded history index, the trend page,
 * and the handler storing each run in S3 (the local S3 server over TLS, through the SDK's
 * standard AWS_ENDPOINT_URL_S3 and the AWS_CA_BUNDLE the store honours).
 */
import { createLoadgenHandler, HEARTBEAT_METRIC, VERDICT_METRIC, type ControllerResult } from "../../../lib/runtime/loadgen";
import { loadgenEnvironment } from "../../../lib/runtime/contract";
import {
  appendHistory,
  historyKeys,
  memoryObjectStore,
  parseHistory,
  reportKeys,
  storeRun,
  type HistoryEntry,
  type ObjectStore,
} from "../../../lib/runtime/loadgen/report-store";
import { renderTrendPage } from "../../../lib/runtime/loadgen/history";
import { startS3Server, type S3Server } from "../../../lib/local/s3-server";
import { startTarget } from "./target";

const entry = (i: number, verdict: "PASS" | "FAIL" = "PASS"): HistoryEntry => ({
  runId: `run-${i}`,
  time: new Date(Date.UTC(2026, 0, 1 + i, 3)).toISOString(),
  verdict,
  reconciled: true,
  lost: verdict === "FAIL" ? 2 : 0,
  duplicates: 0,
  ackP99Ms: 100 + i,
  endToEndP99Ms: 900 + i,
  goodputPerSecond: 50,
  reasons: verdict === "FAIL" ? ["2 lost"] : [],
  jsonKey: `spike-reports/nightly/2026/01/0${i}/run-${i}/spike.json`,
  htmlKey: `spike-reports/nightly/2026/01/0${i}/run-${i}/spike.html`,
});

describe("report keys and history", () => {
  test("a run's keys carry the run name, the UTC date of its start and its id", () => {
    expect(reportKeys({ prefix: "spike-reports/", runName: "nightly" }, "r1", Date.UTC(2026, 11, 3, 23, 59))).toEqual({
      json: "spike-reports/nightly/2026/12/03/r1/spike.json",
      html: "spike-reports/nightly/2026/12/03/r1/spike.html",
    });
    expect(historyKeys({ prefix: "", runName: "n" })).toEqual({ json: "n/history.json", html: "n/history.html" });
    expect(() => reportKeys({ prefix: "", runName: "a/b" }, "r", 0)).toThrow(/runName "a\/b" cannot be used in an S3 key/);
  });

  test("the history keeps the last N runs, oldest first, a run replaced when stored again", () => {
    let h = appendHistory(undefined, entry(1), "nightly", 3);
    for (const i of [2, 3, 4]) h = appendHistory(h, entry(i), "nightly", 3);
    expect(h.runs.map((r) => r.runId)).toEqual(["run-2", "run-3", "run-4"]);
    h = appendHistory(h, { ...entry(4), verdict: "FAIL" }, "nightly", 3);
    expect(h.runs).toHaveLength(3);
    expect(h.runs[2].verdict).toBe("FAIL");
    expect(parseHistory(JSON.stringify(h), "k")).toEqual(h);
    expect(() => parseHistory("{}", "spike-reports/n/history.json")).toThrow(
      /spike-reports\/n\/history.json is not a history index.*delete it/,
    );
  });

  test("the trend page charts every run, marks FAIL runs and links each report relatively", () => {
    const page = renderTrendPage({ version: 1, runName: "night<ly>", maxLength: 90, runs: [entry(1), entry(2, "FAIL")] });
    expect(page).toContain("Spike history: night&lt;ly&gt;");
    expect(page).toContain('href="2026/01/01/run-1/spike.html"');
    expect(page).toContain("1 FAIL");
    expect(page.match(/<svg /g)).toHaveLength(5);
    expect(page).toContain('fill="#d9534f"');
    expect(page).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });
});

describe("the handler keeps each run's reports", () => {
  let s3: S3Server;
  const saved = { ...process.env };
  beforeAll(async () => {
    s3 = await startS3Server({
      buckets: [{ name: "reports-bucket", denyInsecureTransport: true, blockPublicAcls: true, aclsDisabled: true }],
    });
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_CA_BUNDLE: s3.caFile,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
    });
  });
  afterAll(async () => {
    process.env = saved;
    await s3.close();
  });

  test("two runs: JSON and HTML under their keys, the history and the trend page updated, the heartbeat logged", async () => {
    const target = await startTarget();
    try {
      const env = loadgenEnvironment({
        targetUrl: target.url,
        signatureSecretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:s",
        profile: JSON.stringify({ name: "tiny", phases: [{ type: "constant", ratePerSecond: 5, durationSeconds: 1 }] }),
        runName: "nightly-test",
        reportsBucket: "reports-bucket",
        reportsPrefix: "spike-reports/",
        historyLength: 5,
      });
      const lines: string[] = [];
      const handler = createLoadgenHandler({ env, readSecret: async () => "secret", log: (l) => lines.push(l) });
      const first = (await handler({ role: "controller", runId: "first" })) as ControllerResult;
      const second = (await handler({ role: "controller", runId: "second" })) as ControllerResult;
      expect(first.stored?.jsonKey).toMatch(/^spike-reports\/nightly-test\/\d{4}\/\d{2}\/\d{2}\/first\/spike\.json$/);
      const keys = s3.keys("reports-bucket");
      for (const k of [
        first.stored!.jsonKey,
        first.stored!.htmlKey,
        second.stored!.jsonKey,
        "spike-reports/nightly-test/history.json",
        "spike-reports/nightly-test/history.html",
      ])
        expect(keys).toContain(k);
      const stored = JSON.parse(s3.read("reports-bucket", first.stored!.jsonKey)!);
      expect(stored).toMatchObject({ runId: "first", verdict: { verdict: first.verdict.verdict } });
      expect(stored.histograms.ackUs).toEqual(expect.any(String));
      const history = parseHistory(s3.read("reports-bucket", "spike-reports/nightly-test/history.json")!, "history.json");
      expect(history.runs.map((r) => r.runId)).toEqual(["first", "second"]);
      expect(history.runs[0]).toMatchObject({ reconciled: false, lost: null, jsonKey: first.stored!.jsonKey });
      expect(s3.read("reports-bucket", "spike-reports/nightly-test/history.html")).toContain("second");
      const emf = lines.filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l));
      expect(emf).toHaveLength(2);
      expect(emf[0]).toMatchObject({ RunName: "nightly-test", [HEARTBEAT_METRIC]: 1, [VERDICT_METRIC]: expect.any(Number) });
      expect(emf[0]._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => m.Name)).toContain(HEARTBEAT_METRIC);
    } finally {
      await target.close();
    }
  });

  test("a store failure fails the invocation (the errors alarm), after the verdict and heartbeat were logged", async () => {
    const target = await startTarget();
    try {
      const failing: ObjectStore = {
        ...memoryObjectStore(),
        put: async () => {
          throw new Error("AccessDenied");
        },
      };
      const lines: string[] = [];
      const env = loadgenEnvironment({
        targetUrl: target.url,
        signatureSecretArn: "arn:s",
        profile: JSON.stringify({ name: "tiny", phases: [{ type: "constant", ratePerSecond: 5, durationSeconds: 1 }] }),
        reportsBucket: "b",
      });
      const handler = createLoadgenHandler({ env, readSecret: async () => "s", log: (l) => lines.push(l), reportStore: failing });
      await expect(handler({ role: "controller" })).rejects.toThrow("AccessDenied");
      expect(lines.some((l) => l.includes(`"${HEARTBEAT_METRIC}":1`))).toBe(true);
    } finally {
      await target.close();
    }
  });

  test("storeRun writes through any ObjectStore", async () => {
    const objects = new Map<string, string>();
    const memory = memoryObjectStore(objects);
    const report = JSON.parse(
      s3.read(
        "reports-bucket",
        [...s3.keys("reports-bucket")].find((k) => k.endsWith("/first/spike.json"))!,
      )!,
    );
    const stored = await storeRun(memory, { bucket: "m", prefix: "", runName: "x" }, report, 1);
    expect([...objects.keys()].sort()).toEqual([stored.htmlKey, stored.jsonKey, "x/history.html", "x/history.json"].sort());
  });

  test("runs of one run name finishing together each keep their history entry; a duplicated run is kept once", async () => {
    const objects = new Map<string, string>();
    const memory = memoryObjectStore(objects);
    // every store call yields, so the concurrent storeRun calls interleave their read and write of history.json
    const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
    const slow: ObjectStore = {
      ...memory,
      getVersioned: async (k) => {
        await tick();
        return memory.getVersioned(k);
      },
      putIfMatch: async (k, b, t, e) => {
        await tick();
        return memory.putIfMatch(k, b, t, e);
      },
    };
    const first = JSON.parse(
      s3.read(
        "reports-bucket",
        [...s3.keys("reports-bucket")].find((k) => k.endsWith("/first/spike.json"))!,
      )!,
    );
    const run = (runId: string, startMs: number) => ({ ...first, runId, startMs, startedAt: new Date(startMs).toISOString() });
    const location = { bucket: "m", prefix: "", runName: "x" };
    await storeRun(slow, location, run("run-a", Date.UTC(2026, 11, 1)));
    await Promise.all([
      storeRun(slow, location, run("run-b", Date.UTC(2026, 11, 2))),
      storeRun(slow, location, run("run-c", Date.UTC(2026, 11, 2, 1))),
      storeRun(slow, location, run("run-c", Date.UTC(2026, 11, 2, 1))),
    ]);
    expect(parseHistory(objects.get("x/history.json")!, "x/history.json").runs.map((r) => r.runId)).toEqual(["run-a", "run-b", "run-c"]);
    expect(objects.get("x/history.html")).toContain("run-c");
  });

  test("the in-memory store's conditional write: only on the ETag read, or on no object for none", async () => {
    const memory = memoryObjectStore();
    expect(await memory.putIfMatch("k", "1", "text/plain", undefined)).toBe(true);
    expect(await memory.putIfMatch("k", "2", "text/plain", undefined)).toBe(false);
    const read = (await memory.getVersioned("k"))!;
    expect(await memory.putIfMatch("k", "3", "text/plain", read.etag)).toBe(true);
    expect(await memory.putIfMatch("k", "4", "text/plain", read.etag)).toBe(false);
    expect(await memory.get("k")).toBe("3");
  });
});
