/**
 * Packs the package as npm would publish it and imports both entry points from a
 * scratch project: catches a missing `files` entry, a broken `exports` map or a
 * build that does not emit declarations.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";

const root = path.resolve(__dirname, "../..");
// The scratch project lives inside the repository so that the package's own
// dependencies resolve from the repository's node_modules without a network install.
const scratchParent = path.join(root, "node_modules", ".cache");

describe("the published package", () => {
  let scratch: string;
  let packed: string;

  beforeAll(() => {
    mkdirSync(scratchParent, { recursive: true });
    scratch = mkdtempSync(path.join(scratchParent, "pack-"));
    execFileSync("npm", ["run", "--silent", "build"], { cwd: root, stdio: "pipe" });
    const out = execFileSync("npm", ["pack", "--silent", "--ignore-scripts", "--pack-destination", scratch], { cwd: root, encoding: "utf8" });
    const tarball = out.trim().split("\n").pop() as string;
    const pkgDir = path.join(scratch, "node_modules", "cdktf-genesys-consumer");
    mkdirSync(pkgDir, { recursive: true });
    execFileSync("tar", ["-xzf", path.join(scratch, tarball), "-C", pkgDir, "--strip-components=1"]);
    packed = pkgDir;
  }, 240_000);

  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("ships the built entry points, their declarations and the CLI, and no sources or tests", () => {
    for (const file of ["dist/lib/index.js", "dist/lib/index.d.ts", "dist/lib/runtime/index.js", "dist/lib/runtime/index.d.ts", "dist/bin/cli.js", "LICENSE", "README.md"]) {
      expect(existsSync(path.join(packed, file))).toBe(true);
    }
    expect(existsSync(path.join(packed, "test"))).toBe(false);
    expect(existsSync(path.join(packed, "lib"))).toBe(false);
    expect(readdirSync(path.join(packed, "dist"))).toEqual(expect.arrayContaining(["lib", "bin"]));
  });

  it("imports both entry points by package name from a scratch project", () => {
    const script = path.join(scratch, "import.cjs");
    writeFileSync(
      script,
      [
        'const lib = require("cdktf-genesys-consumer");',
        'const runtime = require("cdktf-genesys-consumer/runtime");',
        "const header = runtime.sign('{}', 'a-secret-of-16-chars');",
        "console.log(JSON.stringify({ lib: Object.keys(lib).sort(), runtime: Object.keys(runtime).sort(), verified: runtime.verify('{}', header, ['a-secret-of-16-chars']) }));",
      ].join("\n"),
    );
    const result = JSON.parse(execFileSync("node", [script], { cwd: scratch, encoding: "utf8" })) as { lib: string[]; runtime: string[]; verified: boolean };
    expect(result.runtime).toEqual(expect.arrayContaining(["sign", "verify", "parseWorkerContract", "SYNTHETIC_KEY", "DEAD_LETTER_ATTRIBUTE"]));
    expect(result.verified).toBe(true);
    expect(result.lib.length).toBeGreaterThan(0);
  });

  it("runs the CLI from the package's bin", () => {
    const help = execFileSync("node", [path.join(packed, "dist/bin/cli.js"), "--help"], { cwd: scratch, encoding: "utf8" });
    expect(help).toContain("Usage: cdktf-genesys-consumer");
  });
});
