/**
 * `cdktf-genesys-consumer dlq inspect|redrive|purge`: operate a dead-letter queue (or the
 * synthetic quarantine queue) from the command line. The work is done by lib/ops/dlq/.
 */
import { InvalidArgumentError, Option, type Command } from "commander";
import { SingleBar } from "cli-progress";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { INSPECT_REASONS, inspectDlq, purgeDlq, redriveAll, redriveSelected, type InspectReason, type MoveTaskProgress } from "../ops/dlq";
import { DestinationError, DlqOperationError, RefusedError } from "../ops/errors";
import { renderInspect, renderRedriveSelected } from "../ops/format";
import { createSqsClient } from "../ops/queues";

interface ConnectionFlags {
  readonly queue: string;
  readonly region?: string;
  readonly endpoint?: string;
  readonly json?: boolean;
}

interface InspectFlags extends ConnectionFlags {
  readonly limit: number;
  readonly budget: number;
}

interface RedriveFlags extends ConnectionFlags {
  readonly to?: string;
  readonly reason?: InspectReason[];
  readonly id?: string[];
  readonly rate?: number;
  readonly force?: boolean;
  readonly oneByOne?: boolean;
  readonly limit?: number;
}

interface PurgeFlags extends ConnectionFlags {
  readonly yes?: boolean;
}

function positiveInt(what: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${what} must be a whole number of at least 1.`);
    return n;
  };
}

function positiveNumber(what: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${what} must be a positive number.`);
    return n;
  };
}

function withConnection(command: Command): Command {
  return command
    .requiredOption("--queue <queue>", "the dead-letter queue (or synthetic quarantine queue): URL, ARN or name")
    .option("--region <region>", "AWS region (default: AWS_REGION / the profile's region)")
    .option("--endpoint <url>", "SQS endpoint, e.g. a local emulator (default: AWS_ENDPOINT_URL_SQS, else AWS)")
    .option("--json", "print the result as JSON");
}

function print(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}

function printJson(value: unknown): void {
  print(JSON.stringify(value, null, 2));
}

/** Progress of a move task on stderr: a bar on a terminal, a line per change otherwise. */
function moveTaskReporter(): { update(p: MoveTaskProgress): void; stop(): void } {
  const stream = process.stderr;
  if (stream.isTTY) {
    const bar = new SingleBar({ stream, format: "moving [{bar}] {value}/{total} messages | {status} | {duration}s", hideCursor: true });
    let started = false;
    return {
      update(p) {
        if (!started) {
          bar.start(Math.max(p.toMove, p.moved, 1), p.moved, { status: p.status });
          started = true;
        }
        bar.setTotal(Math.max(p.toMove, p.moved, 1));
        bar.update(p.moved, { status: p.status });
      },
      stop() {
        if (started) bar.stop();
        started = false;
      },
    };
  }
  let last = "";
  return {
    update(p) {
      const line = `move task ${p.status}: ${p.moved}/${p.toMove} message(s) moved, ${(p.elapsedMs / 1000).toFixed(0)} s`;
      if (line.replace(/, \d+ s$/, "") !== last) stream.write(`${line}\n`);
      last = line.replace(/, \d+ s$/, "");
    },
    stop: () => undefined,
  };
}

/** `dlq redrive` with --reason, --id or --one-by-one: moves the selected dead letters one by one, then fails if any were left. */
async function redriveOneByOne(client: SQSClient, flags: RedriveFlags): Promise<void> {
  const result = await redriveSelected(client, {
    queue: flags.queue,
    to: flags.to,
    reasons: flags.reason,
    ids: flags.id,
    ratePerSecond: flags.rate,
    force: flags.force,
    limit: flags.limit,
    onProgress: flags.json || !process.stderr.isTTY ? undefined : (p) => process.stderr.write(`\rmoved ${p.moved} (${p.scanned} read)`),
  });
  if (!flags.json && process.stderr.isTTY && result.moved.length) process.stderr.write("\n");
  if (flags.json) printJson(result);
  else print(renderRedriveSelected(result));
  if (result.refused.length) {
    throw new RefusedError(
      `${result.refused.length} invalid-signature dead letter(s) were not moved: pass --force only when you know they are genuine`,
    );
  }
  if (result.unresolved.length)
    throw new DestinationError(`${result.unresolved.length} dead letter(s) were not moved: no destination; name one with --to`);
  if (result.missingIds.length)
    throw new DlqOperationError(`${result.missingIds.length} --id message id(s) not found in the DLQ: ${result.missingIds.join(", ")}`);
}

/** `dlq redrive` without filters: moves every dead letter through a message move task, showing its progress. */
async function redriveWithMoveTask(client: SQSClient, flags: RedriveFlags): Promise<void> {
  if (flags.limit !== undefined) throw new InvalidArgumentError("--limit applies to a one-by-one redrive (--reason, --id or --one-by-one)");
  const reporter = flags.json ? undefined : moveTaskReporter();
  try {
    const result = await redriveAll(client, {
      queue: flags.queue,
      to: flags.to,
      ratePerSecond: flags.rate,
      force: flags.force,
      onProgress: reporter ? (p) => reporter.update(p) : undefined,
    });
    reporter?.stop();
    if (flags.json) printJson(result);
    else if (result.status === "NOTHING_TO_MOVE") print(`${result.queue.url} is empty: nothing to move`);
    else {
      print(
        `${result.resumed ? "followed the running move task: " : ""}moved ${result.moved} of ${result.toMove} message(s) from ${result.queue.url} to ${result.destination} in ${(result.elapsedMs / 1000).toFixed(1)} s (${result.status})`,
      );
      for (const w of result.warnings) print(`warning: ${w}`);
    }
  } finally {
    reporter?.stop();
  }
}

/** Runs a command's work with an SQS client built from its flags, destroyed afterwards. */
async function withClient(flags: ConnectionFlags, work: (client: SQSClient) => Promise<void>): Promise<void> {
  const client = createSqsClient(flags);
  try {
    await work(client);
  } finally {
    client.destroy();
  }
}

/** Registers `dlq inspect`. */
function registerInspect(dlq: Command): void {
  withConnection(dlq.command("inspect"))
    .description(
      "List dead letters without consuming them (each is read once and made visible again): reason, error, attempts, times, ordering key; for events EventBridge could not deliver, its error code and message, the rule and the target.",
    )
    .option("--limit <messages>", "most messages to read", positiveInt("--limit"), 100)
    .option("--budget <seconds>", "time budget of the scan, seconds", positiveNumber("--budget"), 20)
    .action((flags: InspectFlags) =>
      withClient(flags, async (client) => {
        const result = await inspectDlq(client, { queue: flags.queue, limit: flags.limit, budgetSeconds: flags.budget });
        if (flags.json) printJson(result);
        else print(renderInspect(result));
      }),
    );
}

/** Registers `dlq redrive`: one by one with filters (or --one-by-one), else all through a move task. */
function registerRedrive(dlq: Command): void {
  withConnection(dlq.command("redrive"))
    .description(
      "Move dead letters back to their source queue. Without filters: all of them through SQS's message move task, with progress. " +
        "With --reason/--id (or --one-by-one): one by one, each sent to the source before it is deleted from the DLQ.",
    )
    .option(
      "--to <queue>",
      "destination queue: URL, ARN or name (default: the source named by the dead letters, else the DLQ's only source queue)",
    )
    .addOption(new Option("--reason <kind...>", "move only dead letters with these reasons").choices(INSPECT_REASONS))
    .option("--id <messageId...>", "move only these DLQ message ids")
    .option(
      "--rate <messagesPerSecond>",
      "most messages moved per second (move task: whole number 1..500; default: unlimited / SQS's choice)",
      positiveNumber("--rate"),
    )
    .option("--force", "also move dead letters that failed signature verification (refused by default)")
    .option(
      "--one-by-one",
      "move all messages one by one instead of a move task (a queue no redrive policy targets, e.g. the synthetic quarantine queue)",
    )
    .option("--limit <messages>", "one by one: most DLQ messages to read", positiveInt("--limit"))
    .action((flags: RedriveFlags) =>
      withClient(flags, (client) =>
        flags.reason?.length || flags.id?.length || flags.oneByOne ? redriveOneByOne(client, flags) : redriveWithMoveTask(client, flags),
      ),
    );
}

/** Registers `dlq purge`. */
function registerPurge(dlq: Command): void {
  withConnection(dlq.command("purge"))
    .description("Delete every message of the queue (PurgeQueue). Refuses without --yes and says how many messages are there.")
    .option("--yes", "confirm: delete them for good")
    .action((flags: PurgeFlags) =>
      withClient(flags, async (client) => {
        const result = await purgeDlq(client, { queue: flags.queue, yes: flags.yes });
        if (flags.json) printJson(result);
        else print(`purged ${result.queue.url}: ~${result.purged} message(s) deleted (SQS may take up to 60 s to finish a purge)`);
      }),
    );
}

/** Registers `dlq inspect|redrive|purge` on the program. */
export function registerDlq(program: Command): void {
  const dlq = program
    .command("dlq")
    .description(
      "Operate a dead-letter queue: inspect what failed and why, redrive it to its source, purge it. See docs/guides/dlq-runbook.md.",
    );
  registerInspect(dlq);
  registerRedrive(dlq);
  registerPurge(dlq);
}
