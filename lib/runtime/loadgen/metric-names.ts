/** Names of the spike metrics (only the contract as a dependency: the construct imports them at synth). */
import { LOADGEN_CONTRACT } from "../contract";

/** Default CloudWatch namespace of the spike metrics. */
export const DEFAULT_METRICS_NAMESPACE: string = LOADGEN_CONTRACT.metricsNamespace.default;

/** The metric that is 1 for a FAIL verdict and 0 for a PASS: the nightly alarm watches it. */
export const VERDICT_METRIC = "SpikeVerdictFailed";

/**
 * The heartbeat: 1 at the end of every judged run (PASS or FAIL), in the same EMF record,
 * namespace and `RunName` dimension as {@link VERDICT_METRIC}. The missing-run alarm fires
 * when it is absent for longer than the schedule's longest gap plus a margin.
 */
export const HEARTBEAT_METRIC = "RunCompleted";
