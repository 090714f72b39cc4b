/**
 * The one base of the local emulator's error kinds. Each kind (a stack the emulator cannot
 * load or run, an expression or template it cannot evaluate, a REST API part it cannot execute,
 * ...) keeps its own class, `name` and message; they all extend {@link LocalEmulatorError}, so a
 * caller can tell "the emulator refused this stack or input" from any other failure with one
 * `instanceof` check.
 */

/** Base class of every error kind the local emulator throws on purpose. */
export class LocalEmulatorError extends Error {
  override readonly name: string = "LocalEmulatorError";
}
