/** Long end-to-end and reliability suites (`npm run test:e2e`). */
const base = require("./jest.config.js");
/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: ["**/*.e2e.test.ts"],
  testPathIgnorePatterns: ["/node_modules/"],
  testTimeout: 15 * 60 * 1000,
  maxWorkers: 1,
};
