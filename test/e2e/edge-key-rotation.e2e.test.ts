/**
 * The edge API key rotated in the middle of a short local spike, nothing lost. The stack is
 * the demo pipeline (its 1..8 s backoff and 5 receives) with
 * `ingress.apiKey: { generation: 1, alsoValidGeneration: 2 }` (step 1
 * of the README's rotation: the next key staged), run by the local emulator. While the spike
 * runs, step 2 (switch: the key secret now holds generation 2, as the apply writes it) and
 * step 3 (retire: generation 1 leaves the usage plan) happen at once, the hardest case for
 * the generator: it still sends key 1, is answered 403, reads the secret again and retries
 * with key 2. Before the spike, outsiders are sent at the ingress: without a key, with a wrong
 * key, with the key but no signature, and with the key and a forged signature.
 */
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runLocalStack, type LocalRunResult, type RunningStack } from "../../lib/local/run";
import { LOCAL_CREDENTIALS } from "../../lib/local/services";
import { DEAD_LETTER_ATTRIBUTE, parseDeadLetterContext } from "../../lib/runtime/dead-letter";
import { smokeSpikeProfile } from "../../lib/runtime/loadgen/profile";
import { sign, SIGNATURE_HEADER } from "../../lib/runtime/signature";
import { WORKER_CONTRACT } from "../../lib/runtime/contract";
import { synthVariant, type SynthesizedVariant } from "./helpers/stacks";
import { failedCorrectnessChecks, reconciledDelivery } from "./local-helpers";

jest.setTimeout(300_000);

/** What an outsider's request got: the status, the body, and how many messages it enqueued. */
interface Probe {
  readonly status: number;
  readonly body: unknown;
  readonly enqueued: number;
}

/** Sends the hostile requests before the spike; returns each outcome by name. */
async function probeOutsiders(stack: RunningStack): Promise<Record<string, Probe>> {
  const body = JSON.stringify({
    id: "edge-forged-1",
    channel: {
      id: "c",
      platform: "Open",
      type: "Private",
      to: { id: "to" },
      from: { id: "from" },
      time: new Date().toISOString(),
      messageId: "edge-forged-1",
    },
    type: "Text",
    text: "hi",
    direction: "Outbound",
  });
  const key = stack.edgeKey!.value;
  const cases: Record<string, Record<string, string>> = {
    "signed, no key": { [SIGNATURE_HEADER]: sign(body, "any-secret-any-secret") },
    "signed, wrong key": {
      [SIGNATURE_HEADER]: sign(body, "any-secret-any-secret"),
      "x-api-key": "WrongKeyWrongKeyWrongKey0123456789abcdef",
    },
    "no key, no signature": {},
    "the key, no signature": { "x-api-key": key },
    "the key, forged signature": { [SIGNATURE_HEADER]: sign(body, "not-the-signing-secret"), "x-api-key": key },
  };
  const out: Record<string, Probe> = {};
  for (const [name, headers] of Object.entries(cases)) {
    const before = stack.apiStats.enqueued;
    const res = await fetch(stack.targetUrl, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
    out[name] = { status: res.status, body: await res.json(), enqueued: stack.apiStats.enqueued - before };
  }
  return out;
}

/** Waits for the forged message in the DLQ; returns its dead-letter reason and the side effects it had. */
async function forgedDeadLetter(stack: RunningStack): Promise<{ reason?: string; effects: number } | undefined> {
  const sqs = new SQSClient({ region: stack.region, endpoint: stack.sqsEndpoint, credentials: LOCAL_CREDENTIALS });
  const dlqUrl = stack.workerEnvironment[WORKER_CONTRACT.dlqUrl.env];
  try {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ["All"], WaitTimeSeconds: 1 }),
      );
      for (const m of Messages) {
        const context = parseDeadLetterContext(m.MessageAttributes?.[DEAD_LETTER_ATTRIBUTE]?.StringValue);
        await sqs.send(new DeleteMessageCommand({ QueueUrl: dlqUrl, ReceiptHandle: m.ReceiptHandle }));
        return { reason: context?.reason, effects: stack.downstream.effects("edge-forged-1") };
      }
    }
    return undefined;
  } finally {
    sqs.destroy();
  }
}

describe("the edge API key rotated during a local spike", () => {
  let variant: SynthesizedVariant;
  let result: LocalRunResult;
  let probes: Record<string, Probe> = {};
  let forged: { reason?: string; effects: number } | undefined;
  const rotation: { switchedAt?: number; retiredAt?: number; oldKey?: string; newKey?: string; secretArn?: string } = {};
  const reportDir = join(tmpdir(), `gcx-edge-key-${process.pid}`);

  beforeAll(async () => {
    // the demo's short backoff and 5 receives, so poison is quarantined within the run
    variant = synthVariant({
      ingress: { apiKey: { generation: 1, alsoValidGeneration: 2 } },
      worker: { backoffBaseSeconds: 1, backoffMaxSeconds: 8 },
      queue: { maxReceiveCount: 5 },
    });
    let running: RunningStack | undefined;
    result = await runLocalStack({
      stack: variant.stackDir,
      profile: { ...smokeSpikeProfile, reconcile: { deadlineSeconds: 90, pollIntervalSeconds: 1 } },
      reportDir,
      html: false,
      beforeSpike: async (stack) => {
        running = stack;
        rotation.oldKey = stack.edgeKey!.value;
        rotation.secretArn = stack.edgeKey!.secretArn;
        rotation.newKey = stack.apiKeys.list().find((k) => k.value !== rotation.oldKey)!.value;
        probes = await probeOutsiders(stack);
        forged = await forgedDeadLetter(stack);
      },
      onProgress: (p) => {
        if (p.stage !== "sending" || !running) return;
        // step 2, switch: the apply puts generation 2 in the key secret (Genesys gets it too)
        if (rotation.switchedAt === undefined && p.elapsedSeconds >= 2) {
          running.putSecret(rotation.secretArn!, rotation.newKey!);
          rotation.switchedAt = p.elapsedSeconds;
        }
        // step 3, retire: generation 1 leaves the usage plan while the generator still sends it
        if (rotation.retiredAt === undefined && p.elapsedSeconds >= 4.5) {
          running.apiKeys.remove(running.apiKeys.list().find((k) => k.value === rotation.oldKey)!.address);
          rotation.retiredAt = p.elapsedSeconds;
        }
      },
    });
  });
  afterAll(() => {
    rmSync(reportDir, { recursive: true, force: true });
    variant?.cleanup();
  });

  it("refuses outsiders at the edge with 403 and enqueues nothing; the key without a signature is 400", () => {
    expect(probes["signed, no key"]).toEqual({ status: 403, body: { message: "Forbidden" }, enqueued: 0 });
    expect(probes["signed, wrong key"]).toEqual({ status: 403, body: { message: "Forbidden" }, enqueued: 0 });
    expect(probes["no key, no signature"]).toEqual({ status: 403, body: { message: "Forbidden" }, enqueued: 0 });
    expect(probes["the key, no signature"]).toEqual({
      status: 400,
      body: { message: "Missing required request parameters: [X-Hub-Signature-256]" },
      enqueued: 0,
    });
  });

  it("lets the key with a forged signature in, and the worker's HMAC check dead-letters it unprocessed", () => {
    expect(probes["the key, forged signature"]).toMatchObject({ status: 200, enqueued: 1 });
    expect(forged).toEqual({ reason: "invalid-signature", effects: 0 });
  });

  it("rotated during the traffic: the generator was answered 403, read the key again and retried", () => {
    expect(rotation.switchedAt).toBeDefined();
    expect(rotation.retiredAt).toBeDefined();
    const c = result.spike.counts;
    expect(c.forbiddenResponses).toBeGreaterThanOrEqual(1);
    expect(c.edgeKeyRereads).toBeGreaterThanOrEqual(1);
    expect(c.acceptedAfterRetry).toBeGreaterThanOrEqual(c.forbiddenResponses);
    expect(c.statusCodes["403"]).toBe(c.forbiddenResponses);
    expect(result.emulator.api.stats.forbidden).toBe(c.forbiddenResponses + 3);
  });

  it("loses nothing: every offered message accepted and processed or quarantined, the verdict PASS", () => {
    const delivery = reconciledDelivery(result);
    expect(result.spike.counts.failed).toBe(0);
    expect(delivery.accepted).toBe(result.spike.counts.offered);
    expect(delivery.lost).toBe(0);
    expect(delivery.deadLetteredUnexpected).toBe(0);
    expect(delivery.duplicateSideEffects).toBe(0);
    expect(failedCorrectnessChecks(result)).toEqual([]);
  });
});
