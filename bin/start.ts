/**
 * `npm start`: synthesize the demo stack (bin/main.ts, the stack of examples/basic) into
 * cdktf.out, run it on this machine with the local emulator, send the default spike through
 * it, print the verdict and the report paths, stop everything. Exit code 0 on PASS, 1 on FAIL.
 */
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { runLocalCommand } from "../lib/cli/local";

const root = resolve(__dirname, "..");
const outdir = join(root, "cdktf.out");

/** Synthesizes bin/main.ts the way `cdktf synth` runs the app of cdktf.json. */
function synthesize(): void {
  const started = Date.now();
  process.stderr.write("synthesizing the demo stack (bin/main.ts) into cdktf.out ...\n");
  const result = spawnSync(
    process.execPath,
    ["-r", "ts-node/register/transpile-only", "-r", "tsconfig-paths/register", join(root, "bin", "main.ts")],
    {
      cwd: root,
      env: { ...process.env, CDKTF_OUTDIR: outdir, CHECKPOINT_DISABLE: "1" },
      stdio: ["ignore", "inherit", "inherit"],
    },
  );
  if (result.status !== 0) throw new Error(`synthesizing the demo stack failed (exit ${result.status ?? result.signal})`);
  process.stderr.write(
    `synthesized in ${((Date.now() - started) / 1000).toFixed(1)} s: ${join(outdir, "stacks", "demo", "cdk.tf.json")}\n`,
  );
}

async function main(): Promise<number> {
  // The functions target nodejs22.x; the SDK's notice about this machine's Node version is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  synthesize();
  return runLocalCommand({ stackDir: join(outdir, "stacks", "demo"), html: true, reportDir: join(root, "reports") });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? `error: ${error.message}` : error);
    process.exit(1);
  },
);
