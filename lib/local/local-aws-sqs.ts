/**
 * Loads `local-aws-sqs` with source patches that restore AWS behaviours it lacks, applied in
 * memory at load time: node_modules is never written, so the patches hold whether or not
 * install scripts ran. The pinned build is checked first, and every patch must match exactly
 * once: an upgrade that moved the code fails loudly instead of running unpatched.
 */
import { readFileSync } from "node:fs";
import { Module } from "node:module";
import * as path from "node:path";

/** The exports of `local-aws-sqs`. */
export type LocalAwsSqs = typeof import("local-aws-sqs");

/** The only `local-aws-sqs` version the patches are written for. */
export const LOCAL_AWS_SQS_VERSION = "2.0.2";

/** A replacement in a module's source: `find` must occur exactly once. */
export interface SourcePatch {
  /** Names the patch in errors. */
  readonly name: string;
  readonly find: string;
  readonly replace: string;
}

/**
 * The patches to `local-aws-sqs` 2.0.2's `dist/index.js`, applied in order. In that build,
 * `Wt(t, e, i)` makes a message invisible for both ReceiveMessage (`i` false) and
 * ChangeMessageVisibility (`i` true).
 */
export const LOCAL_AWS_SQS_PATCHES: readonly SourcePatch[] = [
  // AWS: ChangeMessageVisibility is not a receive, so it leaves ApproximateReceiveCount (and
  // the redrive after maxReceiveCount) alone; local-aws-sqs adds 1 for it.
  {
    name: "receive-count: a visibility change is not a receive",
    find: "let n=Number(t.record.attributes.ApproximateReceiveCount)+1;",
    replace: "let n=Number(t.record.attributes.ApproximateReceiveCount)+(i?0:1);",
  },
  // AWS: ApproximateFirstReceiveTimestamp is set by the first receive only; with the patch
  // above, a visibility change at count 1 would set it again.
  {
    name: "first-receive-timestamp: a visibility change does not set it",
    find: "ApproximateReceiveCount=String(n),n==1&&(",
    replace: "ApproximateReceiveCount=String(n),!i&&n==1&&(",
  },
];

/** The first line the removed postinstall script (scripts/patch-local-aws-sqs.js) wrote to dist/index.js. */
export const POSTINSTALL_MARKER = "/* cdktf-genesys-consumer: receive-count fix */";

// That script applied exactly the first two patches above; undone to get back the upstream file.
const POSTINSTALL_REPLACEMENTS: readonly SourcePatch[] = LOCAL_AWS_SQS_PATCHES.slice(0, 2);

const count = (source: string, text: string): number => source.split(text).length - 1;

/**
 * Applies `patches` in order. Throws, naming the patch and the count, if a patch's `find`
 * does not occur exactly once in the source as patched so far.
 */
export function applyPatches(source: string, patches: readonly SourcePatch[]): string {
  let out = source;
  for (const patch of patches) {
    const found = count(out, patch.find);
    if (found !== 1) {
      throw new Error(`patch "${patch.name}" must match exactly once, but its pattern was found ${found} times: ${JSON.stringify(patch.find)}`);
    }
    const at = out.indexOf(patch.find);
    out = out.slice(0, at) + patch.replace + out.slice(at + patch.find.length);
  }
  return out;
}

/**
 * Returns the upstream source of a `dist/index.js` the removed postinstall script patched
 * (marker on the first line): the marker is removed and its replacements undone, each of
 * which must be found exactly once. Sources without the marker are returned as they are.
 */
export function undoPostinstall(source: string): string {
  if (!source.includes(POSTINSTALL_MARKER)) return source;
  const fix = "reinstall local-aws-sqs to restore the upstream file (`rm -rf node_modules/local-aws-sqs && npm install`)";
  const rest = source.startsWith(`${POSTINSTALL_MARKER}\n`) ? source.slice(POSTINSTALL_MARKER.length + 1) : undefined;
  if (rest === undefined || rest.includes(POSTINSTALL_MARKER)) {
    throw new Error(`the file carries the old postinstall marker ${POSTINSTALL_MARKER} other than once on its first line: ${fix}`);
  }
  try {
    return applyPatches(
      rest,
      POSTINSTALL_REPLACEMENTS.map((p) => ({ name: `undo ${p.name}`, find: p.replace, replace: p.find })),
    );
  } catch (error) {
    throw new Error(`the file carries the old postinstall marker but not that script's exact output (${(error as Error).message}): ${fix}`);
  }
}

/** The patched source of `local-aws-sqs` and the file it stands for. */
export interface PatchedSource {
  /** The package's dist/index.js (absolute); its directory anchors the module's `require`s. */
  readonly filename: string;
  readonly source: string;
  readonly version: string;
}

/** Finds the directory of the `local-aws-sqs` this package resolves. */
export function resolveLocalAwsSqs(): string {
  try {
    return path.dirname(require.resolve("local-aws-sqs/package.json"));
  } catch (error) {
    throw new Error(
      `the local emulator needs the npm package "local-aws-sqs" ${LOCAL_AWS_SQS_VERSION} (a dependency of cdktf-genesys-consumer): install it with \`npm install local-aws-sqs@${LOCAL_AWS_SQS_VERSION}\` (${(error as Error).message})`,
    );
  }
}

/**
 * Reads `local-aws-sqs` from `packageDir` and applies `patches`. Throws if the version is not
 * exactly {@link LOCAL_AWS_SQS_VERSION} or a patch does not match exactly once.
 */
export function readPatchedSource(packageDir: string, patches: readonly SourcePatch[] = LOCAL_AWS_SQS_PATCHES): PatchedSource {
  const version = (JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8")) as { version?: unknown }).version;
  if (version !== LOCAL_AWS_SQS_VERSION) {
    throw new Error(
      `local-aws-sqs ${String(version)} is installed (${packageDir}), but the local emulator is pinned to local-aws-sqs ${LOCAL_AWS_SQS_VERSION}: ` +
        `it patches that exact build in memory (lib/local/local-aws-sqs.ts). Install the pinned version with \`npm install local-aws-sqs@${LOCAL_AWS_SQS_VERSION}\`, ` +
        "or, to upgrade, re-check every patch against the new build first.",
    );
  }
  const filename = path.join(packageDir, "dist", "index.js");
  try {
    return { filename, version, source: applyPatches(undoPostinstall(readFileSync(filename, "utf8")), patches) };
  } catch (error) {
    throw new Error(`local-aws-sqs ${version} (${filename}): ${(error as Error).message}`);
  }
}

let cachedSource: PatchedSource | undefined;
let cachedModule: LocalAwsSqs | undefined;

/** The patched source of the resolved `local-aws-sqs` (read and checked once per process). */
export function patchedLocalAwsSqsSource(): PatchedSource {
  cachedSource ??= readPatchedSource(resolveLocalAwsSqs());
  return cachedSource;
}

interface CompilableModule {
  filename: string;
  paths: string[];
  loaded: boolean;
  exports: unknown;
  _compile(source: string, filename: string): unknown;
}
interface CompilableModuleClass {
  new (id: string): CompilableModule;
  _nodeModulePaths(dir: string): string[];
}

/**
 * Compiles `source` as the CommonJS module `filename`, in memory: its `require`s resolve from
 * the file's directory as if it were loaded from disk. Not added to the require cache.
 */
export function compileCommonJs(filename: string, source: string): unknown {
  const ModuleClass = Module as unknown as CompilableModuleClass;
  const mod = new ModuleClass(filename);
  mod.filename = filename;
  mod.paths = ModuleClass._nodeModulePaths(path.dirname(filename));
  mod._compile(source, filename);
  mod.loaded = true;
  return mod.exports;
}

/**
 * Returns `local-aws-sqs` with {@link LOCAL_AWS_SQS_PATCHES} applied (loaded once per process).
 * Use it instead of `require("local-aws-sqs")`, which gives the unpatched module.
 */
export function loadLocalAwsSqs(): LocalAwsSqs {
  if (!cachedModule) {
    const { filename, source } = patchedLocalAwsSqsSource();
    cachedModule = compileCommonJs(filename, source) as LocalAwsSqs;
  }
  return cachedModule;
}
