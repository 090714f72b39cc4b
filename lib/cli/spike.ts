/**
 * `cdktf-genesys-consumer spike`: runs the synthetic spike engine from a laptop or a CI
 * job against any deployed (or locally emulated) stack. Every flag and the profile are
 * validated before the first message is sent; the exit code is non-zero on FAIL.
 */
import { readFile, writeFile } from "node:fs/promises";
import { Command, Option } from "commander";
import { SingleBar, Presets } from "cli-progress";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import {
  defaultSpikeProfile,
  parseProfile,
  PRIMARY_TARGET,
  renderMultiTargetSummary,
  renderSummary,
  runSpike,
  runSpikeAcrossTargets,
  smokeSpikeProfile,
  splitProfileByTarget,
  TargetError,
  writeMultiTargetReports,
  writeReports,
  type AwsClientOptions,
  type ReceiptsSource,
  type SpikeProfile,
  type SpikeProgress,
  type SpikeTarget,
} from "../runtime/loadgen";
import { parseTargetsFile, type TargetFileEntry } from "./spike-targets";
import { NAME_PATTERN, NAME_RULE, targetedScenario } from "../runtime/loadgen/profile";
import { EdgeKey } from "../runtime/edge-key";
import { secretReader } from "../runtime/loadgen/edge-key-source";
import { historyKeys, parseHistory, runNamePrefix, s3ObjectStore } from "../runtime/loadgen/report-store";
import { CompareInputError } from "../runtime/loadgen/compare";
import { addBaselineOptions, judgeAgainstBaseline, loadRunBaseline, registerSpikeCompare, type BaselineFlags } from "./spike-compare";
import { addPlanOptions, profileFromFile, registerSpikeConvert, type PlanFlags } from "./plan";

/** Parsed flags of the `spike` subcommand. */
export interface SpikeFlags extends PlanFlags, BaselineFlags {
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
  /** A JSON or YAML file of more targets (name -> { url, secretArn or secretEnv, receiptsTable, ... }) for scenarios with `target`. */
  targets?: string;
  /** The name of the --url target, which scenarios without `target` go to. Default "primary". */
  primaryTarget?: string;
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

/**
 * Loads the profile: a built-in name ("default", "smoke"), a JSON / YAML profile file, or a
 * plan of another tool (JMeter `.jmx`, `thread_groups:` YAML, Taurus `execution:`), converted
 * on the fly with its notes printed to standard error.
 */
export async function loadProfile(
  ref: string,
  plan: PlanFlags = {},
  notes: (text: string) => void = (t) => process.stderr.write(t),
): Promise<SpikeProfile> {
  if (ref === "default") return parseProfile(defaultSpikeProfile);
  if (ref === "smoke") return parseProfile(smokeSpikeProfile);
  let text: string;
  try {
    text = await readFile(ref, "utf8");
  } catch (error) {
    throw new SpikeUsageError(`--profile: cannot read "${ref}": ${(error as Error).message}`);
  }
  try {
    const profile = profileFromFile(text, ref, plan, notes);
    return typeof profile === "string" ? parseProfile(profile, /\.json$/i.test(ref) ? "json" : "auto") : parseProfile(profile);
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
  const comparing = [
    ["--baseline", flags.baseline],
    ["--fail-on-regression", flags.failOnRegression],
    ["--tolerance", flags.tolerance?.length],
    ["--require-same-profile", flags.requireSameProfile],
  ].flatMap(([flag, given]) => (given ? [flag as string] : []));
  if (flags.targets && comparing.length)
    throw new SpikeUsageError(
      `${comparing.join(", ")}: a comparison with an earlier run is made against one target: drop ${comparing.length > 1 ? "them" : "it"} with --targets (compare one target's report, targets[i].report of the JSON, with \`spike compare\`)`,
    );
  const profile = await loadProfile(flags.profile, flags);
  const targeted = flags.targets ? undefined : targetedScenario(profile);
  if (targeted)
    throw new SpikeUsageError(
      `--profile ${flags.profile}: scenario "${targeted.name}" is for target "${targeted.target}": give the targets with --targets <file> (a JSON or YAML map of target name to { url, secretArn or secretEnv, receiptsTable, ... })`,
    );
  const baseline = await prepareBaseline(flags);
  const secret = await readSigningSecret(flags, flags, env);
  return { profile, secret, edgeKey: await prepareEdgeKey(flags, env), baseline };
}

/** Where a signing secret comes from, and the names to use for it in errors (`--secret-env`, or a targets file's field). */
export interface SecretFlags {
  secretArn?: string;
  secretEnv?: string;
}

/** Reads a signing secret from an environment variable or Secrets Manager; a usage error names the flag (`labels`). */
export async function readSigningSecret(
  source: SecretFlags,
  aws: Pick<SpikeFlags, "region" | "secretsmanagerEndpoint">,
  env: Record<string, string | undefined>,
  labels: { arn: string; env: string } = { arn: "--secret-arn", env: "--secret-env" },
): Promise<string> {
  if (source.secretEnv) {
    const value = env[source.secretEnv];
    if (!value) throw new SpikeUsageError(`${labels.env} ${source.secretEnv}: the environment variable is not set or empty`);
    return value;
  }
  const client = new SecretsManagerClient({
    ...(aws.region ? { region: aws.region } : {}),
    ...(aws.secretsmanagerEndpoint ? { endpoint: aws.secretsmanagerEndpoint } : {}),
  });
  try {
    const res = await client.send(new GetSecretValueCommand({ SecretId: source.secretArn }));
    if (!res.SecretString) throw new Error("the secret has no SecretString (the signing secret is a raw string)");
    return res.SecretString;
  } catch (error) {
    throw new SpikeUsageError(`${labels.arn} ${source.secretArn}: ${(error as Error).message}`);
  } finally {
    client.destroy();
  }
}

/** `--baseline` read and checked (a usage error before any traffic); undefined without it. */
async function prepareBaseline(flags: SpikeFlags) {
  try {
    return await loadRunBaseline(flags);
  } catch (error) {
    if (error instanceof CompareInputError) throw new SpikeUsageError(error.message);
    throw error;
  }
}

/** The edge API key of the flags (or a targets file's entry, `labels` naming its fields), read once now (a usage error before any traffic); undefined without one. */
export async function prepareEdgeKey(
  flags: Pick<SpikeFlags, "apiKeySecretArn" | "apiKeyEnv" | "region" | "secretsmanagerEndpoint">,
  env: Record<string, string | undefined>,
  labels: { arn: string; env: string } = { arn: "--api-key-secret-arn", env: "--api-key-env" },
): Promise<EdgeKey | undefined> {
  if (flags.apiKeySecretArn && flags.apiKeyEnv)
    throw new SpikeUsageError(`give at most one of ${labels.arn} <arn> or ${labels.env} <NAME>`);
  if (flags.apiKeyEnv) {
    const value = env[flags.apiKeyEnv];
    if (!value || !value.trim())
      throw new SpikeUsageError(`${labels.env} ${flags.apiKeyEnv}: the environment variable is not set or empty`);
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
    throw new SpikeUsageError(`${labels.arn} ${flags.apiKeySecretArn}: ${(error as Error).message}`);
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
        bar.update(p.offered, {
          stage: "sending    ",
          detail: `accepted ${p.accepted} failed ${p.failed} dropped ${p.dropped} in flight ${p.inFlight} ${p.elapsedSeconds.toFixed(0)} s`,
        });
      } else {
        bar.update(p.accounted, {
          stage: "reconciling",
          detail: `accounted ${p.accounted}/${p.accepted} ${p.elapsedSeconds.toFixed(0)} s`,
        });
      }
    },
    stop() {
      if (stage) bar.stop();
    },
  };
}

/**
 * Runs the subcommand; returns the exit code: 0 PASS, 1 FAIL; with `--baseline` and
 * `--fail-on-regression`, also 1 on a regression against the baseline (2 on a refused comparison).
 */
export async function spikeCommand(flags: SpikeFlags, out: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  if (flags.primaryTarget !== undefined && !flags.targets)
    throw new SpikeUsageError("--primary-target names the --url target among the --targets: give --targets <file> too, or drop it");
  const { profile, secret, edgeKey, baseline } = await prepareSpike(flags);
  if (flags.targets) return spikeAcrossTargetsCommand(flags, { profile, secret, edgeKey }, out);
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
      receipts: receiptsOf(flags.receiptsTable, flags),
      dlqUrl: flags.dlqUrl,
      quarantineQueueUrl: flags.quarantineUrl,
      sqs: sqsOf(flags),
      onProgress: (p) => bar.update(p),
    });
  } finally {
    bar.stop();
  }
  out(renderSummary(report) + "\n");
  const judged = baseline ? judgeAgainstBaseline(report, baseline, out) : undefined;
  const written = await writeReports(report, { json: flags.json, html: flags.html }, { baseline: judged?.comparison });
  for (const path of written) out(`wrote ${path}\n`);
  return report.verdict.verdict === "PASS" ? (judged?.exitCode ?? 0) : 1;
}

/** A receipts table with the command's DynamoDB endpoint and region (undefined without a table). */
function receiptsOf(tableName: string | undefined, flags: SpikeFlags): ReceiptsSource | undefined {
  return tableName
    ? {
        tableName,
        ...(flags.dynamodbEndpoint ? { endpoint: flags.dynamodbEndpoint } : {}),
        ...(flags.region ? { region: flags.region } : {}),
      }
    : undefined;
}

/** The command's SQS settings. */
function sqsOf(flags: SpikeFlags): AwsClientOptions {
  return { ...(flags.sqsEndpoint ? { endpoint: flags.sqsEndpoint } : {}), ...(flags.region ? { region: flags.region } : {}) };
}

/** Reads `--targets`: every target's signing secret and edge key now (usage errors name the file and the field, before any traffic). */
export async function prepareTargets(
  flags: SpikeFlags,
  env: Record<string, string | undefined> = process.env,
): Promise<Record<string, SpikeTarget>> {
  const file = flags.targets!;
  let entries: Record<string, TargetFileEntry>;
  try {
    entries = parseTargetsFile(await readFile(file, "utf8"));
  } catch (error) {
    throw new SpikeUsageError(`--targets ${file}: ${(error as Error).message}`);
  }
  const targets: Record<string, SpikeTarget> = {};
  for (const [name, t] of Object.entries(entries)) {
    const label = (field: string) => `--targets ${file}: ${name}.${field}`;
    const secret = await readSigningSecret(t, flags, env, { arn: label("secretArn"), env: label("secretEnv") });
    const edgeKey = await prepareEdgeKey({ ...t, region: flags.region, secretsmanagerEndpoint: flags.secretsmanagerEndpoint }, env, {
      arn: label("apiKeySecretArn"),
      env: label("apiKeyEnv"),
    });
    targets[name] = {
      targetUrl: t.url,
      secret,
      edgeKey,
      receipts: receiptsOf(t.receiptsTable, flags),
      dlqUrl: t.dlqUrl,
      quarantineQueueUrl: t.quarantineUrl,
      sqs: sqsOf(flags),
    };
  }
  return targets;
}

/** The targets of a `--targets` run: the --url one under its name, then the file's; checked against the profile before any traffic. */
async function targetsOfRun(flags: SpikeFlags, profile: SpikeProfile, primary: Pick<SpikeTarget, "secret" | "edgeKey">) {
  const primaryName = flags.primaryTarget ?? PRIMARY_TARGET;
  if (!NAME_PATTERN.test(primaryName)) throw new SpikeUsageError(`--primary-target "${primaryName}": ${NAME_RULE}`);
  const extra = await prepareTargets(flags);
  if (extra[primaryName])
    throw new SpikeUsageError(
      `--targets ${flags.targets}: "${primaryName}" is the name of the --url target; rename that entry, or give the --url target another name with --primary-target`,
    );
  const targets: Record<string, SpikeTarget> = {
    [primaryName]: {
      targetUrl: flags.url,
      ...primary,
      receipts: receiptsOf(flags.receiptsTable, flags),
      dlqUrl: flags.dlqUrl,
      quarantineQueueUrl: flags.quarantineUrl,
      sqs: sqsOf(flags),
    },
    ...extra,
  };
  try {
    return { primaryName, targets, shares: splitProfileByTarget(profile, Object.keys(targets), primaryName) };
  } catch (error) {
    if (error instanceof TargetError) throw new SpikeUsageError(`--profile ${flags.profile}: ${error.message}`);
    throw error;
  }
}

/** `spike --targets`: the profile's scenarios sent to their targets at once; the combined summary and reports. */
async function spikeAcrossTargetsCommand(
  flags: SpikeFlags,
  prepared: { profile: SpikeProfile } & Pick<SpikeTarget, "secret" | "edgeKey">,
  out: (text: string) => void,
): Promise<number> {
  const { profile, ...primary } = prepared;
  const { primaryName, targets, shares } = await targetsOfRun(flags, profile, primary);
  for (const name of Object.keys(targets))
    if (!shares.some((s) => s.target === name)) out(`note: target ${name}: no scenario is for it; it is not sent anything\n`);
  for (const share of shares)
    if (!targets[share.target].receipts)
      out(`note: target ${share.target} has no receipts table: its ingress side only is reported; its delivery will NOT be reconciled\n`);
  const stages = new Map<string, string>();
  const report = await runSpikeAcrossTargets({
    profile,
    targets,
    primaryTarget: primaryName,
    runId: flags.runId,
    onProgress: flags.progress
      ? (target, p) => {
          if (stages.get(target) === p.stage) return;
          stages.set(target, p.stage);
          process.stderr.write(`${target}: ${p.stage}\n`);
        }
      : undefined,
  });
  out(renderMultiTargetSummary(report) + "\n");
  for (const path of await writeMultiTargetReports(report, { json: flags.json, html: flags.html })) out(`wrote ${path}\n`);
  return report.verdict.verdict === "PASS" ? 0 : 1;
}

/** Registers the `spike` subcommand. */
export function registerSpike(program: Command): void {
  const spike = program
    .command("spike")
    // `spike reports ...` options (--region) belong to the subcommand, not to the spike
    .enablePositionalOptions()
    .description(
      "Send a synthetic, signed, Genesys-shaped spike to an ingress, reconcile it against the worker's receipts, " +
        "and judge it against the profile's SLOs. Exits 1 on FAIL.",
    )
    // required, checked in the action: a mandatory option here would be demanded of `spike reports` too
    .option("--url <ingress>", "required: the ingress URL to POST to (API Gateway invoke URL + resource path)")
    .addOption(new Option("--secret-arn <arn>", "Secrets Manager ARN of the raw webhook signing secret").conflicts("secretEnv"))
    .addOption(
      new Option("--secret-env <NAME>", "name of an environment variable holding the raw webhook signing secret").conflicts("secretArn"),
    )
    .option(
      "--profile <file>",
      'required: the spike profile, JSON or YAML; a JMeter .jmx, thread_groups: YAML or Taurus plan (converted, with notes); or a built-in: "default" (about 65 s, 10 -> 100 msg/s) or "smoke" (10 s)',
    )
    .option(
      "--receipts-table <name>",
      "the receipts DynamoDB table; without it only the ingress side is reported (delivery not reconciled)",
    )
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
      new Option(
        "--api-key-secret-arn <arn>",
        "Secrets Manager ARN of the ingress's edge API key (x-api-key), read at the start and again after a 403",
      ).conflicts("apiKeyEnv"),
    )
    .addOption(
      new Option("--api-key-env <NAME>", "name of an environment variable holding the ingress's edge API key (x-api-key)").conflicts(
        "apiKeySecretArn",
      ),
    )
    .option(
      "--targets <file>",
      'more targets for the scenarios that name one with `target`: a JSON or YAML map of target name to { url, secretArn or secretEnv, receiptsTable, dlqUrl, quarantineUrl, apiKeySecretArn or apiKeyEnv }; the --url target is "primary" (see --primary-target); the reports are each target\'s and the totals',
    )
    .option(
      "--primary-target <name>",
      'with --targets: the name of the --url target, which scenarios without `target` go to (default "primary")',
    );
  addPlanOptions(addBaselineOptions(spike)).action(async (flags: SpikeFlags) => {
    for (const [flag, value] of [
      ["--url <ingress>", flags.url],
      ["--profile <file>", flags.profile],
    ] as const) {
      if (value === undefined)
        spike.error(`error: required option '${flag}' not specified`, { code: "commander.missingMandatoryOptionValue" });
    }
    const code = await spikeCommand(flags);
    if (code !== 0) process.exitCode = code;
  });
  registerSpikeReports(spike);
  registerSpikeCompare(spike);
  registerSpikeConvert(spike);
}

/** Flags of `spike reports list|get`. */
export interface SpikeReportsFlags {
  bucket?: string;
  prefix: string;
  runName?: string;
  runId?: string;
  format?: string;
  out?: string;
  endpoint?: string;
  region?: string;
  caBundle?: string;
  json?: boolean;
}

/** The reports bucket through the store the generator writes with (endpoint and CA bundle for a local S3). */
function reportsStore(flags: SpikeReportsFlags) {
  if (!flags.bucket)
    throw new SpikeUsageError(
      "--bucket is required: the reports bucket (SpikeGenerator.reports.bucketName, e.g. a Terraform output of it)",
    );
  httpUrl("--endpoint", flags.endpoint);
  if (flags.prefix !== "" && !flags.prefix.endsWith("/"))
    throw new SpikeUsageError(
      `--prefix "${flags.prefix}" must end with "/" (or be "" for the bucket's root), like the generator's GCX_REPORTS_PREFIX`,
    );
  return s3ObjectStore({
    bucket: flags.bucket,
    caBundle: flags.caBundle,
    client: { ...(flags.endpoint ? { endpoint: flags.endpoint } : {}), ...(flags.region ? { region: flags.region } : {}) },
  });
}

/** Turns the S3 errors a user can fix into messages naming the flag. */
function reportsError(error: unknown, flags: SpikeReportsFlags): Error {
  const e = error as { name?: string; message?: string; code?: string };
  const text = `${e.name ?? ""} ${e.code ?? ""} ${e.message ?? ""}`;
  if (e.name === "NoSuchBucket")
    return new Error(
      `--bucket ${flags.bucket}: no such bucket${flags.endpoint ? ` at ${flags.endpoint}` : ""}; check the bucket name (and --region)`,
    );
  if (e.name === "AccessDenied" && flags.endpoint?.startsWith("http:"))
    return new Error(
      `--endpoint ${flags.endpoint}: access denied; the reports bucket refuses requests not over TLS (aws:SecureTransport false): use the https endpoint with --ca-bundle`,
    );
  if (e.name === "AccessDenied")
    return new Error(
      `access denied to s3://${flags.bucket}/${flags.prefix}: your credentials need s3:ListBucket and s3:GetObject on the reports prefix`,
    );
  if (/certificate|self.signed|UNABLE_TO_VERIFY/i.test(text))
    return new Error(
      `--endpoint ${flags.endpoint}: its TLS certificate is not trusted; give its CA with --ca-bundle <pem> (the local emulator's is passed to functions as AWS_CA_BUNDLE)`,
    );
  return error instanceof Error ? error : new Error(String(error));
}

/** `spike reports list`: the runs of a run name (its history index), or the run names under the prefix. */
export async function spikeReportsList(
  flags: SpikeReportsFlags,
  out: (text: string) => void = (t) => process.stdout.write(t),
): Promise<number> {
  const store = reportsStore(flags);
  try {
    if (!flags.runName) {
      const objects = await store.list(flags.prefix);
      const names = new Map<string, number>();
      for (const o of objects) {
        const m = /^([^/]+)\/history\.json$/.exec(o.key.slice(flags.prefix.length));
        if (m) names.set(m[1], o.size);
      }
      if (flags.json) out(JSON.stringify([...names.keys()]) + "\n");
      else
        out(names.size ? [...names.keys()].map((n) => `${n}\n`).join("") : `no run history under s3://${flags.bucket}/${flags.prefix}\n`);
      return 0;
    }
    const key = historyKeys({ prefix: flags.prefix, runName: flags.runName }).json;
    const text = await store.get(key);
    if (text === undefined)
      throw new Error(
        `--run-name ${flags.runName}: no history at s3://${flags.bucket}/${key}; list the run names with \`spike reports list --bucket ${flags.bucket}\``,
      );
    const history = parseHistory(text, key);
    if (flags.json) {
      out(JSON.stringify(history, null, 2) + "\n");
      return 0;
    }
    const num = (v: number | null) => (v === null ? "-" : String(Math.round(v * 10) / 10));
    out(`${"run".padEnd(36)} ${"started".padEnd(24)} verdict  lost  dup   ack p99 ms  e2e p99 ms  goodput/s\n`);
    for (const r of [...history.runs].reverse()) {
      out(
        `${r.runId.padEnd(36)} ${r.time.padEnd(24)} ${r.verdict.padEnd(8)} ${num(r.lost).padStart(4)}  ${num(r.duplicates).padStart(4)}  ${num(r.ackP99Ms).padStart(10)}  ${num(r.endToEndP99Ms).padStart(10)}  ${num(r.goodputPerSecond).padStart(9)}\n`,
      );
    }
    return 0;
  } catch (error) {
    throw reportsError(error, flags);
  } finally {
    store.destroy();
  }
}

/** `spike reports get`: one run's JSON or HTML report, or the trend page (to stdout or --out). */
export async function spikeReportsGet(
  flags: SpikeReportsFlags,
  out: (text: string) => void = (t) => process.stdout.write(t),
): Promise<number> {
  const format = flags.format ?? "json";
  if (!["json", "html", "trend"].includes(format)) throw new SpikeUsageError(`--format "${format}" is not one of json, html, trend`);
  if (!flags.runName)
    throw new SpikeUsageError(
      "--run-name is required: the generator's run name (SpikeGenerator.runName; `spike reports list --bucket <b>` lists them)",
    );
  if (format !== "trend" && !flags.runId) throw new SpikeUsageError('--run-id is required for --format json|html: a run id, or "latest"');
  const store = reportsStore(flags);
  try {
    const location = { prefix: flags.prefix, runName: flags.runName };
    let key: string;
    if (format === "trend") key = historyKeys(location).html;
    else {
      const historyKey = historyKeys(location).json;
      const text = await store.get(historyKey);
      const runs = text === undefined ? [] : parseHistory(text, historyKey).runs;
      const run = flags.runId === "latest" ? runs[runs.length - 1] : runs.find((r) => r.runId === flags.runId);
      let found = run ? (format === "json" ? run.jsonKey : run.htmlKey) : undefined;
      if (!found && flags.runId !== "latest") {
        // older than the history: look for it under the run name
        const file = format === "json" ? "spike.json" : "spike.html";
        found = (await store.list(runNamePrefix(location))).find((o) => o.key.endsWith(`/${flags.runId}/${file}`))?.key;
      }
      if (!found)
        throw new Error(
          `--run-id ${flags.runId}: no report of run name ${flags.runName} in s3://${flags.bucket}/${runNamePrefix(location)}; \`spike reports list --bucket ${flags.bucket} --run-name ${flags.runName}\` lists the runs`,
        );
      key = found;
    }
    const body = await store.get(key);
    if (body === undefined) throw new Error(`s3://${flags.bucket}/${key} does not exist (expired by the bucket's lifecycle rule?)`);
    if (flags.out) {
      await writeFile(flags.out, body, "utf8");
      out(`wrote ${flags.out} (s3://${flags.bucket}/${key})\n`);
    } else out(body);
    return 0;
  } catch (error) {
    throw reportsError(error, flags);
  } finally {
    store.destroy();
  }
}

/** Registers `spike reports list|get` under the `spike` command. */
function registerSpikeReports(spike: Command): void {
  const reports = spike
    .command("reports")
    .description("List and fetch the nightly spike's stored reports (the reports bucket the spike generator writes).");
  const common = (cmd: Command) =>
    cmd
      .option("--bucket <name>", "the reports bucket (SpikeGenerator.reports.bucketName)")
      .option("--prefix <prefix>", "key prefix of the reports (GCX_REPORTS_PREFIX)", "spike-reports/")
      .option("--endpoint <url>", "S3 endpoint override (e.g. the local emulator's https endpoint); default the SDK's")
      .option("--region <region>", "AWS region of the bucket (default: the SDK's, e.g. AWS_REGION)")
      .option("--ca-bundle <pem>", "extra certificate authorities to trust for --endpoint (default: AWS_CA_BUNDLE)");
  common(
    reports
      .command("list")
      .description("The runs of --run-name (newest first, from its history index), or the run names under the prefix."),
  )
    .option("--run-name <name>", "the generator's run name (SpikeGenerator.runName)")
    .option("--json", "print JSON")
    .action(async (flags: SpikeReportsFlags) => {
      process.exitCode = await spikeReportsList(flags);
    });
  common(reports.command("get").description("One run's report (JSON or HTML), or the trend page, to stdout or --out."))
    .option("--run-name <name>", "the generator's run name (SpikeGenerator.runName)")
    .option("--run-id <id>", 'the run id, or "latest"')
    .option("--format <format>", "json, html or trend", "json")
    .option("--out <file>", "write to this file instead of stdout")
    .action(async (flags: SpikeReportsFlags) => {
      process.exitCode = await spikeReportsGet(flags);
    });
}
