import type { Command } from "commander";

/** Registers the `dlq` subcommand (placeholder until its issue lands). */
export function registerDlq(_program: Command): void {}
