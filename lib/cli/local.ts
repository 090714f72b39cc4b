import type { Command } from "commander";

/** Registers the `local` subcommand (placeholder until its issue lands). */
export function registerLocal(_program: Command): void {}
