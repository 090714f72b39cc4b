/** The performance guide's generated section: rendered from saved results, with the machine, the load and the noisy figures. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadRange, loadResults, renderResults, RESULTS_BEGIN, RESULTS_END, rewriteSection, type SavedResult } from "../../bench/lib/docs";

const machine = { cpus: 2, cpu: "AMD EPYC", memoryGiB: 23.5, node: "v20.20.2", arch: "x64" };

function result(name: string, overrides: Partial<SavedResult> = {}): SavedResult {
  return {
    name,
    at: "2026-12-03T17:10:00.000Z",
    seconds: 300,
    details: { machine, quick: false },
    notes: [`a note of ${name}`],
    figures: [
      {
        name: `${name}: rate`,
        value: 46784.4,
        unit: "req/s",
        method: {
          rounds: 3,
          samples: [40000, 46784.4, 50000],
          spread: { min: 40000, max: 50000, q1: 43392, q3: 48392 },
          load: [0.5, 2.6, 1.1],
          cores: 2,
          noisy: true,
          cpuSecondsMedian: 3.4,
        },
      },
      { name: `${name}: size | bytes`, value: 853.6, unit: "KiB", target: "<= 900", met: true },
    ],
    ...overrides,
  };
}

describe("the performance guide's results section", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "gcx-bench-docs-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("loads the saved results in the benchmarks' order, skipping files that are not results", () => {
    for (const name of ["synth", "generator", "extra"]) writeFileSync(join(dir, `${name}.json`), JSON.stringify(result(name)));
    writeFileSync(join(dir, "other.json"), JSON.stringify({ something: "else" }));
    expect(loadResults(["generator", "synth"], dir).map((r) => r.name)).toEqual(["generator", "synth", "extra"]);
    expect(loadResults(["generator"], join(dir, "missing"))).toEqual([]);
  });

  it("states the machine, each benchmark's time and load, and every figure with its spread, rounds, CPU and noisy mark", () => {
    const text = renderResults([result("generator"), result("synth", { seconds: 150 }), result("cost", { seconds: 11.9 })]);
    expect(text).toContain("Machine: 2 CPUs (AMD EPYC), 23.5 GiB, Node v20.20.2 x64.");
    expect(text).toContain("| generator | 2026-12-03 17:10 | 5 min | 0.5-2.6 on 2 cores | 2 | 1 |");
    expect(text).toContain("| cost | 2026-12-03 17:10 | 12 s |");
    expect(text).toContain("Together: 7.7 minutes.");
    expect(text).toContain("| generator: rate | 46,784 req/s | 40,000-50,000 (IQR 43,392-48,392) | 3 | 3.4 | 0.5-2.6 **noisy** |  |");
    // a pipe in a figure's name does not break the table; a single value says so
    expect(text).toContain("| generator: size \\| bytes | 853.6 KiB | single value | 1 |  |  | <= 900: met |");
    expect(text).toContain("- a note of synth");
  });

  it("says when the results come from different machines, quick runs, or lack a duration", () => {
    const other = result("synth", { seconds: undefined, details: { machine: { ...machine, cpus: 8 }, quick: true } });
    const text = renderResults([result("generator"), other]);
    expect(text).toMatch(/^Machines \(the results were taken on more than one\): 2 CPUs .*; 8 CPUs/m);
    expect(text).toContain("| synth (quick mode: not figures) | 2026-12-03 17:10 | not recorded |");
    expect(text).not.toContain("Together:");
    expect(renderResults([])).toContain("No results yet");
  });

  it("takes the load range over every sample of every figure", () => {
    expect(loadRange(result("x"))).toEqual({ min: 0.5, max: 2.6, cores: 2 });
    expect(loadRange(result("x", { figures: [{ name: "n", value: 1 }] }))).toBeUndefined();
  });

  it("rewrites only the text between the markers, and refuses a file without them", () => {
    const file = join(dir, "guide.md");
    writeFileSync(file, `# Guide\n\nbefore\n\n${RESULTS_BEGIN}\n\nold\n\n${RESULTS_END}\n\nafter\n`);
    rewriteSection(file, "new table");
    expect(readFileSync(file, "utf8")).toBe(`# Guide\n\nbefore\n\n${RESULTS_BEGIN}\n\nnew table\n\n${RESULTS_END}\n\nafter\n`);
    writeFileSync(file, "# no markers\n");
    expect(() => rewriteSection(file, "x")).toThrow(/has no <!-- bench-results:begin --> \.\.\. <!-- bench-results:end --> section/);
  });
});
