/**
 * Runs one reliability case: synthesize a variant of the demo stack, run it with the local
 * emulator (`runLocalStack`) and a spike profile, watch the synthetic quarantine queue for
 * dead letters and their context, and return the figures a suite prints and asserts.
 */
import { faultForSeq } from "../../../lib/runtime/loadgen/message";
import { parseProfile, type SpikeProfileInput } from "../../../lib/runtime/loadgen/profile";
import { runLocalStack, type LocalOverrides, type LocalRunResult, type RunningStack } from "../../../lib/local/run";
import { WORKER_CONTRACT } from "../../../lib/runtime/contract";
import type { DeliveryResult } from "../../../lib/runtime/loadgen/reconcile";
import { watchDeadLetters, type ObservedDeadLetter } from "./dead-letters";
import { synthVariant, type StackVariant } from "./stacks";

export interface CaseSpec {
  readonly name: string;
  readonly variant: StackVariant;
  readonly profile: SpikeProfileInput;
  readonly overrides?: LocalOverrides;
  /** Called once the stack runs, before any traffic; may start background faults and returns their stop. */
  readonly beforeSpike?: (running: RunningStack) => Promise<(() => Promise<void>) | void>;
}

/** The figures of one case. */
export interface CaseFigures {
  readonly name: string;
  readonly sent: number;
  readonly accepted: number;
  readonly processed: number;
  /** Messages whose side effect ran more than once, by the worker's receipts (`effects` > 1). */
  readonly duplicateSideEffects: number;
  /** Message ids the fake Genesys downstream accepted more than once. */
  readonly downstreamDuplicates: number;
  readonly duplicateDeliveries: number;
  readonly deadLetteredExpected: number;
  readonly deadLetteredUnexpected: number;
  readonly lost: number;
  /** Seconds from the first planned send until every accepted message was accounted for. */
  readonly drainSeconds: number;
  /** Seconds after the last send until every accepted message was accounted for. */
  readonly afterSendSeconds: number;
  readonly verdict: string;
  readonly reasons: string[];
}

export interface CaseOutcome {
  readonly figures: CaseFigures;
  readonly result: LocalRunResult;
  readonly delivery: DeliveryResult;
  /** Poison-marked sequence numbers of the run (expected dead letters). */
  readonly expectedDeadLetters: number[];
  /** Dead letters seen in the quarantine queue while the run went on. */
  readonly quarantined: ObservedDeadLetter[];
  /** The resolved environment of the worker that consumed the ingress queue. */
  readonly workerEnvironment: Readonly<Record<string, string>>;
}

/** Runs a case end to end; every server is stopped when it resolves or rejects. */
export async function runCase(spec: CaseSpec): Promise<CaseOutcome> {
  const synthesized = synthVariant(spec.variant);
  const profile = parseProfile(spec.profile);
  let workerEnvironment: Readonly<Record<string, string>> = {};
  let watcher: ReturnType<typeof watchDeadLetters> | undefined;
  let stopFaults: (() => Promise<void>) | undefined;
  const stopAll = async () => {
    const [faults, watching] = [stopFaults, watcher];
    stopFaults = undefined;
    watcher = undefined;
    await faults?.().catch(() => undefined);
    await watching?.stop().catch(() => undefined);
  };
  try {
    const result = await runLocalStack({
      stack: synthesized.stackDir,
      profile,
      html: false,
      reportDir: "reports/reliability/runs",
      overrides: spec.overrides,
      beforeSpike: async (running) => {
        workerEnvironment = running.workerEnvironment;
        const quarantineUrl = running.workerEnvironment[WORKER_CONTRACT.quarantineQueueUrl.env];
        if (quarantineUrl) watcher = watchDeadLetters(running.sqsEndpoint, running.region, quarantineUrl);
        const stop = await spec.beforeSpike?.(running);
        if (stop) stopFaults = stop;
      },
    });
    const seen = watcher?.seen ?? [];
    await stopAll();
    const spike = result.spike;
    if (!("reconciled" in spike.delivery) || spike.delivery.reconciled !== true)
      throw new Error(`${spec.name}: the run was not reconciled`);
    const delivery = spike.delivery as DeliveryResult;
    const expectedDeadLetters: number[] = [];
    for (let seq = 0; seq < spike.planned; seq++)
      if (faultForSeq(spike.runId, seq, profile.faults)?.kind === "poison") expectedDeadLetters.push(seq);
    const figures: CaseFigures = {
      name: spec.name,
      sent: spike.counts.offered,
      accepted: spike.counts.accepted,
      processed: delivery.processed,
      duplicateSideEffects: delivery.duplicateSideEffects,
      downstreamDuplicates: result.emulator.downstream.duplicateEffects,
      duplicateDeliveries: delivery.duplicateDeliveries,
      deadLetteredExpected: delivery.deadLetteredExpected,
      deadLetteredUnexpected: delivery.deadLetteredUnexpected,
      lost: delivery.lost,
      drainSeconds: Math.round((spike.sendEndMs - spike.startMs) / 1000 + delivery.waitedSeconds),
      afterSendSeconds: Math.round(delivery.waitedSeconds),
      verdict: spike.verdict.verdict,
      reasons: spike.verdict.reasons,
    };
    const quarantined = seen.filter((d) => d.runId === spike.runId);
    return { figures, result, delivery, expectedDeadLetters, quarantined, workerEnvironment };
  } finally {
    await stopAll();
    synthesized.cleanup();
  }
}
