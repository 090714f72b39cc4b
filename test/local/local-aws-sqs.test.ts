/**
 * The in-memory loader of local-aws-sqs: the patched module restores AWS's receive count
 * while node_modules holds the upstream file, in process and in the emulator's server
 * thread; a wrong version, a patch that does not match exactly once, and a file the removed
 * postinstall script patched are each handled loudly, never papered over.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { AddressInfo } from "node:net";
import { ChangeMessageVisibilityCommand, CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import {
  applyPatches,
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
      const message = (await client.send(new ReceiveMessageCommand({ QueueUrl, AttributeNames: ["All"], WaitTimeSeconds: 1 }))).Messages?.[0];
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
      const { counts, firstReceived } = await receiveChangeReceive(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, "loader-in-process");

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
    expect(() => applyPatches("a+b;", [patch("ok", "a", "A"), patch("moved-code", "c+d", "c-d")])).toThrow('patch "moved-code" must match exactly once, but its pattern was found 0 times: "c+d"');
  });

  it("refuses a pattern found 2 times, naming the patch and the count", () => {
    expect(() => applyPatches("a+b;a+b;", [patch("ambiguous", "a+b", "a-b")])).toThrow('patch "ambiguous" must match exactly once, but its pattern was found 2 times: "a+b"');
  });

  it("patches the pinned build exactly once each", () => {
    const { source, version } = readPatchedSource(packageDir);
    expect(version).toBe(LOCAL_AWS_SQS_VERSION);
    for (const { find, replace } of LOCAL_AWS_SQS_PATCHES) {
      expect(source.split(replace)).toHaveLength(2);
      expect(source.split(find)).toHaveLength(1);
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
      .replace("let n=Number(t.record.attributes.ApproximateReceiveCount)+1;", "let n=Number(t.record.attributes.ApproximateReceiveCount)+(i?0:1);")
      .replace("ApproximateReceiveCount=String(n),n==1&&(", "ApproximateReceiveCount=String(n),!i&&n==1&&(")}`;

  it("refuses another version, naming it and the fix", () => {
    const dir = fakePackage("newer", "2.0.3", onDisk());
    expect(() => readPatchedSource(dir)).toThrow(
      `local-aws-sqs 2.0.3 is installed (${dir}), but the local emulator is pinned to local-aws-sqs 2.0.2: it patches that exact build in memory (lib/local/local-aws-sqs.ts). Install the pinned version with \`npm install local-aws-sqs@2.0.2\``,
    );
  });

  it("refuses a patch whose pattern the build does not hold exactly once, naming the file and the patch", () => {
    const file = path.join(packageDir, "dist", "index.js");
    expect(() => readPatchedSource(packageDir, [{ name: "not-there", find: "no such code", replace: "x" }])).toThrow(`local-aws-sqs 2.0.2 (${file}): patch "not-there" must match exactly once, but its pattern was found 0 times`);
    expect(() => readPatchedSource(packageDir, [{ name: "everywhere", find: 'require("crypto")', replace: "x" }])).toThrow(`local-aws-sqs 2.0.2 (${file}): patch "everywhere" must match exactly once, but its pattern was found 4 times`);
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
    expect(() => readPatchedSource(markedUpstream)).toThrow(/the file carries the old postinstall marker but not that script's exact output \(patch "undo receive-count: a visibility change is not a receive" must match exactly once, but its pattern was found 0 times.*reinstall local-aws-sqs/);
    const markedTwice = fakePackage("marked-twice", LOCAL_AWS_SQS_VERSION, `${POSTINSTALL_MARKER}\n${postinstallOutput(onDisk())}`);
    expect(() => readPatchedSource(markedTwice)).toThrow(/old postinstall marker .* other than once on its first line: reinstall local-aws-sqs/);
  });
});
