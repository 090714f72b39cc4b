import type { Command } from "commander";

/** Registers the `spike` subcommand (placeholder until its issue lands). */
export function registerSpike(_program: Command): void {}
