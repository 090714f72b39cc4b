/**
 * The load generator as a Lambda function, in two roles:
 *
 * - controller (the scheduled invocation): parses its environment contract and the
 *   profile, splits the plan into agents when the peak rate exceeds one agent's capacity,
 *   invokes them in parallel (RequestResponse) with a shared start barrier, merges their
 *   encoded HDR histograms and counts (never averaging percentiles), reconciles against
 *   the receipts, prints the EMF record with the verdict metric and returns the report;
 * - agent: sends its share of the plan (`seq % agentCount === agentIndex`) from the
 *   start barrier and returns its measurements.
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
import { runSpike, type AgentAssignment, type SpikeReport } from "./run";
import { renderSummary } from "./summary";
import { DEFAULT_AGENT_CAPACITY_PER_SECOND, LAMBDA_MAX_SECONDS, START_BARRIER_MS, lambdaBudgetProblems } from "./budget";

export { DEFAULT_AGENT_CAPACITY_PER_SECOND, LAMBDA_MAX_SECONDS, START_BARRIER_MS, lambdaBudgetProblems };

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
export type LoadgenEvent = ControllerEvent | AgentEvent;

/** The controller's answer: the report without the encoded histograms. */
export type ControllerResult = Omit<SpikeReport, "histograms">;

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
  /** Where the EMF line and the summary go. Default: console.log. */
  readonly log?: (line: string) => void;
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
    const res = await client.send(new InvokeCommand({ FunctionName: functionName, InvocationType: "RequestResponse", Payload: Buffer.from(JSON.stringify(event)) }));
    const text = res.Payload ? Buffer.from(res.Payload).toString("utf8") : "";
    if (res.FunctionError) throw new Error(`agent ${event.assignment.agentIndex} failed (${res.FunctionError}): ${text.slice(0, 1000)}`);
    return JSON.parse(text) as IngressPart;
  };
}

/** Builds the handler; `handler` below is the default one. */
export function createLoadgenHandler(deps: LoadgenHandlerDeps = {}) {
  let contract: LoadgenContract | undefined;
  let secret: string | undefined;
  const log = deps.log ?? ((line: string) => console.log(line));

  return async function loadgenHandler(event: LoadgenEvent | undefined, context?: Pick<Context, "functionName">): Promise<ControllerResult | IngressPart> {
    contract ??= parseLoadgenContract(deps.env ?? process.env);
    secret ??= await (deps.readSecret ?? secretsManagerRead)(contract.signatureSecretArn);
    // read per invocation, never cached across runs: a rotation between two nights is picked up
    const keyArn = contract.apiKeySecretArn;
    const edgeKey = keyArn ? await EdgeKey.open(deps.readApiKey ? () => deps.readApiKey!(keyArn) : secretReader(keyArn)) : undefined;

    if (event?.role === "agent") {
      const a = event.assignment;
      return runIngress({
        targetUrl: contract.targetUrl,
        secret,
        profile: parseProfile(a.profile),
        runId: a.runId,
        agentIndex: a.agentIndex,
        agentCount: a.agentCount,
        startAtMs: a.startAtMs,
        edgeKey,
      });
    }

    const profile = parseProfile(event?.profile ?? contract.profile);
    const problems = lambdaBudgetProblems(profile);
    if (problems.length) throw new Error(`profile "${profile.name}" does not fit in Lambda:\n  - ${problems.join("\n  - ")}`);
    const agentCount = agentsFor(profile, contract.agentCapacityPerSecond ?? DEFAULT_AGENT_CAPACITY_PER_SECOND);
    const env = deps.env ?? process.env;
    const functionName = contract.functionName ?? context?.functionName ?? env.AWS_LAMBDA_FUNCTION_NAME;
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
      edgeKey,
      fanOut: agentCount > 1 ? { agentCount, startDelayMs: deps.startBarrierMs ?? START_BARRIER_MS, runAgent: (assignment) => invokeAgent!({ role: "agent", assignment }) } : undefined,
    });
    log(JSON.stringify(emfRecord(report, { namespace: contract.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE, runName: contract.runName ?? functionName ?? report.name })));
    log(renderSummary(report));
    const { histograms: _histograms, ...result } = report;
    return result;
  };
}

/** The Lambda entry point (`index.handler` in the bundle). */
export const handler = createLoadgenHandler();
