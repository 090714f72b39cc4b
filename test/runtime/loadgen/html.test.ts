import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { compareReports, renderHtmlReport, renderSummary, runSpike, writeReports, type SpikeReport } from "../../../lib/runtime/loadgen";
import { startTarget } from "./target";

const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].find((p) => fs.existsSync(p));
let report: SpikeReport;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "spike-html-"));
  const target = await startTarget((_a, i) => (i % 9 === 4 ? { status: 429, headers: { "retry-after": "0" } } : { status: 202 }));
  report = await runSpike({
    targetUrl: target.url,
    secret: "html-report-secret-123456",
    profile: {
      name: "html <check>",
      phases: [
        { type: "constant", ratePerSecond: 10, durationSeconds: 1 },
        { type: "ramp", fromRatePerSecond: 10, toRatePerSecond: 30, durationSeconds: 1 },
      ],
    },
  });
  await target.close();
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test("the HTML report is self-contained: inline SVG charts, no script, no external reference", () => {
  const html = renderHtmlReport(report);
  expect(html).toMatch(/^<!doctype html>/);
  expect(html).not.toMatch(/<script|<link|src=|https?:\/\/(?!127\.0\.0\.1)(?!www\.w3\.org)/);
  expect(html).toContain('id="timeline-chart"');
  expect(html).toContain('id="latency-chart"');
  expect(html).toContain("html &lt;check&gt;"); // escaped
  expect(html).toContain('class="banner pass"');
  expect(renderSummary(report)).toMatch(/VERDICT: PASS[\s\S]*NOT RECONCILED/);
});

test("with a baseline, the HTML report shows the comparison under the key figures, with the baseline's numbers", async () => {
  // Prepare: a baseline run that accepted 100/s and acknowledged at p99 1.25 ms
  const baseline: SpikeReport = {
    ...report,
    runId: "baseline-run-7",
    startedAt: "2026-11-30T02:00:00.000Z",
    rates: { ...report.rates, acceptedPerSecond: 100 },
    latency: { ...report.latency, ack: { ...report.latency.ack, p99Ms: 1.25 } },
  };

  // Act
  const html = renderHtmlReport(report, { baseline: compareReports(baseline, report) });
  const written = await writeReports(report, { html: path.join(dir, "baseline.html") }, { baseline: compareReports(baseline, report) });

  // Assess
  expect(html).toContain('<section id="baseline"><h2>Compared with the baseline run baseline-run-7</h2>');
  expect(html).toContain("started 2026-11-30T02:00:00.000Z");
  const accepted = /<tr[^>]*data-metric="accepted.rate">(.*?)<\/tr>/.exec(html)![1];
  expect(accepted).toContain("<td>100/s</td>");
  expect(/<tr[^>]*data-metric="ack.p99">(.*?)<\/tr>/.exec(html)![1]).toContain("<td>1.25 ms</td>");
  expect(html).toMatch(/Regressions[\s\S]*accepted/);
  // under the key figures, before the charts
  expect(html.indexOf('class="kpis"')).toBeLessThan(html.indexOf('id="baseline"'));
  expect(html.indexOf('id="baseline"')).toBeLessThan(html.indexOf("Messages per second"));
  expect(fs.readFileSync(written[0], "utf8")).toContain('id="baseline"');
  expect(renderHtmlReport(report)).not.toContain('id="baseline"');
});

test("writeReports writes the JSON and HTML reports", async () => {
  const written = await writeReports(report, { json: path.join(dir, "r", "out.json"), html: path.join(dir, "r", "out.html") });
  expect(written).toHaveLength(2);
  const json = JSON.parse(fs.readFileSync(written[0], "utf8"));
  expect(json).toMatchObject({ version: 1, runId: report.runId, counts: { offered: 30 }, verdict: { verdict: "PASS" } });
});

test("the HTML report opens in headless Chromium with its charts drawn", () => {
  if (!CHROMIUM) {
    console.warn("\n\n*** SKIPPED: the HTML report was NOT checked in a browser: no chromium found (apt-get install chromium) ***\n\n");
    return;
  }
  const file = path.join(dir, "report.html");
  fs.writeFileSync(file, renderHtmlReport(report));
  const flags = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    `--user-data-dir=${path.join(dir, "profile")}`,
  ];
  const dom = execFileSync(CHROMIUM, [...flags, "--dump-dom", `file://${file}`], {
    encoding: "utf8",
    timeout: 60_000,
    stdio: ["ignore", "pipe", "ignore"],
  });
  // the browser parsed both SVG charts and their series
  const timeline = dom.match(/<svg[^>]*id="timeline-chart"[\s\S]*?<\/svg>/)?.[0] ?? "";
  const latency = dom.match(/<svg[^>]*id="latency-chart"[\s\S]*?<\/svg>/)?.[0] ?? "";
  for (const name of ["offered", "attempted", "accepted"]) {
    const points = timeline.match(new RegExp(`data-series="${name}" points="([^"]+)"`))?.[1] ?? "";
    expect(points.split(" ").length).toBeGreaterThanOrEqual(2);
  }
  expect(latency).toMatch(/data-series="ack, from planned send" points="[\d., -]+"/);
  expect((latency.match(/<circle /g) ?? []).length).toBeGreaterThanOrEqual(14);
  expect(dom).toContain(">PASS</h1>");
  // and it renders to a non-trivial screenshot
  const png = path.join(dir, "report.png");
  execFileSync(CHROMIUM, [...flags, "--hide-scrollbars", "--window-size=1000,1400", `--screenshot=${png}`, `file://${file}`], {
    timeout: 60_000,
    stdio: "ignore",
  });
  const image = fs.readFileSync(png);
  expect(image.subarray(1, 4).toString()).toBe("PNG");
  expect(image.length).toBeGreaterThan(30_000);
});

test("a locally judged run shows the latency percentiles with the machine's cores and load average, and the AWS-grade bounds as INFO", async () => {
  // Prepare: a target answering after 50 ms, an ack p99 bound of 1 ms (far below it)
  const target = await startTarget(() => ({ status: 202, delayMs: 50 }));
  const profile = {
    name: "local judgement",
    phases: [{ type: "constant" as const, ratePerSecond: 10, durationSeconds: 1 }],
    slo: { ackP99Ms: 1 },
  };

  // Act
  const local = await runSpike({ targetUrl: target.url, secret: "html-report-secret-123456", profile, latencyJudgement: "local" });
  const aws = await runSpike({ targetUrl: target.url, secret: "html-report-secret-123456", profile });
  await target.close();

  // Assess: the JSON report
  expect(local.machine).toEqual({
    cores: os.availableParallelism(),
    loadAverageStart: expect.any(Array),
    loadAverageEnd: expect.any(Array),
  });
  expect(local.machine!.loadAverageStart).toHaveLength(3);
  expect(local.latencyJudgement).toBe("local");
  expect(local.verdict.verdict).toBe("PASS");
  expect(local.verdict.checks.find((c) => c.name === "ackP99Ms")).toMatchObject({
    status: "info",
    threshold: "<= 1 ms (AWS-grade; not judged locally)",
  });
  expect(local.verdict.checks.find((c) => c.name === "acksOverGenesysTimeout")).toMatchObject({ status: "pass", actual: 0 });
  expect(aws.verdict.verdict).toBe("FAIL");
  // the terminal summary
  const summary = renderSummary(local);
  expect(summary).toMatch(
    new RegExp(
      `Latency \\(ms\\), ${os.availableParallelism()} cores?, load average \\d+\\.\\d\\d at the start, \\d+\\.\\d\\d at the end \\(1 min\\)`,
    ),
  );
  expect(summary).toContain("judged locally: only acks later than Genesys' 10 s webhook timeout count");
  expect(summary).toMatch(/INFO\s+ackP99Ms\s+\d+ ms, over the bound\s+<= 1 ms \(AWS-grade; not judged locally\)/);
  expect(summary).toMatch(/acks after Genesys' 10 s timeout\s+0/);
  // the HTML report
  const html = renderHtmlReport(local);
  expect(html).toMatch(/id="machine">generator machine: \d+ cores?, load average/);
  expect(html).toContain('<td class="status-info">INFO</td>');
  expect(renderSummary(aws)).not.toContain("judged locally");
});
