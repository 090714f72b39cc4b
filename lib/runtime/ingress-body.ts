/**
 * The webhook body as the ingress stores it in SQS, and the one size budget of a pipeline
 * (docs/decisions/0002-ingress-body-and-size-budget.md). Framework-free: the constructs size
 * the queues and write the request template's marker with it, the worker decodes with it
 * before checking the signature, and the DLQ operations and the load generator decode what
 * they read with it.
 *
 * Encoding. SQS refuses characters a legal JSON body may carry (U+FFFE, U+FFFF, most control
 * characters: the SendMessage allowed set is #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD |
 * #x10000-#x10FFFF), so the ingress template sends every body base64-encoded
 * (`$util.base64Encode`, UTF-8) and marks it with the String attribute
 * `x-body-encoding: base64`. A message without the marker (Event Streams, a producer of your
 * own) is read as it is.
 *
 * Budget. SQS counts a message's body and every attribute's name, data type and value, in
 * UTF-8 bytes, against the queue's MaximumMessageSize. The DLQ and the quarantine queue take
 * the SQS maximum (1 MiB); the main queue's maximum leaves {@link DEAD_LETTER_RESERVE_BYTES}
 * below it, the `x-dead-letter` attribute at its largest, so whatever the main queue accepted
 * fits the DLQ with its context. The ingress needs no limit of its own: SQS refuses a larger
 * message on the main queue, and the integration response maps that refusal to 413.
 */
import { SQS_MAX_MESSAGE_BYTES } from "./aws-limits";
import { DEAD_LETTER_ATTRIBUTE, DEAD_LETTER_CONTEXT_MAX_BYTES } from "./dead-letter";
import { SIGNATURE_HEADER } from "./signature";

/** The message attribute naming the body's encoding (String). */
export const BODY_ENCODING_ATTRIBUTE = "x-body-encoding";
/** Its value for a body the ingress base64-encoded (the UTF-8 bytes of the request body). */
export const BASE64_BODY_ENCODING = "base64";

/** Largest SQS message, bytes (1 MiB since 2025-08-04; lib/runtime/aws-limits.ts): the DLQ's and the quarantine queue's maximum. */
export { SQS_MAX_MESSAGE_BYTES };

/** The data type of every attribute the pipeline writes. */
const STRING = "String";

const utf8 = (text: string) => Buffer.byteLength(text, "utf8");

/** What one String attribute counts toward the message size: name, data type and value, UTF-8 bytes. */
export function attributeBytes(name: string, valueBytes: number): number {
  return utf8(name) + utf8(STRING) + valueBytes;
}

/** The `x-body-encoding: base64` attribute, bytes (27). */
export const BODY_ENCODING_ATTRIBUTE_BYTES = attributeBytes(BODY_ENCODING_ATTRIBUTE, utf8(BASE64_BODY_ENCODING));

/** The `x-dead-letter` attribute at its largest, bytes (2,067): what the DLQ keeps free above the main queue. */
export const DEAD_LETTER_RESERVE_BYTES = attributeBytes(DEAD_LETTER_ATTRIBUTE, DEAD_LETTER_CONTEXT_MAX_BYTES);

/** The largest main-queue MaximumMessageSize, bytes (1,046,509): the default, and the limit validated at synth. */
export const MAX_QUEUE_MESSAGE_BYTES = SQS_MAX_MESSAGE_BYTES - DEAD_LETTER_RESERVE_BYTES;

/** Length of a Genesys signature header value, `sha256=` and 44 base64 characters. */
export const SIGNATURE_VALUE_BYTES = "sha256=".length + 44;

/** A forwarded header as SQS counts it: its attribute name and the UTF-8 length of its value. */
export interface ForwardedHeader {
  readonly name: string;
  readonly valueBytes: number;
}

/** The signature header of a genuine Genesys request. */
export const GENESYS_SIGNATURE: ForwardedHeader = { name: SIGNATURE_HEADER, valueBytes: SIGNATURE_VALUE_BYTES };

/** Length of the base64 text of `bytes` bytes (with padding, no line breaks). */
export function base64Bytes(bytes: number): number {
  return 4 * Math.ceil(bytes / 3);
}

/** What SQS counts for a request body of `bodyBytes` stored by the ingress: the base64 body, the marker, the forwarded headers. */
export function storedMessageBytes(bodyBytes: number, headers: readonly ForwardedHeader[] = [GENESYS_SIGNATURE]): number {
  return base64Bytes(bodyBytes) + BODY_ENCODING_ATTRIBUTE_BYTES + headers.reduce((sum, h) => sum + attributeBytes(h.name, h.valueBytes), 0);
}

/**
 * The largest request body, bytes, a main queue of `queueMaxBytes` accepts from the ingress
 * with these forwarded headers: a body one byte longer is refused by SQS (413 at the edge).
 * @default headers the Genesys signature only
 */
export function maxIngressBodyBytes(queueMaxBytes: number, headers: readonly ForwardedHeader[] = [GENESYS_SIGNATURE]): number {
  const room = queueMaxBytes - storedMessageBytes(0, headers);
  return room < 0 ? 0 : 3 * Math.floor(room / 4);
}

/** The largest body a default pipeline accepts (main queue at {@link MAX_QUEUE_MESSAGE_BYTES}, signature only), bytes: 784,803. */
export const DEFAULT_MAX_INGRESS_BODY_BYTES = maxIngressBodyBytes(MAX_QUEUE_MESSAGE_BYTES);

/** Thrown for a marked body that cannot be decoded (an unknown encoding, or text that is not base64). */
export class BodyEncodingError extends Error {
  override readonly name = "BodyEncodingError";
}

/** Message attributes as the SDK (`StringValue`) or a Lambda SQS record (`stringValue`) holds them. */
export type MessageAttributesLike = Readonly<Record<string, { readonly StringValue?: string; readonly stringValue?: string } | undefined>>;

/** A message body as the producer sent it. */
export interface DecodedBody {
  /** The body's bytes. */
  readonly bytes: Buffer;
  /** The bytes read as UTF-8 (exact for any valid UTF-8 body). */
  readonly text: string;
  /** The encoding it was stored in, when marked. */
  readonly encoding?: typeof BASE64_BODY_ENCODING;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The body a producer sent, from a stored message: base64-decoded when the
 * `x-body-encoding` attribute says `base64`, as stored otherwise. Every reader calls this
 * (worker, `dlq inspect` and `redrive`, the generator's DLQ peek and quarantine drain); a
 * redrive re-sends the stored body with its attributes, marker included. Line breaks in the
 * base64 text are ignored (a MIME-style encoder would add them). Throws
 * {@link BodyEncodingError} for another encoding or text that is not base64.
 */
export function decodeMessageBody(body: string | undefined, attributes?: MessageAttributesLike): DecodedBody {
  const stored = body ?? "";
  const marker = attributes?.[BODY_ENCODING_ATTRIBUTE];
  const encoding = marker?.StringValue ?? marker?.stringValue;
  if (encoding === undefined) {
    const bytes = Buffer.from(stored, "utf8");
    return { bytes, text: stored };
  }
  if (encoding !== BASE64_BODY_ENCODING)
    throw new BodyEncodingError(
      `${BODY_ENCODING_ATTRIBUTE} is ${JSON.stringify(encoding.slice(0, 50))}; only "${BASE64_BODY_ENCODING}" is known`,
    );
  const compact = stored.replace(/\r?\n/g, "");
  if (!BASE64.test(compact))
    throw new BodyEncodingError(`the body is marked ${BODY_ENCODING_ATTRIBUTE}: ${BASE64_BODY_ENCODING} but is not base64`);
  const bytes = Buffer.from(compact, "base64");
  return { bytes, text: bytes.toString("utf8"), encoding: BASE64_BODY_ENCODING };
}

/** The body's text when it decodes, else undefined (readers that only look, e.g. for a synthetic marker). */
export function decodedTextOrUndefined(body: string | undefined, attributes?: MessageAttributesLike): string | undefined {
  try {
    return decodeMessageBody(body, attributes).text;
  } catch {
    return undefined;
  }
}

/** A body as the ingress stores it: base64 text and the marker attribute (SendMessage's shape), for producers and tests. */
export function encodeIngressBody(body: string | Uint8Array): {
  body: string;
  attributes: Record<string, { DataType: "String"; StringValue: string }>;
} {
  const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : Buffer.from(body);
  return {
    body: bytes.toString("base64"),
    attributes: { [BODY_ENCODING_ATTRIBUTE]: { DataType: STRING, StringValue: BASE64_BODY_ENCODING } },
  };
}
