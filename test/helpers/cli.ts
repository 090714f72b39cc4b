/**
 * Runs the CLI in-process, as a user would type it, and captures what it writes: standard
 * output and error (the commands' own writes and commander's), with commander's exits turned
 * into exceptions and `process.exitCode` cleared before each test and restored after all.
 */
import { buildProgram } from "../../bin/cli";

/** What the CLI wrote since the last reset (each test starts empty; a test may reset it). */
export interface CliCapture {
  out: string;
  err: string;
}

/** Installs the capture for the current test file (beforeEach/afterEach/afterAll) and returns it. */
export function captureCli(): CliCapture {
  const captured: CliCapture = { out: "", err: "" };
  const savedCode = process.exitCode;
  beforeEach(() => {
    captured.out = "";
    captured.err = "";
    process.exitCode = undefined;
    jest.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      captured.out += chunk.toString();
      return true;
    });
    jest.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      captured.err += chunk.toString();
      return true;
    });
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(() => {
    process.exitCode = savedCode;
  });
  return captured;
}

/** Parses `cdktf-genesys-consumer <args...>` with the real program, its output going to `captured`. */
export async function runCli(captured: CliCapture, ...args: string[]): Promise<void> {
  const program = buildProgram();
  const all = (c: typeof program): (typeof program)[] => [c, ...c.commands.flatMap(all)];
  for (const cmd of all(program))
    cmd.exitOverride().configureOutput({ writeErr: (t) => (captured.err += t), writeOut: (t) => (captured.out += t) });
  await program.parseAsync(["node", "cdktf-genesys-consumer", ...args]);
}

/**
 * The real program with commander's exits turned into exceptions on every subcommand, for tests
 * that assert on the thrown error; `quiet` (default) also drops commander's own output.
 */
export function throwingProgram(quiet = true): ReturnType<typeof buildProgram> {
  const program = buildProgram();
  const all = (c: typeof program): (typeof program)[] => [c, ...c.commands.flatMap(all)];
  for (const cmd of all(program)) {
    cmd.exitOverride();
    if (quiet) cmd.configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  }
  return program;
}
