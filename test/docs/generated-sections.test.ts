/**
 * The sections the suites and runs regenerate: each guide holds its markers once, in order,
 * so `publishTable` (test/e2e/helpers/tables.ts, with RELIABILITY_UPDATE_DOCS=1) and a pasted
 * `npm start` run land where the reader looks for them, and nothing writes into the README.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { RELIABILITY_GUIDE } from "../e2e/helpers/tables";

const root = path.resolve(__dirname, "../..");
const read = (file: string) => readFileSync(path.isAbsolute(file) ? file : path.join(root, file), "utf8");

function markers(text: string, name: string): { begin: number; end: number } {
  const begin = text.split(`<!-- ${name}:begin -->`).length - 1;
  const end = text.split(`<!-- ${name}:end -->`).length - 1;
  const ordered = text.indexOf(`<!-- ${name}:begin -->`) < text.indexOf(`<!-- ${name}:end -->`);
  return { begin, end: ordered ? end : -end };
}

describe("regenerated sections", () => {
  it.each(["faults", "bad-input", "truthfulness"])("the reliability guide holds the %s table's markers once, in order", (suite) => {
    expect(path.relative(root, RELIABILITY_GUIDE)).toBe(path.join("docs", "guides", "reliability.md"));
    expect(markers(read(RELIABILITY_GUIDE), suite)).toEqual({ begin: 1, end: 1 });
  });

  it("the local-run guide holds the npm start output's markers once, in order", () => {
    expect(markers(read("docs/guides/local-run.md"), "npm-start")).toEqual({ begin: 1, end: 1 });
  });

  it("the README holds no regenerated section", () => {
    expect(read("README.md")).not.toMatch(/<!-- [a-z-]+:(begin|end) -->/);
  });
});
