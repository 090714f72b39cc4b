/**
 * The short end-to-end run of `npm test`: the real synthesized demo stack, run by the local
 * emulator, about 10 s of traffic (the smoke profile), then requests straight at the ingress.
 */
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runLocalStack, type LocalRunResult, type RunningStack } from "../../lib/local/run";
import { LOCAL_CREDENTIALS } from "../../lib/local/services";
import { parseDeadLetterContext, DEAD_LETTER_ATTRIBUTE } from "../../lib/runtime/dead-letter";
import { decodedTextOrUndefined } from "../../lib/runtime/ingress-body";
import { smokeSpikeProfile } from "../../lib/runtime/loadgen/profile";
import { sign, SIGNATURE_HEADER } from "../../lib/runtime/signature";
import { WORKER_CONTRACT } from "../../lib/runtime/contract";
import { failedCorrectnessChecks, reconciledDelivery, synthesizeDemo } from "./local-helpers";

jest.setTimeout(240_000);

describe("npm test: the synthesized demo stack absorbs a short spike locally", () => {
  let result: LocalRunResult;
  const direct: { unsignedStatus?: number; unsignedEnqueued?: number; forged?: { reason?: string; effects: number; status: number } } = {};
  const reportDir = join(tmpdir(), `gcx-local-short-${process.pid}`);

  beforeAll(async () => {
    // The demo stack exactly as synthesized (its 1..8 s backoff and 5 receives quarantine
    // poison within the run).
    result = await runLocalStack({
      stack: synthesizeDemo(),
      profile: { ...smokeSpikeProfile, reconcile: { deadlineSeconds: 90, pollIntervalSeconds: 1 } },
      reportDir,
      html: false,
      beforeSpike: async (stack: RunningStack) => {
        const sqs = new SQSClient({ region: stack.region, endpoint: stack.sqsEndpoint, credentials: LOCAL_CREDENTIALS });
        try {
          const body = JSON.stringify({
            id: "direct-forged-1",
            channel: {
              id: "c",
              platform: "Open",
              type: "Private",
              to: { id: "to" },
              from: { id: "from" },
              time: new Date().toISOString(),
              messageId: "direct-forged-1",
            },
            type: "Text",
            text: "hi",
            direction: "Outbound",
          });
          const before = stack.apiStats.enqueued;
          const unsigned = await fetch(stack.targetUrl, { method: "POST", headers: { "content-type": "application/json" }, body });
          direct.unsignedStatus = unsigned.status;
          direct.unsignedEnqueued = stack.apiStats.enqueued - before;
          const forged = await fetch(stack.targetUrl, {
            method: "POST",
            headers: { "content-type": "application/json", [SIGNATURE_HEADER]: sign(body, "not-the-secret") },
            body,
          });
          const dlqUrl = stack.workerEnvironment[WORKER_CONTRACT.dlqUrl.env];
          const deadline = Date.now() + 30_000;
          while (Date.now() < deadline && direct.forged === undefined) {
            const { Messages = [] } = await sqs.send(
              new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ["All"], WaitTimeSeconds: 1 }),
            );
            for (const m of Messages) {
              // the ingress stores bodies base64-encoded (x-body-encoding): compare the decoded body
              if (decodedTextOrUndefined(m.Body, m.MessageAttributes) !== body) continue;
              const context = parseDeadLetterContext(m.MessageAttributes?.[DEAD_LETTER_ATTRIBUTE]?.StringValue);
              direct.forged = { reason: context?.reason, effects: stack.downstream.effects("direct-forged-1"), status: forged.status };
              await sqs.send(new DeleteMessageCommand({ QueueUrl: dlqUrl, ReceiptHandle: m.ReceiptHandle }));
            }
          }
        } finally {
          sqs.destroy();
        }
      },
    });
  });
  afterAll(() => rmSync(reportDir, { recursive: true, force: true }));

  it("loses nothing, dead-letters nothing unexpectedly and never repeats a side effect", () => {
    const delivery = reconciledDelivery(result);
    expect(delivery.accepted).toBe(result.spike.counts.offered);
    expect(delivery.lost).toBe(0);
    expect(delivery.deadLetteredUnexpected).toBe(0);
    expect(delivery.inDlq).toBe(0);
    expect(delivery.duplicateSideEffects).toBe(0);
    expect(result.emulator.downstream.duplicateEffects).toBe(0);
    expect(failedCorrectnessChecks(result)).toEqual([]);
  });

  it("quarantines every poison message and processes throttle markers no sooner than their Retry-After", () => {
    const delivery = result.spike.delivery as {
      deadLetteredExpected: number;
      quarantineDrained: number;
      faultChecks: { checked: number; violations: number };
    };
    expect(delivery.deadLetteredExpected).toBeGreaterThan(0);
    expect(delivery.quarantineDrained).toBe(delivery.deadLetteredExpected);
    expect(delivery.faultChecks.checked).toBeGreaterThan(0);
    expect(delivery.faultChecks.violations).toBe(0);
  });

  it("ran the synthesized event source mapping and functions, and listed what it does not emulate", () => {
    expect(result.emulator.mappings[0].stats.received).toBeGreaterThanOrEqual(result.spike.counts.offered);
    expect(result.emulator.functions[0].stats.invocations).toBeGreaterThan(0);
    expect(result.emulator.notEmulated.map((n) => n.type)).toContain("aws_iam_role");
    expect(result.emulator.alarms.length).toBeGreaterThan(0);
  });

  it("emits the event source mapping's EventCount metrics (metrics_config), so the failed-events alarm is evaluated on data", () => {
    const failedEvents = result.emulator.alarms.find((a) => a.metric.startsWith("AWS/Lambda FailedInvokeEventCount"));
    expect(failedEvents).toBeDefined();
    expect(failedEvents!.state).not.toBe("not-evaluated");
    expect(failedEvents!.periods.some((v) => v !== undefined)).toBe(true);
  });

  it("answers an unsigned request 400 at the edge and enqueues nothing", () => {
    expect(direct.unsignedStatus).toBe(400);
    expect(direct.unsignedEnqueued).toBe(0);
  });

  it("dead-letters a wrongly signed request with reason invalid-signature, never processing it", () => {
    expect(direct.forged).toEqual({ reason: "invalid-signature", effects: 0, status: 200 });
  });
});
