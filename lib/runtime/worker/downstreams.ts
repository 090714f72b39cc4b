/**
 * The downstream clients a handler calls through `ctx.genesys` and `ctx.downstream(name)`:
 * the real ones, and their synthetic twins, which share the real ones' rate limit and breaker
 * but (by default) answer without a network call, so the nightly spike touches no real
 * downstream unless the stack names what it calls.
 */
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { WORKER_CAPABILITY_SETTINGS, WORKER_CONTRACT, type WorkerContract } from "../contract";
import { GenesysClient, simulatedGenesysTransport } from "../genesys/client";
import { Downstream, simulatedTransport, type HttpTransport } from "../genesys/downstream";
import type { HandlerDownstreams } from "./deps";
import { WORKER_METRICS, type WorkerMetricName } from "./metrics";
import { loadGenesysCredentials } from "./secrets";
import type { CreateWorkerOptions } from "./types";

/** The error of a `ctx.genesys` call on a worker whose stack declared no Genesys credentials. */
function genesysNotDeclared(): string {
  const [setting] = WORKER_CAPABILITY_SETTINGS.genesys;
  return `the handler called ctx.genesys but the stack declared no Genesys credentials (${setting.env} is not set): ${setting.fix}`;
}

/**
 * The real downstreams: the Genesys client (given, or built from the contract) and one
 * `Downstream` per name, created on first use with its `options.downstreams` settings.
 */
export function realDownstreams(
  contract: WorkerContract,
  options: CreateWorkerOptions,
  secrets: () => SecretsManagerClient,
): HandlerDownstreams {
  const genesys =
    options.genesys ??
    new GenesysClient({
      region: contract.genesysRegion,
      apiBaseUrl: contract.genesysApiBaseUrl,
      loginBaseUrl: contract.genesysLoginBaseUrl,
      ratePerSecond: contract.downstreamRatePerSecond,
      burst: contract.downstreamBurst,
      breaker: options.breaker,
      // Nothing declared: the first ctx.genesys call fails (not the cold start: a worker that never calls Genesys keeps working).
      notConfigured: contract.genesysCredentialsSecretArn ? undefined : genesysNotDeclared(),
      credentials: () => loadGenesysCredentials(secrets(), contract.genesysCredentialsSecretArn as string),
    });
  const downstreams = new Map<string, Downstream>();
  const downstream = (name: string) => {
    let d = downstreams.get(name);
    if (!d) downstreams.set(name, (d = new Downstream({ breaker: options.breaker, ...options.downstreams?.[name], name })));
    return d;
  };
  return { genesys, downstream };
}

/**
 * The synthetic twins of `real`, by `GCX_SYNTHETIC_DOWNSTREAM`: `simulate` answers every call
 * 202 without a network call (and refuses `call(fn)`, which cannot be simulated), `call` makes
 * every call for real, `call-genesys` only the Genesys client's. Simulated and real calls are
 * counted. `label` is how logs name the mode and its target.
 */
export function syntheticDownstreams(
  contract: WorkerContract,
  real: HandlerDownstreams,
  count: (name: WorkerMetricName) => void,
): HandlerDownstreams & { readonly label: string; readonly target?: string } {
  const mode = contract.syntheticDownstream;
  const target = mode === "simulate" ? undefined : contract.syntheticDownstreamTarget;
  const countSimulated = () => count(WORKER_METRICS.syntheticCallsSimulated);
  const countingFetch: HttpTransport = (url, init) => {
    count(WORKER_METRICS.syntheticCallsMade);
    return fetch(url, init);
  };
  const genesys =
    mode === "simulate"
      ? real.genesys.withTransport(simulatedGenesysTransport(countSimulated))
      : real.genesys.withTransport(countingFetch, { shareTokens: true });
  const twins = new Map<string, Downstream>();
  const downstream = (name: string) => {
    let d = twins.get(name);
    if (!d) {
      d =
        mode === "call"
          ? real.downstream(name).withTransport(countingFetch)
          : real.downstream(name).withTransport(simulatedTransport(countSimulated), {
              refuseCall: `ctx.downstream("${name}").call(fn) cannot be simulated for a synthetic message (${WORKER_CONTRACT.syntheticDownstream.env}=${mode}): use .fetch(url, init), skip the call when ctx.synthetic is set, or let synthetic messages call it for real with the worker prop synthetic: { downstream: "call", target: "<what it calls>" }`,
            });
      twins.set(name, d);
    }
    return d;
  };
  return { genesys, downstream, target, label: target === undefined ? "simulate" : `${mode}: ${target}` };
}
