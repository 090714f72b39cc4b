/**
 * Benchmark 4: type-checked synth time and peak memory of a user's project, for the imports a
 * user actually writes, and the cost of each extra pipeline.
 *
 * The package as a consumer gets it: `npm pack` of the working tree (bench/lib/util.ts
 * packedPackage), unpacked into a temporary cdktf project laid out as
 * `cdktf init --template=typescript` makes one (its tsconfig.json, read from cdktf-cli's
 * template at bench time: skipLibCheck, CommonJS, node10 resolution; @types/node and
 * @types/jest, the two @types packages the template installs; the other dependencies linked
 * from the repository's node_modules). One project per way of writing main.ts:
 *
 * - **deep**: `@cdktf/provider-aws/lib/provider` (deep imports, what the guides show);
 * - **barrel**: one `import { provider } from "@cdktf/provider-aws"` in main.ts;
 * - **cdktn**: CDK Terrain, `cdktn`, `@cdktn/provider-aws/lib/provider` and
 *   `cdktf-genesys-consumer/cdktn`.
 *
 * Each app is N `ConsumerPipeline`s (N = 1, 4, 8) synthesized by `node -r ts-node/register
 * main.ts` (the template's `app` without npx's start-up), a fresh process under
 * /usr/bin/time (wall, CPU, peak RSS). Every variant and size is one contender, interleaved
 * round by round with a rotating order (bench/lib/method.ts). The cost per extra pipeline is
 * the slope of a least-squares line through (N, value), fitted per round (median and spread
 * of the per-round slopes). Lambda bundles come from esbuild's content cache, warmed once per
 * project, so the figures are the synth itself. When `npm pack` fails, the project links the
 * repository itself (its dist/ as it is) and the result says so.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { derived, interleave, medianFigure, type Sample } from "./lib/method";
import { copyDemoWorker, packedPackage, round, runOk, say, tempDir, ROOT, type BenchResult, type Figure } from "./lib/util";

export interface SynthOptions {
  /** Sizes 1 and 2 only, one round. Default false. */
  readonly quick?: boolean;
  /** Interleaved rounds. Default 5 (1 when quick). */
  readonly rounds?: number;
  /** Pipelines per app. Default [1, 4, 8] ([1, 2] when quick). */
  readonly sizes?: readonly number[];
}

/** The ways a user writes main.ts: the imports and the provider's class expression. */
export const VARIANTS: Record<string, { imports: string; provider: string }> = {
  deep: {
    imports: `import { App, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { ConsumerPipeline } from "cdktf-genesys-consumer";`,
    provider: "AwsProvider",
  },
  barrel: {
    imports: `import { App, TerraformStack } from "cdktf";
import { provider } from "@cdktf/provider-aws";
import { ConsumerPipeline } from "cdktf-genesys-consumer";`,
    provider: "provider.AwsProvider",
  },
  cdktn: {
    imports: `import { App, TerraformStack } from "cdktn";
import { AwsProvider } from "@cdktn/provider-aws/lib/provider";
import { ConsumerPipeline } from "cdktf-genesys-consumer/cdktn";`,
    provider: "AwsProvider",
  },
};

/** The user's main.ts: N ConsumerPipelines in one stack. */
export function mainTs(variant: keyof typeof VARIANTS): string {
  const v = VARIANTS[variant];
  return `import * as path from "node:path";
${v.imports}

const [count, outdir] = process.argv.slice(2);
const app = new App({ outdir });
const stack = new TerraformStack(app, "pipelines");
new ${v.provider}(stack, "aws", { region: "eu-west-1" });
for (let i = 0; i < Number(count); i++) {
  new ConsumerPipeline(stack, \`pipeline-\${i}\`, { worker: { entry: path.join(__dirname, "worker.ts") } });
}
app.synth();
`;
}

/** A user's project with the package installed from `pkg` (copied; or linked when it is the repository). */
function makeProject(dir: string, pkg: string, variant: keyof typeof VARIANTS): void {
  const modules = join(dir, "node_modules");
  mkdirSync(join(modules, "@types"), { recursive: true });
  for (const name of readdirSync(join(ROOT, "node_modules"))) {
    if (name.startsWith(".") || name === "@types" || name === "cdktf-genesys-consumer") continue;
    symlinkSync(join(ROOT, "node_modules", name), join(modules, name), "dir");
  }
  for (const name of ["node", "jest"]) symlinkSync(join(ROOT, "node_modules", "@types", name), join(modules, "@types", name), "dir");
  if (pkg === ROOT) symlinkSync(ROOT, join(modules, "cdktf-genesys-consumer"), "dir");
  else cpSync(pkg, join(modules, "cdktf-genesys-consumer"), { recursive: true });
  cpSync(join(ROOT, "node_modules", "cdktf-cli", "bundle", "templates", "typescript", "tsconfig.json"), join(dir, "tsconfig.json"));
  copyDemoWorker(join(ROOT, "examples", "basic"), dir);
  writeFileSync(join(dir, "main.ts"), mainTs(variant));
}

interface Measure {
  readonly wallSeconds: number;
  /** User + system CPU time: steadier than wall time on a shared machine. */
  readonly cpuSeconds: number;
  readonly maxRssMiB: number;
}

async function synthOnce(dir: string, count: number, typeCheck: boolean): Promise<Measure> {
  const register = typeCheck ? "ts-node/register" : "ts-node/register/transpile-only";
  const env: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: "1" };
  for (const k of ["TS_NODE_PROJECT", "TS_NODE_TRANSPILE_ONLY", "TS_NODE_FILES", "TS_NODE_COMPILER_OPTIONS"]) delete env[k];
  const args = [process.execPath, "-r", register, join(dir, "main.ts"), String(count), join(dir, "cdktf.out")];
  const res = await runOk("/usr/bin/time", ["-f", "%e %U %S %M", ...args], { cwd: dir, timeoutMs: 300_000, env });
  const line = res.stderr.trim().split("\n").pop() ?? "";
  const [wall, user, sys, rss] = line.split(" ").map(Number);
  if (![wall, user, sys, rss].every(Number.isFinite)) throw new Error(`unexpected /usr/bin/time output: ${res.stderr.slice(-500)}`);
  return { wallSeconds: wall, cpuSeconds: round(user + sys, 2), maxRssMiB: round(rss / 1024, 1) };
}

/** Least-squares slope and intercept of y over x. */
export function linearFit(points: readonly { x: number; y: number }[]): { slope: number; intercept: number } {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  const slope = sxx === 0 ? Number.NaN : points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0) / sxx;
  return { slope, intercept: my - slope * mx };
}

const contenderName = (variant: string, n: number) => `${variant} x${n}`;

/** Per variant: the per-round fit's slope (ms and MiB per extra pipeline) and intercept, and time / deep at the smallest size. */
function fitFigures(samples: Sample[], sizes: readonly number[]): Figure[] {
  const figures: Figure[] = [];
  for (const variant of Object.keys(VARIANTS)) {
    const fit = (key: "wall" | "cpu" | "rss", part: "slope" | "intercept", scale: number) =>
      derived(`${variant} ${key} ${part}`, samples, (r) => {
        const pts = sizes.map((n) => r.find((s) => s.contender === contenderName(variant, n)));
        if (pts.some((p) => !p)) return undefined;
        const y = (p: Sample) => (key === "wall" ? p.value : key === "cpu" ? (p.cpuSeconds ?? Number.NaN) : p.extra!.maxRssMiB);
        return linearFit(pts.map((p, i) => ({ x: sizes[i], y: y(p!) })))[part] * scale;
      });
    const label = `${variant}: per extra pipeline`;
    figures.push(medianFigure(`${label}, wall time`, `${variant} wall slope`, "ms", fit("wall", "slope", 1000), { digits: 0 }));
    figures.push(medianFigure(`${label}, CPU time`, `${variant} cpu slope`, "ms", fit("cpu", "slope", 1000), { digits: 0 }));
    figures.push(medianFigure(`${label}, peak RSS`, `${variant} rss slope`, "MiB", fit("rss", "slope", 1), { digits: 1 }));
    figures.push(
      medianFigure(`${variant}: fixed cost (fit at 0 pipelines), wall time`, `${variant} wall intercept`, "s", fit("wall", "intercept", 1)),
    );
    figures.push(
      medianFigure(`${variant}: fixed cost (fit at 0 pipelines), peak RSS`, `${variant} rss intercept`, "MiB", fit("rss", "intercept", 1), {
        digits: 0,
      }),
    );
    if (variant !== "deep") {
      const n = sizes[0];
      const ratio = derived(`${variant}/deep`, samples, (r) => {
        const [a, b] = [r.find((s) => s.contender === contenderName(variant, n)), r.find((s) => s.contender === contenderName("deep", n))];
        return a && b ? a.value / b.value : undefined;
      });
      figures.push(medianFigure(`${variant} / deep: wall time at ${n} pipeline(s) (per-round ratio)`, `${variant}/deep`, "x", ratio));
    }
  }
  return figures;
}

export async function benchSynth(options: SynthOptions = {}): Promise<BenchResult> {
  if (!existsSync("/usr/bin/time")) throw new Error("/usr/bin/time is needed (apt-get install -y time)");
  const sizes = options.sizes ?? (options.quick ? [1, 2] : [1, 4, 8]);
  const rounds = options.rounds ?? (options.quick ? 1 : 5);
  const notes: string[] = [];
  const packed = await packedPackage();
  let pkg = ROOT;
  if ("error" in packed)
    notes.push(`measured from the repository (its dist/ as it was), not the packed package: npm pack failed (${packed.error})`);
  else {
    pkg = packed.dir;
    notes.push(`the package from npm pack of the working tree (${packed.sizeKiB} KiB tarball), unpacked into each project`);
  }
  const projects = Object.keys(VARIANTS).map((v) => ({ variant: v, tmp: tempDir(`synth-${v}`) }));
  try {
    for (const p of projects) {
      makeProject(p.tmp.dir, pkg, p.variant);
      await synthOnce(p.tmp.dir, 1, false); // warm esbuild's content cache (untimed)
    }
    say(
      `  ${projects.length} user projects (${Object.keys(VARIANTS).join(", ")}), ${sizes.join(", ")} pipelines, ${rounds} interleaved round(s)`,
    );
    const contenders = Object.fromEntries(
      projects.flatMap((p) =>
        sizes.map((n) => [
          contenderName(p.variant, n),
          async () => {
            const m = await synthOnce(p.tmp.dir, n, true);
            return { value: m.wallSeconds, cpuSeconds: m.cpuSeconds, extra: { maxRssMiB: m.maxRssMiB } };
          },
        ]),
      ),
    );
    const samples = await interleave(contenders, rounds);
    for (const s of samples)
      say(
        `  round ${s.round + 1}: ${s.contender.padEnd(10)} ${s.value} s (CPU ${s.cpuSeconds} s), ${s.extra?.maxRssMiB} MiB, load ${round(s.load1, 2)}`,
      );
    const figures: Figure[] = [];
    for (const name of Object.keys(contenders)) {
      figures.push(medianFigure(`${name}: synth wall time`, name, "s", samples));
      const cpu = samples.filter((s) => s.contender === name).map((s) => ({ ...s, value: s.cpuSeconds ?? Number.NaN }));
      figures.push(medianFigure(`${name}: synth CPU time`, name, "s", cpu));
      const rss = samples.filter((s) => s.contender === name).map((s) => ({ ...s, value: s.extra!.maxRssMiB }));
      figures.push(medianFigure(`${name}: peak RSS`, name, "MiB", rss, { digits: 0 }));
    }
    figures.push(...fitFigures(samples, sizes));
    return { name: "synth", figures, details: { sizes, rounds, package: "error" in packed ? "repository" : "packed", samples }, notes };
  } finally {
    for (const p of projects) p.tmp.remove();
  }
}
