/** Unit, synth and short end-to-end tests. `npm run test:e2e` uses jest.e2e.config.js. */
/** @type {import('jest').Config} */
module.exports = {
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
  testTimeout: 60000,
};
