/**
 * The SQS client of the operations and queue references: a queue is named by URL, ARN or
 * name, and every operation works on a resolved {@link QueueRef}.
 */
import { GetQueueAttributesCommand, GetQueueUrlCommand, ListDeadLetterSourceQueuesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { SQS_MAX_DEAD_LETTER_SOURCES_PAGE, SQS_MAX_QUEUE_NAME_LENGTH } from "../runtime/aws-limits";
import { mapSqsError } from "./errors";

/** How to reach SQS. Everything else (credentials, AWS_ENDPOINT_URL_SQS, profile) follows the SDK's standard chain. */
export interface SqsConnectionOptions {
  /** AWS region. Default: the SDK's chain (AWS_REGION, the profile's region). */
  readonly region?: string;
  /** SQS endpoint URL, e.g. a local emulator. Default: AWS_ENDPOINT_URL_SQS, else the regional AWS endpoint. */
  readonly endpoint?: string;
}

/** Builds an SQS client from the standard AWS configuration, with optional overrides. */
export function createSqsClient(options: SqsConnectionOptions = {}): SQSClient {
  return new SQSClient({
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  });
}

/** A resolved queue. */
export interface QueueRef {
  readonly url: string;
  readonly arn: string;
  readonly name: string;
  /** True for a FIFO queue (name ends in `.fifo`). */
  readonly fifo: boolean;
}

/** An SQS queue ARN, its region, account and name captured (a name of up to SQS's longest, plus an optional `.fifo`). */
const QUEUE_ARN = new RegExp(String.raw`^arn:[a-z-]+:sqs:([a-z0-9-]*):(\d*):([A-Za-z0-9_-]{1,${SQS_MAX_QUEUE_NAME_LENGTH}}(?:\.fifo)?)$`);

/** The parts of an SQS ARN, `arn:<partition>:sqs:<region>:<account>:<name>`; undefined when it is not one. */
export function parseQueueArn(arn: string): { region: string; account: string; name: string } | undefined {
  const m = QUEUE_ARN.exec(arn);
  return m ? { region: m[1], account: m[2], name: m[3] } : undefined;
}

/** Wraps one SQS call so its errors name the IAM action and the queue. */
export async function sqsCall<T>(action: string, resource: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw mapSqsError(error, action, resource);
  }
}

/**
 * Resolves a queue given as a URL (`https://...`), an ARN (`arn:aws:sqs:...`) or a name
 * (GetQueueUrl) to its URL and ARN (GetQueueAttributes QueueArn).
 */
export async function resolveQueue(client: SQSClient, ref: string): Promise<QueueRef> {
  const given = ref.trim();
  if (!given) throw new Error("a queue is required (name, URL or ARN)");
  let url: string;
  if (/^https?:\/\//i.test(given)) {
    url = given;
  } else {
    const arn = given.startsWith("arn:") ? parseQueueArn(given) : undefined;
    if (given.startsWith("arn:") && !arn)
      throw new Error(`${JSON.stringify(given)} is not an SQS queue ARN (arn:aws:sqs:<region>:<account>:<name>)`);
    const name = arn ? arn.name : given;
    const out = await sqsCall("sqs:GetQueueUrl", given, () =>
      client.send(new GetQueueUrlCommand({ QueueName: name, ...(arn?.account ? { QueueOwnerAWSAccountId: arn.account } : {}) })),
    );
    if (!out.QueueUrl) throw new Error(`GetQueueUrl returned no URL for ${given}`);
    url = out.QueueUrl;
  }
  const attrs = await sqsCall("sqs:GetQueueAttributes", url, () =>
    client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] })),
  );
  const arn = attrs.Attributes?.QueueArn;
  if (!arn) throw new Error(`GetQueueAttributes returned no QueueArn for ${url}`);
  const name = parseQueueArn(arn)?.name ?? url.slice(url.lastIndexOf("/") + 1);
  return { url, arn, name, fifo: name.endsWith(".fifo") };
}

/** Approximate message counts of a queue: visible, in flight, delayed. */
export async function queueDepth(client: SQSClient, queue: QueueRef): Promise<{ visible: number; inFlight: number; delayed: number }> {
  const out = await sqsCall("sqs:GetQueueAttributes", queue.url, () =>
    client.send(
      new GetQueueAttributesCommand({
        QueueUrl: queue.url,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"],
      }),
    ),
  );
  const a = out.Attributes ?? {};
  return {
    visible: Number(a.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}

/** URLs of the queues whose redrive policy targets this DLQ (ListDeadLetterSourceQueues, all pages). */
export async function deadLetterSources(client: SQSClient, dlq: QueueRef): Promise<string[]> {
  const urls: string[] = [];
  let token: string | undefined;
  do {
    const out = await sqsCall("sqs:ListDeadLetterSourceQueues", dlq.url, () =>
      client.send(
        new ListDeadLetterSourceQueuesCommand({
          QueueUrl: dlq.url,
          MaxResults: SQS_MAX_DEAD_LETTER_SOURCES_PAGE,
          ...(token ? { NextToken: token } : {}),
        }),
      ),
    );
    urls.push(...(out.queueUrls ?? []));
    token = out.NextToken;
  } while (token);
  return urls;
}
