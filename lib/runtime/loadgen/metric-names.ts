/** Names of the spike metrics (no dependencies: the construct imports them at synth). */
/** Default CloudWatch namespace of the spike metrics. */
export const DEFAULT_METRICS_NAMESPACE = "GenesysConsumer/Spike";

/** The metric that is 1 for a FAIL verdict and 0 for a PASS: the nightly alarm watches it. */
export const VERDICT_METRIC = "SpikeVerdictFailed";
