#!/usr/bin/env node
// Applies the receive-count fix to local-aws-sqs (see README, "Local components").
// On AWS, ChangeMessageVisibility is not a receive; local-aws-sqs 2.0.2 counts it as
// one, so a message whose visibility the worker changes is dead-lettered early.
// The replacement is guarded: each pattern must occur exactly once, or the install
// fails loudly (an upgrade that moved the code must be looked at, not papered over).
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const PINNED = "2.0.2";
// In this repository (npm ci / npm install at its root) a mismatch fails the install;
// in a user's project the emulator is optional, so a mismatch only warns.
const isRoot = !process.env.INIT_CWD || path.resolve(process.env.INIT_CWD) === path.resolve(__dirname, "..");
const fail = (message) => {
  if (isRoot) {
    console.error(message);
    process.exit(1);
  }
  console.warn(`${message}\n(cdktf-genesys-consumer: the local emulator may dead-letter early; the constructs and runtime are unaffected)`);
  process.exit(0);
};
const MARKER = "/* cdktf-genesys-consumer: receive-count fix */";

let pkgDir;
try {
  pkgDir = path.dirname(require.resolve("local-aws-sqs/package.json", { paths: [process.cwd()] }));
} catch {
  // local-aws-sqs is not installed (e.g. --omit of optional tooling): nothing to patch.
  process.exit(0);
}
const version = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8")).version;
if (version !== PINNED) {
  fail(`patch-local-aws-sqs: expected local-aws-sqs ${PINNED}, found ${version}; re-check the patch before upgrading.`);
}
const file = path.join(pkgDir, "dist", "index.js");
let src = fs.readFileSync(file, "utf8");
if (src.includes(MARKER)) process.exit(0);

const replacements = [
  ["let n=Number(t.record.attributes.ApproximateReceiveCount)+1;", "let n=Number(t.record.attributes.ApproximateReceiveCount)+(i?0:1);"],
  ["ApproximateReceiveCount=String(n),n==1&&(", "ApproximateReceiveCount=String(n),!i&&n==1&&("],
];
for (const [from, to] of replacements) {
  const count = src.split(from).length - 1;
  if (count !== 1) {
    fail(`patch-local-aws-sqs: pattern found ${count} times (expected 1): ${from}`);
  }
  src = src.replace(from, to);
}
fs.writeFileSync(file, `${MARKER}\n${src}`);
console.log("patch-local-aws-sqs: applied the receive-count fix to local-aws-sqs", version);
