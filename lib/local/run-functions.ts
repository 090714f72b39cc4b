/**
 * The functions phase of a local run ({@link runLocalStack}): the stack's SQS event source
 * mappings read into poller specs, each mapped function hosted from its bundle in worker
 * threads with the environment Lambda would give it (pointed at the local servers, and its
 * Genesys side at the fake downstream), and one poller per mapping.
 */
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { DEFAULT_SYNTHETIC_DOWNSTREAM, WORKER_CONTRACT } from "../runtime/contract";
import type { Closers } from "./closers";
import { FunctionHost, functionSpecOf, sdkModulePath, unpackBundle } from "./lambda-host";
import { ingestEmfLine, type MetricStore } from "./metrics";
import { eventSourceMetricsSettings, SqsPoller, type MappingSpec } from "./poller";
import type { StackResolver } from "./resolver";
import type { EmulatorOverride } from "./run";
import type { SecretsServer } from "./secrets-server";
import { LOCAL_CREDENTIALS, type LocalQueue } from "./services";
import { ofType, type TfItem } from "./stack";

/** The client credentials the fake Genesys is given locally (it accepts any). */
const FAKE_GENESYS_CREDENTIALS = { clientId: "local-client", clientSecret: "local-secret" } as const;

/** What the worker's synthetic Genesys calls are pointed at locally, when the stack simulates them. */
export const LOCAL_SYNTHETIC_TARGET = "the local fake Genesys (emulator override; on AWS this stack simulates synthetic calls)";

/** The default of `maximum_concurrency` when a mapping's scaling_config sets none. */
const DEFAULT_MAPPING_CONCURRENCY = 1000;

/** The local endpoints a function's SDK clients are pointed at. */
export interface LocalEndpoints {
  readonly sqs: string;
  readonly dynamo: string;
  readonly secrets: string;
}

/**
 * The Genesys side of a worker function, pointed at the local fake (the environment is
 * changed in place): the API and login base URLs; the declared credentials secret, when the
 * stack leaves it for the team to fill, given the fake's client credentials (the local
 * `aws secretsmanager put-secret-value`); synthetic Genesys calls made against the fake when
 * the stack simulates them, so its 429s and duplicate effects are measured. A worker whose
 * stack declares no credentials gets none: it fails locally as on AWS.
 */
export function pointGenesysAtFake(
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

/** The aws_lambda_function a mapping's function_name refers to (by ARN, name or qualified ARN). */
export function findFunction(resolver: StackResolver, reference: string, where: string): TfItem {
  const fns = ofType(resolver.stack, "aws_lambda_function");
  const match = fns.find((f) =>
    [resolver.attribute(f, "arn"), resolver.attribute(f, "function_name"), resolver.attribute(f, "qualified_arn")].includes(reference),
  );
  if (!match) throw new Error(`${where}: function ${reference} is not an aws_lambda_function of the stack`);
  return match;
}

/** The environment Lambda gives a function, plus the local endpoints. */
export function functionEnvironment(
  resolver: StackResolver,
  fn: TfItem,
  endpoints: LocalEndpoints,
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

/** One event source mapping of the stack: the resource, its poller spec and the function it invokes. */
export interface LocalMapping {
  readonly item: TfItem;
  readonly spec: MappingSpec;
  readonly fn: TfItem;
}

/** The stack's event source mappings as poller specs; a source that is not a queue of the stack is refused. */
export function readMappings(resolver: StackResolver, queues: readonly LocalQueue[]): LocalMapping[] {
  return ofType(resolver.stack, "aws_lambda_event_source_mapping").map((m) => {
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
      maximumConcurrency: Number(
        (cfg.scaling_config as { maximum_concurrency?: number } | undefined)?.maximum_concurrency ?? DEFAULT_MAPPING_CONCURRENCY,
      ),
      reportBatchItemFailures: ((cfg.function_response_types as string[] | undefined) ?? []).includes("ReportBatchItemFailures"),
      enabled: cfg.enabled !== false,
      ...eventSourceMetricsSettings(cfg, String(resolver.attribute(m, "uuid"))),
    };
    return { item: m, spec, fn };
  });
}

/** The threads of a function: its mappings' maximum concurrency together, at most `maxThreads`. */
export function threadsOf(mappings: readonly LocalMapping[], fnAddress: string, maxThreads: number): number {
  return Math.min(
    maxThreads,
    mappings.filter((m) => m.fn.address === fnAddress).reduce((sum, m) => sum + m.spec.maximumConcurrency, 0),
  );
}

/** A hosted function of the run: its host, its log file and its resolved environment. */
export interface HostedFunction {
  readonly host: FunctionHost;
  readonly log: string;
  readonly environment: Record<string, string>;
}

/** What the functions phase needs from the run. */
export interface FunctionsPhaseInput {
  readonly resolver: StackResolver;
  readonly region: string;
  readonly metrics: MetricStore;
  readonly closers: Closers;
  readonly endpoints: LocalEndpoints;
  /** The nightly path's endpoints (S3, Lambda) added to every function's environment. */
  readonly nightlyEnvironment: Readonly<Record<string, string>>;
  readonly downstreamEndpoint: string;
  readonly secrets: SecretsServer;
  /** Secret ARN -> the value the stack gives it. */
  readonly secretValues: ReadonlyMap<string, string>;
  readonly reportDir: string;
  readonly maxThreads: number;
}

/**
 * The environment of a mapped function, with its Genesys side pointed at the local fake
 * downstream when it is a worker (never with a setting the stack lacks; listed in the report).
 */
function mappedFunctionEnvironment(input: FunctionsPhaseInput, fn: TfItem, name: string, overrides: EmulatorOverride[]) {
  const { resolver, secretValues } = input;
  const environment = { ...functionEnvironment(resolver, fn, input.endpoints, input.region), ...input.nightlyEnvironment };
  if (environment[WORKER_CONTRACT.ingressKind.env] !== undefined) {
    const stackSecret = (arn: string) => {
      const found = ofType(resolver.stack, "aws_secretsmanager_secret").find((s) => resolver.attribute(s, "arn") === arn);
      return found ? { name: String(resolver.attribute(found, "name")), hasValue: secretValues.has(arn) } : undefined;
    };
    overrides.push(...pointGenesysAtFake(environment, name, input.downstreamEndpoint, stackSecret, input.secrets));
  }
  return environment;
}

/**
 * Hosts every function an event source mapping invokes, once each: its bundle unpacked, its
 * log in `<reportDir>/functions/<name>.log` (EMF lines ingested as metrics), as many threads as
 * its mappings' concurrency allows. Returns the hosts by function address and the overrides made.
 */
export function startFunctionHosts(input: FunctionsPhaseInput, mappings: readonly LocalMapping[]) {
  const { resolver, closers } = input;
  const hosts = new Map<string, HostedFunction>();
  const overrides: EmulatorOverride[] = [];
  const runtimeModules = sdkModulePath();
  for (const { fn } of mappings) {
    if (hosts.has(fn.address)) continue;
    const cfg = resolver.config(fn);
    const name = String(resolver.attribute(fn, "function_name"));
    const environment = mappedFunctionEnvironment(input, fn, name, overrides);
    const bundle = unpackBundle(resolver.stack.dir, String(cfg.filename), fn.address);
    closers.add(() => bundle.cleanup());
    const logPath = join(input.reportDir, "functions", `${name}.log`);
    const log = createWriteStream(logPath);
    closers.log(log);
    const host = new FunctionHost(functionSpecOf(resolver, fn, bundle.dir, environment), {
      maxThreads: threadsOf(mappings, fn.address, input.maxThreads),
      runtimeModulePaths: runtimeModules ? [runtimeModules] : [],
      onOutput: (line) => {
        log.write(line + "\n");
        ingestEmfLine(input.metrics, line);
      },
    });
    closers.add(() => host.close());
    hosts.set(fn.address, { host, log: logPath, environment });
  }
  return { hosts, overrides };
}

/** Starts one poller per mapping (its concurrency capped by the threads a function may have); stopped with the run. */
export function startPollers(
  input: Pick<FunctionsPhaseInput, "region" | "metrics" | "closers" | "maxThreads">,
  mappings: readonly LocalMapping[],
  hosts: ReadonlyMap<string, HostedFunction>,
  sqsClient: SQSClient,
  timeline: boolean | undefined,
): SqsPoller[] {
  const pollers = mappings.map(
    ({ spec, fn }) =>
      new SqsPoller(
        { ...spec, maximumConcurrency: Math.min(spec.maximumConcurrency, input.maxThreads) },
        hosts.get(fn.address)!.host,
        sqsClient,
        input.region,
        input.metrics,
        { timeline },
      ),
  );
  for (const p of pollers) p.start();
  input.closers.add(() => Promise.all(pollers.map((p) => p.stop())).then(() => undefined));
  return pollers;
}
