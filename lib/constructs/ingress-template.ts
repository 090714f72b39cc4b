/**
 * The webhook ingress's mapping templates (VTL, as API Gateway runs them on the JVM), before
 * Terraform escaping. The local emulator runs the same text (lib/local/vtl.ts).
 *
 * - The body is sent base64-encoded with the marker attribute `x-body-encoding: base64`, so
 *   any body Genesys can sign reaches SQS: SQS refuses characters JSON allows (U+FFFE,
 *   U+FFFF, control characters), and would answer 400 for them (lib/runtime/ingress-body.ts).
 * - Headers are read from the header map only (`$input.params().header`): `$input.params(name)`
 *   searches the path, then the query string, then the headers, so a query parameter named
 *   like a header would replace it. Names are compared case-insensitively (`equalsIgnoreCase`),
 *   whatever the map's own lookup does with case.
 * - FIFO: the body is parsed for the ordering key only when a guard has proven it a JSON
 *   object (see {@link jsonObjectGuardLines}); otherwise the group is `unordered:<request id>`.
 */
import { SQS_MAX_MESSAGE_GROUP_ID_LENGTH } from "../runtime/aws-limits";
import { SIGNATURE_HEADER } from "../runtime/signature";
import { BASE64_BODY_ENCODING, BODY_ENCODING_ATTRIBUTE } from "../runtime/ingress-body";
import { ORDERING_KEY } from "../runtime/normalized-message";

/** The longest SQS message group id, characters (SQS's limit, from lib/runtime/aws-limits.ts). */
export const MAX_MESSAGE_GROUP_ID_LENGTH = SQS_MAX_MESSAGE_GROUP_ID_LENGTH;

/**
 * Prefix of the message group of a FIFO message whose ordering key cannot be read (a body that
 * is not a JSON object, or an empty key): `unordered:<request id>`. The ordering keys of
 * conversations are URL-encoded, so they never hold ':' and never collide with it.
 */
export const UNORDERED_GROUP_PREFIX = "unordered:";

/** How many reduction passes the FIFO guard makes: enough for a body nested 24 deep with lists of 2^16 items. */
export const JSON_GUARD_PASSES = 40;

/**
 * The guard's regular expressions: Java's (API Gateway's `String.replaceAll`) and JavaScript's
 * (the emulator's) read them alike. Written in Velocity single-quoted strings, which pass
 * backslashes through.
 */
const GUARD = {
  /** A JSON escape inside a string (outside one it is no JSON at all). */
  escape: String.raw`\\(?:["\\/bfnrt]|u[0-9A-Fa-f]{4})`,
  /** A JSON string once its escapes are replaced; U+FFFD excluded too (how the JVM reads bytes that are not UTF-8). */
  string: String.raw`"[^"\\\x00-\x1F\uFFFD]*"`,
  /** Every character JSON allows outside strings (structure, numbers, literals, whitespace). */
  legal: String.raw`[{}\[\],:0-9.eE+\-aeflnrstu \t\n\r]`,
  /** A JSON number, bounded (longer ones stay unproven: parsers cap number lengths). */
  number: String.raw`-?(?:0|[1-9][0-9]{0,63})(?:\.[0-9]{1,64})?(?:[eE][+\-]?[0-9]{1,8})?`,
  whitespace: String.raw`[ \t\n\r]+`,
} as const;

/**
 * VTL that sets `$json` to true only when `$input.body` is a JSON object, without parsing it:
 * VTL has no try/catch, and API Gateway answers 400 before calling the integration when a
 * template parses a body that is not JSON, which Genesys does not retry.
 *
 * It tokenizes with regular expressions (escapes `_`, strings `S`, numbers and literals `V`,
 * whitespace dropped) after checking that nothing outside strings is foreign to JSON, then
 * reduces the token string, each rule the reverse of a JSON production: `S:S`/`S:V` to a
 * member `M`, `M,M` to `M`, two values to a list `L`, `{}`/`{M}` to `V`, `[]`/`[S]`/`[V]`/`[L]`
 * to `V`. A body is proven when it starts with `{` and reduces to one `V`; a body nested too
 * deep, or with a number longer than 64 digits, stays unproven (and is still accepted).
 */
export function jsonObjectGuardLines(): string[] {
  const q = (regex: string) => `'${regex}'`;
  const reduce =
    `$t.replaceAll('S:[SV]', 'M').replaceAll('M,M', 'M').replaceAll('[SVL],[SVL]', 'L')` +
    String.raw`.replaceAll('\{M?\}', 'V').replaceAll('\[[SVL]?\]', 'V')`;
  return [
    "#set($json = false)",
    `#set($t = $input.body.replaceAll(${q(GUARD.escape)}, '_'))`,
    `#if($t.replaceAll(${q(GUARD.string)}, '').replaceAll(${q(GUARD.legal)}, '') == '')`,
    `#set($t = $t.replaceAll(${q(GUARD.string)}, 'S').replaceAll('true|false|null', 'V').replaceAll(${q(GUARD.number)}, 'V').replaceAll(${q(GUARD.whitespace)}, ''))`,
    "#if($t.startsWith('{'))",
    "#set($done = false)",
    `#foreach($pass in [1..${JSON_GUARD_PASSES}])#if(!$done)#set($before = $t)#set($t = ${reduce})#if($t == $before)#set($done = true)#end#end#end`,
    "#if($t == 'V')#set($json = true)#end",
    "#end",
    "#end",
  ];
}

/** The VTL reading a body value at a JSONPath (`$.a.b`), rendered empty when missing. */
const pathValue = (path: string) => `$!input.path('${path}')`;

/** The VTL string of a key made of these JSONPaths' values, joined by the ordering key's separator. */
function keyOfPaths(jsonPaths: readonly string[]): string {
  return `"${jsonPaths.map(pathValue).join(ORDERING_KEY.separator)}"`;
}

/**
 * The template lines setting `$key` to the runtime's ordering key, rendered from its one
 * definition ({@link ORDERING_KEY}): the default paths, then, for each direction with its own
 * paths, those when `direction` is exactly that value (as the runtime's `orderingKey` compares it).
 */
export function defaultOrderingKeyLines(): string[] {
  const jsonPath = (path: string) => `$.${path}`;
  const direction = pathValue(jsonPath(ORDERING_KEY.directionPath));
  return [
    `#set($key = ${keyOfPaths(ORDERING_KEY.defaultPaths.map(jsonPath))})`,
    ...Object.entries(ORDERING_KEY.pathsByDirection).map(
      ([value, paths]) => `#if("${direction}" == "${value}")#set($key = ${keyOfPaths(paths.map(jsonPath))})#end`,
    ),
  ];
}

/**
 * The template lines setting `MessageGroupId` from the ordering key, read with `$input.path`
 * only from a body proven a JSON object. The default key is the runtime's `orderingKey`
 * ({@link defaultOrderingKeyLines}): `channel.id` and the external party, `channel.to.id` for an
 * outbound message (or one without a direction) and `channel.from.id` for an inbound one. Custom
 * paths are joined by the same separator, `:`, a missing value counting as empty. SQS refuses an
 * empty group id, so a body not proven JSON, or an empty key (one custom path missing), gets
 * `unordered:<request id>`: accepted, unordered with the others, and the worker dead-letters what
 * is not a message. SQS takes only ASCII letters, digits and punctuation, at most 128 of them, in
 * a group id, so the key is URL-encoded (any address becomes valid) and cut to 128 characters
 * (`length()` and `substring()` are Java's: API Gateway runs Velocity on the JVM).
 */
export function messageGroupLines(orderingKeyPaths?: readonly string[]): string[] {
  const keyLines = orderingKeyPaths ? [`#set($key = ${keyOfPaths(orderingKeyPaths)})`] : defaultOrderingKeyLines();
  const max = MAX_MESSAGE_GROUP_ID_LENGTH;
  return [
    '#set($key = "")',
    ...jsonObjectGuardLines(),
    `#if($json)${keyLines.join("")}#end`,
    `#if($key == "")#set($group = "${UNORDERED_GROUP_PREFIX}$context.requestId")#else`,
    "#set($group = $util.urlEncode($key))",
    `#if($group.length() > ${max})#set($group = $group.substring(0, ${max}))#end`,
    "#end",
    "&MessageGroupId=$util.urlEncode($group)",
  ];
}

/**
 * The lines adding each header present as a String attribute, numbered after `$n`: one pass
 * over the header map's names, matched case-insensitively; a header absent or empty adds
 * nothing (SQS rejects empty values).
 */
export function headerAttributeLines(headers: readonly string[]): string[] {
  const match = headers
    .map(
      (header, i) => `#${i === 0 ? "if" : "elseif"}($name.equalsIgnoreCase('${header}'))#set($h${i} = $input.params().header.get($name))`,
    )
    .join("");
  return [
    ...headers.map((_, i) => `#set($h${i} = "")`),
    `#foreach($name in $input.params().header.keySet())${match}#end#end`,
    ...headers.map(
      (header, i) =>
        `#if($h${i} != "")#set($n = $n + 1)` +
        `&MessageAttribute.\${n}.Name=${encodeURIComponent(header)}` +
        `&MessageAttribute.\${n}.Value.DataType=String` +
        `&MessageAttribute.\${n}.Value.StringValue=$util.urlEncode($h${i})#end`,
    ),
  ];
}

/**
 * The VTL request template (before Terraform escaping): an SQS Query `SendMessage` whose
 * body is the request body base64-encoded (UTF-8) and URL-encoded, attribute 1 the marker
 * `x-body-encoding: base64`, then the signature header and each extra header as a String
 * attribute when present, and for FIFO queues a MessageGroupId from the ordering key.
 */
export function webhookRequestTemplate(
  options: { extraHeaders?: readonly string[]; fifo?: boolean; orderingKeyPaths?: readonly string[] } = {},
): string {
  const lines = [
    "#set($n = 1)",
    "Action=SendMessage&MessageBody=$util.urlEncode($util.base64Encode($input.body))",
    `&MessageAttribute.1.Name=${BODY_ENCODING_ATTRIBUTE}&MessageAttribute.1.Value.DataType=String&MessageAttribute.1.Value.StringValue=${BASE64_BODY_ENCODING}`,
    ...headerAttributeLines([SIGNATURE_HEADER, ...(options.extraHeaders ?? [])]),
  ];
  if (options.fifo) lines.push(...messageGroupLines(options.orderingKeyPaths));
  // One line: line breaks after directives would leak into the Query body.
  return lines.join("");
}

/**
 * What SQS says, on both wire protocols, when a message is larger than the queue's
 * MaximumMessageSize (InvalidParameterValue, HTTP 400): "One or more parameters are invalid.
 * Reason: Message must be shorter than <N> bytes."
 */
export const SQS_TOO_LONG_MESSAGE = "Message must be shorter than";

/**
 * The integration response template of an SQS 4xx (selected by status: for an AWS integration
 * the selection pattern matches the status code only). SQS's size refusal becomes 413 through
 * `$context.responseOverride.status` (Genesys does not retry a 4xx, and the body is refused for
 * good, counted by the ingress's body-too-large metric); any other SQS 4xx is a configuration
 * fault here and stays 500, so Genesys retries.
 */
export const SQS_CLIENT_ERROR_TEMPLATE =
  `#if($input.body.contains('${SQS_TOO_LONG_MESSAGE}'))#set($context.responseOverride.status = 413)` +
  `{"message":"the webhook body is larger than this pipeline accepts","requestId":"$context.requestId"}` +
  `#else{"message":"the webhook could not be queued","requestId":"$context.requestId"}#end`;
