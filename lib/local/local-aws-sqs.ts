/**
 * Loads `local-aws-sqs` with source patches that restore AWS behaviours it lacks, applied in
 * memory at load time: node_modules is never written, so the patches hold whether or not
 * install scripts ran. The pinned build is checked first, and every patch must match exactly
 * once: an upgrade that moved the code fails loudly instead of running unpatched.
 */
import { readFileSync } from "node:fs";
import { Module } from "node:module";
import * as path from "node:path";

/** The exports of `local-aws-sqs`. */
export type LocalAwsSqs = typeof import("local-aws-sqs");

/** The only `local-aws-sqs` version the patches are written for. */
export const LOCAL_AWS_SQS_VERSION = "2.0.2";

/** A replacement in a module's source: `find` must occur exactly once. */
export interface SourcePatch {
  /** Names the patch in errors. */
  readonly name: string;
  readonly find: string;
  readonly replace: string;
}

/**
 * The error SQS answers for a body or string attribute value with a character outside the
 * allowed set: code `InvalidMessageContents` (the Query protocol's `<Code>` and the JSON
 * protocol's `x-amzn-query-error`), JSON `__type` `com.amazonaws.sqs#InvalidMessageContents`,
 * HTTP 400, sender fault; the AWS SDK v3 maps it to its `InvalidMessageContents` exception.
 * The message is the one AWS answered for a body (a recorded response kept by the PEAR package
 * Services_Amazon_SQS's tests); no current AWS page quotes it. For an attribute value the
 * emulator names the attribute instead of "the message body".
 */
export const INVALID_MESSAGE_CONTENTS = {
  code: "InvalidMessageContents",
  type: "com.amazonaws.sqs#InvalidMessageContents",
  message:
    "An invalid binary character was found in the message body, the set of allowed characters is #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]",
} as const;

/**
 * Helpers the patches below call, injected as source into local-aws-sqs's module scope (the
 * emulator's SQS thread compiles the patched source, so they cannot be closures of this file).
 * They are one object, `__cgcSqs`; the error class `__cgcInvalidContents` is declared by a
 * patch next to local-aws-sqs's own errors, as it extends their base class.
 *
 * - Characters: SQS accepts only #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD |
 *   #x10000-#x10FFFF in a body, and refuses anything else with InvalidMessageContents
 *   (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html,
 *   https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html:
 *   "Any characters not included in this list are rejected"); a String or Number attribute's
 *   value "has the same restrictions on the content as the message body"
 *   (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_MessageAttributeValue.html).
 *   With the `u` flag a lone surrogate is one code point outside the set.
 * - Size: "All parts of the message attribute, including Name, Type, and Value, are part of the
 *   message size restriction" (API_MessageAttributeValue, above), against the queue's
 *   MaximumMessageSize; strings count in UTF-8 bytes and a Binary value in its bytes (the wire
 *   carries it base64-encoded), as AWS's own SQS Extended Client counts them
 *   (awslabs/amazon-sqs-java-extended-client-lib, AmazonSQSExtendedClientUtil.getMsgAttributesSize).
 *   A batch's total counts its entries so too (limit 1 MiB,
 *   https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html).
 *   local-aws-sqs counted UTF-16 code units and the base64 text.
 * - FIFO: "Inflight messages block delivery of available messages within the same message
 *   group"; "You must delete the messages in the current message group ID before you can
 *   receive more messages within the same message group ID"
 *   (https://repost.aws/knowledge-center/sqs-fifo-messages-not-returned); one receive may
 *   return several messages of a group, in order ("These messages retain their FIFO order and
 *   can have the same message group ID",
 *   https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-queues-understanding-logic.html).
 *   So, scanning the queue in send order: a group with a message in flight that this receive
 *   did not take is skipped; a delayed message holds its group for the rest of the scan (its
 *   successors wait); a message this receive already took is not taken twice.
 */
const SQS_HELPERS = String.raw`var __cgcSqs={
invalidChar:/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u,
bodyMessage:${JSON.stringify(INVALID_MESSAGE_CONTENTS.message)},
isInvalid(text){return typeof text=="string"&&this.invalidChar.test(text)},
invalidContents(body,attributes){
if(this.isInvalid(body))return this.bodyMessage;
for(const[name,value]of Object.entries(attributes&&typeof attributes=="object"?attributes:{}))
if(value&&this.isInvalid(value.StringValue))return this.bodyMessage.replace("the message body","the value of message attribute '"+name+"'");
},
utf8(text){return typeof text=="string"?Buffer.byteLength(text,"utf8"):0},
binary(base64){return typeof base64=="string"?Buffer.from(base64,"base64").length:0},
messageSize(body,attributes){
let size=this.utf8(body);
for(const[name,value]of Object.entries(attributes&&typeof attributes=="object"?attributes:{})){
size+=this.utf8(name);
if(value&&typeof value=="object")size+=this.utf8(value.DataType)+this.utf8(value.StringValue)+this.binary(value.BinaryValue);
}
return size;
},
batchSize(entries){let size=0;for(const entry of entries)size+=this.messageSize(entry&&entry.MessageBody,entry&&entry.MessageAttributes);return size},
heldGroups(records,batch){
const taken=new Set(batch.map(f=>f.record.MessageId)),held=new Set();
for(const y of records){const group=y.record.attributes.MessageGroupId;if(group!==void 0&&!y.visible&&!taken.has(y.record.MessageId))held.add(group)}
return{taken,held};
},
fifoEligible(y,state){
const group=y.record.attributes.MessageGroupId;
if(group===void 0)return!0;
if(state.held.has(group)||state.taken.has(y.record.MessageId))return!1;
if(y.delayed)return state.held.add(group),!1;
return!0;
}
};`;

/**
 * The patches to `local-aws-sqs` 2.0.2's `dist/index.js`, applied in order. In that build,
 * `Wt(t, e, i)` makes a message invisible for both ReceiveMessage (`i` false) and
 * ChangeMessageVisibility (`i` true); `Fs` is the receive loop (every 10 ms, over the queue's
 * records `S(this,E)` in send order, filling `r`); `T` is the error base class and `u` its
 * InvalidParameterValue; `Tt` is SendMessage, `xt` SendMessageBatch, `Ai` the batch total,
 * `Ii` the FIFO batch entries' checks, `Ti` a standard batch entry's checks.
 */
export const LOCAL_AWS_SQS_PATCHES: readonly SourcePatch[] = [
  // AWS: ChangeMessageVisibility is not a receive, so it leaves ApproximateReceiveCount (and
  // the redrive after maxReceiveCount) alone; local-aws-sqs adds 1 for it.
  {
    name: "receive-count: a visibility change is not a receive",
    find: "let n=Number(t.record.attributes.ApproximateReceiveCount)+1;",
    replace: "let n=Number(t.record.attributes.ApproximateReceiveCount)+(i?0:1);",
  },
  // AWS: ApproximateFirstReceiveTimestamp is set by the first receive only; with the patch
  // above, a visibility change at count 1 would set it again.
  {
    name: "first-receive-timestamp: a visibility change does not set it",
    find: "ApproximateReceiveCount=String(n),n==1&&(",
    replace: "ApproximateReceiveCount=String(n),!i&&n==1&&(",
  },
  // The helpers (SQS_HELPERS above), at module scope after the exports.
  {
    name: "helpers: the code the patches below call",
    find: "module.exports=Ji($r);",
    replace: `module.exports=Ji($r);${SQS_HELPERS}`,
  },
  // Among local-aws-sqs's errors: InvalidMessageContents, formatted by its base class on both protocols.
  {
    name: "contents: the InvalidMessageContents error",
    find: 'Vs=new T({Code:"AWS.SimpleQueueService.QueueDeletedRecently"',
    replace:
      `__cgcInvalidContents=class extends T{constructor(t){super({Code:${JSON.stringify(INVALID_MESSAGE_CONTENTS.code)},Type:${JSON.stringify(INVALID_MESSAGE_CONTENTS.type)},Message:t})}},` +
      'Vs=new T({Code:"AWS.SimpleQueueService.QueueDeletedRecently"',
  },
  // AWS: a FIFO message group is held while one of its messages is in flight (SQS_HELPERS above).
  {
    name: "fifo: a group with a message in flight is held",
    find: "d++;for(let y of S(this,E))if(!y.delayed){if(y.visible){",
    replace:
      "d++;let __fifo=this.FifoQueue?__cgcSqs.heldGroups(S(this,E),r):void 0;for(let y of S(this,E))if((!__fifo||__cgcSqs.fifoEligible(y,__fifo))&&!y.delayed){if(y.visible){",
  },
  // SendMessage: characters checked, then the size in UTF-8 bytes with the attributes.
  {
    name: "send: refuse invalid characters and count the size as AWS does",
    find: "if(r>this.foundQueue.MaximumMessageSize)throw new u(",
    replace:
      "{let __invalid=__cgcSqs.invalidContents(e.MessageBody,i);if(__invalid)throw new __cgcInvalidContents(__invalid)}" +
      "if(r=__cgcSqs.messageSize(e.MessageBody,i),r>this.foundQueue.MaximumMessageSize)throw new u(",
  },
  // SendMessageBatch: an entry with invalid characters fails alone (the others are sent).
  {
    name: "send-batch: refuse invalid characters per entry",
    find: "e.forEach((n,o)=>{if(!this.foundQueue.FifoQueue){let a=Ti(n,o,this.foundQueue);",
    replace:
      `e.forEach((n,o)=>{{let __invalid=__cgcSqs.invalidContents(n.MessageBody,n.MessageAttributes);if(__invalid){r.push({Id:n.Id,Code:${JSON.stringify(INVALID_MESSAGE_CONTENTS.code)},Message:__invalid,SenderFault:"true"});return}}` +
      "if(!this.foundQueue.FifoQueue){let a=Ti(n,o,this.foundQueue);",
  },
  {
    name: "send-batch: a FIFO entry's size as AWS counts it",
    find: "if(r>t.MaximumMessageSize)throw new u(",
    replace: "if(r=__cgcSqs.messageSize(i.MessageBody,n),r>t.MaximumMessageSize)throw new u(",
  },
  {
    name: "send-batch: a standard entry's size as AWS counts it",
    find: "if(i>e.MaximumMessageSize)return{",
    replace: "if(i=__cgcSqs.messageSize(s.MessageBody,r),i>e.MaximumMessageSize)return{",
  },
  {
    name: "send-batch: the batch total as AWS counts it",
    find: "if(t>1048576)throw new Ge(t)",
    replace: "if(t=__cgcSqs.batchSize(s),t>1048576)throw new Ge(t)",
  },
];

/** The first line the removed postinstall script (scripts/patch-local-aws-sqs.js) wrote to dist/index.js. */
export const POSTINSTALL_MARKER = "/* cdktf-genesys-consumer: receive-count fix */";

// That script applied exactly the first two patches above; undone to get back the upstream file.
const POSTINSTALL_REPLACEMENTS: readonly SourcePatch[] = LOCAL_AWS_SQS_PATCHES.slice(0, 2);

const count = (source: string, text: string): number => source.split(text).length - 1;

/**
 * Applies `patches` in order. Throws, naming the patch and the count, if a patch's `find`
 * does not occur exactly once in the source as patched so far.
 */
export function applyPatches(source: string, patches: readonly SourcePatch[]): string {
  let out = source;
  for (const patch of patches) {
    const found = count(out, patch.find);
    if (found !== 1) {
      throw new Error(
        `patch "${patch.name}" must match exactly once, but its pattern was found ${found} times: ${JSON.stringify(patch.find)}`,
      );
    }
    const at = out.indexOf(patch.find);
    out = out.slice(0, at) + patch.replace + out.slice(at + patch.find.length);
  }
  return out;
}

/**
 * Returns the upstream source of a `dist/index.js` the removed postinstall script patched
 * (marker on the first line): the marker is removed and its replacements undone, each of
 * which must be found exactly once. Sources without the marker are returned as they are.
 */
export function undoPostinstall(source: string): string {
  if (!source.includes(POSTINSTALL_MARKER)) return source;
  const fix = "reinstall local-aws-sqs to restore the upstream file (`rm -rf node_modules/local-aws-sqs && npm install`)";
  const rest = source.startsWith(`${POSTINSTALL_MARKER}\n`) ? source.slice(POSTINSTALL_MARKER.length + 1) : undefined;
  if (rest === undefined || rest.includes(POSTINSTALL_MARKER)) {
    throw new Error(`the file carries the old postinstall marker ${POSTINSTALL_MARKER} other than once on its first line: ${fix}`);
  }
  try {
    return applyPatches(
      rest,
      POSTINSTALL_REPLACEMENTS.map((p) => ({ name: `undo ${p.name}`, find: p.replace, replace: p.find })),
    );
  } catch (error) {
    throw new Error(`the file carries the old postinstall marker but not that script's exact output (${(error as Error).message}): ${fix}`);
  }
}

/** The patched source of `local-aws-sqs` and the file it stands for. */
export interface PatchedSource {
  /** The package's dist/index.js (absolute); its directory anchors the module's `require`s. */
  readonly filename: string;
  readonly source: string;
  readonly version: string;
}

/** Finds the directory of the `local-aws-sqs` this package resolves. */
export function resolveLocalAwsSqs(): string {
  try {
    return path.dirname(require.resolve("local-aws-sqs/package.json"));
  } catch (error) {
    throw new Error(
      `the local emulator needs the npm package "local-aws-sqs" ${LOCAL_AWS_SQS_VERSION} (a dependency of cdktf-genesys-consumer): install it with \`npm install local-aws-sqs@${LOCAL_AWS_SQS_VERSION}\` (${(error as Error).message})`,
    );
  }
}

/**
 * Reads `local-aws-sqs` from `packageDir` and applies `patches`. Throws if the version is not
 * exactly {@link LOCAL_AWS_SQS_VERSION} or a patch does not match exactly once.
 */
export function readPatchedSource(packageDir: string, patches: readonly SourcePatch[] = LOCAL_AWS_SQS_PATCHES): PatchedSource {
  const version = (JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8")) as { version?: unknown }).version;
  if (version !== LOCAL_AWS_SQS_VERSION) {
    throw new Error(
      `local-aws-sqs ${String(version)} is installed (${packageDir}), but the local emulator is pinned to local-aws-sqs ${LOCAL_AWS_SQS_VERSION}: ` +
        `it patches that exact build in memory (lib/local/local-aws-sqs.ts). Install the pinned version with \`npm install local-aws-sqs@${LOCAL_AWS_SQS_VERSION}\`, ` +
        "or, to upgrade, re-check every patch against the new build first.",
    );
  }
  const filename = path.join(packageDir, "dist", "index.js");
  try {
    return { filename, version, source: applyPatches(undoPostinstall(readFileSync(filename, "utf8")), patches) };
  } catch (error) {
    throw new Error(`local-aws-sqs ${version} (${filename}): ${(error as Error).message}`);
  }
}

let cachedSource: PatchedSource | undefined;
let cachedModule: LocalAwsSqs | undefined;

/** The patched source of the resolved `local-aws-sqs` (read and checked once per process). */
export function patchedLocalAwsSqsSource(): PatchedSource {
  cachedSource ??= readPatchedSource(resolveLocalAwsSqs());
  return cachedSource;
}

interface CompilableModule {
  filename: string;
  paths: string[];
  loaded: boolean;
  exports: unknown;
  _compile(source: string, filename: string): unknown;
}
interface CompilableModuleClass {
  new (id: string): CompilableModule;
  _nodeModulePaths(dir: string): string[];
}

/**
 * Compiles `source` as the CommonJS module `filename`, in memory: its `require`s resolve from
 * the file's directory as if it were loaded from disk. Not added to the require cache.
 */
export function compileCommonJs(filename: string, source: string): unknown {
  const ModuleClass = Module as unknown as CompilableModuleClass;
  const mod = new ModuleClass(filename);
  mod.filename = filename;
  mod.paths = ModuleClass._nodeModulePaths(path.dirname(filename));
  mod._compile(source, filename);
  mod.loaded = true;
  return mod.exports;
}

/**
 * Returns `local-aws-sqs` with {@link LOCAL_AWS_SQS_PATCHES} applied (loaded once per process).
 * Use it instead of `require("local-aws-sqs")`, which gives the unpatched module.
 */
export function loadLocalAwsSqs(): LocalAwsSqs {
  if (!cachedModule) {
    const { filename, source } = patchedLocalAwsSqsSource();
    cachedModule = compileCommonJs(filename, source) as LocalAwsSqs;
  }
  return cachedModule;
}
