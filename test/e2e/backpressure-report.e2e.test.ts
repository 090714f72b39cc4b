/**
 * A local run's HTML report shows the backpressure: the synthesized demo stack, a short spike
 * against a fake Genesys slower than the peak (so the queue absorbs it and 429s are answered),
 * the report's `backpressure` block, and its charts as headless Chromium draws them.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runLocalStack, type LocalRunResult } from "../../lib/local/run";
import { smokeSpikeProfile } from "../../lib/runtime/loadgen/profile";
import { synthesizeDemo } from "./local-helpers";

jest.setTimeout(240_000);

const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].find((p) => existsSync(p));

describe("a local run's HTML report charts the backpressure", () => {
  let result: LocalRunResult;
  const reportDir = mkdtempSync(join(tmpdir(), "gcx-backpressure-"));

  beforeAll(async () => {
    result = await runLocalStack({
      stack: synthesizeDemo(),
      profile: { ...smokeSpikeProfile, reconcile: { deadlineSeconds: 90, pollIntervalSeconds: 1 } },
      reportDir,
      // a downstream slower than the 20/s peak: the queue holds the spike, Genesys answers 429s
      overrides: { downstreamRatePerSecond: 8, downstreamBurst: 2 },
    });
  });
  afterAll(() => rmSync(reportDir, { recursive: true, force: true }));

  it("writes the backpressure block into the JSON report: the queue filled and drained, the worker ran, Genesys answered 429s", () => {
    const json = JSON.parse(
      readFileSync(
        result.reports.find((p) => p.endsWith("spike.json"))!,
        "utf8",
      ),
    );
    const bp = json.backpressure;
    expect(bp).toMatchObject({ source: "emulator", periodSeconds: 1 });
    const max = (name: string) => Math.max(...(bp.series[name] as [number, number][]).map(([, v]) => v));
    const last = (name: string) => (bp.series[name] as [number, number][]).at(-1)![1];
    expect(max("queueVisible") + max("queueInFlight")).toBeGreaterThan(0);
    expect(last("queueVisible")).toBe(0); // drained by the end
    expect(max("workerConcurrency")).toBeGreaterThan(0);
    expect(max("eventsPolled")).toBeGreaterThan(0);
    expect(max("downstreamCalls")).toBeGreaterThan(0);
    expect(max("downstream429")).toBeGreaterThan(0);
    expect(result.emulator.downstream.throttled).toBeGreaterThan(0);
    expect(bp.series.deadLetters.length).toBeGreaterThan(5);
    // one point a second from the plan's start through its last second (a backlog drained
    // with the plan's end stops the sampling within that second)
    const t = (bp.series.queueVisible as [number, number][]).map(([ms]) => ms);
    expect(t[0]).toBeLessThanOrEqual(1000);
    expect(t.at(-1)).toBeGreaterThanOrEqual((result.spike.timeline.offered.length - 1) * 1000);
  });

  it("opens in headless Chromium with the backpressure charts drawn on the timeline's axis", () => {
    if (!CHROMIUM) {
      console.warn(
        "\n\n*** SKIPPED: the backpressure charts were NOT checked in a browser: no chromium found (apt-get install chromium) ***\n\n",
      );
      return;
    }
    const file = result.reports.find((p) => p.endsWith("spike.html"))!;
    const flags = [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      `--user-data-dir=${join(reportDir, "profile")}`,
    ];
    const dom = execFileSync(CHROMIUM, [...flags, "--dump-dom", `file://${file}`], {
      encoding: "utf8",
      timeout: 60_000,
      stdio: ["ignore", "pipe", "ignore"],
    });
    const chart = dom.match(/<svg[^>]*id="backpressure-chart"[\s\S]*?<\/svg>/)?.[0] ?? "";
    for (const panel of ["rates", "queue", "concurrency", "dead-letters"]) expect(chart).toContain(`id="backpressure-${panel}"`);
    for (const series of [
      "acknowledged",
      "events polled",
      "downstream calls",
      "queue: visible",
      "queue: in flight",
      "queue: delayed",
      "worker concurrency",
      "dead letters",
    ]) {
      const points = chart.match(new RegExp(`data-series="${series}" points="([^"]+)"`))?.[1] ?? "";
      expect({ series, points: points.split(" ").length }).toEqual({ series, points: expect.any(Number) });
      expect(points.split(" ").length).toBeGreaterThanOrEqual(2);
    }
    expect(chart).toMatch(/<rect class="bar"[^>]*><title>downstream 429s at [\d.]+ s: [\d.]+<\/title>/);
    expect(dom).toContain("the local emulator, sampled every second");
    const png = join(reportDir, "report.png");
    execFileSync(CHROMIUM, [...flags, "--hide-scrollbars", "--window-size=1000,2400", `--screenshot=${png}`, `file://${file}`], {
      timeout: 60_000,
      stdio: "ignore",
    });
    const image = readFileSync(png);
    expect(image.subarray(1, 4).toString()).toBe("PNG");
    expect(image.length).toBeGreaterThan(30_000);
  });
});
