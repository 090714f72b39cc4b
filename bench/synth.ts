/**
 * Benchmark 4: type-checked synth time and peak memory, deep imports vs the barrel.
 *
 * Two temporary copies of lib/ and examples/ (node_modules linked): one as it is (deep
 * imports, `@cdktf/provider-aws/lib/<resource>`), one with every deep import rewritten to
 * the barrel (`import { sqsQueue } from "@cdktf/provider-aws"`, the naive way). Each copy
 * is measured two ways, the same way for both variants:
 *
 * - **installed** (the headline): the copy's package is built (`tsc`, as `npm run build`
 *   does: dist/lib/*.js + *.d.ts) and installed into a temporary cdktf project laid out as
 *   `cdktf init --template=typescript` makes one: its tsconfig.json (read from cdktf-cli's
 *   template at bench time: skipLibCheck, no `types`, so @types/node and @types/jest, the
 *   two @types packages the template installs, are loaded), the demo stack's file and an
 *   app, and `ts-node main.ts` (type-checked, the template's `app`). This is what a user of
 *   the package runs: ts-node type-checks the user's files against the package's
 *   declarations, not the package's sources.
 * - **sources**: the app runs inside the copy with `ts-node` (type-checked) and the
 *   repository's tsconfig and path mapping, so our own sources are type-checked too: what a
 *   contributor to this repository runs.
 *
 * Each synth is a fresh process under /usr/bin/time (wall time, peak RSS); deep and barrel
 * alternate, `runs` times each (median). Lambda bundles come from esbuild's content cache,
 * warmed once per project, so the figures are the synth itself (the per-asset zip that
 * cdktf makes at every synth is counted).
 *
 * BENCH_SYNTH_SOURCE=<dir> measures the lib/ and examples/ of another tree (a scratch copy
 * with a proposed change) against the same node_modules.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { median, ratio, round, runOk, say, tempDir, ROOT, type BenchResult, type Figure } from "./lib/util";

export interface SynthOptions {
  /** Only the demo stack and 1 pipeline, one run each. Default false. */
  readonly quick?: boolean;
  /** Runs of each synth (median). Default 3 (1 when quick). */
  readonly runs?: number;
  /** Where lib/ and examples/ come from. Default: $BENCH_SYNTH_SOURCE or the repository. */
  readonly source?: string;
}

/** The app: the demo stack, or a stack of N ConsumerPipelines. `PKG` is the package's import path. */
const app = (pkg: string, stackFile: string): string => `
import * as path from "node:path";
import { App, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { ConsumerPipeline } from "${pkg}";
import { DemoStack } from "${stackFile}";

const [what, outdir] = process.argv.slice(2);
const app = new App({ outdir });
if (what === "demo") {
  new DemoStack(app, "demo");
} else {
  const count = Number(what);
  const stack = new TerraformStack(app, "pipelines");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  for (let i = 0; i < count; i++) {
    new ConsumerPipeline(stack, \`pipeline-\${i}\`, { worker: { entry: path.join(__dirname, "examples", "basic", "worker.ts") } });
  }
}
app.synth();
`;

/** Barrel namespace of each deep module: `export * as sqsQueue from './sqs-queue';` */
function barrelNamespaces(): Map<string, string> {
  const index = readFileSync(join(ROOT, "node_modules", "@cdktf", "provider-aws", "lib", "index.d.ts"), "utf8");
  const map = new Map<string, string>();
  for (const m of index.matchAll(/export \* as (\w+) from '\.\/([^']+)';/g)) map.set(m[2], m[1]);
  return map;
}

const DEEP_IMPORT = /^import (type )?\{([^}]+)\} from "@cdktf\/provider-aws\/lib\/([a-z0-9-]+)";$/gm;

/** Rewrites the deep imports of one source text to the barrel; returns the text and the count. */
export function toBarrel(source: string, namespaces: Map<string, string>): { text: string; rewritten: number } {
  let rewritten = 0;
  const text = source.replace(DEEP_IMPORT, (_line, typeOnly: string | undefined, names: string, mod: string) => {
    const ns = namespaces.get(mod);
    if (!ns) throw new Error(`no barrel namespace for @cdktf/provider-aws/lib/${mod}`);
    rewritten++;
    const alias = `__aws_${ns}`;
    const out = [`import { ${ns} as ${alias} } from "@cdktf/provider-aws";`];
    for (const raw of names
      .split(",")
      .map((n) => n.trim())
      .filter(Boolean)) {
      const isType = Boolean(typeOnly) || raw.startsWith("type ");
      const [name, local = name] = raw.replace(/^type /, "").split(/\s+as\s+/);
      if (!isType) out.push(`const ${local} = ${alias}.${name};`);
      out.push(`type ${local} = ${alias}.${name};`);
    }
    return out.join(" ");
  });
  return { text, rewritten };
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** A temporary copy of the sources the synth needs (rewritten to the barrel if asked); returns the rewrites. */
function makeSourceCopy(source: string, dir: string, barrel: boolean): number {
  for (const part of ["lib", "examples"]) cpSync(join(source, part), join(dir, part), { recursive: true });
  cpSync(join(ROOT, "tsconfig.json"), join(dir, "tsconfig.json"));
  cpSync(join(ROOT, "package.json"), join(dir, "package.json"));
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  writeFileSync(join(dir, "app.ts"), app("cdktf-genesys-consumer", "./examples/basic/stack"));
  if (!barrel) return 0;
  const namespaces = barrelNamespaces();
  let total = 0;
  for (const file of [join(dir, "app.ts"), ...tsFiles(join(dir, "lib")), ...tsFiles(join(dir, "examples"))]) {
    const { text, rewritten } = toBarrel(readFileSync(file, "utf8"), namespaces);
    if (rewritten) writeFileSync(file, text);
    total += rewritten;
  }
  return total;
}

/**
 * Builds the copy's package the way `npm run build` does (tsconfig.build.json's options,
 * the library part: lib/ -> dist/lib) and lays out a cdktf project with it installed.
 */
async function makeUserProject(copy: string, dir: string, barrel: boolean): Promise<void> {
  const pkg = join(dir, "node_modules", "cdktf-genesys-consumer");
  const build = JSON.parse(readFileSync(join(ROOT, "tsconfig.build.json"), "utf8")) as { compilerOptions: Record<string, unknown> };
  const buildConfig = {
    extends: "./tsconfig.json",
    compilerOptions: { ...build.compilerOptions, outDir: join(pkg, "dist") },
    include: ["lib"],
  };
  writeFileSync(join(copy, "tsconfig.bench-build.json"), JSON.stringify(buildConfig));
  await runOk(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", join(copy, "tsconfig.bench-build.json")], {
    cwd: copy,
    timeoutMs: 300_000,
  });
  cpSync(join(ROOT, "package.json"), join(pkg, "package.json"));
  // node_modules: the repository's packages (linked), but only the @types the template installs
  for (const name of readdirSync(join(ROOT, "node_modules"))) {
    if (name.startsWith(".") || name === "@types" || name === "cdktf-genesys-consumer") continue;
    symlinkSync(join(ROOT, "node_modules", name), join(dir, "node_modules", name), "dir");
  }
  mkdirSync(join(dir, "node_modules", "@types"));
  for (const name of ["node", "jest"])
    symlinkSync(join(ROOT, "node_modules", "@types", name), join(dir, "node_modules", "@types", name), "dir");
  cpSync(join(ROOT, "node_modules", "cdktf-cli", "bundle", "templates", "typescript", "tsconfig.json"), join(dir, "tsconfig.json"));
  // the user's files: the demo stack (already rewritten in the barrel copy) and the app
  mkdirSync(join(dir, "examples", "basic"), { recursive: true });
  for (const f of ["stack.ts", "worker.ts"]) cpSync(join(copy, "examples", "basic", f), join(dir, "examples", "basic", f));
  let main = app("cdktf-genesys-consumer", "./examples/basic/stack");
  if (barrel) main = toBarrel(main, barrelNamespaces()).text;
  writeFileSync(join(dir, "main.ts"), main);
}

interface Measure {
  readonly wallSeconds: number;
  /** User + system CPU time: steadier than wall time on a shared machine. */
  readonly cpuSeconds: number;
  readonly maxRssMiB: number;
}

type Mode = "installed" | "sources";

async function synthOnce(dir: string, mode: Mode, what: string, typeCheck: boolean): Promise<Measure> {
  const register = typeCheck ? "ts-node/register" : "ts-node/register/transpile-only";
  const env: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: "1" };
  delete env.TS_NODE_PROJECT;
  delete env.TS_NODE_TRANSPILE_ONLY;
  delete env.TS_NODE_FILES;
  let args: string[];
  if (mode === "sources") {
    env.TS_NODE_PROJECT = join(dir, "tsconfig.json");
    args = [process.execPath, "-r", register, "-r", "tsconfig-paths/register", join(dir, "app.ts"), what, join(dir, "cdktf.out")];
  } else {
    args = [process.execPath, "-r", register, join(dir, "main.ts"), what, join(dir, "cdktf.out")];
  }
  const res = await runOk("/usr/bin/time", ["-f", "%e %U %S %M", ...args], { cwd: dir, timeoutMs: 300_000, env });
  const line = res.stderr.trim().split("\n").pop() ?? "";
  const [wall, user, sys, rss] = line.split(" ").map(Number);
  if (![wall, user, sys, rss].every(Number.isFinite)) throw new Error(`unexpected /usr/bin/time output: ${res.stderr.slice(-500)}`);
  return { wallSeconds: wall, cpuSeconds: round(user + sys, 2), maxRssMiB: round(rss / 1024, 1) };
}

function mid(samples: Measure[]): Measure {
  return {
    wallSeconds: round(median(samples.map((s) => s.wallSeconds)), 2),
    cpuSeconds: round(median(samples.map((s) => s.cpuSeconds)), 2),
    maxRssMiB: round(median(samples.map((s) => s.maxRssMiB)), 1),
  };
}

interface Row {
  readonly mode: Mode;
  readonly stack: string;
  readonly deep: Measure;
  readonly barrel: Measure;
  readonly deepRuns: Measure[];
  readonly barrelRuns: Measure[];
}

function figuresOf(mode: Mode, rows: Row[], withTargets: boolean): Figure[] {
  const figures: Figure[] = [];
  const prefix = mode === "installed" ? "installed package" : "from sources";
  for (const r of rows) {
    const label = `${prefix}, ${r.stack === "demo" ? "demo stack" : `${r.stack} pipeline(s)`}`;
    const t = r.deep.wallSeconds / r.barrel.wallSeconds;
    figures.push({
      name: `${label}: synth wall time (deep imports)`,
      value: r.deep.wallSeconds,
      unit: `s (barrel ${r.barrel.wallSeconds} s)`,
    });
    figures.push(
      withTargets
        ? { name: `${label}: time deep / barrel`, value: ratio(r.deep.wallSeconds, r.barrel.wallSeconds), target: "<= 0.3", met: t <= 0.3 }
        : { name: `${label}: time deep / barrel`, value: ratio(r.deep.wallSeconds, r.barrel.wallSeconds) },
    );
    figures.push({
      name: `${label}: CPU time deep / barrel`,
      value: ratio(r.deep.cpuSeconds, r.barrel.cpuSeconds),
      unit: `(${r.deep.cpuSeconds} / ${r.barrel.cpuSeconds} s)`,
    });
    figures.push({
      name: `${label}: peak RSS deep / barrel`,
      value: ratio(r.deep.maxRssMiB, r.barrel.maxRssMiB),
      unit: `(${r.deep.maxRssMiB} / ${r.barrel.maxRssMiB} MiB)`,
    });
  }
  const one = rows.find((r) => r.stack === "1");
  const twenty = rows.find((r) => r.stack === "20");
  if (one && twenty) {
    const s = twenty.deep.wallSeconds / one.deep.wallSeconds;
    const name = `${prefix}: 20 pipelines / 1 pipeline (time, deep imports)`;
    figures.push(
      withTargets
        ? { name, value: ratio(twenty.deep.wallSeconds, one.deep.wallSeconds), target: "<= 3", met: s <= 3 }
        : { name, value: ratio(twenty.deep.wallSeconds, one.deep.wallSeconds) },
    );
    figures.push({
      name: `${prefix}: 20 pipelines / 1 pipeline (peak RSS, deep imports)`,
      value: ratio(twenty.deep.maxRssMiB, one.deep.maxRssMiB),
    });
  }
  return figures;
}

export async function benchSynth(options: SynthOptions = {}): Promise<BenchResult> {
  if (!existsSync("/usr/bin/time")) throw new Error("/usr/bin/time is needed (apt-get install -y time)");
  const source = options.source ?? process.env.BENCH_SYNTH_SOURCE ?? ROOT;
  const stacks = options.quick ? ["demo", "1"] : ["demo", "1", "5", "20"];
  const runs = options.runs ?? (options.quick ? 1 : 3);
  const temps = ["deep", "barrel", "deep-user", "barrel-user"].map((n) => tempDir(`synth-${n}`));
  const [deep, barrel, deepUser, barrelUser] = temps.map((t) => t.dir);
  try {
    makeSourceCopy(source, deep, false);
    const rewritten = makeSourceCopy(source, barrel, true);
    say(`  barrel copy: ${rewritten} deep imports rewritten to "@cdktf/provider-aws"${source === ROOT ? "" : ` (sources from ${source})`}`);
    await makeUserProject(deep, deepUser, false);
    await makeUserProject(barrel, barrelUser, true);
    say("  packages built (tsc) and installed into two cdktf projects (cdktf-cli's typescript template tsconfig)");
    const projects: Record<Mode, [string, string]> = { installed: [deepUser, barrelUser], sources: [deep, barrel] };
    const rows: Row[] = [];
    for (const mode of ["installed", "sources"] as const) {
      const [d, b] = projects[mode];
      // warm the esbuild content cache of each project (untimed)
      await synthOnce(d, mode, "demo", false);
      await synthOnce(b, mode, "demo", false);
      for (const what of stacks) {
        const samples: Measure[][] = [[], []];
        for (let i = 0; i < runs; i++) {
          samples[0].push(await synthOnce(d, mode, what, true));
          samples[1].push(await synthOnce(b, mode, what, true));
        }
        const row: Row = {
          mode,
          stack: what,
          deep: mid(samples[0]),
          barrel: mid(samples[1]),
          deepRuns: samples[0],
          barrelRuns: samples[1],
        };
        rows.push(row);
        say(
          `  ${mode}, ${what === "demo" ? "demo stack" : `${what} pipeline(s)`}: deep ${row.deep.wallSeconds} s (CPU ${row.deep.cpuSeconds} s) / ${row.deep.maxRssMiB} MiB, barrel ${row.barrel.wallSeconds} s (CPU ${row.barrel.cpuSeconds} s) / ${row.barrel.maxRssMiB} MiB (median of ${runs})`,
        );
      }
    }
    const figures = [
      ...figuresOf(
        "installed",
        rows.filter((r) => r.mode === "installed"),
        true,
      ),
      ...figuresOf(
        "sources",
        rows.filter((r) => r.mode === "sources"),
        false,
      ),
    ];
    return { name: "synth", figures, details: { rows, runs, rewrittenImports: rewritten, source } };
  } finally {
    for (const t of temps) t.remove();
  }
}
