/** Purge: delete every message of a queue, behind a confirmation guard. */
import { PurgeQueueCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { RefusedError } from "../errors";
import { queueDepth, sqsCall, type QueueRef } from "../queues";
import { queueOf } from "./scan";

export interface PurgeOptions {
  /** The DLQ: URL, ARN or name. */
  readonly queue: string | QueueRef;
  /** The confirmation guard: without it nothing is deleted. Default false. */
  readonly yes?: boolean;
}

export interface PurgeResult {
  readonly queue: QueueRef;
  /** Messages in the queue when it was purged (visible + in flight + delayed), approximate. */
  readonly purged: number;
}

/** Deletes every message of the queue (PurgeQueue). Refuses without `yes`, saying how many messages are there. */
export async function purgeDlq(client: SQSClient, options: PurgeOptions): Promise<PurgeResult> {
  const queue = await queueOf(client, options.queue);
  const depth = await queueDepth(client, queue);
  const total = depth.visible + depth.inFlight + depth.delayed;
  if (!options.yes) {
    throw new RefusedError(
      `refusing to purge ${queue.url} without --yes: it holds ~${total} message(s) (${depth.visible} visible, ${depth.inFlight} in flight, ${depth.delayed} delayed) and a purge deletes them for good. ` +
        `Nothing was deleted. Look first (dlq inspect --queue ${queue.name}), then run: dlq purge --queue ${queue.name} --yes`,
    );
  }
  await sqsCall("sqs:PurgeQueue", queue.url, () => client.send(new PurgeQueueCommand({ QueueUrl: queue.url })));
  return { queue, purged: total };
}
