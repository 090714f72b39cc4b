/**
 * Lambda code bundled with esbuild at synth into a `TerraformAsset`.
 *
 * One bundle per entry file: node platform, `node22` target, CommonJS, minified, no
 * source map, everything bundled (the AWS SDK included, so a local run and Lambda
 * execute the same code). Bundles are cached by content in
 * `node_modules/.cache/cdktf-genesys-consumer`: the cache key covers the entry and the
 * build options, and a cached bundle is reused only while every input esbuild read for
 * it (its metafile) still has the same content hash. Several pipelines with the same
 * entry therefore bundle once per process, and an unchanged entry does not bundle again
 * on the next synth.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { buildSync, version as esbuildVersion, type BuildOptions } from "esbuild";
import { AssetType, TerraformAsset } from "cdktf";
import { Construct } from "constructs";
import { zipSync } from "fflate";

/** The file name of the bundle inside its folder; the Lambda handler is `index.<export>`. */
export const BUNDLE_FILE = "index.js";

export interface BundleProps {
  /** The entry file (TypeScript or JavaScript), absolute or relative to the working directory. */
  readonly entry: string;
  /** esbuild `target`. Default: `node22` (the `nodejs22.x` runtime). */
  readonly target?: string;
  /** Minify the bundle. Default: true. */
  readonly minify?: boolean;
  /** Modules left out of the bundle (resolved at run time). Default: none. */
  readonly external?: readonly string[];
  /** esbuild `define` replacements. Default: none. */
  readonly define?: Readonly<Record<string, string>>;
  /** Cache folder. Default: `<cwd>/node_modules/.cache/cdktf-genesys-consumer`. */
  readonly cacheDir?: string;
}

/** A bundle on disk. */
export interface BundleOutput {
  /** Absolute path of the folder holding {@link BUNDLE_FILE}. */
  readonly outdir: string;
  /** Absolute path of the bundled file. */
  readonly file: string;
  /** SHA-256 (hex) of the bundled file: changes exactly when the code changes. */
  readonly hash: string;
  /** Bundle size, bytes. */
  readonly sizeBytes: number;
  /** True when the bundle came from the cache (no esbuild run). */
  readonly fromCache: boolean;
}

/** A bundle wrapped in a `TerraformAsset`. */
export interface BundledFunction extends BundleOutput {
  /** The zip asset: wire `filename: asset.path`, `sourceCodeHash: asset.assetHash`. */
  readonly asset: TerraformAsset;
  /** Absolute path of the zip in the cache (`archive.zip` holding {@link BUNDLE_FILE}) the asset copies. */
  readonly archive: string;
}

interface Manifest {
  /** Absolute input path -> sha256 of its content. */
  readonly inputs: Record<string, string>;
  readonly hash: string;
}

/** Bundles verified in this process: key -> output (no re-hashing of inputs). */
const memo = new Map<string, BundleOutput>();

/** When this library runs from its own sources, the runtime self-import points at lib/runtime. */
function selfAliases(): Record<string, string> {
  const runtimeIndex = path.resolve(__dirname, "..", "runtime", "index.ts");
  return fs.existsSync(runtimeIndex) ? { "cdktf-genesys-consumer/runtime": runtimeIndex } : {};
}

function sha256(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

function hashFile(file: string): string | undefined {
  try {
    return sha256(fs.readFileSync(file));
  } catch {
    return undefined;
  }
}

function defaultCacheDir(): string {
  return path.resolve(process.cwd(), "node_modules", ".cache", "cdktf-genesys-consumer");
}

/**
 * Bundles an entry file (or returns the cached bundle). Synchronous, so it can run in a
 * construct's constructor. Throws an error listing esbuild's messages when the build fails.
 */
export function bundleEntry(props: BundleProps): BundleOutput {
  const entry = path.resolve(props.entry);
  if (!fs.existsSync(entry)) throw new Error(`bundle: the entry file ${entry} does not exist`);
  const cacheDir = path.resolve(props.cacheDir ?? defaultCacheDir());
  const options: BuildOptions = {
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    target: props.target ?? "node22",
    format: "cjs",
    minify: props.minify ?? true,
    // the runtime's errors are named after their class (a dead letter's error.name): keep class names
    keepNames: true,
    sourcemap: false,
    external: [...(props.external ?? [])],
    define: { ...(props.define ?? {}) },
    alias: selfAliases(),
    absWorkingDir: process.cwd(),
    metafile: true,
    write: false,
    logLevel: "silent",
  };
  // cacheFormat: bumped when what a manifest records changes (2: the nearest package.json of every input).
  const key = sha256(JSON.stringify({ ...options, esbuild: esbuildVersion, cacheFormat: 2 }));
  const cached = memo.get(key);
  if (cached && fs.existsSync(cached.file)) return { ...cached, fromCache: true };

  const manifestPath = path.join(cacheDir, `${key}.json`);
  const fromDisk = readCached(cacheDir, manifestPath);
  if (fromDisk) {
    memo.set(key, fromDisk);
    return fromDisk;
  }

  let result;
  try {
    result = buildSync({ ...options, outfile: path.join(cacheDir, "tmp", BUNDLE_FILE) });
  } catch (error) {
    const errors = (error as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors ?? [];
    const detail = errors.map((e) => `  ${e.location ? `${e.location.file}:${e.location.line}: ` : ""}${e.text}`).join("\n");
    throw new Error(`bundle: esbuild failed for ${entry}${detail ? `:\n${detail}` : `: ${(error as Error).message}`}`);
  }
  const code = result.outputFiles?.find((f) => f.path.endsWith(".js"));
  if (!code) throw new Error(`bundle: esbuild produced no JavaScript for ${entry}`);
  const hash = sha256(Buffer.from(code.contents));
  const outdir = path.join(cacheDir, "out", hash);
  const file = path.join(outdir, BUNDLE_FILE);
  fs.mkdirSync(outdir, { recursive: true });
  if (!fs.existsSync(file)) writeAtomic(file, code.contents);
  const inputs: Record<string, string> = {};
  for (const input of Object.keys(result.metafile?.inputs ?? {})) {
    // Inputs in esbuild's namespaces (e.g. "<define:...>") are not files.
    if (input.includes(":") && !path.isAbsolute(input)) continue;
    const abs = path.resolve(process.cwd(), input);
    const inputHash = hashFile(abs);
    if (inputHash) inputs[abs] = inputHash;
    // The nearest package.json steers resolution and tree shaking ("sideEffects", "exports").
    const manifestFile = nearestPackageJson(path.dirname(abs));
    if (manifestFile && !(manifestFile in inputs)) {
      const manifestHash = hashFile(manifestFile);
      if (manifestHash) inputs[manifestFile] = manifestHash;
    }
  }
  const manifest: Manifest = { inputs, hash };
  writeAtomic(manifestPath, JSON.stringify(manifest));
  const output: BundleOutput = { outdir, file, hash, sizeBytes: code.contents.byteLength, fromCache: false };
  memo.set(key, output);
  return output;
}

const packageJsonOf = new Map<string, string | undefined>();
/** The package.json closest above a directory (memoized per directory). */
function nearestPackageJson(dir: string): string | undefined {
  if (packageJsonOf.has(dir)) return packageJsonOf.get(dir);
  const candidate = path.join(dir, "package.json");
  const parent = path.dirname(dir);
  const found = fs.existsSync(candidate) ? candidate : parent === dir ? undefined : nearestPackageJson(parent);
  packageJsonOf.set(dir, found);
  return found;
}

/** Writes through a temporary file and a rename, so concurrent synths never read half a file. */
function writeAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

function readCached(cacheDir: string, manifestPath: string): BundleOutput | undefined {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8")) as Manifest;
  } catch {
    return undefined;
  }
  const outdir = path.join(cacheDir, "out", manifest.hash);
  const file = path.join(outdir, BUNDLE_FILE);
  if (!fs.existsSync(file)) return undefined;
  for (const [input, hash] of Object.entries(manifest.inputs)) {
    if (hashFile(input) !== hash) return undefined;
  }
  return { outdir, file, hash: manifest.hash, sizeBytes: fs.statSync(file).size, fromCache: true };
}

/**
 * Bundles `props.entry` and wraps its zip in a `TerraformAsset` (FILE, absolute path, asset
 * hash = the bundle's content hash). The zip is made once per content hash in the cache
 * (fflate, deterministic bytes) instead of by cdktf's ARCHIVE asset, which zips the folder
 * again at every synth in a child process (most of the per-pipeline synth time). Wire it as
 * `filename: bundle.asset.path, sourceCodeHash: bundle.asset.assetHash, handler: "index.<export>"`.
 */
export function bundleFunction(scope: Construct, id: string, props: BundleProps): BundledFunction {
  const output = bundleEntry(props);
  const archive = zipOf(output);
  const asset = new TerraformAsset(scope, id, { path: archive, type: AssetType.FILE, assetHash: output.hash });
  return { ...output, asset, archive };
}

/** A fixed modification time for zip entries (1980-01-01, the earliest DOS time): the same bundle always zips to the same bytes. */
const ZIP_MTIME = new Date(1980, 0, 1);

/** The bundle's zip (`archive.zip` holding `index.js`), made once per content hash in the cache. */
function zipOf(output: BundleOutput): string {
  const zip = path.join(path.dirname(output.outdir), "..", "zip", output.hash, "archive.zip");
  if (!fs.existsSync(zip)) {
    fs.mkdirSync(path.dirname(zip), { recursive: true });
    // os 3 (Unix) so the mode bits count: a regular file, rw-r--r--, readable by the Lambda runtime user.
    writeAtomic(
      zip,
      zipSync({ [BUNDLE_FILE]: [fs.readFileSync(output.file), { level: 9, mtime: ZIP_MTIME, os: 3, attrs: 0o100644 << 16 }] }),
    );
  }
  return zip;
}
