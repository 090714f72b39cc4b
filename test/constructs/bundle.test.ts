import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { TerraformOutput } from "cdktf";
import { sign } from "../../lib/runtime";
import { bundleEntry, bundleFunction } from "../../lib";
import { readZip } from "../../lib/local/zip";
import { errorOf, synth } from "./support";

describe("bundle", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gcx-bundle-"));
  const cacheDir = path.join(dir, "cache");
  const entry = path.join(dir, "entry.ts");
  const helper = path.join(dir, "helper.ts");
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  beforeAll(() => {
    fs.writeFileSync(helper, `export const greeting: string = "hello";\n`);
    // The runtime self-import resolves to lib/runtime inside this repository.
    fs.writeFileSync(
      entry,
      `import { sign } from "cdktf-genesys-consumer/runtime";\nimport { greeting } from "./helper";\nexport const handler = async () => ({ greeting, signature: sign("body", "secret") });\n`,
    );
  });

  it("bundles a CommonJS file that runs with the runtime inlined, then serves it from the cache", async () => {
    const first = bundleEntry({ entry, cacheDir });
    expect(first.fromCache).toBe(false);
    expect(path.isAbsolute(first.outdir)).toBe(true);
    const mod = (await import(first.file)) as { handler: () => Promise<{ greeting: string; signature: string }> };
    await expect(mod.handler()).resolves.toEqual({ greeting: "hello", signature: sign("body", "secret") });
    const second = bundleEntry({ entry, cacheDir });
    expect(second).toEqual({ ...first, fromCache: true });
  });

  it("keeps class names in a minified bundle, so a dead letter's error name reads as in the source", async () => {
    // The runtime's errors take their name from their class (new.target.name): minified without
    // keepNames, a PermanentError deployed in a bundle would be dead-lettered as "Ud".
    const named = path.join(dir, "named.ts");
    fs.writeFileSync(
      named,
      `import { PermanentError, RetryableError } from "cdktf-genesys-consumer/runtime";\nexport const names = () => [new PermanentError("x").name, new RetryableError("y").name];\n`,
    );
    const bundle = bundleEntry({ entry: named, cacheDir });
    const mod = (await import(bundle.file)) as { names: () => string[] };
    expect(mod.names()).toEqual(["PermanentError", "RetryableError"]);
  });

  it("leaves the load generator out of a worker bundle (the runtime barrel is tree-shaken)", () => {
    const worker = bundleEntry({ entry: path.resolve(__dirname, "../../examples/basic/worker.ts"), cacheDir });
    const code = fs.readFileSync(worker.file, "utf8");
    // undici, yaml and the HDR histograms belong to the load generator only.
    expect(code).not.toMatch(/undici/i);
    expect(code).not.toContain("highestTrackableValue");
    expect(code).toContain("x-dead-letter");
  });

  it("reuses the cache on disk in a fresh process while the inputs are unchanged, and rebuilds when one changes", async () => {
    const before = bundleEntry({ entry, cacheDir });
    await jest.isolateModulesAsync(async () => {
      const fresh = await import("../../lib/constructs/bundle");
      expect(fresh.bundleEntry({ entry, cacheDir })).toEqual({ ...before, fromCache: true });
    });
    fs.writeFileSync(helper, `export const greeting: string = "bonjour";\n`);
    await jest.isolateModulesAsync(async () => {
      const fresh = await import("../../lib/constructs/bundle");
      const rebuilt = fresh.bundleEntry({ entry, cacheDir });
      expect(rebuilt.fromCache).toBe(false);
      expect(rebuilt.hash).not.toBe(before.hash);
      expect(fs.readFileSync(rebuilt.file, "utf8")).toContain("bonjour");
    });
  });

  it("wraps the bundle in a zip asset (archive.zip) whose hash is the content hash", () => {
    let hash = "";
    const out = synth((stack) => {
      const bundled = bundleFunction(stack, "code", { entry, cacheDir });
      hash = bundled.hash;
      new TerraformOutput(stack, "file", { value: bundled.asset.path });
    });
    expect(out.json.output.file.value).toMatch(new RegExp(`^assets/code/${hash}/archive\\.zip$`));
  });

  it("zips each bundle once, deterministically: index.js, its exact bytes, a regular rw-r--r-- file", () => {
    const zipOf = () => {
      let zipPath = "";
      let file = "";
      synth((stack) => {
        const bundled = bundleFunction(stack, "code", { entry, cacheDir });
        zipPath = bundled.archive;
        file = bundled.file;
      });
      return { zipPath, file };
    };
    const first = zipOf();
    const stat = fs.statSync(first.zipPath);
    const second = zipOf();
    expect(second.zipPath).toBe(first.zipPath);
    expect(fs.statSync(second.zipPath).mtimeMs).toBe(stat.mtimeMs);
    const archive = fs.readFileSync(first.zipPath);
    const entries = readZip(archive);
    expect(entries.map((e) => e.name)).toEqual(["index.js"]);
    expect(entries[0].data.equals(fs.readFileSync(first.file))).toBe(true);
    // Central directory: "made by" Unix (3), external attributes = a regular file with mode 0644.
    const central = archive.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    expect(archive.readUInt8(central + 5)).toBe(3);
    expect(archive.readUInt32LE(central + 38) >>> 16).toBe(0o100644);
    // The same bundle zips to the same bytes (a fixed entry time), so the asset never churns.
    fs.rmSync(first.zipPath);
    expect(fs.readFileSync(zipOf().zipPath).equals(archive)).toBe(true);
  });

  it("names the entry and esbuild's messages when the build fails", () => {
    const broken = path.join(dir, "broken.ts");
    fs.writeFileSync(broken, `export const handler = (;\n`);
    const message = errorOf(() => bundleEntry({ entry: broken, cacheDir })).message;
    expect(message.startsWith(`bundle: esbuild failed for ${broken}:\n  `)).toBe(true);
    expect(message).toMatch(/broken\.ts:1: Unexpected/);
    expect(errorOf(() => bundleEntry({ entry: path.join(dir, "missing.ts"), cacheDir })).message).toBe(
      `bundle: the entry file ${path.join(dir, "missing.ts")} does not exist`,
    );
  });
});
