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
    // each command parses its own options (`spike reports list --region` is the subcommand's)
    .enablePositionalOptions()
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

/**
 * Silences the AWS SDK's NodeVersionSupportWarning for this command line only. On Node.js
 * below 22 every SDK client's creation warns, once per process and thread, that SDK releases
 * after early January 2027 will need Node.js 22; the CLI supports Node.js >= 20.9 (package.json
 * `engines`), so on every command that calls AWS the notice is noise. The SDK's documented
 * switch is AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true, read when a client is
 * created: it is set here, before any client exists, unless the user set it (so `=false`
 * brings the notice back), and is inherited by the threads the commands start. Programs that
 * import the library (and the Lambda functions, on nodejs22.x) are not affected.
 */
function silenceSdkNodeVersionWarning(env: NodeJS.ProcessEnv = process.env): void {
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
}

if (require.main === module) {
  silenceSdkNodeVersionWarning();
  buildProgram()
    .parseAsync(process.argv)
    .catch((error: unknown) => {
      console.error(error instanceof Error ? `error: ${error.message}` : error);
      process.exitCode = 1;
    });
}
