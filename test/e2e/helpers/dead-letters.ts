/**
 * Watches a dead-letter queue (the synthetic quarantine queue or the operational DLQ) while
 * a run goes on and records every message that lands there with its `x-dead-letter`
 * context. Messages are held (received with a long visibility timeout) so each is read
 * exactly once; the load generator's own drain at the end of the run then only meets the
 * few that arrived after the watcher stopped, which it counts as usual.
 */
import { ReceiveMessageCommand, SQSClient, type Message } from "@aws-sdk/client-sqs";
import { DEAD_LETTER_ATTRIBUTE, parseDeadLetterContext, type DeadLetterContext } from "../../../lib/runtime/dead-letter";
import { syntheticIdentity } from "../../../lib/runtime/loadgen/reconcile";
import { decodedTextOrUndefined } from "../../../lib/runtime/ingress-body";
import { LOCAL_CREDENTIALS } from "../../../lib/local/services";

/** One dead letter as found in the queue. */
export interface ObservedDeadLetter {
  readonly messageId: string;
  /** The synthetic identity, when the body carries a marker. */
  readonly runId?: string;
  readonly seq?: number;
  /** The parsed `x-dead-letter` context; undefined when missing or unreadable. */
  readonly context?: DeadLetterContext;
  /** The raw `x-dead-letter` attribute. */
  readonly rawContext?: string;
  /** Every message attribute name carried. */
  readonly attributes: string[];
  /** The body as the producer sent it (decoded when the ingress stored it base64-encoded). */
  readonly body: string;
}

export interface DeadLetterWatcher {
  readonly seen: ObservedDeadLetter[];
  /** Stops watching (call after the run; tolerates a stopped SQS server). */
  stop(): Promise<void>;
}

export function describeMessage(m: Message): ObservedDeadLetter {
  const raw = m.MessageAttributes?.[DEAD_LETTER_ATTRIBUTE]?.StringValue;
  const id = syntheticIdentity(m.Body, m.MessageAttributes);
  return {
    messageId: m.MessageId ?? "",
    runId: id?.runId,
    seq: id?.seq,
    context: parseDeadLetterContext(raw),
    rawContext: raw,
    attributes: Object.keys(m.MessageAttributes ?? {}),
    body: decodedTextOrUndefined(m.Body, m.MessageAttributes) ?? m.Body ?? "",
  };
}

/** Starts watching `queueUrl` on the local SQS server `endpoint`. */
export function watchDeadLetters(endpoint: string, region: string, queueUrl: string): DeadLetterWatcher {
  const client = new SQSClient({ endpoint, region, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  const controller = new AbortController();
  const seen: ObservedDeadLetter[] = [];
  const ids = new Set<string>();
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const res = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
            VisibilityTimeout: 3600,
            MessageAttributeNames: ["All"],
            AttributeNames: ["All"],
          }),
          { abortSignal: controller.signal },
        );
        for (const m of res.Messages ?? []) {
          if (m.MessageId && ids.has(m.MessageId)) continue;
          if (m.MessageId) ids.add(m.MessageId);
          seen.push(describeMessage(m));
        }
      } catch {
        if (!running) break;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  })();
  return {
    seen,
    async stop() {
      running = false;
      controller.abort();
      await loop;
      client.destroy();
    },
  };
}
