/**
 * The AWS service limits the library checks against, in one place: constructs validate props
 * with them, the runtime and the emulator enforce them, and docs point here instead of
 * restating numbers. Each value is the service's documented hard limit (see
 * `../shared/reference/` and the AWS quotas pages), not a default of this library.
 */

/** SQS: the longest visibility timeout, which also caps `ChangeMessageVisibility` and so any redelivery delay, seconds (12 hours). */
export const SQS_MAX_VISIBILITY_SECONDS = 43_200;
/** SQS: the longest message retention, seconds (14 days). */
export const SQS_MAX_RETENTION_SECONDS = 1_209_600;
/** SQS: the largest message, body and attributes together, bytes (1 MiB). */
export const SQS_MAX_MESSAGE_BYTES = 1_048_576;
/** SQS: the longest per-message or queue delay, seconds (15 minutes). */
export const SQS_MAX_DELAY_SECONDS = 900;

/** Lambda: the longest function timeout, seconds (15 minutes). */
export const LAMBDA_MAX_TIMEOUT_SECONDS = 900;

/** CloudWatch: the longest evaluation span of an alarm (periods x period), seconds (7 days). */
export const CLOUDWATCH_MAX_ALARM_EVALUATION_SECONDS = 604_800;
