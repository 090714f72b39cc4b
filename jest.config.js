/**
 * Unit, synth and short end-to-end tests (`npm test`), in two projects:
 * - `cdktf`: every suite, against CDK for Terraform (cdktf, @cdktf/provider-*).
 * - `cdktn`: the construct and example suites again, against CDK Terrain (cdktn,
 *   @cdktn/provider-*), by mapping the framework imports of the same sources.
 * `npm run test:e2e` uses jest.e2e.config.js (cdktf only).
 */

/** Settings every project shares. @type {import('jest').Config} */
const base = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "\\.e2e\\.test\\.ts$"],
  // Type checking is done once by `tsc --noEmit` in `npm test`; ts-jest only transpiles.
  transform: { "^.+\\.tsx?$": ["ts-jest", { diagnostics: false }] },
  moduleNameMapper: {
    "^cdktf-genesys-consumer$": "<rootDir>/lib/index.ts",
    "^cdktf-genesys-consumer/runtime$": "<rootDir>/lib/runtime/index.ts",
  },
  setupFilesAfterEnv: ["<rootDir>/test/setup.ts"],
};

/** The same sources with the framework imports pointed at CDK Terrain. @type {import('jest').Config} */
const cdktn = {
  ...base,
  displayName: "cdktn",
  testMatch: ["<rootDir>/test/constructs/**/*.test.ts", "<rootDir>/test/examples/**/*.test.ts"],
  moduleNameMapper: {
    ...base.moduleNameMapper,
    "^cdktf$": "<rootDir>/node_modules/cdktn",
    "^cdktf/(.*)$": "<rootDir>/node_modules/cdktn/$1",
    "^@cdktf/provider-(aws|random)/(.*)$": "<rootDir>/node_modules/@cdktn/provider-$1/$2",
  },
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [{ ...base, displayName: "cdktf" }, cdktn],
  testTimeout: 60000,
};
