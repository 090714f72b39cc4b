/**
 * The load generator as a Lambda function, in two roles:
 *
 * - controller (the scheduled invocation): parses its environment contract and the
 *   profile, splits the plan into agents when the peak rate exceeds one agent's capacity,
 *   invokes them in parallel (RequestResponse) with a shared start barrier, merges their
 *   encoded HDR histograms and counts (never averaging percentiles), reconciles against
 *   the receipts, reads the run's backpressure metrics from CloudWatch (with GCX_QUEUE_NAME:
 *   queue depth, worker concurrency, downstream calls and 429s, dead letters), prints the EMF
 *   record with the verdict metric and the heartbeat, stores
 *   the JSON and HTML report in the reports bucket (GCX_REPORTS_BUCKET) with the history
 *   index and trend page, and returns the report with the keys written;
 * - agent: sends its share of the plan (`seq % agentCount === agentIndex`) from the
 *   start barrier and returns its measurements; it stops sending when one of the profile's
 *   `abortOnFail` thresholds is lost on its own share (the part says `aborted`, with its index).
 *
 * Every agent and the controller must fit in Lambda's 15-minute limit: the profile is
 * rejected before any traffic when it cannot.
 */
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import type { Context } from "aws-lambda";
import { parseLoadgenContract, type LoadgenContract } from "../contract";
import { EdgeKey } from "../edge-key";
import { secretReader } from "./edge-key-source";
import { runIngress, type IngressPart } from "./engine";
import { parseProfile, peakRatePerSecond, type SpikeProfile, type SpikeProfileInput } from "./profile";
import { emfRecord, DEFAULT_METRICS_NAMESPACE } from "./reports";
import {
  continuationKey,
  DEFAULT_HISTORY_LENGTH,
  DEFAULT_REPORTS_PREFIX,
  s3ObjectStore,
  storeRun,
  type ObjectStore,
  type StoredRun,
} from "./report-store";
import { resumeSpike, runSpike, type AgentAssignment, type SpikeContinuation, type SpikeReport } from "./run";
import type { PipelineRetrySettings } from "./deadline";
import { renderSummary } from "./summary";
import { abortWatcher } from "./thresholds";
import { readCloudWatchBackpressure, type BackpressureBlock, type CloudWatchLike } from "./backpressure";
import {
  CONTINUATION_MARGIN_MS,
  DEFAULT_AGENT_CAPACITY_PER_SECOND,
  LAMBDA_MAX_SECONDS,
  MIN_RECONCILE_SLICE_MS,
  MIN_TIMEOUT_SECONDS,
  START_BARRIER_MS,
  lambdaBudgetProblems,
} from "./budget";

export {
  CONTINUATION_MARGIN_MS,
  DEFAULT_AGENT_CAPACITY_PER_SECOND,
  LAMBDA_MAX_SECONDS,
  MIN_RECONCILE_SLICE_MS,
  MIN_TIMEOUT_SECONDS,
  START_BARRIER_MS,
  lambdaBudgetProblems,
};

export interface ControllerEvent {
  readonly role?: "controller";
  /** A profile overriding the function's default (GCX_PROFILE). */
  readonly profile?: SpikeProfileInput;
  readonly runId?: string;
}
export interface AgentEvent {
  readonly role: "agent";
  readonly assignment: AgentAssignment;
}
/**
 * A reconciliation that did not fit in the invocation that started it: the continuation is in
 * the reports bucket at `continuationKey`; this invocation resumes it (and chains again if needed).
 */
export interface ReconcileEvent {
  readonly role: "reconcile";
  readonly continuationKey: string;
}
export type LoadgenEvent = ControllerEvent | AgentEvent | ReconcileEvent;

/** The answer of an invocation whose reconciliation continues in another one (no verdict yet). */
export interface ContinuedResult {
  readonly continued: true;
  readonly runId: string;
  /** Where the continuation is stored (the reports bucket). */
  readonly continuationKey: string;
  readonly progress: SpikeContinuation["progress"];
}

/** The controller's answer: the report without the encoded histograms, and where it was stored. */
export type ControllerResult = Omit<SpikeReport, "histograms"> & {
  /** The keys written in the reports bucket (absent without GCX_REPORTS_BUCKET). */
  readonly stored?: Omit<StoredRun, "history">;
};

/** Agents needed for a profile: ceil(peak rate / capacity), at least 1. */
export function agentsFor(profile: SpikeProfile, capacityPerSecond: number): number {
  return Math.max(1, Math.ceil(peakRatePerSecond(profile) / capacityPerSecond - 1e-9));
}

export interface LoadgenHandlerDeps {
  /** Default: process.env. */
  readonly env?: Record<string, string | undefined>;
  /** Reads the signing secret. Default: Secrets Manager GetSecretValue (SecretString). */
  readonly readSecret?: (arn: string) => Promise<string>;
  /**
   * Reads the edge API key (GCX_API_KEY_SECRET_ARN), at the start of each invocation and
   * again after a 403. Default: Secrets Manager GetSecretValue (SecretString).
   */
  readonly readApiKey?: (arn: string) => Promise<string>;
  /** Invokes one agent. Default: Lambda Invoke (RequestResponse) of this function. */
  readonly invokeAgent?: (event: AgentEvent) => Promise<IngressPart>;
  /** Lead time of the fan-out start barrier, ms. Default {@link START_BARRIER_MS}. */
  readonly startBarrierMs?: number;
  /** The least time an invocation must have to reconcile before its margin, ms. Default {@link MIN_RECONCILE_SLICE_MS}. */
  readonly minReconcileSliceMs?: number;
  /** Where the EMF line and the summary go. Default: console.log. */
  readonly log?: (line: string) => void;
  /** The reports bucket. Default: S3 (GCX_REPORTS_BUCKET; AWS_ENDPOINT_URL_S3 and AWS_CA_BUNDLE honoured). */
  readonly reportStore?: ObjectStore;
  /** Starts the next invocation of a long reconciliation. Default: Lambda Invoke (Event) of this function. */
  readonly invokeSelfAsync?: (event: ReconcileEvent) => Promise<void>;
  /** Reads the backpressure metrics after a run (GCX_QUEUE_NAME set). Default: a CloudWatch client (the function's region). */
  readonly cloudWatch?: CloudWatchLike;
}

/**
 * The run's backpressure block read from CloudWatch (only with GCX_QUEUE_NAME): over the run's
 * window, from the plan's start to the end of reconciliation. A failed read never fails the
 * run: the block says why instead.
 */
async function cloudWatchBackpressure(
  report: SpikeReport,
  contract: LoadgenContract,
  client: CloudWatchLike | undefined,
): Promise<BackpressureBlock | undefined> {
  if (!contract.queueName) return undefined;
  let own: (CloudWatchLike & { destroy(): void }) | undefined;
  try {
    if (!client) {
      const { CloudWatchClient } = await import("@aws-sdk/client-cloudwatch");
      own = new CloudWatchClient({});
    }
    return await readCloudWatchBackpressure({
      client: client ?? own!,
      queueName: contract.queueName,
      dlqName: contract.dlqName,
      quarantineQueueName: contract.quarantineQueueName,
      workerFunctionName: contract.workerFunctionName,
      eventSourceMappingUuid: contract.eventSourceMappingUuid,
      workerMetricsNamespace: contract.workerMetricsNamespace,
      reportStartMs: report.startMs,
      startMs: report.startMs,
      endMs: Math.max(report.finishedMs, report.startMs + 1000),
    });
  } catch (e) {
    return {
      source: "cloudwatch",
      periodSeconds: 60,
      series: {},
      notes: [`CloudWatch could not be read (GetMetricData): ${(e as Error).message}`],
    };
  } finally {
    own?.destroy();
  }
}

async function secretsManagerRead(arn: string): Promise<string> {
  const client = new SecretsManagerClient({});
  try {
    const res = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    if (!res.SecretString) throw new Error(`secret ${arn} has no SecretString (the signing secret is a raw string)`);
    return res.SecretString;
  } finally {
    client.destroy();
  }
}

function lambdaInvoker(functionName: string): (event: AgentEvent) => Promise<IngressPart> {
  // one attempt: a retried agent would send its share twice
  const client = new LambdaClient({ maxAttempts: 1 });
  return async (event) => {
    const res = await client.send(
      new InvokeCommand({ FunctionName: functionName, InvocationType: "RequestResponse", Payload: Buffer.from(JSON.stringify(event)) }),
    );
    const text = res.Payload ? Buffer.from(res.Payload).toString("utf8") : "";
    if (res.FunctionError) throw new Error(`agent ${event.assignment.agentIndex} failed (${res.FunctionError}): ${text.slice(0, 1000)}`);
    return JSON.parse(text) as IngressPart;
  };
}

/** The handler's invocation context: the function name, and the time left when Lambda gives it. */
export type LoadgenHandlerContext = Pick<Context, "functionName"> & Partial<Pick<Context, "getRemainingTimeInMillis">>;

/**
 * One handler's state across warm invocations (the parsed contract, the signing secret, the
 * default reports bucket client) and the steps of each role.
 */
class LoadgenRuntime {
  private contract: LoadgenContract | undefined;
  private secret: string | undefined;
  private defaultStore: ObjectStore | undefined;
  private readonly log: (line: string) => void;

  constructor(private readonly deps: LoadgenHandlerDeps) {
    this.log = deps.log ?? ((line: string) => console.log(line));
  }

  /** One invocation: reads the contract and secrets, then runs the event's role. */
  async handle(
    event: LoadgenEvent | undefined,
    context?: LoadgenHandlerContext,
  ): Promise<ControllerResult | IngressPart | ContinuedResult> {
    const { deps } = this;
    const contract = (this.contract ??= parseLoadgenContract(deps.env ?? process.env));
    const secret = (this.secret ??= await (deps.readSecret ?? secretsManagerRead)(contract.signatureSecretArn));
    // read per invocation, never cached across runs: a rotation between two nights is picked up
    const keyArn = contract.apiKeySecretArn;
    const edgeKey = keyArn ? await EdgeKey.open(deps.readApiKey ? () => deps.readApiKey!(keyArn) : secretReader(keyArn)) : undefined;

    if (event?.role === "reconcile") return this.reconcileAgain(event, contract, context);
    if (event?.role === "agent") {
      const a = event.assignment;
      const profile = parseProfile(a.profile);
      const watch = abortWatcher(profile.slo.thresholds);
      return runIngress({
        targetUrl: contract.targetUrl,
        secret,
        profile,
        runId: a.runId,
        agentIndex: a.agentIndex,
        agentCount: a.agentCount,
        startAtMs: a.startAtMs,
        edgeKey,
        // each agent watches the abortOnFail thresholds on its own share (after delayAbortEvalSeconds)
        abortWhen: watch
          ? (live) => {
              const lost = watch(live);
              return lost ? { ...lost, agentIndex: a.agentIndex } : undefined;
            }
          : undefined,
      });
    }
    return this.runController(event, contract, secret, edgeKey, context);
  }

  private reportStoreOf(c: LoadgenContract): ObjectStore | undefined {
    if (this.deps.reportStore) return this.deps.reportStore;
    if (!c.reportsBucket) return undefined;
    this.defaultStore ??= s3ObjectStore({ bucket: c.reportsBucket });
    return this.defaultStore;
  }

  private functionNameOf(contract: LoadgenContract, context: LoadgenHandlerContext | undefined): string | undefined {
    return contract.functionName ?? context?.functionName ?? (this.deps.env ?? process.env).AWS_LAMBDA_FUNCTION_NAME;
  }

  /**
   * The controller (the scheduled invocation): checks the profile fits in Lambda, fans out to
   * agents when one cannot carry the peak rate, runs and reconciles the spike, then hands the
   * reconciliation over or finishes the run.
   */
  private async runController(
    event: ControllerEvent | undefined,
    contract: LoadgenContract,
    secret: string,
    edgeKey: EdgeKey | undefined,
    context: LoadgenHandlerContext | undefined,
  ): Promise<ControllerResult | ContinuedResult> {
    const { deps } = this;
    const profile = parseProfile(event?.profile ?? contract.profile);
    const problems = lambdaBudgetProblems(profile);
    if (problems.length) throw new Error(`profile "${profile.name}" does not fit in Lambda:\n  - ${problems.join("\n  - ")}`);
    const agentCount = agentsFor(profile, contract.agentCapacityPerSecond ?? DEFAULT_AGENT_CAPACITY_PER_SECOND);
    const functionName = this.functionNameOf(contract, context);
    let invokeAgent = deps.invokeAgent;
    if (agentCount > 1 && !invokeAgent) {
      if (!functionName) throw new Error("fan-out needs this function's name: set GCX_FUNCTION_NAME");
      invokeAgent = lambdaInvoker(functionName);
    }
    const report = await runSpike({
      targetUrl: contract.targetUrl,
      secret,
      profile,
      runId: event?.runId,
      receipts: contract.receiptsTable ? { tableName: contract.receiptsTable } : undefined,
      dlqUrl: contract.dlqUrl,
      quarantineQueueUrl: contract.quarantineQueueUrl,
      queueUrl: contract.queueUrl,
      workerMaxReceiveCount: contract.workerMaxReceiveCount,
      // the reconciliation deadline derives from the pipeline's retry settings (max with the profile's)
      pipelineRetry: pipelineRetryOf(contract),
      edgeKey,
      fanOut:
        agentCount > 1
          ? {
              agentCount,
              startDelayMs: deps.startBarrierMs ?? START_BARRIER_MS,
              runAgent: (assignment) => invokeAgent!({ role: "agent", assignment }),
            }
          : undefined,
      reconcileStopAtMs: this.stopAt(contract, context),
    });
    return report.pending ? this.continueLater(report.pending, contract, functionName) : this.finishRun(report, contract, functionName);
  }

  /**
   * When reconciliation stops so the invocation can hand over: its end less the margin, and
   * only with a reports bucket to keep the continuation in (else it reconciles until the
   * deadline or the timeout, as before). Throws when that leaves less than a reconcile slice:
   * such an invocation would hand over at once, again and again.
   */
  private stopAt(contract: LoadgenContract, context: LoadgenHandlerContext | undefined): number | undefined {
    if (!this.reportStoreOf(contract) || !context?.getRemainingTimeInMillis) return undefined;
    const remaining = context.getRemainingTimeInMillis();
    const slice = this.deps.minReconcileSliceMs ?? MIN_RECONCILE_SLICE_MS;
    if (remaining - CONTINUATION_MARGIN_MS < slice) {
      throw new Error(
        `this invocation has ${remaining} ms left: it keeps ${CONTINUATION_MARGIN_MS} ms to hand a long reconciliation over and needs at least ${slice} ms to reconcile first; ` +
          `raise the function's timeout (SpikeGenerator timeoutSeconds) to at least ${MIN_TIMEOUT_SECONDS}`,
      );
    }
    return Date.now() + remaining - CONTINUATION_MARGIN_MS;
  }

  /** Stores the continuation and invokes this function again (Event) to resume it. */
  private async continueLater(
    pending: SpikeContinuation,
    contract: LoadgenContract,
    functionName: string | undefined,
  ): Promise<ContinuedResult> {
    const runName = contract.runName ?? functionName ?? pending.profile.name;
    const key = continuationKey({ prefix: contract.reportsPrefix ?? DEFAULT_REPORTS_PREFIX, runName }, pending.runId);
    await this.reportStoreOf(contract)!.put(key, JSON.stringify(pending), "application/json");
    const next: ReconcileEvent = { role: "reconcile", continuationKey: key };
    if (this.deps.invokeSelfAsync) await this.deps.invokeSelfAsync(next);
    else {
      if (!functionName) throw new Error("a long reconciliation continues in a new invocation of this function: set GCX_FUNCTION_NAME");
      const client = new LambdaClient({ maxAttempts: 1 });
      try {
        await client.send(
          new InvokeCommand({ FunctionName: functionName, InvocationType: "Event", Payload: Buffer.from(JSON.stringify(next)) }),
        );
      } finally {
        client.destroy();
      }
    }
    this.log(
      `run ${pending.runId}: ${pending.progress.accounted}/${pending.progress.accepted} accepted messages accounted for when this invocation had to stop; reconciliation continues in invocation ${pending.invocations + 1} (continuation s3://${contract.reportsBucket}/${key})`,
    );
    return { continued: true, runId: pending.runId, continuationKey: key, progress: pending.progress };
  }

  /** A `reconcile` invocation: resumes the stored continuation, then chains again or judges. */
  private async reconcileAgain(
    event: ReconcileEvent,
    contract: LoadgenContract,
    context: LoadgenHandlerContext | undefined,
  ): Promise<ControllerResult | ContinuedResult> {
    const store = this.reportStoreOf(contract);
    if (!store) throw new Error(`a reconcile invocation needs the reports bucket the continuation is in: set GCX_REPORTS_BUCKET`);
    const text = await store.get(event.continuationKey);
    if (text === undefined)
      throw new Error(
        `continuation ${event.continuationKey} is not in s3://${contract.reportsBucket}/ (expired or deleted): the run cannot be judged`,
      );
    const functionName = this.functionNameOf(contract, context);
    const report = await resumeSpike(JSON.parse(text) as SpikeContinuation, {
      receipts: contract.receiptsTable ? { tableName: contract.receiptsTable } : undefined,
      dlqUrl: contract.dlqUrl,
      quarantineQueueUrl: contract.quarantineQueueUrl,
      queueUrl: contract.queueUrl,
      workerMaxReceiveCount: contract.workerMaxReceiveCount,
      reconcileStopAtMs: this.stopAt(contract, context),
    });
    return report.pending ? this.continueLater(report.pending, contract, functionName) : this.finishRun(report, contract, functionName);
  }

  /** The end of every judged run: the EMF record (verdict and heartbeat), the summary, the stored reports. */
  private async finishRun(judged: SpikeReport, contract: LoadgenContract, functionName: string | undefined): Promise<ControllerResult> {
    const { log } = this;
    const backpressure = await cloudWatchBackpressure(judged, contract, this.deps.cloudWatch);
    const report: SpikeReport = backpressure ? { ...judged, backpressure } : judged;
    const runName = contract.runName ?? functionName ?? report.name;
    log(JSON.stringify(emfRecord(report, { namespace: contract.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE, runName })));
    log(renderSummary(report));
    let stored: ControllerResult["stored"];
    const store = this.reportStoreOf(contract);
    if (store) {
      const location = { bucket: contract.reportsBucket!, prefix: contract.reportsPrefix ?? DEFAULT_REPORTS_PREFIX, runName };
      const { history: _history, ...keys } = await storeRun(store, location, report, contract.historyLength ?? DEFAULT_HISTORY_LENGTH);
      stored = keys;
      log(
        `reports stored in s3://${location.bucket}/: ${keys.jsonKey}, ${keys.htmlKey}; history ${keys.historyKey}, trend page ${keys.trendKey}`,
      );
    }
    const { histograms: _histograms, ...result } = report;
    return { ...result, ...(stored ? { stored } : {}) };
  }
}

/** Builds the handler; `handler` below is the default one. */
export function createLoadgenHandler(deps: LoadgenHandlerDeps = {}) {
  const runtime = new LoadgenRuntime(deps);
  return function loadgenHandler(
    event: LoadgenEvent | undefined,
    context?: LoadgenHandlerContext,
  ): Promise<ControllerResult | IngressPart | ContinuedResult> {
    return runtime.handle(event, context);
  };
}

/** The pipeline's retry settings from the contract; undefined without GCX_WORKER_MAX_RECEIVE_COUNT (the profile's deadline applies). */
export function pipelineRetryOf(contract: LoadgenContract): PipelineRetrySettings | undefined {
  if (contract.workerMaxReceiveCount === undefined) return undefined;
  return {
    maxReceiveCount: contract.workerMaxReceiveCount,
    backoffBaseSeconds: contract.workerBackoffBaseSeconds,
    backoffMaxSeconds: contract.workerBackoffMaxSeconds,
    functionTimeoutSeconds: contract.workerTimeoutSeconds,
    batchingWindowSeconds: contract.workerBatchingWindowSeconds,
    visibilityTimeoutSeconds: contract.queueVisibilityTimeoutSeconds,
  };
}

/** The Lambda entry point (`index.handler` in the bundle). */
export const handler = createLoadgenHandler();
