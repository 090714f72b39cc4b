/**
 * What both redrives (one by one, and all through a move task) check before they move anything:
 * the invalid-signature guard, and where each dead letter goes.
 */
import type { SQSClient } from "@aws-sdk/client-sqs";
import { DestinationError, QueueNotFoundError } from "../errors";
import { deadLetterSources, resolveQueue, type QueueRef } from "../queues";
import type { DeadLetter } from "./classify";

/** Why redriving an invalid-signature dead letter is refused without `force`. */
export const INVALID_SIGNATURE_REFUSAL =
  "messages dead-lettered for an invalid signature were never verified to come from Genesys: " +
  "redriving them makes the worker reject them again (back to the DLQ), or, if the signing secret has since changed, " +
  "lets unverified content through. Check the signing secret (rotation, the value configured in Genesys) and the " +
  "ingress logs first. Forged ones can stay: they expire with the DLQ's retention (or purge the DLQ once nothing " +
  "else in it is needed: a purge deletes every message). Pass --force only when you know they are genuine.";

/** The destination, once checked: not the DLQ itself, and of the same type (standard or FIFO) as the DLQ. */
export function checkDestination(dlq: QueueRef, destination: QueueRef): QueueRef {
  if (destination.arn === dlq.arn)
    throw new DestinationError(`the destination ${destination.url} is the DLQ itself: name the source queue with --to`);
  if (destination.fifo !== dlq.fifo) {
    throw new DestinationError(
      `the destination ${destination.url} is ${destination.fifo ? "a FIFO" : "a standard"} queue and the DLQ ${dlq.url} is ${dlq.fifo ? "a FIFO" : "a standard"} queue: they must be of the same type`,
    );
  }
  return destination;
}

/** The one destination of a full redrive: --to, else the sources the dead letters name, else the DLQ's only source queue. */
export async function chooseDestination(
  client: SQSClient,
  dlq: QueueRef,
  to: string | undefined,
  letters: readonly DeadLetter[],
  complete = true,
): Promise<QueueRef> {
  if (to) return checkDestination(dlq, await resolveQueue(client, to));
  if (!complete) {
    // The letters read name one queue, but the unread ones may name another: one move task
    // would send them all to the first.
    const sources = await deadLetterSources(client, dlq);
    if (sources.length > 1) {
      throw new DestinationError(
        `${sources.length} queues use ${dlq.url} as their DLQ (${sources.join(", ")}) and not every dead letter was read, so they may come from more than one: name the destination with --to, or move them one by one (each goes back to its own queue)`,
      );
    }
  }
  const named = [...new Set(letters.map((l) => l.sourceQueueArn).filter((a): a is string => !!a))];
  if (named.length > 1) {
    throw new DestinationError(
      `the dead letters come from ${named.length} queues (${named.join(", ")}): name one with --to, or filter with --reason/--id`,
    );
  }
  if (named.length === 1) return checkDestination(dlq, await resolveQueue(client, named[0]));
  const sources = await deadLetterSources(client, dlq);
  if (sources.length === 1) return checkDestination(dlq, await resolveQueue(client, sources[0]));
  throw new DestinationError(
    sources.length === 0
      ? `no destination for ${dlq.url}: its dead letters name no source queue and no queue's redrive policy targets it; name one with --to`
      : `${sources.length} queues use ${dlq.url} as their DLQ (${sources.join(", ")}) and the dead letters name none of them: name one with --to`,
  );
}

/**
 * The destination of each dead letter of a one-by-one redrive: `fixed` (--to) when given, else
 * the source its context names, else the DLQ's only source queue; undefined when there is none
 * (a deleted source queue, or several or no source queues). Each queue is resolved once.
 */
export function destinationResolver(
  client: SQSClient,
  dlq: QueueRef,
  fixed: QueueRef | undefined,
): (letter: DeadLetter) => Promise<QueueRef | undefined> {
  const byArn = new Map<string, Promise<QueueRef | undefined>>();
  let onlySource: Promise<QueueRef | undefined> | undefined;
  return async (letter) => {
    if (fixed) return fixed;
    if (letter.sourceQueueArn) {
      const arn = letter.sourceQueueArn;
      if (!byArn.has(arn)) {
        // A source queue deleted since leaves its dead letters without a destination (they stay,
        // and the result asks for --to), rather than stopping the redrive of every other one.
        const resolved = resolveQueue(client, arn).then(
          (q) => checkDestination(dlq, q),
          (error: unknown) => {
            if (error instanceof QueueNotFoundError) return undefined;
            throw error;
          },
        );
        byArn.set(arn, resolved);
      }
      return byArn.get(arn)!;
    }
    onlySource ??= deadLetterSources(client, dlq).then((urls) =>
      urls.length === 1 ? resolveQueue(client, urls[0]).then((q) => checkDestination(dlq, q)) : undefined,
    );
    return onlySource;
  };
}
