/**
 * Markdown tables for the reliability suites: printed to stdout, written under
 * `reports/reliability/`, and (with `RELIABILITY_UPDATE_DOCS=1`) copied into the marked
 * section of the reliability guide (docs/guides/reliability.md).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..", "..");
/** The guide that holds the reliability suites' tables between their markers. */
export const RELIABILITY_GUIDE = join(ROOT, "docs", "guides", "reliability.md");

/** Renders rows as a Markdown table (cells escaped for `|` and line breaks). */
export function markdownTable(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cell = (v: string | number) => String(v).replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
  const lines = [`| ${headers.map(cell).join(" | ")} |`, `|${headers.map(() => "---").join("|")}|`];
  for (const row of rows) lines.push(`| ${row.map(cell).join(" | ")} |`);
  return lines.join("\n");
}

/** A one-line description of the machine a table was measured on. */
export function machineLine(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const os = require("node:os") as typeof import("node:os");
  return `${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${os.cpus().length} CPU(s) (${os.cpus()[0]?.model ?? "unknown"}), load average ${os.loadavg()[0].toFixed(1)} at the end`;
}

/**
 * Prints a suite's table, writes it to `reports/reliability/<suite>.md`, and when
 * `RELIABILITY_UPDATE_DOCS=1` replaces the section between
 * `<!-- <suite>:begin -->` and `<!-- <suite>:end -->` in the reliability guide.
 */
export function publishTable(suite: string, title: string, table: string): void {
  const text = `${title}\n\n${table}\n\n_Measured ${machineLine()}._\n`;
  process.stdout.write(`\n${text}\n`);
  const dir = join(ROOT, "reports", "reliability");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${suite}.md`), text);
  if (process.env.RELIABILITY_UPDATE_DOCS !== "1") return;
  const doc = RELIABILITY_GUIDE;
  if (!existsSync(doc)) return;
  const begin = `<!-- ${suite}:begin -->`;
  const end = `<!-- ${suite}:end -->`;
  const current = readFileSync(doc, "utf8");
  const i = current.indexOf(begin);
  const j = current.indexOf(end);
  if (i < 0 || j < i) return;
  writeFileSync(doc, `${current.slice(0, i + begin.length)}\n${text}${current.slice(j)}`);
}
