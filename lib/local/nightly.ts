/**
 * The nightly path of a local run: the stack's S3 buckets on the local S3 server (and the
 * team's reports bucket the generator names but the stack does not create, empty), the local
 * Lambda Invoke API hosting any function of the stack on first use (the spike generator's
 * bundle in a FunctionHost, with its synthesized environment pointed at the local servers),
 * the schedules fired when asked, the local spike's reports stored in the reports bucket as
 * the generator stores its own, and the alarms evaluated again "as of" a later time.
 */
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { LOADGEN_CONTRACT } from "../runtime/contract";
import { emfRecord, DEFAULT_METRICS_NAMESPACE } from "../runtime/loadgen/reports";
import { DEFAULT_HISTORY_LENGTH, DEFAULT_REPORTS_PREFIX, s3ObjectStore, storeRun, type StoredRun } from "../runtime/loadgen/report-store";
import type { SpikeReport } from "../runtime/loadgen/run";
import { evaluateAlarms, type AlarmVerdict } from "./alarms";
import { Closers } from "./closers";
import { DEFAULT_ASYNC_RETRIES, startLambdaApi, type AsyncInvocation, type InvokableFunction, type LambdaApi } from "./lambda-api";
import { FunctionHost, functionSpecOf, sdkModulePath, unpackBundle } from "./lambda-host";
import { ingestEmfLine, type MetricStore } from "./metrics";
import type { StackResolver } from "./resolver";
import { startS3Server, stackBuckets, type S3Server } from "./s3-server";
import { fireSchedules, stackSchedules, type LocalSchedulesOptions, type ScheduleFiring } from "./scheduler";
import { LOCAL_CREDENTIALS } from "./services";
import { ofType, type TfItem } from "./stack";

/** The nightly part of a local run's report. */
export interface NightlyReport {
  /** The local S3 server's HTTPS endpoint and its buckets' keys at the end, when the stack has buckets. */
  readonly s3?: { readonly endpoint: string; readonly buckets: Readonly<Record<string, readonly string[]>> };
  /**
   * Buckets the stack references but does not create (the spike generator's
   * GCX_REPORTS_BUCKET, the team's `reports.bucket`), served by the local S3 server, empty at
   * the first run, with a new bucket's defaults (ACLs disabled, public ACLs blocked): an
   * emulator override, so the generator never calls real S3 and the local spike's reports are
   * kept. On AWS the team's bucket and its own settings apply.
   */
  readonly teamBuckets?: readonly string[];
  /** The local spike's reports stored in the reports bucket (the stack's spike generator's bucket). */
  readonly storedLocalSpike?: Omit<StoredRun, "history">;
  readonly firings: readonly ScheduleFiring[];
  readonly asyncInvocations: readonly Omit<AsyncInvocation, "payload">[];
  /** The alarms evaluated again as of a later time (CloudWatch's view if nothing else happened until then). */
  readonly alarmsAsOf?: { readonly asOfMs: number; readonly alarms: readonly AlarmVerdict[] };
}

/** What the nightly path needs from the run. */
export interface NightlyContext {
  readonly resolver: StackResolver;
  readonly region: string;
  readonly metrics: MetricStore;
  readonly reportDir: string;
  /** Persist the buckets' objects here across local runs. */
  readonly s3DataDir?: string;
  /** The Lambda environment of a function of the stack with the local endpoints (S3 and Lambda included). */
  readonly environmentOf: (fn: TfItem, extra: Record<string, string>) => Record<string, string>;
}

/** The nightly path, started; {@link NightlyPath.close} stops it. */
export interface NightlyPath {
  readonly s3?: S3Server;
  readonly lambda: LambdaApi;
  /** AWS_ENDPOINT_URL_S3 / AWS_CA_BUNDLE / AWS_ENDPOINT_URL_LAMBDA for every function's environment. */
  readonly environment: Readonly<Record<string, string>>;
  /** Stores a spike report as the stack's generator stores its own and ingests its EMF record (verdict and heartbeat). */
  recordSpike(spike: SpikeReport): Promise<Omit<StoredRun, "history"> | undefined>;
  /** Fires the schedules (see {@link fireSchedules}). */
  fire(options: LocalSchedulesOptions & { signal?: AbortSignal; onFire?: (f: ScheduleFiring) => void }): Promise<ScheduleFiring[]>;
  /** The nightly report; `asOfMs` evaluates the alarms again as of that time. */
  report(window: { startMs: number; asOfMs?: number }): NightlyReport;
  close(): Promise<void>;
}

/** The spike generator's reports settings (the first function with GCX_TARGET_URL). */
function stackGenerator(resolver: StackResolver) {
  for (const fn of ofType(resolver.stack, "aws_lambda_function")) {
    const vars = (resolver.configValue(fn, "environment") as { variables?: Record<string, unknown> } | undefined)?.variables ?? {};
    if (vars[LOADGEN_CONTRACT.targetUrl.env] === undefined) continue;
    const name = String(resolver.attribute(fn, "function_name"));
    return {
      bucket: vars[LOADGEN_CONTRACT.reportsBucket.env] as string | undefined,
      prefix: (vars[LOADGEN_CONTRACT.reportsPrefix.env] as string | undefined) ?? DEFAULT_REPORTS_PREFIX,
      runName: (vars[LOADGEN_CONTRACT.runName.env] as string | undefined) ?? name,
      namespace: (vars[LOADGEN_CONTRACT.metricsNamespace.env] as string | undefined) ?? DEFAULT_METRICS_NAMESPACE,
      historyLength: Number(vars[LOADGEN_CONTRACT.historyLength.env] ?? DEFAULT_HISTORY_LENGTH),
    };
  }
  return undefined;
}

/** The spike generator's reports settings, when the stack has a generator. */
type StackGenerator = NonNullable<ReturnType<typeof stackGenerator>>;

/** The nightly path's state in one object, shared by its parts. */
interface NightlyState {
  readonly ctx: NightlyContext;
  readonly startMs: number;
  readonly closers: Closers;
  readonly generator?: StackGenerator;
  readonly s3?: S3Server;
  readonly teamBuckets: readonly string[];
  /** AWS_ENDPOINT_URL_S3 / AWS_CA_BUNDLE / AWS_ENDPOINT_URL_LAMBDA, filled as the servers start. */
  readonly environment: Record<string, string>;
  readonly firings: ScheduleFiring[];
  storedLocalSpike?: Omit<StoredRun, "history">;
}

/**
 * Starts the local S3 server for the stack's buckets plus the team's reports bucket the
 * generator names but the stack does not create (with a new bucket's defaults); none when
 * there is no bucket at all.
 */
async function startBuckets(ctx: NightlyContext, generator: StackGenerator | undefined, closers: Closers) {
  const buckets = stackBuckets(ctx.resolver);
  const teamBuckets = generator?.bucket && !buckets.some((b) => b.name === generator.bucket) ? [generator.bucket] : [];
  buckets.push(...teamBuckets.map((name) => ({ name, denyInsecureTransport: false, blockPublicAcls: true, aclsDisabled: true })));
  const s3 = buckets.length ? await startS3Server({ buckets, dataDir: ctx.s3DataDir }) : undefined;
  if (s3) closers.add(() => s3.close());
  return { s3, teamBuckets };
}

/** Starts a function's host: its bundle unpacked, its log appended to `functions/<name>.log`, its EMF lines ingested. */
function startHost(state: NightlyState, fn: TfItem, name: string): FunctionHost {
  const { ctx, closers } = state;
  const { resolver } = ctx;
  const cfg = resolver.config(fn);
  const bundle = unpackBundle(resolver.stack.dir, String(cfg.filename), fn.address);
  closers.add(() => bundle.cleanup());
  const log = createWriteStream(join(ctx.reportDir, "functions", `${name}.log`), { flags: "a" });
  closers.log(log);
  const runtimeModules = sdkModulePath();
  const host = new FunctionHost(functionSpecOf(resolver, fn, bundle.dir, ctx.environmentOf(fn, state.environment)), {
    // agents of a fan-out run in parallel with their controller
    maxThreads: 16,
    runtimeModulePaths: runtimeModules ? [runtimeModules] : [],
    onOutput: (line) => {
      log.write(line + "\n");
      ingestEmfLine(ctx.metrics, line);
    },
  });
  closers.add(() => host.close());
  return host;
}

/** Every function of the stack as the local Lambda API invokes it: its async retries, its host started on first use. */
function invokableFunctions(state: NightlyState): InvokableFunction[] {
  const { resolver } = state.ctx;
  const hosts = new Map<string, FunctionHost>();
  const invokeConfigs = ofType(resolver.stack, "aws_lambda_function_event_invoke_config");
  return ofType(resolver.stack, "aws_lambda_function").map((fn) => {
    const name = String(resolver.attribute(fn, "function_name"));
    const config = invokeConfigs.find((c) =>
      [name, resolver.attribute(fn, "arn")].includes(resolver.configValue(c, "function_name") as string),
    );
    const retries =
      config && resolver.configValue(config, "maximum_retry_attempts") !== undefined
        ? Number(resolver.configValue(config, "maximum_retry_attempts"))
        : DEFAULT_ASYNC_RETRIES;
    return {
      name,
      arn: String(resolver.attribute(fn, "arn")),
      asyncRetries: retries,
      host: () => {
        let host = hosts.get(name);
        if (!host) {
          host = startHost(state, fn, name);
          hosts.set(name, host);
        }
        return host;
      },
    };
  });
}

/** Ingests the spike's EMF record (verdict and heartbeat) and stores its reports in the generator's bucket, as the generator does. */
async function recordSpike(state: NightlyState, spike: SpikeReport): Promise<Omit<StoredRun, "history"> | undefined> {
  const { generator, s3, ctx } = state;
  if (!generator) return undefined;
  // the verdict and the heartbeat, as the generator's EMF line would publish them
  ingestEmfLine(ctx.metrics, JSON.stringify(emfRecord(spike, { namespace: generator.namespace, runName: generator.runName })));
  if (!generator.bucket || !s3) return undefined;
  const store = s3ObjectStore({
    bucket: generator.bucket,
    caBundle: s3.caFile,
    client: { endpoint: s3.endpoint, region: ctx.region, credentials: LOCAL_CREDENTIALS },
  });
  try {
    const { history: _history, ...keys } = await storeRun(
      store,
      { bucket: generator.bucket, prefix: generator.prefix, runName: generator.runName },
      spike,
      generator.historyLength,
    );
    state.storedLocalSpike = keys;
    return keys;
  } finally {
    store.destroy();
  }
}

/** The nightly report: buckets, firings, asynchronous invocations, and the alarms as of `asOfMs` when given. */
function nightlyReport(state: NightlyState, lambda: LambdaApi, window: { startMs: number; asOfMs?: number }): NightlyReport {
  const { s3, teamBuckets, ctx } = state;
  return {
    s3: s3 ? { endpoint: s3.endpoint, buckets: Object.fromEntries(s3.buckets.map((b) => [b.name, s3.keys(b.name)])) } : undefined,
    ...(teamBuckets.length ? { teamBuckets } : {}),
    storedLocalSpike: state.storedLocalSpike,
    firings: [...state.firings],
    asyncInvocations: lambda.asyncInvocations.map(({ payload: _payload, ...rest }) => rest),
    alarmsAsOf:
      window.asOfMs !== undefined
        ? { asOfMs: window.asOfMs, alarms: evaluateAlarms(ctx.resolver, ctx.metrics, window.startMs, window.asOfMs, { stateAt: true }) }
        : undefined,
  };
}

/**
 * Starts the local S3 server (when the stack has buckets, or its generator names a bucket it
 * does not create: see {@link NightlyReport.teamBuckets}) and the local Lambda API.
 */
export async function startNightlyPath(ctx: NightlyContext): Promise<NightlyPath> {
  const startMs = Date.now();
  const closers = new Closers();
  const generator = stackGenerator(ctx.resolver);
  const { s3, teamBuckets } = await startBuckets(ctx, generator, closers);
  const environment: Record<string, string> = {};
  if (s3) {
    environment.AWS_ENDPOINT_URL_S3 = s3.endpoint;
    environment.AWS_CA_BUNDLE = s3.caFile;
  }
  const state: NightlyState = { ctx, startMs, closers, generator, s3, teamBuckets, environment, firings: [] };
  const lambda = await startLambdaApi(invokableFunctions(state));
  closers.add(() => lambda.close());
  environment.AWS_ENDPOINT_URL_LAMBDA = lambda.endpoint;

  return {
    s3,
    lambda,
    environment,
    recordSpike: (spike) => recordSpike(state, spike),
    async fire(options) {
      const fired = await fireSchedules(stackSchedules(ctx.resolver), lambda, {
        ...options,
        startMs,
        onFire: (f) => {
          state.firings.push(f);
          options.onFire?.(f);
        },
      });
      return fired;
    },
    report: (window) => nightlyReport(state, lambda, window),
    close: () => closers.closeAll(),
  };
}

/** The nightly part of the terminal summary (lines indented like the emulator's). */
export function renderNightlySummary(n: NightlyReport): string[] {
  const lines: string[] = [];
  if (n.s3)
    for (const [bucket, keys] of Object.entries(n.s3.buckets))
      lines.push(`  bucket ${bucket} (local S3 ${n.s3.endpoint}): ${keys.length} objects`);
  for (const bucket of n.teamBuckets ?? [])
    lines.push(
      `  bucket ${bucket}: the team's (the stack does not create it), served locally (emulator override; on AWS your bucket applies)`,
    );
  if (n.storedLocalSpike) lines.push(`  the spike's reports kept: ${n.storedLocalSpike.jsonKey}, history ${n.storedLocalSpike.historyKey}`);
  for (const f of n.firings) lines.push(`  schedule ${f.address} fired at ${new Date(f.atMs).toISOString()} -> ${f.targetArn}`);
  for (const i of n.asyncInvocations)
    lines.push(
      `  async invocation of ${i.functionName}: ${i.result.ok ? "ok" : `${i.result.errorType}: ${i.result.errorMessage}`} (${i.attempts} attempt${i.attempts === 1 ? "" : "s"}, ${((i.finishedMs - i.startedMs) / 1000).toFixed(1)} s)`,
    );
  if (n.alarmsAsOf) {
    lines.push(`  alarms as of ${new Date(n.alarmsAsOf.asOfMs).toISOString()} (no data after the run):`);
    for (const a of n.alarmsAsOf.alarms) lines.push(`    ${a.state.padEnd(13)} ${a.alarmName}`);
  }
  return lines;
}
