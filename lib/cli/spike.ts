/**
 * `cdktf-genesys-consumer spike`: runs the synthetic spike engine from a laptop or a CI
 * job against any deployed (or locally emulated) stack. Every flag and the profile are
 * validated before the first message is sent; the exit code is non-zero on FAIL.
 */
import { readFile } from "node:fs/promises";
import { Command, Option } from "commander";
import { SingleBar, Presets } from "cli-progress";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import {
  defaultSpikeProfile,
  parseProfile,
  renderSummary,
  runSpike,
  smokeSpikeProfile,
  writeReports,
  type SpikeProfile,
  type SpikeProgress,
} from "../runtime/loadgen";
import { EdgeKey } from "../runtime/edge-key";
import { secretReader } from "../runtime/loadgen/edge-key-source";

/** Parsed flags of the `spike` subcommand. */
export interface SpikeFlags {
  url: string;
  secretArn?: string;
  secretEnv?: string;
  receiptsTable?: string;
  dlqUrl?: string;
  quarantineUrl?: string;
  profile: string;
  json?: string;
  html?: string;
  progress: boolean;
  region?: string;
  dynamodbEndpoint?: string;
  sqsEndpoint?: string;
  secretsmanagerEndpoint?: string;
  runId?: string;
  /** Secrets Manager ARN of the ingress's edge API key (re-read after a 403). */
  apiKeySecretArn?: string;
  /** Name of an environment variable holding the edge API key. */
  apiKeyEnv?: string;
}

/** A usage error: bad flags or a bad profile, raised before any traffic. */
export class SpikeUsageError extends Error {
  override readonly name = "SpikeUsageError";
}

function httpUrl(flag: string, value: string | undefined): void {
  if (value === undefined) return;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new SpikeUsageError(`${flag} "${value}" is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new SpikeUsageError(`${flag} must be an http(s) URL, got "${value}"`);
}

/** Loads the profile: a built-in name ("default", "smoke") or a JSON / YAML file. */
export async function loadProfile(ref: string): Promise<SpikeProfile> {
  if (ref === "default") return parseProfile(defaultSpikeProfile);
  if (ref === "smoke") return parseProfile(smokeSpikeProfile);
  let text: string;
  try {
    text = await readFile(ref, "utf8");
  } catch (error) {
    throw new SpikeUsageError(`--profile: cannot read "${ref}": ${(error as Error).message}`);
  }
  try {
    return parseProfile(text, /\.json$/i.test(ref) ? "json" : "auto");
  } catch (error) {
    throw new SpikeUsageError(`--profile ${ref}: ${(error as Error).message}`);
  }
}

/** Validates the flags and resolves the secret and profile; throws {@link SpikeUsageError} before any traffic. */
export async function prepareSpike(flags: SpikeFlags, env: Record<string, string | undefined> = process.env) {
  httpUrl("--url", flags.url);
  httpUrl("--dlq-url", flags.dlqUrl);
  httpUrl("--quarantine-url", flags.quarantineUrl);
  httpUrl("--dynamodb-endpoint", flags.dynamodbEndpoint);
  httpUrl("--sqs-endpoint", flags.sqsEndpoint);
  httpUrl("--secretsmanager-endpoint", flags.secretsmanagerEndpoint);
  if (!!flags.secretArn === !!flags.secretEnv) throw new SpikeUsageError("give exactly one of --secret-arn <arn> or --secret-env <NAME>");
  if ((flags.dlqUrl || flags.quarantineUrl) && !flags.receiptsTable) {
    throw new SpikeUsageError("--dlq-url and --quarantine-url are read during reconciliation: give --receipts-table too");
  }
  const profile = await loadProfile(flags.profile);
  let secret: string;
  if (flags.secretEnv) {
    const value = env[flags.secretEnv];
    if (!value) throw new SpikeUsageError(`--secret-env ${flags.secretEnv}: the environment variable is not set or empty`);
    secret = value;
  } else {
    const client = new SecretsManagerClient({
      ...(flags.region ? { region: flags.region } : {}),
      ...(flags.secretsmanagerEndpoint ? { endpoint: flags.secretsmanagerEndpoint } : {}),
    });
    try {
      const res = await client.send(new GetSecretValueCommand({ SecretId: flags.secretArn }));
      if (!res.SecretString) throw new Error("the secret has no SecretString (the signing secret is a raw string)");
      secret = res.SecretString;
    } catch (error) {
      throw new SpikeUsageError(`--secret-arn ${flags.secretArn}: ${(error as Error).message}`);
    } finally {
      client.destroy();
    }
  }
  return { profile, secret, edgeKey: await prepareEdgeKey(flags, env) };
}

/** The edge API key of the flags, read once now (a usage error before any traffic); undefined without one. */
async function prepareEdgeKey(flags: SpikeFlags, env: Record<string, string | undefined>): Promise<EdgeKey | undefined> {
  if (flags.apiKeySecretArn && flags.apiKeyEnv) throw new SpikeUsageError("give at most one of --api-key-secret-arn <arn> or --api-key-env <NAME>");
  if (flags.apiKeyEnv) {
    const value = env[flags.apiKeyEnv];
    if (!value || !value.trim()) throw new SpikeUsageError(`--api-key-env ${flags.apiKeyEnv}: the environment variable is not set or empty`);
    return EdgeKey.fixed(value);
  }
  if (!flags.apiKeySecretArn) return undefined;
  const read = secretReader(flags.apiKeySecretArn, {
    ...(flags.region ? { region: flags.region } : {}),
    ...(flags.secretsmanagerEndpoint ? { endpoint: flags.secretsmanagerEndpoint } : {}),
  });
  try {
    return await EdgeKey.open(read);
  } catch (error) {
    throw new SpikeUsageError(`--api-key-secret-arn ${flags.apiKeySecretArn}: ${(error as Error).message}`);
  }
}

function progressBar(enabled: boolean): { update(p: SpikeProgress): void; stop(): void } {
  if (!enabled || !process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar(
    { format: "{stage} [{bar}] {value}/{total} | {detail}", hideCursor: true, stream: process.stderr, clearOnComplete: true },
    Presets.shades_classic,
  );
  let stage = "";
  return {
    update(p) {
      if (p.stage !== stage) {
        if (stage) bar.stop();
        stage = p.stage;
        bar.start(p.stage === "sending" ? p.planned : p.accepted, 0, { stage: p.stage.padEnd(11), detail: "" });
      }
      if (p.stage === "sending") {
        bar.update(p.offered, { stage: "sending    ", detail: `accepted ${p.accepted} failed ${p.failed} dropped ${p.dropped} in flight ${p.inFlight} ${p.elapsedSeconds.toFixed(0)} s` });
      } else {
        bar.update(p.accounted, { stage: "reconciling", detail: `accounted ${p.accounted}/${p.accepted} ${p.elapsedSeconds.toFixed(0)} s` });
      }
    },
    stop() {
      if (stage) bar.stop();
    },
  };
}

/** Runs the subcommand; returns the exit code (0 PASS, 1 FAIL). */
export async function spikeCommand(flags: SpikeFlags, out: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  const { profile, secret, edgeKey } = await prepareSpike(flags);
  if (!flags.receiptsTable) out("note: no --receipts-table: the run reports the ingress side only; delivery will NOT be reconciled\n");
  const bar = progressBar(flags.progress);
  let report;
  try {
    report = await runSpike({
      targetUrl: flags.url,
      secret,
      profile,
      runId: flags.runId,
      edgeKey,
      receipts: flags.receiptsTable
        ? { tableName: flags.receiptsTable, ...(flags.dynamodbEndpoint ? { endpoint: flags.dynamodbEndpoint } : {}), ...(flags.region ? { region: flags.region } : {}) }
        : undefined,
      dlqUrl: flags.dlqUrl,
      quarantineQueueUrl: flags.quarantineUrl,
      sqs: { ...(flags.sqsEndpoint ? { endpoint: flags.sqsEndpoint } : {}), ...(flags.region ? { region: flags.region } : {}) },
      onProgress: (p) => bar.update(p),
    });
  } finally {
    bar.stop();
  }
  out(renderSummary(report) + "\n");
  const written = await writeReports(report, { json: flags.json, html: flags.html });
  for (const path of written) out(`wrote ${path}\n`);
  return report.verdict.verdict === "PASS" ? 0 : 1;
}

/** Registers the `spike` subcommand. */
export function registerSpike(program: Command): void {
  program
    .command("spike")
    .description(
      "Send a synthetic, signed, Genesys-shaped spike to an ingress, reconcile it against the worker's receipts, " +
        "and judge it against the profile's SLOs. Exits 1 on FAIL.",
    )
    .requiredOption("--url <ingress>", "the ingress URL to POST to (API Gateway invoke URL + resource path)")
    .addOption(new Option("--secret-arn <arn>", "Secrets Manager ARN of the raw webhook signing secret").conflicts("secretEnv"))
    .addOption(new Option("--secret-env <NAME>", "name of an environment variable holding the raw webhook signing secret").conflicts("secretArn"))
    .requiredOption("--profile <file>", 'the spike profile, JSON or YAML; or a built-in: "default" (about 65 s, 10 -> 100 msg/s) or "smoke" (10 s)')
    .option("--receipts-table <name>", "the receipts DynamoDB table; without it only the ingress side is reported (delivery not reconciled)")
    .option("--dlq-url <url>", "the operational DLQ, peeked for this run's messages (counted as unexpected, left in place)")
    .option("--quarantine-url <url>", "the synthetic quarantine queue, drained of this run's messages")
    .option("--json <file>", "write the JSON report here")
    .option("--html <file>", "write the self-contained HTML report here")
    .option("--no-progress", "no live progress bar (it is shown only on a terminal anyway)")
    .option("--region <region>", "AWS region for Secrets Manager, DynamoDB and SQS (default: the SDK's, e.g. AWS_REGION)")
    .option("--dynamodb-endpoint <url>", "DynamoDB endpoint override (a local emulator); default the SDK's")
    .option("--sqs-endpoint <url>", "SQS endpoint override (a local emulator); default the SDK's")
    .option("--secretsmanager-endpoint <url>", "Secrets Manager endpoint override; default the SDK's")
    .option("--run-id <id>", "the run id stamped on every message (default: spike-<time>-<random>)")
    .addOption(
      new Option("--api-key-secret-arn <arn>", "Secrets Manager ARN of the ingress's edge API key (x-api-key), read at the start and again after a 403").conflicts("apiKeyEnv"),
    )
    .addOption(new Option("--api-key-env <NAME>", "name of an environment variable holding the ingress's edge API key (x-api-key)").conflicts("apiKeySecretArn"))
    .action(async (flags: SpikeFlags) => {
      const code = await spikeCommand(flags);
      if (code !== 0) process.exitCode = code;
    });
}
