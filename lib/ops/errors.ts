/**
 * Errors of the dead-letter operations. Each one carries a message an on-call engineer
 * can act on (what failed, why, the command or permission that fixes it), and is testable
 * with `instanceof`.
 */

/** Base of every error raised by the DLQ operations. */
export class DlqOperationError extends Error {
  override readonly name: string = "DlqOperationError";
}

/** The queue named by the operator does not exist (SQS `QueueDoesNotExist`). */
export class QueueNotFoundError extends DlqOperationError {
  override readonly name = "QueueNotFoundError";
  constructor(
    readonly queue: string,
    detail?: string,
  ) {
    super(
      `queue ${JSON.stringify(queue)} does not exist in this account and region` +
        (detail ? ` (${detail})` : "") +
        ": check the name/URL/ARN, --region (or AWS_REGION) and the endpoint (AWS_ENDPOINT_URL_SQS, --endpoint)",
    );
  }
}

/** The caller lacks an IAM permission; names the action to grant. */
export class PermissionDeniedError extends DlqOperationError {
  override readonly name = "PermissionDeniedError";
  constructor(
    readonly action: string,
    readonly resource: string,
    detail: string,
  ) {
    super(
      `access denied: the caller needs ${action} on ${resource} (see docs/guides/dlq-runbook.md, "The operator's IAM policy"): ${detail}`,
    );
  }
}

/** The operation was refused by a guard (purge without --yes, invalid-signature without --force). */
export class RefusedError extends DlqOperationError {
  override readonly name = "RefusedError";
}

/** The redrive destination could not be determined, or was ambiguous, or is unusable. */
export class DestinationError extends DlqOperationError {
  override readonly name = "DestinationError";
}

/** SQS's message move task ended FAILED or CANCELLED. */
export class MoveTaskError extends DlqOperationError {
  override readonly name = "MoveTaskError";
  constructor(
    readonly status: string,
    readonly failureReason: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** AWS configuration problem: no region, no credentials, endpoint unreachable. */
export class AwsConfigurationError extends DlqOperationError {
  override readonly name = "AwsConfigurationError";
}

/** Any other SQS error, with the action and resource that failed. */
export class SqsCallError extends DlqOperationError {
  override readonly name = "SqsCallError";
  constructor(
    readonly action: string,
    readonly resource: string,
    readonly code: string,
    detail: string,
  ) {
    super(`${action} on ${resource} failed: ${code}: ${detail}`);
  }
}

const NOT_FOUND = new Set(["QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", "ResourceNotFoundException"]);
const ACCESS_DENIED = new Set(["AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError"]);
const KMS_DENIED = new Set([
  "KmsAccessDenied",
  "KMS.AccessDeniedException",
  "KmsDisabled",
  "KMS.DisabledException",
  "KmsInvalidState",
  "KMS.KMSInvalidStateException",
]);
const BAD_CREDENTIALS = new Set([
  "InvalidClientTokenId",
  "UnrecognizedClientException",
  "ExpiredToken",
  "ExpiredTokenException",
  "SignatureDoesNotMatch",
  "InvalidSecurity",
  "MissingAuthenticationToken",
]);

/** The KMS action an SQS action needs on an encrypted queue with a customer managed key. */
function kmsActionFor(action: string): string {
  return action === "sqs:SendMessage" ? "kms:GenerateDataKey" : "kms:Decrypt";
}

function errorCode(error: unknown): string {
  if (typeof error !== "object" || error === null) return "Error";
  const e = error as { name?: string; Code?: string; code?: string };
  return e.Code ?? e.name ?? e.code ?? "Error";
}

/**
 * Maps an SDK error of one SQS call to an operator-facing error.
 * @param action the IAM action of the call, e.g. `sqs:ReceiveMessage`
 * @param resource the queue URL/ARN/name the call was about
 */
export function mapSqsError(error: unknown, action: string, resource: string): Error {
  if (error instanceof DlqOperationError) return error;
  const code = errorCode(error);
  const name = typeof error === "object" && error !== null ? String((error as { name?: string }).name ?? "") : "";
  const detail = error instanceof Error ? error.message : String(error);
  if (NOT_FOUND.has(code) || NOT_FOUND.has(name)) return new QueueNotFoundError(resource, detail);
  if (ACCESS_DENIED.has(code) || ACCESS_DENIED.has(name)) return new PermissionDeniedError(action, resource, detail);
  if (KMS_DENIED.has(code) || KMS_DENIED.has(name)) {
    return new PermissionDeniedError(`${kmsActionFor(action)} (on the queue's KMS key, for ${action})`, resource, detail);
  }
  if (BAD_CREDENTIALS.has(code) || BAD_CREDENTIALS.has(name)) {
    return new AwsConfigurationError(
      `AWS rejected the credentials (${code}): ${detail}. Refresh them (aws sso login, AWS_PROFILE) and retry.`,
    );
  }
  if (name === "CredentialsProviderError" || /Could not load credentials/i.test(detail)) {
    return new AwsConfigurationError(
      `no AWS credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (any values work against a local SQS endpoint). ${detail}`,
    );
  }
  if (/Region is missing/i.test(detail)) {
    return new AwsConfigurationError("no AWS region: pass --region or set AWS_REGION (or a region in the AWS_PROFILE's config)");
  }
  const sysCode = (error as { code?: string } | null)?.code;
  if (sysCode === "ECONNREFUSED" || sysCode === "ENOTFOUND" || sysCode === "EAI_AGAIN" || /ECONNREFUSED|ENOTFOUND/.test(detail)) {
    return new AwsConfigurationError(`cannot reach the SQS endpoint (${detail}): check --endpoint / AWS_ENDPOINT_URL_SQS and the network`);
  }
  if (code === "PurgeQueueInProgress" || name === "PurgeQueueInProgress") {
    return new SqsCallError(action, resource, code, `${detail} (SQS allows one purge a queue every 60 seconds; wait and retry)`);
  }
  return new SqsCallError(action, resource, code, detail);
}
