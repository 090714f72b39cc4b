/**
 * `runLocalStack`: runs a synthesized stack (`cdktf.out/stacks/<stack>/cdk.tf.json`) on this
 * machine and sends a spike through it: local SQS, DynamoDB and Secrets Manager servers, the
 * REST API, each event source mapping's poller and its function's bundle in worker threads,
 * a Genesys-like fake downstream; then reconciles, evaluates the alarms, writes the reports
 * and stops everything.
 */
import { createWriteStream, mkdirSync, writeFileSync, type WriteStream } from "node:fs";
import { createServer, type Server } from "node:http";
import { join, resolve } from "node:path";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { DEFAULT_SYNTHETIC_DOWNSTREAM, WORKER_CONTRACT } from "../runtime/contract";
import { SIGNATURE_HEADER } from "../runtime/signature";
import { parseProfile, type SpikeProfile, type SpikeProfileInput } from "../runtime/loadgen/profile";
import type { SpikeProgress, SpikeReport } from "../runtime/loadgen/run";
import type { PipelineRetrySettings } from "../runtime/loadgen/deadline";
import { writeReports } from "../runtime/loadgen/reports";
import { renderSummary } from "../runtime/loadgen/summary";
import { evaluateAlarms, type AlarmVerdict } from "./alarms";
import { buildRestApi, startRestApi, type ApiStats, type RestApiServer } from "./api-gateway";
import type { ApiKeyRegistry } from "./api-keys";
import { startFakeGenesys, type FakeGenesys, type FakeGenesysStats } from "./fake-genesys";
import { FunctionHost, functionSpecOf, sdkModulePath, unpackBundle, type FunctionStats } from "./lambda-host";
import { ingestEmfLine, MetricStore } from "./metrics";
import { BackpressureRecorder } from "./backpressure";
import { eventSourceMetricsSettings, SqsPoller, type BatchTiming, type MappingSpec, type PollerStats } from "./poller";
import { LOCAL_ACCOUNT_ID, StackResolver } from "./resolver";
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
import { renderNightlySummary, startNightlyPath, type NightlyReport } from "./nightly";
import type { LocalSchedulesOptions } from "./scheduler";
import { loadStack, ofType, planStack, type SynthesizedStack, type TfItem } from "./stack";

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

/** The client credentials the fake Genesys is given locally (it accepts any). */
const FAKE_GENESYS_CREDENTIALS = { clientId: "local-client", clientSecret: "local-secret" } as const;

/** What the worker's synthetic Genesys calls are pointed at locally, when the stack simulates them. */
export const LOCAL_SYNTHETIC_TARGET = "the local fake Genesys (emulator override; on AWS this stack simulates synthetic calls)";

/**
 * The Genesys side of a worker function, pointed at the local fake (the environment is
 * changed in place): the API and login base URLs; the declared credentials secret, when the
 * stack leaves it for the team to fill, given the fake's client credentials (the local
 * `aws secretsmanager put-secret-value`); synthetic Genesys calls made against the fake when
 * the stack simulates them, so its 429s and duplicate effects are measured. A worker whose
 * stack declares no credentials gets none: it fails locally as on AWS.
 */
function pointGenesysAtFake(
  environment: Record<string, string>,
  fn: string,
  fake: string,
  stackSecret: (arn: string) => { name: string; hasValue: boolean } | undefined,
  secrets: SecretsServer,
): EmulatorOverride[] {
  const out: EmulatorOverride[] = [];
  const set = (setting: string, value: string, why: string) => {
    environment[setting] = value;
    out.push({ function: fn, setting, value, why });
  };
  const apiWhy = "the fake Genesys stands for the Genesys Cloud Platform API (on AWS: the region's api./login. hosts)";
  set(WORKER_CONTRACT.genesysApiBaseUrl.env, fake, apiWhy);
  set(WORKER_CONTRACT.genesysLoginBaseUrl.env, fake, apiWhy);
  const credentials = JSON.stringify(FAKE_GENESYS_CREDENTIALS);
  const masked = JSON.stringify({ clientId: FAKE_GENESYS_CREDENTIALS.clientId, clientSecret: "***" });
  const arn = environment[WORKER_CONTRACT.genesysCredentialsSecretArn.env];
  if (arn) {
    const secret = stackSecret(arn);
    if (!secret) {
      const local = secrets.put(`local/${fn}/genesys-credentials`, credentials);
      set(
        WORKER_CONTRACT.genesysCredentialsSecretArn.env,
        local,
        `the stack names a secret outside it (${arn}); locally a secret holding the fake Genesys' client credentials stands for it`,
      );
    } else if (!secret.hasValue) {
      secrets.put(secret.name, credentials);
      out.push({
        function: fn,
        setting: `secret ${secret.name}`,
        value: masked,
        why: "the stack declares this credentials secret and leaves it for the team to fill after deploy; locally it holds the fake Genesys' client credentials (the local counterpart of aws secretsmanager put-secret-value)",
      });
    }
  }
  const mode = environment[WORKER_CONTRACT.syntheticDownstream.env] ?? DEFAULT_SYNTHETIC_DOWNSTREAM;
  if (mode === "simulate") {
    const why =
      "so the fake Genesys answers synthetic calls (429s, duplicate effects counted); on AWS this stack simulates them and calls no real Genesys";
    set(WORKER_CONTRACT.syntheticDownstream.env, "call-genesys", why);
    set(WORKER_CONTRACT.syntheticDownstreamTarget.env, LOCAL_SYNTHETIC_TARGET, why);
  }
  return out;
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
export class ApiChoiceError extends Error {
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
    const concurrency = Number((mapping.config.scaling_config as { maximum_concurrency?: number } | undefined)?.maximum_concurrency);
    if (perInstance > 0 && concurrency > 0) total += perInstance * concurrency;
  }
  return total > 0 ? total : undefined;
}
const DEFAULT_MAX_THREADS = 32;

type Closer = () => Promise<void> | void;

function findFunction(resolver: StackResolver, reference: string, where: string): TfItem {
  const fns = ofType(resolver.stack, "aws_lambda_function");
  const match = fns.find((f) =>
    [resolver.attribute(f, "arn"), resolver.attribute(f, "function_name"), resolver.attribute(f, "qualified_arn")].includes(reference),
  );
  if (!match) throw new Error(`${where}: function ${reference} is not an aws_lambda_function of the stack`);
  return match;
}

/** The environment Lambda gives a function, plus the local endpoints. */
function functionEnvironment(
  resolver: StackResolver,
  fn: TfItem,
  endpoints: { sqs: string; dynamo: string; secrets: string },
  region: string,
): Record<string, string> {
  const env = (resolver.configValue(fn, "environment") as { variables?: Record<string, unknown> } | undefined)?.variables ?? {};
  const name = String(resolver.attribute(fn, "function_name"));
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) out[k] = typeof v === "string" ? v : JSON.stringify(v);
  return {
    ...out,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_SQS: endpoints.sqs,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamo,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoints.secrets,
    AWS_LAMBDA_FUNCTION_NAME: name,
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(resolver.configValue(fn, "memory_size") ?? 128),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
    AWS_EXECUTION_ENV: `AWS_Lambda_${String(resolver.configValue(fn, "runtime") ?? "nodejs22.x")}`,
    _HANDLER: String(resolver.configValue(fn, "handler")),
    TZ: "UTC",
    // Lambda's nodejs22.x runtime would not print the SDK's Node-version notice; threads run on this Node.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    PATH: process.env.PATH ?? "/usr/bin:/bin",
  };
}

/** Runs a synthesized stack locally, sends the profile's spike through it, and reports. */
export async function runLocalStack(options: LocalRunOptions): Promise<LocalRunResult> {
  const stack: SynthesizedStack = loadStack(options.stack);
  const plan = planStack(stack);
  const apiAddress = chooseApi(stack, options.api);
  const profile = parseProfile(options.profile);
  const region = options.overrides?.region ?? stack.providerRegion ?? "us-east-1";
  const metrics = new MetricStore();
  const closers: Closer[] = [];
  const logs: WriteStream[] = [];
  const stop = async () => {
    for (const close of closers.reverse()) {
      try {
        await close();
      } catch {
        // keep closing the rest
      }
    }
    await Promise.all(logs.map((l) => new Promise((r) => l.end(r))));
  };

  try {
    // 1. Servers on free loopback ports.
    const sqs: LocalEndpoint = await startSqsServer(region, LOCAL_ACCOUNT_ID);
    closers.push(() => sqs.close());
    const dynamo = await startDynamoServer();
    closers.push(() => dynamo.close());
    const secrets: SecretsServer = await startSecretsServer({ region, accountId: LOCAL_ACCOUNT_ID });
    closers.push(() => secrets.close());
    const downstreamRate = options.overrides?.downstreamRatePerSecond ?? synthesizedDownstreamBudget(stack) ?? DEFAULT_DOWNSTREAM_RATE;
    const downstream = await startFakeGenesys({ ratePerSecond: downstreamRate, burst: options.overrides?.downstreamBurst });
    closers.push(() => downstream.close());
    const apiServers = new Map<string, Server>();
    const apiEndpoints: Record<string, string> = {};
    for (const api of ofType(stack, "aws_api_gateway_rest_api")) {
      const server = createServer();
      apiEndpoints[api.address] = await listenLoopback(server);
      apiServers.set(api.address, server);
      closers.push(() => closeServer(server));
    }

    // 2. Secrets first (their ARNs come from the secrets server), then resolve the rest.
    const secretArns: Record<string, string> = {};
    const bootstrap = new StackResolver(stack, {
      region,
      accountId: LOCAL_ACCOUNT_ID,
      sqsEndpoint: sqs.endpoint,
      apiEndpoints,
      orgId: "local-org",
      secretArns,
    });
    const secretsClient = new SecretsManagerClient({ region, endpoint: secrets.endpoint, credentials: LOCAL_CREDENTIALS });
    try {
      for (const item of ofType(stack, "aws_secretsmanager_secret")) {
        const name = bootstrap.secretName(item);
        const created = await secretsClient.send(new CreateSecretCommand({ Name: name }));
        secretArns[name] = created.ARN!;
      }
    } finally {
      secretsClient.destroy();
    }
    const resolver = new StackResolver(stack, {
      region,
      accountId: LOCAL_ACCOUNT_ID,
      sqsEndpoint: sqs.endpoint,
      apiEndpoints,
      orgId: "local-org",
      secretArns,
    });
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

    // 3. Queues and tables.
    const queues = await createQueues(resolver, sqs.endpoint, region);
    const tables = await createTables(resolver, dynamo.endpoint, region);

    // 4. REST APIs.
    const apis: RestApiServer[] = [];
    for (const api of ofType(stack, "aws_api_gateway_rest_api")) {
      const running = await startRestApi({
        model: buildRestApi(resolver, api),
        sqsEndpoint: sqs.endpoint,
        region,
        accountId: LOCAL_ACCOUNT_ID,
        metrics,
        server: apiServers.get(api.address),
      });
      apis.push(running);
    }
    const api = apis.find((a) => a.model.address === apiAddress)!;
    const ingressRoute =
      api.model.routes.find((r) => r.httpMethod === "POST" && r.integration.sqsPath) ?? api.model.routes.find((r) => r.integration.sqsPath);
    if (!ingressRoute) throw new Error(`${api.model.address} has no route integrated with SQS`);
    const stageName = [...api.model.stages.keys()][0];
    const targetUrl = `${api.endpoint}/${stageName}${ingressRoute.resourcePath === "/" ? "" : ingressRoute.resourcePath}`;
    const ingressQueue = queues.find((q) => q.url.endsWith("/" + ingressRoute.integration.sqsPath));
    if (!ingressQueue)
      throw new Error(
        `${ingressRoute.integration.address}: its queue ${ingressRoute.integration.sqsPath} is not an aws_sqs_queue of the stack`,
      );

    // 5. Functions behind event source mappings, and their pollers.
    const runId = `local-${new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "")}-${Math.random().toString(36).slice(2, 6)}`;
    const reportDir = resolve(options.reportDir ?? "reports", runId);
    mkdirSync(join(reportDir, "functions"), { recursive: true });
    const nightly = await startNightlyPath({
      resolver,
      region,
      metrics,
      reportDir,
      s3DataDir: options.s3DataDir ?? resolve(options.reportDir ?? "reports", "s3"),
      environmentOf: (fn, extra) => ({
        ...functionEnvironment(resolver, fn, { sqs: sqs.endpoint, dynamo: dynamo.endpoint, secrets: secrets.endpoint }, region),
        ...extra,
      }),
    });
    closers.push(() => nightly.close());
    const sqsClient = new SQSClient({ region, endpoint: sqs.endpoint, credentials: LOCAL_CREDENTIALS });
    closers.push(() => sqsClient.destroy());
    const mappings = ofType(stack, "aws_lambda_event_source_mapping").map((m) => {
      const cfg = resolver.config(m);
      const sourceArn = String(cfg.event_source_arn);
      const queue = queues.find((q) => q.arn === sourceArn);
      if (!queue)
        throw new Error(
          `${m.address}: event source ${sourceArn} is not an SQS queue of the stack; the local emulator runs SQS event sources only`,
        );
      const fn = findFunction(resolver, String(cfg.function_name), m.address);
      const spec: MappingSpec = {
        address: m.address,
        queueUrl: queue.url,
        queueArn: queue.arn,
        batchSize: Number(cfg.batch_size ?? 10),
        batchingWindowSeconds: Number(cfg.maximum_batching_window_in_seconds ?? 0),
        maximumConcurrency: Number((cfg.scaling_config as { maximum_concurrency?: number } | undefined)?.maximum_concurrency ?? 1000),
        reportBatchItemFailures: ((cfg.function_response_types as string[] | undefined) ?? []).includes("ReportBatchItemFailures"),
        enabled: cfg.enabled !== false,
        ...eventSourceMetricsSettings(cfg, String(resolver.attribute(m, "uuid"))),
      };
      return { item: m, spec, fn };
    });
    const maxThreads = options.overrides?.maxThreadsPerFunction ?? DEFAULT_MAX_THREADS;
    const hosts = new Map<string, { host: FunctionHost; log: string; environment: Record<string, string> }>();
    const overrides: EmulatorOverride[] = [];
    const runtimeModules = sdkModulePath();
    for (const { fn, spec } of mappings) {
      if (hosts.has(fn.address)) continue;
      const cfg = resolver.config(fn);
      const name = String(resolver.attribute(fn, "function_name"));
      const environment = {
        ...functionEnvironment(resolver, fn, { sqs: sqs.endpoint, dynamo: dynamo.endpoint, secrets: secrets.endpoint }, region),
        ...nightly.environment,
      };
      // The Genesys side goes to the local fake downstream, never with a setting the stack lacks (listed in the report).
      if (environment[WORKER_CONTRACT.ingressKind.env] !== undefined) {
        const stackSecret = (arn: string) => {
          const found = ofType(stack, "aws_secretsmanager_secret").find((s) => resolver.attribute(s, "arn") === arn);
          return found ? { name: String(resolver.attribute(found, "name")), hasValue: secretValues.has(arn) } : undefined;
        };
        overrides.push(...pointGenesysAtFake(environment, name, downstream.endpoint, stackSecret, secrets));
      }
      const bundle = unpackBundle(stack.dir, String(cfg.filename), fn.address);
      closers.push(() => bundle.cleanup());
      const logPath = join(reportDir, "functions", `${name}.log`);
      const log = createWriteStream(logPath);
      logs.push(log);
      const threads = Math.min(
        maxThreads,
        mappings.filter((m) => m.fn === fn).reduce((sum, m) => sum + m.spec.maximumConcurrency, 0),
      );
      const host = new FunctionHost(functionSpecOf(resolver, fn, bundle.dir, environment), {
        maxThreads: threads,
        runtimeModulePaths: runtimeModules ? [runtimeModules] : [],
        onOutput: (line) => {
          log.write(line + "\n");
          ingestEmfLine(metrics, line);
        },
      });
      closers.push(() => host.close());
      hosts.set(fn.address, { host, log: logPath, environment });
      void spec;
    }
    const pollers = mappings.map(
      ({ spec, fn }) =>
        new SqsPoller(
          { ...spec, maximumConcurrency: Math.min(spec.maximumConcurrency, maxThreads) },
          hosts.get(fn.address)!.host,
          sqsClient,
          region,
          metrics,
          { timeline: options.batchTimeline },
        ),
    );
    for (const p of pollers) p.start();
    closers.push(() => Promise.all(pollers.map((p) => p.stop())).then(() => undefined));

    // 6. Queue sampling, every second (depth; age approximated by the oldest message a poller receives).
    const depth = new Map<string, { max: number; final: Record<string, number> }>();
    // the report's backpressure series (lib/local/backpressure.ts), sampled with the queues
    const backpressure = new BackpressureRecorder({
      functions: () => [...hosts.values()].map((h) => ({ name: h.host.spec.name, concurrent: h.host.concurrent })),
      downstream: () => downstream.stats(),
      polled: () => pollers.filter((_, i) => mappings[i].spec.queueArn === ingressQueue.arn).reduce((sum, p) => sum + p.stats.received, 0),
    });
    const sample = async () => {
      for (const q of queues) {
        try {
          const a = await sqsClient.send(
            new GetQueueAttributesCommand({
              QueueUrl: q.url,
              AttributeNames: [
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesDelayed",
              ],
            }),
          );
          // local-aws-sqs counts in-flight and delayed messages in ApproximateNumberOfMessages; AWS does not.
          const notVisible = Number(a.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
          const delayed = Number(a.Attributes?.ApproximateNumberOfMessagesDelayed ?? 0);
          const visible = Math.max(0, Number(a.Attributes?.ApproximateNumberOfMessages ?? 0) - notVisible - delayed);
          const values = { visible, notVisible, delayed };
          const d = depth.get(q.address) ?? { max: 0, final: values };
          depth.set(q.address, { max: Math.max(d.max, visible), final: values });
          const dims = { QueueName: q.name };
          metrics.put("AWS/SQS", "ApproximateNumberOfMessagesVisible", dims, visible);
          metrics.put("AWS/SQS", "ApproximateNumberOfMessagesNotVisible", dims, values.notVisible);
          metrics.put("AWS/SQS", "ApproximateNumberOfMessagesDelayed", dims, values.delayed);
          backpressure.queue(q.name, values);
        } catch {
          // the server is stopping
        }
      }
      backpressure.tick();
    };
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        await sample();
        await new Promise((r) => setTimeout(r, 1000));
      }
    })();
    closers.push(async () => {
      sampling = false;
      await sampler;
    });

    // 7. The load generator's inputs, found through the worker that consumes the ingress queue.
    const worker = mappings.find((m) => m.spec.queueArn === ingressQueue.arn);
    if (!worker) throw new Error(`no aws_lambda_event_source_mapping consumes ${ingressQueue.address}, the queue the ingress sends to`);
    const workerEnv = hosts.get(worker.fn.address)!.environment;
    const secretArn = workerEnv[WORKER_CONTRACT.signatureSecretArn.env];
    const secret = secretArn ? secretValues.get(secretArn) : undefined;
    if (!secret)
      throw new Error(
        `${worker.fn.address}: ${WORKER_CONTRACT.signatureSecretArn.env} does not name a secret with an aws_secretsmanager_secret_version in the stack, so there is no signing secret for ${SIGNATURE_HEADER}`,
      );
    const receiptsTable = workerEnv[WORKER_CONTRACT.receiptsTable.env];
    const local = { endpoint: sqs.endpoint, region, credentials: LOCAL_CREDENTIALS };
    const edgeKey = ingressRoute.apiKeyRequired ? edgeKeySecret(api, stageName, ingressRoute.methodAddress, secretValues) : undefined;
    const secretNames = new Map(Object.entries(secretArns).map(([name, arn]) => [arn, name]));
    const running: RunningStack = {
      targetUrl,
      secret,
      region,
      sqsEndpoint: sqs.endpoint,
      dynamoEndpoint: dynamo.endpoint,
      queues,
      tables,
      downstream,
      workerEnvironment: workerEnv,
      apiStats: api.stats,
      edgeKey,
      apiKeys: api.apiKeys,
      putSecret: (arn, value) => {
        const name = secretNames.get(arn);
        if (!name) throw new Error(`putSecret: ${arn} is not a secret of the stack`);
        secrets.put(name, value);
      },
    };
    if (options.beforeSpike) await options.beforeSpike(running);

    // 8. The spike, reconciled against the receipts (it waits for the drain).
    const startMs = Date.now();
    const spike = await runSpikeInThread(
      {
        targetUrl,
        secret,
        profile,
        runId,
        receipts: receiptsTable
          ? { tableName: receiptsTable, endpoint: dynamo.endpoint, region, credentials: LOCAL_CREDENTIALS }
          : undefined,
        dlqUrl: workerEnv[WORKER_CONTRACT.dlqUrl.env],
        quarantineQueueUrl: workerEnv[WORKER_CONTRACT.quarantineQueueUrl.env],
        queueUrl: workerEnv[WORKER_CONTRACT.queueUrl.env],
        workerMaxReceiveCount: workerEnv[WORKER_CONTRACT.maxReceiveCount.env]
          ? Number(workerEnv[WORKER_CONTRACT.maxReceiveCount.env])
          : undefined,
        // the reconciliation deadline derives from the synthesized worker and queue, as on AWS
        pipelineRetry:
          options.reconcileDeadline === "profile"
            ? undefined
            : synthesizedPipelineRetry(
                workerEnv,
                hosts.get(worker.fn.address)!.host.spec.timeoutSeconds,
                worker.spec.batchingWindowSeconds,
                ingressQueue,
              ),
        // a few shared cores run the whole stack: AWS-grade latency bounds are shown, not judged
        latencyJudgement: "local",
        sqs: local,
        // read from the local Secrets Manager at the start and after a 403, as on AWS
        edgeKey: edgeKey
          ? { secretArn: edgeKey.secretArn, secretsManager: { endpoint: secrets.endpoint, region, credentials: LOCAL_CREDENTIALS } }
          : undefined,
      },
      { onProgress: options.onProgress, signal: options.signal },
    );
    // the backpressure the emulator recorded during the run (sent to the drain), attached as the generator does on AWS
    const queueNameOf = (url: string | undefined) => queues.find((q) => q.url === url)?.name;
    const reported = {
      ...spike,
      backpressure: backpressure.block({
        startMs: spike.startMs,
        queueName: ingressQueue.name,
        deadLetterQueueNames: [
          queueNameOf(workerEnv[WORKER_CONTRACT.dlqUrl.env]),
          queueNameOf(workerEnv[WORKER_CONTRACT.quarantineQueueUrl.env]),
        ],
        workerFunctionName: hosts.get(worker.fn.address)!.host.spec.name,
      }),
    };
    // the local spike's reports kept like the generator's, then the scheduled runs (when asked)
    await nightly.recordSpike(reported);
    if (options.schedules) await nightly.fire({ ...options.schedules, signal: options.signal });
    await sample();
    const endMs = Date.now();

    // 9. Alarms and reports.
    const alarms = evaluateAlarms(resolver, metrics, startMs, endMs);
    const emulator: EmulatorReport = {
      stack: stack.file,
      emulated: plan.emulated.map((i) => ({ address: i.address, type: i.type })),
      notEmulated: plan.notEmulated.map(({ item, why }) => ({ address: item.address, type: item.type, why })),
      api: { address: api.model.address, targetUrl, stats: api.stats },
      functions: [...hosts.entries()].map(([address, h]) => ({
        address,
        name: h.host.spec.name,
        threads: Math.min(
          maxThreads,
          mappings.filter((m) => m.fn.address === address).reduce((s, m) => s + m.spec.maximumConcurrency, 0),
        ),
        stats: h.host.stats,
        log: h.log,
      })),
      mappings: mappings.map((m, i) => ({
        address: m.item.address,
        spec: m.spec,
        stats: pollers[i].stats,
        ...(pollers[i].timeline ? { timeline: pollers[i].timeline } : {}),
      })),
      queues: queues.map((q) => ({
        address: q.address,
        name: q.name,
        maxVisible: depth.get(q.address)?.max ?? 0,
        final: depth.get(q.address)?.final ?? {},
      })),
      downstream: downstream.stats(),
      alarms,
      overrides,
      nightly: nightly.report({ startMs, asOfMs: options.alarmsAsOfMs !== undefined ? endMs + options.alarmsAsOfMs : undefined }),
    };
    const paths = await writeReports(reported, {
      json: join(reportDir, "spike.json"),
      html: options.html === false ? undefined : join(reportDir, "spike.html"),
    });
    const emulatorPath = join(reportDir, "emulator.json");
    writeFileSync(emulatorPath, JSON.stringify(emulator, null, 2) + "\n");
    const reports = [...paths, emulatorPath];
    const verdict = spike.verdict.verdict;
    const summary = [renderSummary(spike), renderEmulatorSummary(emulator), `reports:\n${reports.map((p) => `  ${p}`).join("\n")}`].join(
      "\n\n",
    );
    return { verdict, spike: reported, emulator, summary, reports };
  } finally {
    await stop();
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

/** The emulator's part of the terminal summary. */
export function renderEmulatorSummary(e: EmulatorReport): string {
  const lines = [`local emulator (${e.stack})`];
  lines.push(
    `  ingress ${e.api.targetUrl}: ${e.api.stats.requests} requests, ${Object.entries(e.api.stats.byStatus)
      .map(([s, n]) => `${s}:${n}`)
      .join(
        " ",
      )}, ${e.api.stats.throttled} throttled by the stage${e.api.stats.forbidden ? `, ${e.api.stats.forbidden} refused without a valid API key` : ""}`,
  );
  for (const m of e.mappings) {
    lines.push(
      `  ${m.address}: batch ${m.spec.batchSize}, window ${m.spec.batchingWindowSeconds}s, max concurrency ${m.spec.maximumConcurrency}; ${m.stats.batches} batches, ${m.stats.received} received, ${m.stats.deleted} deleted, ${m.stats.itemFailures} item failures, ${m.stats.failedBatches} whole-batch failures`,
    );
  }
  for (const f of e.functions) {
    lines.push(
      `  ${f.name}: ${f.stats.invocations} invocations, ${f.stats.errors} errors, ${f.stats.timeouts} timeouts, ${f.stats.throttles} throttles, ${f.stats.coldStarts} cold starts, peak concurrency ${f.stats.maxConcurrent} (log ${f.log})`,
    );
  }
  for (const q of e.queues) lines.push(`  queue ${q.name}: peak visible ${q.maxVisible}, at the end ${JSON.stringify(q.final)}`);
  lines.push(
    `  downstream (fake Genesys): ${e.downstream.accepted} accepted, ${e.downstream.throttled} answered 429, ${e.downstream.duplicateEffects} duplicate effects`,
  );
  if (e.alarms.length) {
    lines.push("  alarms (approximate):");
    for (const a of e.alarms)
      lines.push(`    ${a.state.padEnd(13)} ${a.alarmName}: ${a.metric} ${a.comparison} ${a.threshold}${a.note ? ` (${a.note})` : ""}`);
  }
  if (e.nightly) lines.push(...renderNightlySummary(e.nightly));
  if (e.overrides.length) {
    lines.push("  overrides (local only; on AWS the stack's own settings apply):");
    for (const o of e.overrides) lines.push(`    ${o.function}: ${o.setting} = ${o.value} (${o.why})`);
  }
  lines.push(`  not emulated: ${e.notEmulated.length ? [...new Set(e.notEmulated.map((n) => n.type))].join(", ") : "none"}`);
  return lines.join("\n");
}
