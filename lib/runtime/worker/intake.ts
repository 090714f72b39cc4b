/**
 * Intake: what a record must pass before any handler runs. The body is decoded (the ingress
 * stores it base64-encoded), its signature checked (webhook pipelines), parsed as the
 * pipeline's kind of message, and a signed time judged against the replay window. A body
 * that fails is rejected ({@link RejectedMessage}: dead-lettered at once); a signature that
 * cannot be settled yet throws an `UnverifiedSignatureError` (checked again later).
 */
import type { SQSRecord } from "aws-lambda";
import type { DeadLetterReason } from "../dead-letter";
import { decodeMessageBody, decodedTextOrUndefined } from "../ingress-body";
import {
  genesysEventBridgeEventSchema,
  looksLikeEventBridgeEvent,
  normalizedMessageSchema,
  type GenesysEventBridgeEvent,
  type NormalizedMessage,
} from "../normalized-message";
import { judgeSignedTime } from "../replay-window";
import { SIGNATURE_HEADER } from "../signature";
import { readSyntheticMarker, type SyntheticMarker } from "../synthetic";
import { UnverifiedSignatureError } from "./aside";
import { recordFirstSentMs } from "./attributes";
import type { WorkerDeps } from "./deps";

/** A body the worker refuses before the handler: dead-lettered at once. */
export class RejectedMessage extends Error {
  constructor(
    readonly reason: Extract<DeadLetterReason, "invalid-signature" | "malformed" | "stale">,
    readonly errorName: string,
    message: string,
  ) {
    super(message);
  }
}

/** A record that passed intake: a webhook pipeline's message (maybe synthetic) or an Event Streams event, with its idempotency key. */
export type Intake =
  | { kind: "message"; message: NormalizedMessage; marker?: SyntheticMarker; key: string }
  | { kind: "event"; event: GenesysEventBridgeEvent; key: string };

/** What intake reads of the worker. */
export type IntakeDeps = Pick<WorkerDeps, "contract" | "signingSecret" | "idempotencyKeyOf" | "eventKeyOf">;

/** Checks the signature and parses the body; throws RejectedMessage for a body to dead-letter. */
export async function intake(deps: IntakeDeps, record: SQSRecord): Promise<Intake> {
  // When SQS first received it (carried across redrives): what the signature and the signed time are judged against.
  const firstSent = recordFirstSentMs(record) ?? Date.now();
  const body = decodedBody(record);
  if (deps.contract.ingressKind === "webhook") await verifySignature(deps, record, body, firstSent);
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new RejectedMessage("malformed", "SyntaxError", `the body is not JSON: ${(error as Error).message}`);
  }
  if (deps.contract.ingressKind === "eventStreams") {
    const parsed = genesysEventBridgeEventSchema.safeParse(json);
    if (!parsed.success) throw new RejectedMessage("malformed", "ZodError", `not a Genesys EventBridge event: ${issues(parsed.error)}`);
    return { kind: "event", event: parsed.data, key: deps.eventKeyOf(parsed.data) };
  }
  return webhookMessage(deps, json, firstSent);
}

/**
 * The body as the producer sent it (the ingress stores it base64-encoded, x-body-encoding):
 * the signature is checked on these exact bytes (read as UTF-8, which keeps any valid UTF-8).
 */
function decodedBody(record: SQSRecord): string {
  try {
    return decodeMessageBody(record.body, record.messageAttributes).text;
  } catch (error) {
    throw new RejectedMessage("malformed", (error as Error).name, (error as Error).message);
  }
}

/** Checks the webhook signature attribute against the signing secret's versions; returns when it matches. */
async function verifySignature(deps: IntakeDeps, record: SQSRecord, body: string, firstSent: number): Promise<void> {
  const header = attributeValue(record, SIGNATURE_HEADER);
  const check = await deps.signingSecret!.check(body, header, firstSent);
  if (check.verdict === "unverified") {
    // Possibly signed with a secret rotated in since the last reload, which was too recent
    // to reload again: checked again after the next reload (FIFO: out of its group), not dead-lettered.
    throw new UnverifiedSignatureError(
      `${SIGNATURE_HEADER} matches no cached secret version and the secret was reloaded moments ago; checked again after the next reload`,
      {
        retryAfterSeconds: Math.ceil(check.retryAfterMs / 1000),
      },
    );
  }
  if (check.verdict === "invalid") {
    throw new RejectedMessage(
      "invalid-signature",
      "InvalidSignatureError",
      header === undefined
        ? `no ${SIGNATURE_HEADER} message attribute`
        : `${SIGNATURE_HEADER} matches neither the current nor the previous secret`,
    );
  }
}

/** A verified webhook body as a NormalizedMessage (with its synthetic marker), its signed time within the replay window. */
function webhookMessage(deps: IntakeDeps, json: unknown, firstSent: number): Intake {
  if (looksLikeEventBridgeEvent(json)) {
    // The ingress kind comes from the contract, never from the body: no EventBridge path here.
    throw new RejectedMessage(
      "malformed",
      "UnexpectedEventBridgeEvent",
      "an EventBridge-shaped body reached a webhook pipeline; it is not a NormalizedMessage",
    );
  }
  let marker: SyntheticMarker | undefined;
  try {
    marker = readSyntheticMarker(json);
  } catch (error) {
    throw new RejectedMessage("malformed", (error as Error).name, (error as Error).message);
  }
  const parsed = normalizedMessageSchema.safeParse(json);
  if (!parsed.success) throw new RejectedMessage("malformed", "ZodError", `not a NormalizedMessage: ${issues(parsed.error)}`);
  const signedTime = judgeSignedTime(parsed.data.channel.time, firstSent, deps.contract.replayWindowSeconds);
  if (!signedTime.ok) throw new RejectedMessage("stale", signedTime.errorName, signedTime.message);
  return { kind: "message", message: parsed.data, marker, key: deps.idempotencyKeyOf(parsed.data) };
}

/**
 * The synthetic marker of a record's body, or undefined when there is none or the body cannot
 * be read. For a rejected record: only trusted when its signature was (see the caller).
 */
export function safeMarker(record: SQSRecord): SyntheticMarker | undefined {
  try {
    return readSyntheticMarker(JSON.parse(decodedTextOrUndefined(record.body, record.messageAttributes) ?? ""));
  } catch {
    return undefined;
  }
}

/** A message attribute's string value, the name matched case-insensitively. */
function attributeValue(record: SQSRecord, name: string): string | undefined {
  const attributes = record.messageAttributes ?? {};
  const found = attributes[name] ?? Object.entries(attributes).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
  return found?.stringValue ?? undefined;
}

/** The first five schema issues, as `path: message`. */
function issues(error: { issues: { path: (string | number)[]; message: string }[] }): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
    .join("; ");
}
