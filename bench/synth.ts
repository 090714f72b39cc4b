/**
 * Benchmark 4: type-checked synth time and peak memory, deep imports vs the barrel.
 *
 * Two temporary copies of lib/ and examples/ (node_modules linked): one as it is (deep
 * imports, `@cdktf/provider-aws/lib/<resource>`), one with every deep import rewritten to
 * the barrel (`import { sqsQueue } from "@cdktf/provider-aws"`, the naive way). In each,
 * ts-node WITHOUT --transpile-only (every loaded file type-checked, as `cdktf synth` with a
 * ts-node app does) synthesizes the demo stack and stacks of 1, 5 and 20 ConsumerPipelines,
 * each in a fresh process under /usr/bin/time (wall time, peak RSS). Lambda bundles come
 * from esbuild's content cache, warmed once per copy, so the figures are the synth itself.
 */
import { cpSync, existsSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ratio, round, runOk, say, tempDir, ROOT, type BenchResult, type Figure } from "./lib/util";

export interface SynthOptions {
  /** Only the demo stack and 1 pipeline. Default false. */
  readonly quick?: boolean;
}

const APP = `
import * as path from "node:path";
import { App, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { ConsumerPipeline } from "cdktf-genesys-consumer";
import { DemoStack } from "./examples/basic/stack";

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
    for (const raw of names.split(",").map((n) => n.trim()).filter(Boolean)) {
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

/** A temporary copy of the sources the synth needs. */
function makeCopy(dir: string, barrel: boolean): number {
  for (const part of ["lib", "examples"]) cpSync(join(ROOT, part), join(dir, part), { recursive: true });
  cpSync(join(ROOT, "tsconfig.json"), join(dir, "tsconfig.json"));
  cpSync(join(ROOT, "package.json"), join(dir, "package.json"));
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  writeFileSync(join(dir, "app.ts"), APP);
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

interface Measure {
  readonly wallSeconds: number;
  readonly maxRssMiB: number;
}

async function synthOnce(dir: string, what: string, typeCheck: boolean): Promise<Measure> {
  const register = typeCheck ? "ts-node/register" : "ts-node/register/transpile-only";
  const args = ["-f", "%e %M", process.execPath, "-r", register, "-r", "tsconfig-paths/register", join(dir, "app.ts"), what, join(dir, "cdktf.out")];
  const res = await runOk("/usr/bin/time", args, { cwd: dir, timeoutMs: 300_000, env: { ...process.env, TS_NODE_PROJECT: join(dir, "tsconfig.json"), CHECKPOINT_DISABLE: "1" } });
  const line = res.stderr.trim().split("\n").pop() ?? "";
  const [wall, rss] = line.split(" ").map(Number);
  if (!Number.isFinite(wall) || !Number.isFinite(rss)) throw new Error(`unexpected /usr/bin/time output: ${res.stderr.slice(-500)}`);
  return { wallSeconds: wall, maxRssMiB: round(rss / 1024, 1) };
}

export async function benchSynth(options: SynthOptions = {}): Promise<BenchResult> {
  if (!existsSync("/usr/bin/time")) throw new Error("/usr/bin/time is needed (apt-get install -y time)");
  const stacks = options.quick ? ["demo", "1"] : ["demo", "1", "5", "20"];
  const deep = tempDir("synth-deep");
  const barrel = tempDir("synth-barrel");
  try {
    makeCopy(deep.dir, false);
    const rewritten = makeCopy(barrel.dir, true);
    say(`  barrel copy: ${rewritten} deep imports rewritten to "@cdktf/provider-aws"`);
    // warm the esbuild content cache of each copy (untimed)
    await synthOnce(deep.dir, "demo", false);
    await synthOnce(barrel.dir, "demo", false);
    const rows: { stack: string; deep: Measure; barrel: Measure }[] = [];
    for (const what of stacks) {
      const d = await synthOnce(deep.dir, what, true);
      const b = await synthOnce(barrel.dir, what, true);
      rows.push({ stack: what, deep: d, barrel: b });
      say(`  ${what === "demo" ? "demo stack" : `${what} pipeline(s)`}: deep ${d.wallSeconds} s / ${d.maxRssMiB} MiB, barrel ${b.wallSeconds} s / ${b.maxRssMiB} MiB`);
    }
    const figures: Figure[] = [];
    for (const r of rows) {
      const label = r.stack === "demo" ? "demo stack" : `${r.stack} pipeline(s)`;
      const t = r.deep.wallSeconds / r.barrel.wallSeconds;
      figures.push({ name: `${label}: synth wall time (deep imports)`, value: r.deep.wallSeconds, unit: "s" });
      figures.push({ name: `${label}: time deep / barrel`, value: ratio(r.deep.wallSeconds, r.barrel.wallSeconds), target: "<= 0.3", met: t <= 0.3 });
      figures.push({ name: `${label}: peak RSS deep / barrel`, value: ratio(r.deep.maxRssMiB, r.barrel.maxRssMiB), unit: `(${r.deep.maxRssMiB} / ${r.barrel.maxRssMiB} MiB)` });
    }
    const one = rows.find((r) => r.stack === "1");
    const twenty = rows.find((r) => r.stack === "20");
    if (one && twenty) {
      const s = twenty.deep.wallSeconds / one.deep.wallSeconds;
      figures.push({ name: "20 pipelines / 1 pipeline (time, deep imports)", value: ratio(twenty.deep.wallSeconds, one.deep.wallSeconds), target: "<= 3", met: s <= 3 });
      figures.push({ name: "20 pipelines / 1 pipeline (peak RSS, deep imports)", value: ratio(twenty.deep.maxRssMiB, one.deep.maxRssMiB) });
    }
    return { name: "synth", figures, details: { rows, rewrittenImports: rewritten } };
  } finally {
    deep.remove();
    barrel.remove();
  }
}
