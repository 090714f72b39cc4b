/**
 * Runs the benchmarks: all of them (`npm run bench`) or the ones named
 * (`npm run bench -- generator synth`). Every benchmark is bounded in time, sends traffic
 * only to 127.0.0.1, prints ratios against a peer measured side by side in the same run,
 * and writes its figures to bench/results/<name>.json.
 *
 * Options: `--quick` (shorter runs, for a smoke check), `--cpu-prof` (a CPU profile of one
 * generator run, in bench/results/cpu-prof/), `--update-docs` (afterwards, regenerate the
 * performance guide's results section from bench/results/*.json, and for `cost` its guide's
 * table); for `cost`: `--json`, `--volume=N`, `--fill=N`. `--docs-only` regenerates the
 * performance guide's section from the saved results without running anything
 * (`npm run bench:docs`).
 */
import { arch, totalmem } from "node:os";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { benchGenerator } from "./generator";
import { benchGoodput } from "./goodput";
import { benchDrain } from "./drain";
import { benchSynth } from "./synth";
import { benchBundles } from "./bundles";
import { benchCost } from "./cost";
import { cpuCount, formatFigure, RESULTS, round, saveResult, say, type BenchResult } from "./lib/util";
import { updatePerformanceDoc } from "./lib/docs";

type Bench = (quick: boolean, flags: Set<string>) => Promise<BenchResult>;

/** The benchmarks, in the order `npm run bench` runs them. */
export const BENCHMARKS: Record<string, { what: string; run: Bench }> = {
  generator: {
    what: "load-generator throughput vs autocannon and Artillery, counted at the target; timing accuracy; stalling-target check",
    run: (quick, flags) =>
      benchGenerator({
        windowSeconds: quick ? 2 : 5,
        rounds: quick ? 2 : 10,
        checkRounds: quick ? 1 : 3,
        skipArtillery: flags.has("--no-artillery"),
        cpuProfileDir: flags.has("--cpu-prof") ? join(RESULTS, "cpu-prof") : undefined,
      }),
  },
  goodput: {
    what: "goodput against a rate-limited downstream vs careful (SDK-style standard retry with Retry-After, token bucket) and naive clients",
    run: (quick) => benchGoodput({ durationSeconds: quick ? 8 : 15 }),
  },
  drain: { what: "spike drain time vs the theoretical minimum", run: (quick) => benchDrain({ quick }) },
  synth: {
    what: "type-checked synth of a user's project (deep imports, one barrel import, cdktn): time, memory, cost per extra pipeline",
    run: (quick) => benchSynth({ quick }),
  },
  bundles: {
    what: "Lambda bundle size (from the packed package), cold-start wall and CPU time, per-message overhead",
    run: (quick) => benchBundles({ quick }),
  },
  cost: {
    what: "the cost of a million webhooks: counted requests per message, priced, vs two other patterns",
    run: (quick, flags) =>
      benchCost({
        quick,
        json: flags.has("--json"),
        updateDocs: flags.has("--update-docs"),
        volume: numberFlag(flags, "--volume"),
        fill: numberFlag(flags, "--fill"),
      }),
  },
};

/** The value of a `--name=N` flag, undefined when absent; throws for a value that is not a positive number. */
function numberFlag(flags: Set<string>, name: string): number | undefined {
  const flag = [...flags].find((f) => f.startsWith(`${name}=`));
  if (!flag) return undefined;
  const value = Number(flag.slice(name.length + 1));
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${flag}`);
  return value;
}

/** The machine, for the record. */
export function machine(): Record<string, string | number> {
  let cpu = "unknown";
  try {
    cpu = /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? cpu;
  } catch {
    // not Linux
  }
  return { cpus: cpuCount(), cpu, memoryGiB: round(totalmem() / 2 ** 30, 1), node: process.version, arch: arch() };
}

async function main(argv: string[]): Promise<number> {
  // the emulated functions run on this Node; Lambda's nodejs22.x would not print the SDK's notice
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  const flags = new Set(argv.filter((a) => a.startsWith("--")));
  const names = argv.filter((a) => !a.startsWith("--"));
  if (flags.has("--help")) {
    say(
      "usage: npm run bench -- [name ...] [--quick] [--cpu-prof] [--no-artillery] [--json] [--volume=N] [--fill=N] [--update-docs] [--docs-only]",
    );
    for (const [name, b] of Object.entries(BENCHMARKS)) say(`  ${name.padEnd(10)} ${b.what}`);
    return 0;
  }
  const unknown = names.filter((n) => !(n in BENCHMARKS));
  if (unknown.length) {
    say(`unknown benchmark(s): ${unknown.join(", ")}; choose from ${Object.keys(BENCHMARKS).join(", ")}`);
    return 2;
  }
  if (flags.has("--docs-only")) {
    say(`rewrote the results section of ${updatePerformanceDoc(Object.keys(BENCHMARKS))} from ${RESULTS}`);
    return 0;
  }
  const selected = names.length ? names : Object.keys(BENCHMARKS);
  const quick = flags.has("--quick");
  const m = machine();
  say(`machine: ${m.cpus} CPUs (${m.cpu}), ${m.memoryGiB} GiB, Node ${m.node} ${m.arch}${quick ? "; quick mode" : ""}`);
  let failed = 0;
  const began = performance.now();
  for (const name of selected) {
    const started = performance.now();
    say(`\n== ${name}: ${BENCHMARKS[name].what}`);
    try {
      const result = await BENCHMARKS[name].run(quick, flags);
      const seconds = round((performance.now() - started) / 1000, 1);
      say(`-- ${name} (${seconds} s)`);
      for (const f of result.figures) say(formatFigure(f));
      for (const n of result.notes ?? []) say(`  note: ${n}`);
      say(`  saved ${saveResult({ ...result, seconds, details: { machine: m, quick, ...(result.details as object) } })}`);
    } catch (error) {
      failed++;
      say(`!! ${name} failed: ${(error as Error).stack ?? String(error)}`);
    }
  }
  say(`\nall done in ${round((performance.now() - began) / 1000, 1)} s${failed ? `; ${failed} benchmark(s) failed` : ""}`);
  if (flags.has("--update-docs")) say(`rewrote the results section of ${updatePerformanceDoc(Object.keys(BENCHMARKS))}`);
  return failed ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`${(error as Error).stack}\n`);
      process.exit(1);
    },
  );
}
