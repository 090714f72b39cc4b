/**
 * The API report check (`npm run api:check`, docs/decisions/0004-public-api-and-report.md) notices
 * a change of the public surface: API Extractor, run as `api:check` runs it, on the runtime entry
 * point's declarations as they are (no change) and with one export added (changed, failed).
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import * as path from "node:path";
import { Extractor, ExtractorConfig, type ExtractorResult } from "@microsoft/api-extractor";

const root = path.resolve(__dirname, "../..");

/**
 * API Extractor with the runtime report's config, in check mode (not `--local`), on the
 * declarations built into `projectFolder` (inside this repository, so `node_modules` resolves;
 * with a copy of package.json, so the report's messages name the same `dist/...` paths).
 */
function check(projectFolder: string, tempFolder: string): ExtractorResult {
  const configPath = path.join(root, "api-extractor.runtime.json");
  const configObject = ExtractorConfig.loadFile(configPath);
  configObject.projectFolder = projectFolder;
  configObject.mainEntryPointFilePath = path.join(projectFolder, "dist", "lib", "runtime", "index.d.ts");
  configObject.apiReport = {
    ...configObject.apiReport!,
    enabled: true,
    reportFolder: path.join(root, "etc", "api"),
    reportTempFolder: tempFolder,
  };
  const config = ExtractorConfig.prepare({
    configObject,
    configObjectFullPath: configPath,
    packageJsonFullPath: path.join(projectFolder, "package.json"),
  });
  return Extractor.invoke(config, {
    localBuild: false,
    messageCallback: (message) => {
      message.handled = true;
    },
  });
}

describe("the API report check", () => {
  let dir: string;

  beforeAll(() => {
    mkdirSync(path.join(root, ".cache"), { recursive: true });
    dir = mkdtempSync(path.join(root, ".cache", "api-report-test-"));
    const tsc = require.resolve("typescript/bin/tsc");
    execFileSync(
      process.execPath,
      [tsc, "-p", path.join(root, "tsconfig.build.json"), "--emitDeclarationOnly", "--outDir", path.join(dir, "dist")],
      {
        cwd: root,
        stdio: "pipe",
      },
    );
    copyFileSync(path.join(root, "package.json"), path.join(dir, "package.json"));
  }, 120_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("passes on the declarations as they are (the checked-in report is current)", () => {
    const result = check(dir, path.join(dir, "same"));
    expect(result.apiReportChanged).toBe(false);
    expect(result.succeeded).toBe(true);
  }, 60_000);

  it("fails when the surface changed and the report was not updated", () => {
    const entry = path.join(dir, "dist", "lib", "runtime", "index.d.ts");
    appendFileSync(entry, "\n/** A deliberate change of the surface. */\nexport declare const API_REPORT_PROBE: number;\n");
    const result = check(dir, path.join(dir, "changed"));
    expect(result.apiReportChanged).toBe(true);
    expect(result.succeeded).toBe(false);
  }, 60_000);
});
