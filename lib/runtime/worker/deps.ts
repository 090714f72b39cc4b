/**
 * The shapes the worker's modules share: what a worker instance holds for its lifetime
 * ({@link WorkerDeps}, built once at cold start), what one invocation shares among its records
 * ({@link Invocation}), and one record being processed ({@link Delivery}).
 */
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Logger } from "@aws-lambda-powertools/logger";
import type { Metrics } from "@aws-lambda-powertools/metrics";
import type { SQSRecord } from "aws-lambda";
import type { WorkerContract } from "../contract";
import type { GenesysClient } from "../genesys/client";
import type { Downstream } from "../genesys/downstream";
import type { GenesysEventBridgeEvent, NormalizedMessage } from "../normalized-message";
import type { SyntheticMarker } from "../synthetic";
import type { WorkerMetricName } from "./metrics";
import type { CompletionRetryingPersistenceLayer, IdempotentRun } from "./persistence";
import type { RotatingSecret } from "./secrets";
import type { WorkerHandlers } from "./types";

/** The downstream clients a handler's context offers. */
export interface HandlerDownstreams {
  readonly genesys: GenesysClient;
  readonly downstream: (name: string) => Downstream;
}

/** What a worker instance holds for its lifetime: settings, clients and downstream wrappers, built once at cold start. */
export interface WorkerDeps {
  readonly handlers: WorkerHandlers;
  /** The parsed contract, defaults filled in. */
  readonly contract: WorkerContract;
  readonly sqs: SQSClient;
  readonly documents: DynamoDBDocumentClient;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Adds `value` (default 1) to a count metric. */
  readonly count: (name: WorkerMetricName, value?: number) => void;
  /** Uniform random source of the backoff jitter. */
  readonly random: () => number;
  /** Records not started when less than this remains are reported failed untouched, milliseconds. */
  readonly timeoutMarginMs: number;
  /** Records (standard queue) or message groups (FIFO) processed at once. */
  readonly concurrency: number;
  /** The webhook signing secret; undefined for an eventStreams pipeline. */
  readonly signingSecret?: RotatingSecret;
  readonly idempotencyKeyOf: (message: NormalizedMessage) => string;
  readonly eventKeyOf: (event: GenesysEventBridgeEvent) => string;
  readonly persistenceStore: CompletionRetryingPersistenceLayer;
  /** What a real message's handler calls. */
  readonly real: HandlerDownstreams;
  /** What a synthetic message's handler calls (simulated unless the stack opted in), and how logs name it. */
  readonly synthetic: HandlerDownstreams & { readonly label: string };
}

/** What one invocation (one batch) shares among its records. */
export interface Invocation {
  /** The Lambda request id. */
  readonly requestId: string;
  /** When the invocation began, epoch milliseconds. */
  readonly invokedMs: number;
  /** Milliseconds left before Lambda ends the invocation (Infinity without a Lambda context). */
  readonly remaining: () => number;
  /** Milliseconds bookkeeping of work already done may still spend (completion records, receipts). */
  readonly completionBudgetMs: () => number;
  readonly idempotent: IdempotentRun;
  /** Message ids reported as batch item failures. */
  readonly failures: Set<string>;
  /** Delay given to each record put back on the queue, seconds, by message id. */
  readonly delays: Map<string, number>;
  /**
   * The errors the synthetic fault markers threw: a retry caused by anything else (an
   * idempotency-store outage, say) spent an attempt the marker counts, and the retrying mark says so.
   */
  readonly syntheticFaultErrors: WeakSet<Error>;
}

/** One record being processed. */
export interface Delivery {
  readonly record: SQSRecord;
  /** The receive count of this delivery, from 1. */
  readonly attempt: number;
  /** A logger carrying the message id (and, once trusted, the synthetic run). */
  readonly log: Logger;
  /** The synthetic marker, once trusted; undefined for a real message. */
  readonly marker?: SyntheticMarker;
}

/** A delivery of a synthetic message (its marker trusted). */
export type SyntheticDelivery = Delivery & { readonly marker: SyntheticMarker };

/** True when the delivery is of a synthetic message. */
export function isSynthetic(delivery: Delivery): delivery is SyntheticDelivery {
  return delivery.marker !== undefined;
}

/** An error's name and message, for logs and the dead-letter context. */
export function errorInfo(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: "Error", message: String(error) };
}
