#!/usr/bin/env node
/**
 * The one command line of the package: `cdktf-genesys-consumer <command>`.
 * Each subcommand lives in lib/cli/ and registers itself on the program.
 */
import { Command } from "commander";
import { registerSpike } from "../lib/cli/spike";
import { registerLocal } from "../lib/cli/local";
import { registerDlq } from "../lib/cli/dlq";

export function buildProgram(): Command {
  const program = new Command("cdktf-genesys-consumer")
    .description("Spike-proof Genesys Cloud webhook consumers on AWS: spike runs, local emulation, DLQ operations.")
    .version(packageVersion())
    .showHelpAfterError()
    .configureOutput({ outputError: (text, write) => write(text) });
  registerSpike(program);
  registerLocal(program);
  registerDlq(program);
  return program;
}

/** The package version, from bin/ (ts-node) or dist/bin/ (built). */
function packageVersion(): string {
  for (const candidate of ["../package.json", "../../package.json"]) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const pkg = require(candidate) as { name?: string; version: string };
      if (pkg.name === "cdktf-genesys-consumer") return pkg.version;
    } catch {
      // try the next location
    }
  }
  return "0.0.0";
}


if (require.main === module) {
  buildProgram()
    .parseAsync(process.argv)
    .catch((error: unknown) => {
      console.error(error instanceof Error ? `error: ${error.message}` : error);
      process.exitCode = 1;
    });
}
