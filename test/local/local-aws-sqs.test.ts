/**
 * The in-memory loader of local-aws-sqs: the patched module restores AWS's receive count
 * while node_modules holds the upstream file, in process and in the emulator's server
 * thread; a wrong version, a patch that does not match exactly once, and a file the removed
 * postinstall script patched are each handled loudly, never papered over.
 *
 * Issue 15: the patched server refuses what SQS refuses and holds what SQS holds: a FIFO
 * message group while one of its messages is in flight, bodies and attribute values with
 * characters outside SQS's set (InvalidMessageContents, on both wire protocols), and messages
 * whose body plus attributes exceed MaximumMessageSize in UTF-8 bytes. Each behaviour is also
 * run against the build without these patches, which does not hold or refuse.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { AddressInfo } from "node:net";
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  type Message,
  type MessageAttributeValue,
} from "@aws-sdk/client-sqs";
import {
  applyPatches,
  compileCommonJs,
  INVALID_MESSAGE_CONTENTS,
  type LocalAwsSqs,
  LOCAL_AWS_SQS_PATCHES,
  LOCAL_AWS_SQS_VERSION,
  loadLocalAwsSqs,
  patchedLocalAwsSqsSource,
  POSTINSTALL_MARKER,
  readPatchedSource,
  resolveLocalAwsSqs,
  type SourcePatch,
} from "../../lib/local/local-aws-sqs";
import { closeServer, LOCAL_CREDENTIALS, startSqsServer } from "../../lib/local/services";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const packageDir = resolveLocalAwsSqs();
const onDisk = () => readFileSync(path.join(packageDir, "dist", "index.js"), "utf8");

/** Receive, change the visibility to 0, receive again: the two receive counts and first-receive timestamps. */
async function receiveChangeReceive(endpoint: string, queueName: string): Promise<{ counts: string[]; firstReceived: string[] }> {
  const client = new SQSClient({ region: "us-east-1", endpoint, credentials: LOCAL_CREDENTIALS });
  try {
    const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: queueName, Attributes: { VisibilityTimeout: "30" } }));
    await client.send(new SendMessageCommand({ QueueUrl, MessageBody: "m" }));
    const counts: string[] = [];
    const firstReceived: string[] = [];
    for (let i = 0; i < 2; i++) {
      const message = (await client.send(new ReceiveMessageCommand({ QueueUrl, AttributeNames: ["All"], WaitTimeSeconds: 1 })))
        .Messages?.[0];
      if (!message) break;
      counts.push(message.Attributes?.ApproximateReceiveCount ?? "?");
      firstReceived.push(message.Attributes?.ApproximateFirstReceiveTimestamp ?? "?");
      if (i === 0) {
        // Later than the first receive, so a reset first-receive timestamp would differ.
        await sleep(20);
        await client.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: 0 }));
        await sleep(100);
      }
    }
    return { counts, firstReceived };
  } finally {
    client.destroy();
  }
}

describe("loadLocalAwsSqs", () => {
  it("runs against the upstream local-aws-sqs file in node_modules, unpatched on disk", () => {
    // If this fails, the old postinstall patched this machine's copy: reinstall local-aws-sqs.
    const source = onDisk();
    expect(source).not.toContain(POSTINSTALL_MARKER);
    for (const patch of LOCAL_AWS_SQS_PATCHES) expect(source.split(patch.find)).toHaveLength(2);
  });

  it("gives AWS's receive count after ChangeMessageVisibility, in process", async () => {
    // Prepare
    const { createSqsServer } = loadLocalAwsSqs();
    const server = await createSqsServer({ port: 0, hostname: "127.0.0.1", emulateQueueCreationLifecycle: false });
    try {
      // Act
      const { counts, firstReceived } = await receiveChangeReceive(
        `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        "loader-in-process",
      );

      // Assess: upstream counts the visibility change (1, 3) and AWS does not (1, 2).
      expect(counts).toEqual(["1", "2"]);
      expect(firstReceived[1]).toBe(firstReceived[0]);
    } finally {
      await closeServer(server);
    }
    // The file on disk was not written.
    expect(onDisk()).not.toContain(POSTINSTALL_MARKER);
  });

  it("gives AWS's receive count in the emulator's SQS server thread", async () => {
    // Prepare
    const sqs = await startSqsServer("us-east-1", "123456789012");
    try {
      // Act
      const { counts, firstReceived } = await receiveChangeReceive(sqs.endpoint, "loader-thread");

      // Assess
      expect(counts).toEqual(["1", "2"]);
      expect(firstReceived[1]).toBe(firstReceived[0]);
    } finally {
      await sqs.close();
    }
  });

  it("loads and checks once per process", () => {
    expect(loadLocalAwsSqs()).toBe(loadLocalAwsSqs());
    expect(patchedLocalAwsSqsSource()).toBe(patchedLocalAwsSqsSource());
    expect(patchedLocalAwsSqsSource().filename).toBe(path.join(packageDir, "dist", "index.js"));
  });
});

describe("applyPatches", () => {
  const patch = (name: string, find: string, replace: string): SourcePatch => ({ name, find, replace });

  it("applies each patch once, in order", () => {
    expect(applyPatches("a+b;", [patch("one", "a+b", "a-b"), patch("two", "a-b;", "(a-b);")])).toBe("(a-b);");
  });

  it("refuses a pattern found 0 times, naming the patch and the count", () => {
    expect(() => applyPatches("a+b;", [patch("ok", "a", "A"), patch("moved-code", "c+d", "c-d")])).toThrow(
      'patch "moved-code" must match exactly once, but its pattern was found 0 times: "c+d"',
    );
  });

  it("refuses a pattern found 2 times, naming the patch and the count", () => {
    expect(() => applyPatches("a+b;a+b;", [patch("ambiguous", "a+b", "a-b")])).toThrow(
      'patch "ambiguous" must match exactly once, but its pattern was found 2 times: "a+b"',
    );
  });

  it("patches the pinned build exactly once each", () => {
    const { source, version } = readPatchedSource(packageDir);
    expect(version).toBe(LOCAL_AWS_SQS_VERSION);
    const count = (text: string, part: string) => text.split(part).length - 1;
    for (const { find, replace } of LOCAL_AWS_SQS_PATCHES) {
      expect(count(source, replace)).toBe(1);
      // What is left of `find` is only what the replacement itself holds (insertions keep it).
      expect(count(source, find)).toBe(count(replace, find));
    }
  });
});

describe("readPatchedSource", () => {
  let scratch: string;
  beforeAll(() => {
    scratch = mkdtempSync(path.join(os.tmpdir(), "local-aws-sqs-"));
  });
  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  /** A copy of the package with the given version and dist/index.js. */
  const fakePackage = (name: string, version: string, index: string): string => {
    const dir = path.join(scratch, name);
    mkdirSync(path.join(dir, "dist"), { recursive: true });
    writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "local-aws-sqs", version }));
    writeFileSync(path.join(dir, "dist", "index.js"), index);
    return dir;
  };
  // What the removed scripts/patch-local-aws-sqs.js wrote.
  const postinstallOutput = (upstream: string) =>
    `${POSTINSTALL_MARKER}\n${upstream
      .replace(
        "let n=Number(t.record.attributes.ApproximateReceiveCount)+1;",
        "let n=Number(t.record.attributes.ApproximateReceiveCount)+(i?0:1);",
      )
      .replace("ApproximateReceiveCount=String(n),n==1&&(", "ApproximateReceiveCount=String(n),!i&&n==1&&(")}`;

  it("refuses another version, naming it and the fix", () => {
    const dir = fakePackage("newer", "2.0.3", onDisk());
    expect(() => readPatchedSource(dir)).toThrow(
      `local-aws-sqs 2.0.3 is installed (${dir}), but the local emulator is pinned to local-aws-sqs 2.0.2: it patches that exact build in memory (lib/local/local-aws-sqs.ts). Install the pinned version with \`npm install local-aws-sqs@2.0.2\``,
    );
  });

  it("refuses a patch whose pattern the build does not hold exactly once, naming the file and the patch", () => {
    const file = path.join(packageDir, "dist", "index.js");
    expect(() => readPatchedSource(packageDir, [{ name: "not-there", find: "no such code", replace: "x" }])).toThrow(
      `local-aws-sqs 2.0.2 (${file}): patch "not-there" must match exactly once, but its pattern was found 0 times`,
    );
    expect(() => readPatchedSource(packageDir, [{ name: "everywhere", find: 'require("crypto")', replace: "x" }])).toThrow(
      `local-aws-sqs 2.0.2 (${file}): patch "everywhere" must match exactly once, but its pattern was found 4 times`,
    );
  });

  it("undoes the old postinstall's output before patching, so nothing is applied twice", () => {
    const dir = fakePackage("postinstalled", LOCAL_AWS_SQS_VERSION, postinstallOutput(onDisk()));
    const patched = readPatchedSource(dir).source;
    expect(patched).toBe(readPatchedSource(packageDir).source);
    expect(patched).not.toContain(POSTINSTALL_MARKER);
    expect(patched).not.toContain("+(i?0:1)+(i?0:1)");
  });

  it("refuses a marked file that is not exactly the old postinstall's output, naming the fix", () => {
    const markedUpstream = fakePackage("marked-upstream", LOCAL_AWS_SQS_VERSION, `${POSTINSTALL_MARKER}\n${onDisk()}`);
    expect(() => readPatchedSource(markedUpstream)).toThrow(
      /the file carries the old postinstall marker but not that script's exact output \(patch "undo receive-count: a visibility change is not a receive" must match exactly once, but its pattern was found 0 times.*reinstall local-aws-sqs/,
    );
    const markedTwice = fakePackage("marked-twice", LOCAL_AWS_SQS_VERSION, `${POSTINSTALL_MARKER}\n${postinstallOutput(onDisk())}`);
    expect(() => readPatchedSource(markedTwice)).toThrow(
      /old postinstall marker .* other than once on its first line: reinstall local-aws-sqs/,
    );
  });
});

// Issue 15: the emulator refuses what AWS refuses (see SQS_HELPERS in lib/local/local-aws-sqs.ts for the AWS sources).

/** The patches of the receive count only: local-aws-sqs as the emulator ran it before issue 15. */
const RECEIVE_COUNT_PATCHES = LOCAL_AWS_SQS_PATCHES.filter(
  (p) => p.name.startsWith("receive-count") || p.name.startsWith("first-receive-timestamp"),
);

interface Served {
  readonly endpoint: string;
  readonly client: SQSClient;
  close(): Promise<void>;
}

/** A server of `mod` on 127.0.0.1 and a client of it. */
async function serve(mod: LocalAwsSqs): Promise<Served> {
  const server = await mod.createSqsServer({ port: 0, hostname: "127.0.0.1", emulateQueueCreationLifecycle: false });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new SQSClient({ region: "us-east-1", endpoint, credentials: LOCAL_CREDENTIALS });
  return {
    endpoint,
    client,
    close: async () => {
      client.destroy();
      await closeServer(server);
    },
  };
}

let queueCount = 0;
/** A new queue (FIFO with content-based deduplication when `fifo`). */
async function newQueue(client: SQSClient, fifo: boolean, attributes: Record<string, string> = {}): Promise<string> {
  const fifoAttributes = fifo ? { FifoQueue: "true", ContentBasedDeduplication: "true" } : {};
  const name = `issue15-${++queueCount}${fifo ? ".fifo" : ""}`;
  const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: { ...attributes, ...fifoAttributes } }));
  return QueueUrl as string;
}

const send = (client: SQSClient, url: string, body: string, group?: string, attributes?: Record<string, MessageAttributeValue>) =>
  client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body, MessageGroupId: group, MessageAttributes: attributes }));

async function receive(client: SQSClient, url: string, max = 10): Promise<Message[]> {
  return (await client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: max, WaitTimeSeconds: 0 }))).Messages ?? [];
}
const bodies = (messages: Message[]) => messages.map((m) => m.Body);
const remove = (client: SQSClient, url: string, message: Message) =>
  client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle }));
const release = (client: SQSClient, url: string, message: Message) =>
  client.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: 0 }));

/** "accepted", or "<HTTP status> <SDK error name>: <message>". */
async function outcome(request: Promise<unknown>): Promise<string> {
  try {
    await request;
    return "accepted";
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number } };
    return `${e.$metadata?.httpStatusCode} ${e.name}: ${e.message}`;
  }
}

/** FIFO a1, a2, b1: receive one, then ten, delete the first, then ten again. */
async function fifoInFlight(client: SQSClient): Promise<Array<Array<string | undefined>>> {
  const url = await newQueue(client, true);
  for (const body of ["a1", "a2", "b1"]) await send(client, url, body, body[0]);
  const first = await receive(client, url, 1);
  const second = await receive(client, url);
  await remove(client, url, first[0]);
  return [bodies(first), bodies(second), bodies(await receive(client, url))];
}

/** FIFO a1, a2: receive one, end its visibility, receive one, then ten. */
async function fifoVisibleAgain(client: SQSClient): Promise<Array<Array<string | undefined>>> {
  const url = await newQueue(client, true);
  for (const body of ["a1", "a2"]) await send(client, url, body, "a");
  const first = await receive(client, url, 1);
  await release(client, url, first[0]);
  const again = await receive(client, url, 1);
  return [bodies(first), bodies(again), bodies(await receive(client, url))];
}

/** FIFO a1..a3, b1 in one receive; a4 sent; a1, a2 deleted; receive; a3 released; receive. */
async function fifoSeveralInOneReceive(client: SQSClient): Promise<Array<Array<string | undefined>>> {
  const url = await newQueue(client, true);
  for (const body of ["a1", "a2", "a3", "b1"]) await send(client, url, body, body[0]);
  const all = await receive(client, url);
  await send(client, url, "a4", "a");
  await remove(client, url, all[0]);
  await remove(client, url, all[1]);
  const whileA3InFlight = await receive(client, url);
  await release(client, url, all[2]);
  return [bodies(all), bodies(whileA3InFlight), bodies(await receive(client, url))];
}

const INVALID_BODY = INVALID_MESSAGE_CONTENTS.message;
const invalidAttribute = (name: string) => INVALID_BODY.replace("the message body", `the value of message attribute '${name}'`);
/** Characters outside #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF. */
const INVALID_CHARACTERS: ReadonlyArray<[string, string]> = [
  ["U+0000", "\u0000"],
  ["U+0008", "\u0008"],
  ["U+000B", "\u000B"],
  ["U+001F", "\u001F"],
  ["U+FFFE", "\uFFFE"],
  ["U+FFFF", "\uFFFF"],
  ["lone high surrogate U+D800", "\uD800"],
  ["lone low surrogate U+DC00", "\uDC00"],
];
/** The edges of the allowed set, each allowed. */
const ALLOWED_EDGES = "\t\n\r \uD7FF\uE000\uFFFD\u{10000}\u{10FFFF}";

/** A body of exactly `bytes` UTF-8 bytes, mostly 3-byte characters (a UTF-16 count would be a third). */
const utf8Body = (bytes: number) => "€".repeat(Math.floor(bytes / 3)) + "x".repeat(bytes % 3);
const TOO_LONG_1024 = "400 InvalidParameterValue: One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.";
/** Attributes and their size as AWS counts it: name + data type + value, in UTF-8 bytes (a Binary value in bytes). */
const SIZED_ATTRIBUTES: ReadonlyArray<[string, Record<string, MessageAttributeValue> | undefined, number]> = [
  ["no attributes", undefined, 0],
  ["a String attribute (4 + 10 + 6 bytes)", { note: { DataType: "String.eur", StringValue: "€€" } }, 20],
  ["a Binary attribute (3 + 6 + 100 bytes)", { bin: { DataType: "Binary", BinaryValue: new Uint8Array(100).fill(7) } }, 109],
];

/** A raw Query-protocol (form in, XML out) request. */
async function queryRequest(endpoint: string, params: Record<string, string>): Promise<{ status: number; xml: string }> {
  const res = await fetch(endpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ Version: "2012-11-05", ...params }).toString(),
  });
  return { status: res.status, xml: await res.text() };
}
const xmlValues = (xml: string, tag: string) => [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, "g"))].map((m) => m[1]);

describe("FIFO message groups: a group with a message in flight is held, as on AWS", () => {
  let sqs: Served;
  beforeAll(async () => {
    sqs = await serve(loadLocalAwsSqs());
  });
  afterAll(async () => {
    await sqs.close();
  });

  it("returns no other message of a group while one is in flight, then the next once it is deleted", async () => {
    expect(await fifoInFlight(sqs.client)).toEqual([["a1"], ["b1"], ["a2"]]);
  });

  it("returns a message whose visibility ended before its successors, and holds the group again", async () => {
    expect(await fifoVisibleAgain(sqs.client)).toEqual([["a1"], ["a1"], []]);
  });

  it("returns several messages of one group in one receive, in order, and holds the group until all are done", async () => {
    expect(await fifoSeveralInOneReceive(sqs.client)).toEqual([["a1", "a2", "a3", "b1"], [], ["a3", "a4"]]);
  });

  it("holds nothing on a standard queue, even for messages with a MessageGroupId (fair queues)", async () => {
    const url = await newQueue(sqs.client, false);
    for (const body of ["g1", "g2"]) await send(sqs.client, url, body, "g");
    expect([bodies(await receive(sqs.client, url, 1)), bodies(await receive(sqs.client, url, 1))]).toEqual([["g1"], ["g2"]]);
  });
});

describe("message contents: characters outside SQS's set are refused with InvalidMessageContents", () => {
  let sqs: Served;
  beforeAll(async () => {
    sqs = await serve(loadLocalAwsSqs());
  });
  afterAll(async () => {
    await sqs.close();
  });

  describe.each([
    ["standard", false, undefined],
    ["FIFO", true, "g"],
  ])("%s queue", (_kind, fifo, group) => {
    it.each(INVALID_CHARACTERS)(
      "refuses %s in the body and in a String attribute value (SendMessage, JSON protocol)",
      async (_name, character) => {
        const url = await newQueue(sqs.client, fifo);
        expect(await outcome(send(sqs.client, url, `x${character}y`, group))).toBe(`400 InvalidMessageContents: ${INVALID_BODY}`);
        const attributes = { note: { DataType: "String", StringValue: `x${character}` } };
        expect(await outcome(send(sqs.client, url, "fine", group, attributes))).toBe(
          `400 InvalidMessageContents: ${invalidAttribute("note")}`,
        );
        expect(await receive(sqs.client, url)).toEqual([]);
      },
    );

    it("accepts the edges of the allowed set and delivers them unchanged", async () => {
      const url = await newQueue(sqs.client, fifo);
      const attributes = { note: { DataType: "String", StringValue: ALLOWED_EDGES } };
      expect(await outcome(send(sqs.client, url, ALLOWED_EDGES, group, attributes))).toBe("accepted");
      const [message] = await sqs.client
        .send(new ReceiveMessageCommand({ QueueUrl: url, MessageAttributeNames: ["All"], WaitTimeSeconds: 0 }))
        .then((r) => r.Messages ?? []);
      expect([message.Body, message.MessageAttributes?.note?.StringValue]).toEqual([ALLOWED_EDGES, ALLOWED_EDGES]);
    });

    it("fails only the entries with invalid characters in SendMessageBatch", async () => {
      const url = await newQueue(sqs.client, fifo);
      const out = await sqs.client.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: [
            { Id: "ok", MessageBody: "fine", MessageGroupId: group },
            { Id: "body", MessageBody: "bad\uFFFF", MessageGroupId: group },
            {
              Id: "attribute",
              MessageBody: "fine too",
              MessageGroupId: group,
              MessageAttributes: { note: { DataType: "String", StringValue: "\u0000" } },
            },
          ],
        }),
      );
      expect(out.Successful?.map((e) => e.Id)).toEqual(["ok"]);
      expect(out.Failed).toEqual([
        { Id: "body", Code: "InvalidMessageContents", SenderFault: true, Message: INVALID_BODY },
        { Id: "attribute", Code: "InvalidMessageContents", SenderFault: true, Message: invalidAttribute("note") },
      ]);
      expect(bodies(await receive(sqs.client, url))).toEqual(["fine"]);
    });
  });

  it("answers the JSON protocol with the InvalidMessageContents type and query error code", async () => {
    const url = await newQueue(sqs.client, false);
    const res = await fetch(sqs.endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": "AmazonSQS.SendMessage" },
      body: JSON.stringify({ QueueUrl: url, MessageBody: "bad\uFFFE" }),
    });
    expect([res.status, res.headers.get("x-amzn-query-error"), await res.json()]).toEqual([
      400,
      "InvalidMessageContents;Sender",
      { __type: "com.amazonaws.sqs#InvalidMessageContents", message: INVALID_BODY },
    ]);
  });

  it("answers the Query protocol with the InvalidMessageContents code, for SendMessage and per SendMessageBatch entry", async () => {
    const url = await newQueue(sqs.client, false);
    const single = await queryRequest(sqs.endpoint, { Action: "SendMessage", QueueUrl: url, MessageBody: "bad\u0000" });
    expect([single.status, xmlValues(single.xml, "Type"), xmlValues(single.xml, "Code"), xmlValues(single.xml, "Message")]).toEqual([
      400,
      ["Sender"],
      ["InvalidMessageContents"],
      [INVALID_BODY],
    ]);
    const batch = await queryRequest(sqs.endpoint, {
      Action: "SendMessageBatch",
      QueueUrl: url,
      "SendMessageBatchRequestEntry.1.Id": "ok",
      "SendMessageBatchRequestEntry.1.MessageBody": "fine",
      "SendMessageBatchRequestEntry.2.Id": "bad",
      "SendMessageBatchRequestEntry.2.MessageBody": "bad\uFFFF",
    });
    expect([batch.status, xmlValues(batch.xml, "Id"), xmlValues(batch.xml, "Code")]).toEqual([
      200,
      ["ok", "bad"],
      ["InvalidMessageContents"],
    ]);
  });
});

describe("message size: the body plus the attributes, in UTF-8 bytes, against MaximumMessageSize", () => {
  let sqs: Served;
  beforeAll(async () => {
    sqs = await serve(loadLocalAwsSqs());
  });
  afterAll(async () => {
    await sqs.close();
  });

  describe.each([
    ["standard", false, undefined],
    ["FIFO", true, "g"],
  ])("%s queue of MaximumMessageSize 1024", (_kind, fifo, group) => {
    it.each(SIZED_ATTRIBUTES)("accepts 1024 bytes and refuses 1025 with %s (SendMessage)", async (_name, attributes, attributeBytes) => {
      const url = await newQueue(sqs.client, fifo, { MaximumMessageSize: "1024" });
      expect(await outcome(send(sqs.client, url, utf8Body(1024 - attributeBytes), group, attributes))).toBe("accepted");
      expect(await outcome(send(sqs.client, url, utf8Body(1025 - attributeBytes), group, attributes))).toBe(TOO_LONG_1024);
    });
  });

  it("refuses only the over-size entry of a SendMessageBatch on a standard queue", async () => {
    const url = await newQueue(sqs.client, false, { MaximumMessageSize: "1024" });
    const attributes = SIZED_ATTRIBUTES[1][1];
    const out = await sqs.client.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: "at", MessageBody: utf8Body(1004), MessageAttributes: attributes },
          { Id: "over", MessageBody: utf8Body(1005), MessageAttributes: attributes },
        ],
      }),
    );
    expect(out.Successful?.map((e) => e.Id)).toEqual(["at"]);
    expect(out.Failed).toEqual([
      { Id: "over", Code: "InvalidParameterValue", SenderFault: true, Message: TOO_LONG_1024.slice("400 InvalidParameterValue: ".length) },
    ]);
  });

  it("counts a FIFO SendMessageBatch entry's Binary attribute in bytes, not base64 characters", async () => {
    const url = await newQueue(sqs.client, true, { MaximumMessageSize: "1024" });
    const attributes = SIZED_ATTRIBUTES[2][1];
    const entry = (id: string, bytes: number) => ({
      Id: id,
      MessageBody: utf8Body(bytes),
      MessageGroupId: "g",
      MessageAttributes: attributes,
    });
    expect(await outcome(sqs.client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [entry("at", 915)] })))).toBe("accepted");
    // local-aws-sqs refuses a FIFO batch with an over-size entry as a whole (its choice; AWS's is not documented).
    expect(await outcome(sqs.client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [entry("over", 916)] })))).toBe(
      TOO_LONG_1024,
    );
  });

  it("counts a SendMessageBatch's total in UTF-8 bytes: 1 MiB accepted, one byte more refused", async () => {
    const url = await newQueue(sqs.client, false);
    const batch = (second: number) =>
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: "a", MessageBody: utf8Body(524_288) },
          { Id: "b", MessageBody: utf8Body(second) },
        ],
      });
    expect(await outcome(sqs.client.send(batch(524_288)))).toBe("accepted");
    expect(await outcome(sqs.client.send(batch(524_289)))).toBe(
      "400 BatchRequestTooLong: Batch requests cannot be longer than 1048576 bytes. You have sent 1048577 bytes.",
    );
  });

  it("counts the same on the Query protocol", async () => {
    const url = await newQueue(sqs.client, false, { MaximumMessageSize: "1024" });
    const attribute = {
      "MessageAttribute.1.Name": "note",
      "MessageAttribute.1.Value.DataType": "String.eur",
      "MessageAttribute.1.Value.StringValue": "€€",
    };
    const at = await queryRequest(sqs.endpoint, { Action: "SendMessage", QueueUrl: url, MessageBody: utf8Body(1004), ...attribute });
    const over = await queryRequest(sqs.endpoint, { Action: "SendMessage", QueueUrl: url, MessageBody: utf8Body(1005), ...attribute });
    expect([at.status, over.status, xmlValues(over.xml, "Code"), xmlValues(over.xml, "Message")]).toEqual([
      200,
      400,
      ["InvalidParameterValue"],
      ["One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes."],
    ]);
  });
});

describe("the issue-15 behaviours in the emulator's SQS server thread", () => {
  it("holds a FIFO group, refuses invalid characters and counts the size in bytes", async () => {
    const sqs = await startSqsServer("us-east-1", "123456789012");
    const client = new SQSClient({ region: "us-east-1", endpoint: sqs.endpoint, credentials: LOCAL_CREDENTIALS });
    try {
      expect(await fifoInFlight(client)).toEqual([["a1"], ["b1"], ["a2"]]);
      const url = await newQueue(client, false, { MaximumMessageSize: "1024" });
      expect(await outcome(send(client, url, "bad\uFFFF"))).toBe(`400 InvalidMessageContents: ${INVALID_BODY}`);
      expect(await outcome(send(client, url, utf8Body(1025)))).toBe(TOO_LONG_1024);
    } finally {
      client.destroy();
      await sqs.close();
    }
  });
});

describe("local-aws-sqs without the issue-15 patches (why they exist)", () => {
  let sqs: Served;
  beforeAll(async () => {
    const file = path.join(packageDir, "dist", "index.js");
    sqs = await serve(compileCommonJs(file, readPatchedSource(packageDir, RECEIVE_COUNT_PATCHES).source) as LocalAwsSqs);
  });
  afterAll(async () => {
    await sqs.close();
  });

  it("hands out a FIFO group's next message while one is in flight", async () => {
    expect(await fifoInFlight(sqs.client)).toEqual([["a1"], ["a2", "b1"], []]);
    expect(await fifoVisibleAgain(sqs.client)).toEqual([["a1"], ["a1"], ["a2"]]);
    expect(await fifoSeveralInOneReceive(sqs.client)).toEqual([["a1", "a2", "a3", "b1"], ["a4"], ["a3"]]);
  });

  it("accepts characters SQS refuses, and counts UTF-16 code units instead of bytes", async () => {
    const url = await newQueue(sqs.client, false, { MaximumMessageSize: "1024" });
    for (const [, character] of INVALID_CHARACTERS) expect(await outcome(send(sqs.client, url, `x${character}`))).toBe("accepted");
    expect(await outcome(send(sqs.client, url, utf8Body(1025)))).toBe("accepted");
  });
});
