/**
 * One record, from intake to outcome: a refused body is dead-lettered, an unverified FIFO
 * signature moved out of its group, and an admitted message run at most once to completion
 * (idempotency) by the handler or the synthetic path; a failure goes to {@link fail}.
 */
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { SQSRecord } from "aws-lambda";
import { moveAside, UnverifiedSignatureError } from "./aside";
import { deadLetter } from "./dead-lettering";
import { isSynthetic, type Delivery, type Invocation, type WorkerDeps } from "./deps";
import { intake, RejectedMessage, safeMarker, type Intake } from "./intake";
import { WORKER_METRICS } from "./metrics";
import { fail } from "./outcome";
import { runSynthetic } from "./synthetic-faults";
import { writeReceipt } from "./synthetic-receipts";
import type { WorkerContext } from "./types";

/** Processes one record; returns true when it may be deleted (success or dead-lettered). */
export async function processRecord(deps: WorkerDeps, invocation: Invocation, record: SQSRecord): Promise<boolean> {
  const delivery: Delivery = {
    record,
    attempt: Number(record.attributes.ApproximateReceiveCount) || 1,
    log: deps.logger.createChild({ persistentKeys: { messageId: record.messageId, requestId: invocation.requestId } }),
  };
  let admitted: Intake;
  try {
    admitted = await intake(deps, record);
  } catch (error) {
    return refused(deps, invocation, delivery, error);
  }
  return runAdmitted(deps, invocation, trustMarker(deps, delivery, admitted), admitted);
}

/** What happens to a record intake did not admit: dead-lettered (rejected), moved aside (FIFO, unverified) or put back. */
async function refused(deps: WorkerDeps, invocation: Invocation, delivery: Delivery, error: unknown): Promise<boolean> {
  if (error instanceof RejectedMessage) {
    // A synthetic marker is only trusted once the signature is: pass it for a malformed or stale message with a valid one.
    const marker = error.reason !== "invalid-signature" ? safeMarker(delivery.record) : undefined;
    const cause = { reason: error.reason, error: { name: error.errorName, message: error.message } };
    return deadLetter(deps, invocation, { ...delivery, marker }, cause);
  }
  // FIFO: a signature miss never holds the group; elsewhere (or if moving fails) it is put back.
  if (
    error instanceof UnverifiedSignatureError &&
    (await moveAside({ sqs: deps.sqs, queueUrl: deps.contract.queueUrl, record: delivery.record, log: delivery.log }))
  ) {
    deps.count(WORKER_METRICS.setAside);
    return true;
  }
  // Secrets Manager unavailable and the like: not the message's fault.
  return fail(deps, invocation, delivery, error);
}

/** The delivery of an admitted record: with its synthetic marker, and a logger naming the synthetic run. */
function trustMarker(deps: WorkerDeps, delivery: Delivery, admitted: Intake): Delivery {
  const marker = admitted.kind === "message" ? admitted.marker : undefined;
  if (!marker) return delivery;
  const log = delivery.log.createChild({
    persistentKeys: { runId: marker.runId, seq: marker.seq, syntheticDownstream: deps.synthetic.label },
  });
  return { ...delivery, marker, log };
}

/** The context the handler sees: a synthetic message gets the synthetic downstreams. */
function handlerContext(deps: WorkerDeps, invocation: Invocation, delivery: Delivery, key: string): WorkerContext {
  const downstreams = delivery.marker ? deps.synthetic : deps.real;
  return {
    genesys: downstreams.genesys,
    downstream: downstreams.downstream,
    logger: delivery.log,
    attempt: delivery.attempt,
    messageId: delivery.record.messageId,
    requestId: invocation.requestId,
    synthetic: delivery.marker,
    idempotencyKey: key,
  };
}

/**
 * Runs an admitted record's handler under idempotency (a duplicate of a completed message is
 * acknowledged without running it), counts the outcome, and writes a synthetic message's receipt.
 */
async function runAdmitted(deps: WorkerDeps, invocation: Invocation, delivery: Delivery, admitted: Intake): Promise<boolean> {
  const ctx = handlerContext(deps, invocation, delivery, admitted.key);
  // A synthetic effect's receipt is written as soon as the effect has run, alongside the
  // completion record rather than after it: an effect whose completion then fails to be
  // recorded (and may run again) is still counted, and the synthetic path costs a
  // message no more round trips than a real one.
  const run: { ran: boolean; effectReceipt?: Promise<boolean> } = { ran: false };
  const work = async () => {
    if (admitted.kind === "event") {
      await deps.handlers.handleEvent!(admitted.event, ctx);
    } else if (isSynthetic(delivery)) {
      await runSynthetic(deps.handlers, admitted.message, delivery.marker, ctx, invocation.syntheticFaultErrors);
      run.effectReceipt = writeReceipt(deps, invocation, delivery, { outcome: "processed", effect: true });
    } else {
      await deps.handlers.handle!(admitted.message, ctx);
    }
    run.ran = true;
    return { doneMs: Date.now() };
  };
  try {
    await invocation.idempotent({ key: admitted.key }, work);
  } catch (error) {
    await run.effectReceipt;
    return fail(deps, invocation, delivery, error);
  }
  if (!run.ran) {
    deps.count(WORKER_METRICS.duplicate);
    delivery.log.debug("duplicate delivery acknowledged without running the handler", { idempotencyKey: admitted.key });
  } else {
    deps.count(WORKER_METRICS.processed);
  }
  const sentMs = Number(delivery.record.attributes.SentTimestamp);
  if (sentMs) deps.metrics.addMetric(WORKER_METRICS.messageAge, MetricUnit.Milliseconds, Math.max(0, Date.now() - sentMs));
  if (isSynthetic(delivery)) return run.effectReceipt ?? writeReceipt(deps, invocation, delivery, { outcome: "processed", effect: false });
  return true;
}
