/**
 * `runLocalStack`: runs a synthesized stack (`cdktf.out/stacks/<stack>/cdk.tf.json`) on this
 * machine and sends a spike through it: local SQS, DynamoDB and Secrets Manager servers, the
 * REST API, each event source mapping's poller and its function's bundle in worker threads,
 * a Genesys-like fake downstream; then reconciles, evaluates the alarms, writes the reports
 * and stops everything.
 *
 * The run is a sequence of named phases (prepare, servers, stack, ingress, functions, sampler,
 * spike, report); the functions phase lives in ./run-functions.ts and the reporting side in
 * ./run-report.ts. Everything a phase starts is registered in one {@link Closers}, stopped at the end.
 */
import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join, resolve } from "node:path";
import { SQSClient } from "@aws-sdk/client-sqs";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { WORKER_CONTRACT } from "../runtime/contract";
import { SIGNATURE_HEADER } from "../runtime/signature";
import { parseProfile, ProfileError, targetedScenario, type SpikeProfile, type SpikeProfileInput } from "../runtime/loadgen/profile";
import type { SpikeProgress, SpikeReport } from "../runtime/loadgen/run";
import type { PipelineRetrySettings } from "../runtime/loadgen/deadline";
import { evaluateAlarms, type AlarmVerdict } from "./alarms";
import { buildRestApi, startRestApi, type ApiStats, type RestApiModel, type RestApiServer } from "./api-gateway";
import type { ApiKeyRegistry } from "./api-keys";
import { Closers } from "./closers";
import { LocalEmulatorError } from "./errors";
import { startFakeGenesys, type FakeGenesys, type FakeGenesysStats } from "./fake-genesys";
import type { FunctionStats } from "./lambda-host";
import { MetricStore } from "./metrics";
import type { BatchTiming, MappingSpec, PollerStats, SqsPoller } from "./poller";
import { LOCAL_ACCOUNT_ID, StackResolver } from "./resolver";
import {
  functionEnvironment,
  readMappings,
  startFunctionHosts,
  startPollers,
  threadsOf,
  type HostedFunction,
  type LocalEndpoints,
  type LocalMapping,
} from "./run-functions";
import { startQueueSampler, writeRunReports, type QueueSampler } from "./run-report";
import { startSecretsServer, type SecretsServer } from "./secrets-server";
import {
  createQueues,
  createTables,
  LOCAL_CREDENTIALS,
  listenLoopback,
  closeServer,
  startDynamoServer,
  startSqsServer,
  type LocalEndpoint,
  type LocalQueue,
  type LocalTable,
} from "./services";
import { runSpikeInThread } from "./spike-thread";
import { startNightlyPath, type NightlyPath, type NightlyReport } from "./nightly";
import type { LocalSchedulesOptions } from "./scheduler";
import { loadStack, ofType, planStack, type StackPlan, type SynthesizedStack } from "./stack";
import { INVOKES_PER_PROVISIONED_POLLER, PROVISIONED_POLLERS_RANGE } from "../runtime/aws-limits";

// Parts of the run live in their own modules; these names stay importable from here.
export { LOCAL_SYNTHETIC_TARGET } from "./run-functions";
export { renderEmulatorSummary } from "./run-report";

/** Settings a run may change without editing the stack. */
export interface LocalOverrides {
  /** The fake downstream's accepted calls per second. Default 50. */
  readonly downstreamRatePerSecond?: number;
  /** The fake downstream's burst, calls. Default: the rate. */
  readonly downstreamBurst?: number;
  /** Threads at most per function (each is one execution environment). Default 32. */
  readonly maxThreadsPerFunction?: number;
  /** Region of the local account. Default: the stack's aws provider region, else us-east-1. */
  readonly region?: string;
}

/** Options of {@link runLocalStack}. */
export interface LocalRunOptions {
  /** The stack directory (`cdktf.out/stacks/demo`) or its `cdk.tf.json`. */
  readonly stack: string;
  /** The spike profile (object, or JSON / YAML text). */
  readonly profile: SpikeProfile | SpikeProfileInput | string;
  /** Where reports go: `<reportDir>/<runId>/`. Default "reports". */
  readonly reportDir?: string;
  /** Write the HTML report. Default true. */
  readonly html?: boolean;
  readonly overrides?: LocalOverrides;
  /**
   * The REST API to send to, by address (`aws_api_gateway_rest_api.<name>`), when the stack has
   * several. Default: the only one. Not clear: {@link ApiChoiceError}, before anything starts.
   */
  readonly api?: string;
  /** Progress of the spike. */
  readonly onProgress?: (progress: SpikeProgress) => void;
  /** Called once the stack runs and before any traffic (tests send their own requests here). */
  readonly beforeSpike?: (running: RunningStack) => Promise<void>;
  /** Stops the traffic early. */
  readonly signal?: AbortSignal;
  /**
   * The reconciliation deadline: "derived" takes max(profile, the one derived from the stack's
   * retry settings) as the nightly generator does; "profile" takes the profile's alone (a
   * benchmark that measures a saturated window and does not wait for the backlog). Default "derived".
   */
  readonly reconcileDeadline?: "derived" | "profile";
  /** Keep every batch's timing in the report (`mappings[].timeline`). Default false. */
  readonly batchTimeline?: boolean;
  /**
   * Fire the stack's schedules after the spike (`rate(...)`/`cron(...)`, at their own times): the
   * spike generator's function runs from its bundle, stores its reports in the local S3 bucket
   * and publishes its heartbeat. Default: none (schedules stay inert).
   */
  readonly schedules?: LocalSchedulesOptions;
  /**
   * Evaluate the alarms again as of this many ms after the run's end, as CloudWatch would if no
   * further data arrived (`emulator.nightly.alarmsAsOf`): the missing-run alarm without waiting hours.
   * Default: not evaluated again.
   */
  readonly alarmsAsOfMs?: number;
  /** Keep the local S3 buckets' objects in this directory across runs. Default: `<reportDir>/s3` (the history grows run after run). */
  readonly s3DataDir?: string;
}

/** What a running emulated stack exposes to a `beforeSpike` hook. */
export interface RunningStack {
  /** The ingress URL the load generator sends to (stage invoke URL + resource path). */
  readonly targetUrl: string;
  readonly secret: string;
  readonly region: string;
  readonly sqsEndpoint: string;
  readonly dynamoEndpoint: string;
  readonly queues: readonly LocalQueue[];
  readonly tables: readonly LocalTable[];
  readonly downstream: FakeGenesys;
  /** Settings of the worker that consumes the ingress queue (resolved environment). */
  readonly workerEnvironment: Readonly<Record<string, string>>;
  readonly apiStats: ApiStats;
  /**
   * The ingress's edge API key, when its method requires one: the secret of the stack that
   * holds a key valid on the stage (what the load generator reads, at the start and after a
   * 403) and its value now.
   */
  readonly edgeKey?: { readonly secretArn: string; readonly value: string };
  /** The API keys the ingress accepts now: retire or disable one while the spike runs, as an apply would. */
  readonly apiKeys: ApiKeyRegistry;
  /** Puts a new current value in a secret of the stack, by ARN (PutSecretValue: the old value becomes AWSPREVIOUS). */
  putSecret(arn: string, value: string): void;
}

/** The emulator's side of a run's report. */
export interface EmulatorReport {
  readonly stack: string;
  readonly emulated: readonly { readonly address: string; readonly type: string }[];
  readonly notEmulated: readonly { readonly address: string; readonly type: string; readonly why: string }[];
  readonly api: { readonly address: string; readonly targetUrl: string; readonly stats: ApiStats };
  readonly functions: readonly {
    readonly address: string;
    readonly name: string;
    readonly threads: number;
    readonly stats: FunctionStats;
    readonly log: string;
  }[];
  readonly mappings: readonly {
    readonly address: string;
    readonly spec: MappingSpec;
    readonly stats: PollerStats;
    readonly timeline?: readonly BatchTiming[];
  }[];
  readonly queues: readonly {
    readonly address: string;
    readonly name: string;
    readonly maxVisible: number;
    readonly final: Record<string, number>;
  }[];
  readonly downstream: FakeGenesysStats;
  readonly alarms: readonly AlarmVerdict[];
  /**
   * Every setting the emulator changed from the synthesized stack, and why: the endpoints it
   * points at local stand-ins and the Genesys credentials it puts in a secret the stack leaves
   * for the team to fill. It never adds a setting the stack lacks.
   */
  readonly overrides: readonly EmulatorOverride[];
  /** Reports bucket, schedules fired, asynchronous invocations, alarms as of a later time. */
  readonly nightly?: NightlyReport;
}

/** One setting the emulator changed from the synthesized stack (see {@link EmulatorReport.overrides}). */
export interface EmulatorOverride {
  /** The function name. */
  readonly function: string;
  /** The environment variable, or `secret <name>` for a secret's value. */
  readonly setting: string;
  /** The value used locally (credentials masked). */
  readonly value: string;
  readonly why: string;
}

/** The result of {@link runLocalStack}. */
export interface LocalRunResult {
  readonly verdict: "PASS" | "FAIL";
  readonly spike: SpikeReport;
  readonly emulator: EmulatorReport;
  readonly summary: string;
  /** Absolute paths of the reports written. */
  readonly reports: string[];
}

/**
 * Thrown before anything starts when the stack has several REST APIs and `api` chooses none
 * of them, or when `api` names no REST API of the stack. `choices` lists the addresses.
 */
export class ApiChoiceError extends LocalEmulatorError {
  override readonly name = "ApiChoiceError";
  constructor(
    /** The addresses of the stack's `aws_api_gateway_rest_api` resources. */
    readonly choices: readonly string[],
    /** The address asked for, if any. */
    readonly requested?: string,
  ) {
    super(
      requested === undefined
        ? `the stack has ${choices.length} REST APIs: choose the one to send to with the \`api\` option, one of: ${choices.join(", ")}`
        : `api: "${requested}" is not a REST API of the stack; choose one of: ${choices.join(", ")}`,
    );
  }
}

/** The address of the REST API to send to; throws {@link ApiChoiceError} when it is not clear. */
function chooseApi(stack: SynthesizedStack, requested: string | undefined): string {
  const choices = ofType(stack, "aws_api_gateway_rest_api").map((a) => a.address);
  if (!choices.length) throw new Error(`${stack.file} has no aws_api_gateway_rest_api: the load generator has no ingress to send to`);
  if (requested) {
    if (!choices.includes(requested)) throw new ApiChoiceError(choices, requested);
    return requested;
  }
  if (choices.length > 1) throw new ApiChoiceError(choices);
  return choices[0];
}

/**
 * The secret holding the ingress's edge API key, when its route requires one: the secret of
 * the stack whose value is a key valid on the stage. Throws when there is none (every message
 * of the spike would be answered 403).
 */
function edgeKeySecret(
  api: RestApiServer,
  stageName: string,
  routeAddress: string,
  secretValues: ReadonlyMap<string, string>,
): { secretArn: string; value: string } {
  const valid = new Set(
    api.apiKeys
      .list()
      .filter((k) => k.enabled && k.stages.has(stageName))
      .map((k) => k.value),
  );
  const found = [...secretValues].find(([, value]) => valid.has(value));
  if (!found) {
    throw new Error(
      `${routeAddress} requires an API key (api_key_required) but no aws_secretsmanager_secret_version of the stack holds a key of a usage plan on stage "${stageName}", so the load generator has none to send (WebhookIngress apiKey keeps the key in use in a secret)`,
    );
  }
  return { secretArn: found[0], value: found[1] };
}

/** The fake downstream's rate when the stack states no downstream budget, requests per second. */
const DEFAULT_DOWNSTREAM_RATE = 50;

/**
 * The downstream budget the stack was synthesized with, requests per second: for each SQS
 * event source mapping, its function's per-instance GCX_DOWNSTREAM_RATE_PER_SECOND times the
 * mapping's maximum concurrency. The fake downstream enforces that budget by default, as the
 * real one would (a stack that overspends its budget meets 429s locally too).
 */
export function synthesizedDownstreamBudget(stack: SynthesizedStack): number | undefined {
  let total = 0;
  for (const mapping of ofType(stack, "aws_lambda_event_source_mapping")) {
    const ref = /\$\{aws_lambda_function\.([^.}]+)\./.exec(String(mapping.config.function_name ?? ""));
    const fn = ref && ofType(stack, "aws_lambda_function").find((f) => f.name === ref[1]);
    const variables = (fn?.config.environment as { variables?: Record<string, unknown> } | undefined)?.variables;
    const perInstance = Number(variables?.[WORKER_CONTRACT.downstreamRatePerSecond.env]);
    const concurrency = mappingInstances(mapping.config, fn?.config);
    if (perInstance > 0 && concurrency > 0) total += perInstance * concurrency;
  }
  return total > 0 ? total : undefined;
}
/**
 * The instances an event source mapping runs at most, as the worker construct counts them for
 * the downstream budget: `scaling_config.maximum_concurrency`; in provisioned mode the
 * function's reserved concurrency, else maximum pollers x invocations per poller.
 */
function mappingInstances(mapping: Record<string, unknown>, fn: Record<string, unknown> | undefined): number {
  const scaling = Number((mapping.scaling_config as { maximum_concurrency?: number } | undefined)?.maximum_concurrency);
  if (scaling > 0) return scaling;
  const provisioned = mapping.provisioned_poller_config as { maximum_pollers?: number } | undefined;
  if (!provisioned) return Number.NaN;
  const reserved = Number(fn?.reserved_concurrent_executions);
  if (reserved > 0) return reserved;
  return (provisioned.maximum_pollers ?? PROVISIONED_POLLERS_RANGE.maximum.default) * INVOKES_PER_PROVISIONED_POLLER;
}

/** Threads at most per function when the run does not say. */
const DEFAULT_MAX_THREADS = 32;

/** A run's inputs, read before anything starts, and what every phase shares: the metrics and what to stop at the end. */
interface RunSetup {
  readonly options: LocalRunOptions;
  readonly stack: SynthesizedStack;
  readonly plan: StackPlan;
  readonly apiAddress: string;
  readonly profile: SpikeProfile;
  readonly region: string;
  readonly metrics: MetricStore;
  readonly closers: Closers;
}

/** Phase 0: the stack loaded and planned, the REST API chosen, the profile parsed (errors here start nothing). */
function prepareRun(options: LocalRunOptions): RunSetup {
  const stack: SynthesizedStack = loadStack(options.stack);
  const plan = planStack(stack);
  const apiAddress = chooseApi(stack, options.api);
  const profile = parseProfile(options.profile);
  const targeted = targetedScenario(profile);
  if (targeted)
    throw new ProfileError([
      `scenarios: scenario "${targeted.name}" is for target "${targeted.target}", but the local run sends to one ingress (${apiAddress}): remove the scenarios' \`target\`, or send to several deployed targets with \`spike --targets <file>\``,
    ]);
  const region = options.overrides?.region ?? stack.providerRegion ?? "us-east-1";
  return { options, stack, plan, apiAddress, profile, region, metrics: new MetricStore(), closers: new Closers() };
}

/** The local servers of a run, on free loopback ports. */
interface LocalServers {
  readonly sqs: LocalEndpoint;
  readonly dynamo: LocalEndpoint;
  readonly secrets: SecretsServer;
  readonly downstream: FakeGenesys;
  /** One listening server per REST API of the stack, by address (its port is known before the stack is resolved). */
  readonly apiServers: ReadonlyMap<string, Server>;
  readonly apiEndpoints: Record<string, string>;
}

/** Phase 1: SQS, DynamoDB, Secrets Manager, the fake downstream, and a port for each REST API. */
async function startServers(setup: RunSetup): Promise<LocalServers> {
  const { stack, region, closers, options } = setup;
  const sqs = await startSqsServer(region, LOCAL_ACCOUNT_ID);
  closers.add(() => sqs.close());
  const dynamo = await startDynamoServer();
  closers.add(() => dynamo.close());
  const secrets = await startSecretsServer({ region, accountId: LOCAL_ACCOUNT_ID });
  closers.add(() => secrets.close());
  const downstreamRate = options.overrides?.downstreamRatePerSecond ?? synthesizedDownstreamBudget(stack) ?? DEFAULT_DOWNSTREAM_RATE;
  const downstream = await startFakeGenesys({ ratePerSecond: downstreamRate, burst: options.overrides?.downstreamBurst });
  closers.add(() => downstream.close());
  const apiServers = new Map<string, Server>();
  const apiEndpoints: Record<string, string> = {};
  for (const api of ofType(stack, "aws_api_gateway_rest_api")) {
    const server = createServer();
    apiEndpoints[api.address] = await listenLoopback(server);
    apiServers.set(api.address, server);
    closers.add(() => closeServer(server));
  }
  return { sqs, dynamo, secrets, downstream, apiServers, apiEndpoints };
}

/** The stack resolved against the local servers, with its secrets, queues and tables created. */
interface ResolvedStack {
  readonly resolver: StackResolver;
  /** Secret name -> ARN, as the local Secrets Manager made them. */
  readonly secretArns: Record<string, string>;
  /** Secret ARN -> the value the stack's aws_secretsmanager_secret_version gives it. */
  readonly secretValues: ReadonlyMap<string, string>;
  readonly queues: readonly LocalQueue[];
  readonly tables: readonly LocalTable[];
}

/** A resolver of the stack against the local servers, with the secret ARNs known so far. */
const localResolver = (setup: RunSetup, servers: LocalServers, secretArns: Record<string, string>) =>
  new StackResolver(setup.stack, {
    region: setup.region,
    accountId: LOCAL_ACCOUNT_ID,
    sqsEndpoint: servers.sqs.endpoint,
    apiEndpoints: servers.apiEndpoints,
    orgId: "local-org",
    secretArns,
  });

/** Creates the stack's secrets (empty) in the local Secrets Manager: their ARNs come from it. */
async function createSecrets(setup: RunSetup, servers: LocalServers): Promise<Record<string, string>> {
  const secretArns: Record<string, string> = {};
  const bootstrap = localResolver(setup, servers, secretArns);
  const client = new SecretsManagerClient({ region: setup.region, endpoint: servers.secrets.endpoint, credentials: LOCAL_CREDENTIALS });
  try {
    for (const item of ofType(setup.stack, "aws_secretsmanager_secret")) {
      const name = bootstrap.secretName(item);
      const created = await client.send(new CreateSecretCommand({ Name: name }));
      secretArns[name] = created.ARN!;
    }
  } finally {
    client.destroy();
  }
  return secretArns;
}

/** Puts each aws_secretsmanager_secret_version's value in its secret; returns the values by secret ARN. */
function putSecretValues(resolver: StackResolver, secrets: SecretsServer): Map<string, string> {
  const { stack } = resolver;
  const secretValues = new Map<string, string>();
  for (const version of ofType(stack, "aws_secretsmanager_secret_version")) {
    const secretId = String(resolver.configValue(version, "secret_id"));
    const value = resolver.configValue(version, "secret_string");
    if (typeof value !== "string") continue;
    const secret = ofType(stack, "aws_secretsmanager_secret").find(
      (s) => resolver.attribute(s, "arn") === secretId || resolver.attribute(s, "name") === secretId,
    );
    if (!secret) throw new Error(`${version.address}: secret ${secretId} is not an aws_secretsmanager_secret of the stack`);
    secrets.put(String(resolver.attribute(secret, "name")), value);
    secretValues.set(String(resolver.attribute(secret, "arn")), value);
  }
  return secretValues;
}

/** Phase 2: secrets first (their ARNs come from the secrets server), then the rest resolved; queues and tables created. */
async function resolveStack(setup: RunSetup, servers: LocalServers): Promise<ResolvedStack> {
  const secretArns = await createSecrets(setup, servers);
  const resolver = localResolver(setup, servers, secretArns);
  const secretValues = putSecretValues(resolver, servers.secrets);
  const queues = await createQueues(resolver, servers.sqs.endpoint, setup.region);
  const tables = await createTables(resolver, servers.dynamo.endpoint, setup.region);
  return { resolver, secretArns, secretValues, queues, tables };
}

/** The ingress the load generator sends to: the chosen REST API, its SQS route, stage, URL and queue. */
interface Ingress {
  readonly api: RestApiServer;
  readonly route: RestApiModel["routes"][number];
  readonly stageName: string;
  readonly targetUrl: string;
  readonly queue: LocalQueue;
}

/** Phase 3: every REST API of the stack started on its port; the chosen one's route integrated with SQS is the ingress. */
async function startIngress(setup: RunSetup, servers: LocalServers, resolved: ResolvedStack): Promise<Ingress> {
  const apis: RestApiServer[] = [];
  for (const item of ofType(setup.stack, "aws_api_gateway_rest_api")) {
    const running = await startRestApi({
      model: buildRestApi(resolved.resolver, item),
      sqsEndpoint: servers.sqs.endpoint,
      region: setup.region,
      accountId: LOCAL_ACCOUNT_ID,
      metrics: setup.metrics,
      server: servers.apiServers.get(item.address),
    });
    apis.push(running);
  }
  const api = apis.find((a) => a.model.address === setup.apiAddress)!;
  const route =
    api.model.routes.find((r) => r.httpMethod === "POST" && r.integration.sqsPath) ?? api.model.routes.find((r) => r.integration.sqsPath);
  if (!route) throw new Error(`${api.model.address} has no route integrated with SQS`);
  const stageName = [...api.model.stages.keys()][0];
  const targetUrl = `${api.endpoint}/${stageName}${route.resourcePath === "/" ? "" : route.resourcePath}`;
  const queue = resolved.queues.find((q) => q.url.endsWith("/" + route.integration.sqsPath));
  if (!queue) throw new Error(`${route.integration.address}: its queue ${route.integration.sqsPath} is not an aws_sqs_queue of the stack`);
  return { api, route, stageName, targetUrl, queue };
}

/** The functions side of a run: its report directory, the nightly path, the hosts and the pollers. */
interface RunFunctions {
  readonly runId: string;
  readonly reportDir: string;
  readonly nightly: NightlyPath;
  readonly sqsClient: SQSClient;
  readonly mappings: readonly LocalMapping[];
  readonly hosts: ReadonlyMap<string, HostedFunction>;
  readonly overrides: readonly EmulatorOverride[];
  readonly pollers: readonly SqsPoller[];
  readonly maxThreads: number;
}

/** A new run id: `local-<UTC timestamp>-<4 random characters>`. */
const newRunId = () =>
  `local-${new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "")}-${Math.random().toString(36).slice(2, 6)}`;

/** Phase 4: the report directory, the nightly path (S3, Lambda API), the functions behind event source mappings and their pollers. */
async function startFunctions(setup: RunSetup, servers: LocalServers, resolved: ResolvedStack): Promise<RunFunctions> {
  const { options, region, metrics, closers } = setup;
  const { resolver } = resolved;
  const runId = newRunId();
  const reportDir = resolve(options.reportDir ?? "reports", runId);
  mkdirSync(join(reportDir, "functions"), { recursive: true });
  const endpoints: LocalEndpoints = { sqs: servers.sqs.endpoint, dynamo: servers.dynamo.endpoint, secrets: servers.secrets.endpoint };
  const nightly = await startNightlyPath({
    resolver,
    region,
    metrics,
    reportDir,
    s3DataDir: options.s3DataDir ?? resolve(options.reportDir ?? "reports", "s3"),
    environmentOf: (fn, extra) => ({ ...functionEnvironment(resolver, fn, endpoints, region), ...extra }),
  });
  closers.add(() => nightly.close());
  const sqsClient = new SQSClient({ region, endpoint: servers.sqs.endpoint, credentials: LOCAL_CREDENTIALS });
  closers.add(() => sqsClient.destroy());
  const mappings = readMappings(resolver, resolved.queues);
  const maxThreads = options.overrides?.maxThreadsPerFunction ?? DEFAULT_MAX_THREADS;
  const { hosts, overrides } = startFunctionHosts(
    {
      resolver,
      region,
      metrics,
      closers,
      endpoints,
      nightlyEnvironment: nightly.environment,
      downstreamEndpoint: servers.downstream.endpoint,
      secrets: servers.secrets,
      secretValues: resolved.secretValues,
      reportDir,
      maxThreads,
    },
    mappings,
  );
  const pollers = startPollers({ region, metrics, closers, maxThreads }, mappings, hosts, sqsClient, options.batchTimeline);
  return { runId, reportDir, nightly, sqsClient, mappings, hosts, overrides, pollers, maxThreads };
}

/** A run with its servers, stack, ingress and functions started. */
interface StartedRun extends RunSetup {
  readonly servers: LocalServers;
  readonly resolved: ResolvedStack;
  readonly ingress: Ingress;
  readonly fns: RunFunctions;
  readonly sampler: QueueSampler;
}

/** The worker that consumes the ingress queue, and the load generator's inputs found through it. */
interface IngressWorker {
  readonly mapping: LocalMapping;
  readonly hosted: HostedFunction;
  readonly environment: Record<string, string>;
  /** The signing secret's value. */
  readonly secret: string;
  readonly receiptsTable: string | undefined;
  readonly edgeKey: { secretArn: string; value: string } | undefined;
}

/** Phase 5: the load generator's inputs, found through the worker that consumes the ingress queue. */
function ingressWorker(run: StartedRun): IngressWorker {
  const { ingress, fns, resolved } = run;
  const mapping = fns.mappings.find((m) => m.spec.queueArn === ingress.queue.arn);
  if (!mapping) throw new Error(`no aws_lambda_event_source_mapping consumes ${ingress.queue.address}, the queue the ingress sends to`);
  const hosted = fns.hosts.get(mapping.fn.address)!;
  const environment = hosted.environment;
  const secretArn = environment[WORKER_CONTRACT.signatureSecretArn.env];
  const secret = secretArn ? resolved.secretValues.get(secretArn) : undefined;
  if (!secret)
    throw new Error(
      `${mapping.fn.address}: ${WORKER_CONTRACT.signatureSecretArn.env} does not name a secret with an aws_secretsmanager_secret_version in the stack, so there is no signing secret for ${SIGNATURE_HEADER}`,
    );
  const receiptsTable = environment[WORKER_CONTRACT.receiptsTable.env];
  const edgeKey = ingress.route.apiKeyRequired
    ? edgeKeySecret(ingress.api, ingress.stageName, ingress.route.methodAddress, resolved.secretValues)
    : undefined;
  return { mapping, hosted, environment, secret, receiptsTable, edgeKey };
}

/** What a `beforeSpike` hook sees of the running stack. */
function runningStack(run: StartedRun, worker: IngressWorker): RunningStack {
  const { servers, resolved, ingress } = run;
  const secretNames = new Map(Object.entries(resolved.secretArns).map(([name, arn]) => [arn, name]));
  return {
    targetUrl: ingress.targetUrl,
    secret: worker.secret,
    region: run.region,
    sqsEndpoint: servers.sqs.endpoint,
    dynamoEndpoint: servers.dynamo.endpoint,
    queues: resolved.queues,
    tables: resolved.tables,
    downstream: servers.downstream,
    workerEnvironment: worker.environment,
    apiStats: ingress.api.stats,
    edgeKey: worker.edgeKey,
    apiKeys: ingress.api.apiKeys,
    putSecret: (arn, value) => {
      const name = secretNames.get(arn);
      if (!name) throw new Error(`putSecret: ${arn} is not a secret of the stack`);
      servers.secrets.put(name, value);
    },
  };
}

/** The spike's settings: the ingress, the receipts table, the dead letter queues and the reconciliation deadline the stack implies. */
function spikeInput(run: StartedRun, worker: IngressWorker) {
  const { options, region, servers, ingress } = run;
  const env = worker.environment;
  return {
    targetUrl: ingress.targetUrl,
    secret: worker.secret,
    profile: run.profile,
    runId: run.fns.runId,
    receipts: worker.receiptsTable
      ? { tableName: worker.receiptsTable, endpoint: servers.dynamo.endpoint, region, credentials: LOCAL_CREDENTIALS }
      : undefined,
    dlqUrl: env[WORKER_CONTRACT.dlqUrl.env],
    quarantineQueueUrl: env[WORKER_CONTRACT.quarantineQueueUrl.env],
    queueUrl: env[WORKER_CONTRACT.queueUrl.env],
    workerMaxReceiveCount: env[WORKER_CONTRACT.maxReceiveCount.env] ? Number(env[WORKER_CONTRACT.maxReceiveCount.env]) : undefined,
    // the reconciliation deadline derives from the synthesized worker and queue, as on AWS
    pipelineRetry:
      options.reconcileDeadline === "profile"
        ? undefined
        : synthesizedPipelineRetry(env, worker.hosted.host.spec.timeoutSeconds, worker.mapping.spec.batchingWindowSeconds, ingress.queue),
    // a few shared cores run the whole stack: AWS-grade latency bounds are shown, not judged
    latencyJudgement: "local" as const,
    sqs: { endpoint: servers.sqs.endpoint, region, credentials: LOCAL_CREDENTIALS },
    // read from the local Secrets Manager at the start and after a 403, as on AWS
    edgeKey: worker.edgeKey
      ? {
          secretArn: worker.edgeKey.secretArn,
          secretsManager: { endpoint: servers.secrets.endpoint, region, credentials: LOCAL_CREDENTIALS },
        }
      : undefined,
  };
}

/** The spike's outcome: as the generator reported it, with the emulator's backpressure attached, and the run's window. */
interface SpikeOutcome {
  readonly spike: SpikeReport;
  readonly reported: SpikeReport;
  readonly startMs: number;
  readonly endMs: number;
}

/**
 * Phase 6: the spike, reconciled against the receipts (it waits for the drain); the
 * backpressure recorded during it attached as the generator does on AWS; its reports kept like
 * the generator's; then the scheduled runs (when asked) and a last queue sample.
 */
async function runTheSpike(run: StartedRun, worker: IngressWorker): Promise<SpikeOutcome> {
  const { options, resolved, fns, sampler } = run;
  const startMs = Date.now();
  const spike = await runSpikeInThread(spikeInput(run, worker), { onProgress: options.onProgress, signal: options.signal });
  const queueNameOf = (url: string | undefined) => resolved.queues.find((q) => q.url === url)?.name;
  const reported = {
    ...spike,
    backpressure: sampler.backpressure.block({
      startMs: spike.startMs,
      queueName: run.ingress.queue.name,
      deadLetterQueueNames: [
        queueNameOf(worker.environment[WORKER_CONTRACT.dlqUrl.env]),
        queueNameOf(worker.environment[WORKER_CONTRACT.quarantineQueueUrl.env]),
      ],
      workerFunctionName: worker.hosted.host.spec.name,
    }),
  };
  await fns.nightly.recordSpike(reported);
  if (options.schedules) await fns.nightly.fire({ ...options.schedules, signal: options.signal });
  await sampler.sample();
  return { spike, reported, startMs, endMs: Date.now() };
}

/** Phase 7: the emulator's report of the run: what ran, what each part counted, the alarms and the overrides. */
function emulatorReport(run: StartedRun, outcome: SpikeOutcome): EmulatorReport {
  const { options, stack, plan, resolved, ingress, fns, servers, sampler } = run;
  const { startMs, endMs } = outcome;
  return {
    stack: stack.file,
    emulated: plan.emulated.map((i) => ({ address: i.address, type: i.type })),
    notEmulated: plan.notEmulated.map(({ item, why }) => ({ address: item.address, type: item.type, why })),
    api: { address: ingress.api.model.address, targetUrl: ingress.targetUrl, stats: ingress.api.stats },
    functions: [...fns.hosts.entries()].map(([address, h]) => ({
      address,
      name: h.host.spec.name,
      threads: threadsOf(fns.mappings, address, fns.maxThreads),
      stats: h.host.stats,
      log: h.log,
    })),
    mappings: fns.mappings.map((m, i) => ({
      address: m.item.address,
      spec: m.spec,
      stats: fns.pollers[i].stats,
      ...(fns.pollers[i].timeline ? { timeline: fns.pollers[i].timeline } : {}),
    })),
    queues: resolved.queues.map((q) => ({
      address: q.address,
      name: q.name,
      maxVisible: sampler.depth.get(q.address)?.max ?? 0,
      final: sampler.depth.get(q.address)?.final ?? {},
    })),
    downstream: servers.downstream.stats(),
    alarms: evaluateAlarms(resolved.resolver, run.metrics, startMs, endMs),
    overrides: [...fns.overrides],
    nightly: fns.nightly.report({ startMs, asOfMs: options.alarmsAsOfMs !== undefined ? endMs + options.alarmsAsOfMs : undefined }),
  };
}

/**
 * Runs a synthesized stack locally, sends the profile's spike through it, and reports: the
 * stack resolved and planned, the local servers, the stack's resources, the REST APIs, the
 * functions and their pollers, the queue sampler, the spike, the reports; everything it
 * started is stopped at the end, whatever happened.
 */
export async function runLocalStack(options: LocalRunOptions): Promise<LocalRunResult> {
  const setup = prepareRun(options);
  try {
    const servers = await startServers(setup);
    const resolved = await resolveStack(setup, servers);
    const ingress = await startIngress(setup, servers, resolved);
    const fns = await startFunctions(setup, servers, resolved);
    const sampler = startQueueSampler({
      queues: resolved.queues,
      sqsClient: fns.sqsClient,
      metrics: setup.metrics,
      hosts: fns.hosts,
      downstream: servers.downstream,
      mappings: fns.mappings,
      pollers: fns.pollers,
      ingressQueue: ingress.queue,
      closers: setup.closers,
    });
    const run: StartedRun = { ...setup, servers, resolved, ingress, fns, sampler };
    const worker = ingressWorker(run);
    if (options.beforeSpike) await options.beforeSpike(runningStack(run, worker));
    const outcome = await runTheSpike(run, worker);
    const emulator = emulatorReport(run, outcome);
    const { reports, summary } = await writeRunReports(outcome.spike, outcome.reported, emulator, fns.reportDir, options.html);
    return { verdict: outcome.spike.verdict.verdict, spike: outcome.reported, emulator, summary, reports };
  } finally {
    await setup.closers.closeAll();
  }
}

/**
 * The retry settings of the synthesized pipeline the reconciliation deadline derives from: the
 * worker's GCX_MAX_RECEIVE_COUNT and GCX_BACKOFF_* (absent: the worker's own defaults, as on
 * AWS), its function timeout, its mapping's batching window and the queue's visibility timeout
 * (absent: SQS's 30 s). Undefined when the worker states no maxReceiveCount (nothing to derive).
 */
export function synthesizedPipelineRetry(
  workerEnv: Readonly<Record<string, string>>,
  functionTimeoutSeconds: number,
  batchingWindowSeconds: number,
  queue: Pick<LocalQueue, "attributes">,
): PipelineRetrySettings | undefined {
  const number = (name: string) => (workerEnv[name] !== undefined && workerEnv[name] !== "" ? Number(workerEnv[name]) : undefined);
  const maxReceiveCount = number(WORKER_CONTRACT.maxReceiveCount.env);
  if (maxReceiveCount === undefined) return undefined;
  const visibility = queue.attributes.VisibilityTimeout;
  return {
    maxReceiveCount,
    backoffBaseSeconds: number(WORKER_CONTRACT.backoffBaseSeconds.env),
    backoffMaxSeconds: number(WORKER_CONTRACT.backoffMaxSeconds.env),
    functionTimeoutSeconds,
    batchingWindowSeconds,
    visibilityTimeoutSeconds: visibility !== undefined ? Number(visibility) : 30,
  };
}
