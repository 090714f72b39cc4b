/**
 * Builds the published package into `dist/` from one set of TypeScript sources
 * (docs/decisions/0001-package-layout.md):
 *
 * - `dist/lib`, `dist/bin`: CommonJS and declarations, for CDK for Terraform (`cdktf`)
 *   and for everything framework-free (runtime, emulator, CLI, DLQ operations).
 * - `dist/cdktn/lib`: the modules that reach a framework package (directly or through
 *   another such module), with `cdktf` / `@cdktf/provider-*` specifiers rewritten to
 *   `cdktn` / `@cdktn/provider-*`. Every other module is required from `dist/lib`, so
 *   the framework-free code exists once. The sources are type-checked against cdktn
 *   first, so a rewrite never hides an API difference.
 * - `dist/esm/runtime`: the runtime as ES modules, behind the `module` export condition
 *   that bundlers (esbuild, webpack) read and Node ignores, so a worker bundle
 *   tree-shakes the load generator away.
 *
 * Run: `npm run build`. Fails on the first error.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const root = path.resolve(__dirname, "..");
const dist = path.join(root, "dist");

/** Framework package specifiers and their CDK Terrain names. */
export const FRAMEWORK_RENAMES: readonly (readonly [RegExp, string])[] = [
  [/^cdktf(\/.*)?$/, "cdktn$1"],
  [/^@cdktf\/provider-(aws|random)(\/.*)?$/, "@cdktn/provider-$1$2"],
];

/** The CDK Terrain name of a specifier, or undefined when it is not a framework package. */
export function cdktnSpecifier(specifier: string): string | undefined {
  for (const [pattern, replacement] of FRAMEWORK_RENAMES) {
    if (pattern.test(specifier)) return specifier.replace(pattern, replacement);
  }
  return undefined;
}

/** Module specifiers in emitted JavaScript (`require("x")`) and declarations (`from "x"`, `import("x")`). */
const SPECIFIER = /(\brequire\(|\bfrom\s+|\bimport\()(["'])([^"']+)\2/g;

/** Calls `fn` for every specifier in `code` and returns the code with the specifiers `fn` replaced. */
export function mapSpecifiers(code: string, fn: (specifier: string) => string | undefined): string {
  return code.replace(SPECIFIER, (whole, lead: string, quote: string, specifier: string) => {
    const next = fn(specifier);
    return next === undefined ? whole : `${lead}${quote}${next}${quote}`;
  });
}

/** The files of one compiled module: its JavaScript and its declarations, by path without extension. */
function moduleFiles(base: string): string[] {
  return [`${base}.js`, `${base}.d.ts`].filter((file) => fs.existsSync(file));
}

/** A relative specifier resolved to a compiled module's path without extension, if it is one of `modules`. */
function resolveRelative(fromFile: string, specifier: string, modules: ReadonlySet<string>): string | undefined {
  if (!specifier.startsWith(".")) return undefined;
  const target = path.resolve(path.dirname(fromFile), specifier);
  if (modules.has(target)) return target;
  if (modules.has(path.join(target, "index"))) return path.join(target, "index");
  return undefined;
}

/** Every compiled module under `libDir`, by path without extension. */
function listModules(libDir: string): Set<string> {
  const modules = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".js")) modules.add(full.slice(0, -".js".length));
    }
  };
  walk(libDir);
  return modules;
}

/**
 * The modules of `modules` that reach a framework package, directly or through another
 * module of the set (a fixed point over the specifiers of their JS and declarations).
 */
export function frameworkModules(modules: ReadonlySet<string>): Set<string> {
  const edges = new Map<string, { framework: boolean; local: string[] }>();
  for (const base of modules) {
    let framework = false;
    const local: string[] = [];
    for (const file of moduleFiles(base)) {
      mapSpecifiers(fs.readFileSync(file, "utf8"), (specifier) => {
        if (cdktnSpecifier(specifier) !== undefined) framework = true;
        const target = resolveRelative(file, specifier, modules);
        if (target) local.push(target);
        return undefined;
      });
    }
    edges.set(base, { framework, local });
  }
  const dependent = new Set([...modules].filter((base) => edges.get(base)?.framework));
  for (let grew = true; grew;) {
    grew = false;
    for (const base of modules) {
      if (!dependent.has(base) && edges.get(base)?.local.some((target) => dependent.has(target))) {
        dependent.add(base);
        grew = true;
      }
    }
  }
  return dependent;
}

/** A relative specifier from `fromDir` to a module path, as Node and TypeScript write it. */
function relativeSpecifier(fromDir: string, modulePath: string): string {
  const relative = path.relative(fromDir, modulePath).split(path.sep).join("/");
  return relative.startsWith(".") ? relative : `./${relative}`;
}

/**
 * Writes the CDK Terrain flavour: each framework module of `fromRoot/lib` is copied to
 * `toRoot/lib` with framework specifiers renamed, and its relative specifiers to
 * framework-free modules pointed back at `fromRoot/lib`. Returns the files written.
 */
export function writeCdktnFlavour(fromRoot: string, toRoot: string): string[] {
  const modules = listModules(path.join(fromRoot, "lib"));
  const dependent = frameworkModules(modules);
  const written: string[] = [];
  for (const base of dependent) {
    for (const file of moduleFiles(base)) {
      const target = path.join(toRoot, path.relative(fromRoot, file));
      const code = mapSpecifiers(fs.readFileSync(file, "utf8"), (specifier) => {
        const renamed = cdktnSpecifier(specifier);
        if (renamed !== undefined) return renamed;
        const local = resolveRelative(file, specifier, modules);
        return local && !dependent.has(local) ? relativeSpecifier(path.dirname(target), local) : undefined;
      });
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, code);
      written.push(target);
    }
  }
  return written;
}

function tsc(project: string): void {
  execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", path.join(root, project)], { cwd: root, stdio: "inherit" });
}

function main(): void {
  fs.rmSync(dist, { recursive: true, force: true });
  tsc("tsconfig.build.json");
  tsc("tsconfig.cdktn.json");
  tsc("tsconfig.esm.json");
  // Bundlers treat dist/esm as ES modules with no side effects; Node never loads it.
  fs.writeFileSync(path.join(dist, "esm", "package.json"), `${JSON.stringify({ type: "module", sideEffects: false }, null, 2)}\n`);
  const written = writeCdktnFlavour(dist, path.join(dist, "cdktn"));
  if (!written.some((file) => file.endsWith(path.join("cdktn", "lib", "index.js")))) {
    throw new Error("build: the CDK Terrain flavour has no lib/index.js; does lib/index.ts still reach cdktf?");
  }
}

if (require.main === module) main();
