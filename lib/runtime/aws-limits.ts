/**
 * The AWS service limits the library checks against, in one place: constructs validate props
 * with them, the runtime and the emulator enforce them, and docs point here instead of
 * restating numbers. Each value is the service's documented hard limit (see
 * `../shared/reference/` and the AWS quotas pages), not a default of this library.
 */

// SQS

/** SQS: the longest visibility timeout, which also caps `ChangeMessageVisibility` and so any redelivery delay, seconds (12 hours). */
export const SQS_MAX_VISIBILITY_SECONDS = 43_200;
/** SQS: the longest message retention, seconds (14 days). */
export const SQS_MAX_RETENTION_SECONDS = 1_209_600;
/** SQS: the largest message, body and attributes together, bytes (1 MiB). */
export const SQS_MAX_MESSAGE_BYTES = 1_048_576;
/** SQS: the longest per-message or queue delay, seconds (15 minutes). */
export const SQS_MAX_DELAY_SECONDS = 900;
/** SQS: the longest long-poll wait of one ReceiveMessage, seconds. */
export const SQS_MAX_RECEIVE_WAIT_SECONDS = 20;
/** SQS: the most message attributes one message may carry. */
export const SQS_MAX_MESSAGE_ATTRIBUTES = 10;
/** SQS: the most messages one ReceiveMessage returns, and the most entries of one batch request (SendMessageBatch, DeleteMessageBatch, ChangeMessageVisibilityBatch). */
export const SQS_MAX_BATCH_MESSAGES = 10;
/** SQS: the longest message group id (and message deduplication id) of a FIFO queue, characters. */
export const SQS_MAX_MESSAGE_GROUP_ID_LENGTH = 128;
/** SQS: the longest queue name, characters (a FIFO queue's `.fifo` suffix counts). */
export const SQS_MAX_QUEUE_NAME_LENGTH = 80;
/** SQS: the highest rate of a message move task (`MaxNumberOfMessagesPerSecond`), messages per second. */
export const SQS_MAX_MOVE_TASK_RATE_PER_SECOND = 500;
/** SQS: the most message move tasks one ListMessageMoveTasks returns. */
export const SQS_MAX_LISTED_MOVE_TASKS = 10;
/** SQS: the most queue URLs one ListDeadLetterSourceQueues page returns. */
export const SQS_MAX_DEAD_LETTER_SOURCES_PAGE = 1000;

// Lambda

/** Lambda: the longest function timeout, seconds (15 minutes). */
export const LAMBDA_MAX_TIMEOUT_SECONDS = 900;
/** Lambda: the largest payload of a synchronous (RequestResponse) invocation, bytes (6 MB). */
export const LAMBDA_MAX_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024;
/** Lambda: the largest payload of an asynchronous (Event) invocation, bytes (1 MB). */
export const LAMBDA_MAX_ASYNC_PAYLOAD_BYTES = 1024 * 1024;
/** Lambda: the longest initialization phase of an execution environment, milliseconds (10 s). */
export const LAMBDA_MAX_INIT_MS = 10_000;
/** Lambda: the longest batching window of an SQS event source mapping, seconds (5 minutes). */
export const LAMBDA_MAX_BATCHING_WINDOW_SECONDS = 300;
/** Lambda: the smallest and largest function memory, MB. */
export const LAMBDA_MEMORY_MB = { min: 128, max: 10_240 } as const;

// Lambda SQS event source mapping

/**
 * The SQS event source mapping's provisioned mode (`provisioned_poller_config`, AWS 2025-11),
 * as the Lambda API reference documents it for SQS (ProvisionedPollerConfig,
 * https://docs.aws.amazon.com/lambda/latest/api/API_ProvisionedPollerConfig.html): minimum
 * pollers 2..200 (default 2), maximum pollers 2..10,000 (default 200). (The CloudFormation and
 * CDK references still list 2,000 as the highest maximum; the API reference is the service's.)
 * Provisioned mode and `scaling_config.maximum_concurrency` are mutually exclusive
 * ("Configuring scaling behavior for SQS event source mappings", Lambda developer guide,
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html).
 */
export const PROVISIONED_POLLERS_RANGE = {
  minimum: { min: 2, max: 200, default: 2 },
  maximum: { min: 2, max: 10_000, default: 200 },
} as const;
/**
 * Concurrent invocations one provisioned SQS poller drives at most (AWS's announcement of
 * provisioned mode for SQS, 2025-11-14: up to 1 MB/s, 10 concurrent invokes or 10 polling
 * calls per second per poller). Used only to bound the instances that share the downstream
 * budget when `provisionedPollers` is set without `reservedConcurrency`.
 */
export const INVOKES_PER_PROVISIONED_POLLER = 10;

// API Gateway

/** API Gateway (REST): the largest request payload, bytes (10 MB). */
export const API_GATEWAY_MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;
/** API Gateway (REST): the integration timeout a method gets unless it sets a shorter one, milliseconds (29 s). */
export const API_GATEWAY_INTEGRATION_TIMEOUT_MS = 29_000;
/** API Gateway: the account-level throttle a stage falls back to when it sets none (requests per second, burst). */
export const API_GATEWAY_ACCOUNT_THROTTLE = { rate: 10_000, burst: 5_000 } as const;

// S3

/** S3: the most keys one ListObjectsV2 page returns. */
export const S3_MAX_LIST_KEYS = 1000;

// EventBridge

/** EventBridge: the most retries of a failed delivery to a target (also its default). */
export const EVENTBRIDGE_MAX_RETRY_ATTEMPTS = 185;
/** EventBridge: the shortest and longest time an event is retried, seconds (the longest, 24 hours, is also the default). */
export const EVENTBRIDGE_EVENT_AGE_SECONDS = { min: 60, max: 86_400 } as const;

// KMS

/** KMS: the shortest and longest waiting period before a key scheduled for deletion is deleted, days. */
export const KMS_DELETION_WINDOW_DAYS = { min: 7, max: 30 } as const;

// CloudWatch

/** CloudWatch: the longest evaluation span of an alarm (periods x period), seconds (7 days). */
export const CLOUDWATCH_MAX_ALARM_EVALUATION_SECONDS = 604_800;
