/** Long end-to-end and reliability suites (`npm run test:e2e`), against cdktf. */
const {
  projects: [cdktf],
} = require("./jest.config.js");
const { displayName: _name, ...base } = cdktf;
/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: ["**/*.e2e.test.ts"],
  testPathIgnorePatterns: ["/node_modules/"],
  testTimeout: 15 * 60 * 1000,
  maxWorkers: 1,
};
