/**
 * The framework-free half works unchanged with a stack synthesized by CDK Terrain: the demo
 * stack, synthesized by cdktn from the same sources, runs in the local emulator (the runtime in
 * its functions, the spike harness reconciling), and the DLQ operations read its dead letters.
 */
import { SQSClient } from "@aws-sdk/client-sqs";
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runLocalStack, type LocalRunResult, type RunningStack } from "../../lib/local/run";
import { LOCAL_CREDENTIALS } from "../../lib/local/services";
import { inspectDlq, type InspectResult } from "../../lib/ops/dlq";
import { WORKER_CONTRACT } from "../../lib/runtime/contract";
import { smokeSpikeProfile } from "../../lib/runtime/loadgen/profile";
import { sign, SIGNATURE_HEADER } from "../../lib/runtime/signature";
import { failedCorrectnessChecks, reconciledDelivery, synthesizeDemo } from "./local-helpers";

jest.setTimeout(240_000);

describe("a demo stack synthesized by CDK Terrain, run locally", () => {
  const reportDir = join(tmpdir(), `gcx-cdktn-${process.pid}`);
  let stackDir: string;
  let result: LocalRunResult;
  let inspected: InspectResult | undefined;

  beforeAll(async () => {
    stackDir = synthesizeDemo("cdktn");
    result = await runLocalStack({
      stack: stackDir,
      profile: { ...smokeSpikeProfile, reconcile: { deadlineSeconds: 90, pollIntervalSeconds: 1 } },
      reportDir,
      html: false,
      beforeSpike: async (stack: RunningStack) => {
        const body = JSON.stringify({
          id: "cdktn-forged-1",
          channel: {
            id: "c",
            platform: "Open",
            type: "Private",
            to: { id: "to" },
            from: { id: "from" },
            time: new Date().toISOString(),
            messageId: "cdktn-forged-1",
          },
          type: "Text",
          text: "hi",
          direction: "Outbound",
        });
        await fetch(stack.targetUrl, {
          method: "POST",
          headers: { "content-type": "application/json", [SIGNATURE_HEADER]: sign(body, "not-the-secret") },
          body,
        });
        const sqs = new SQSClient({ region: stack.region, endpoint: stack.sqsEndpoint, credentials: LOCAL_CREDENTIALS });
        try {
          const queue = stack.workerEnvironment[WORKER_CONTRACT.dlqUrl.env];
          const deadline = Date.now() + 30_000;
          while (Date.now() < deadline && !inspected?.messages.length) {
            inspected = await inspectDlq(sqs, { queue, budgetSeconds: 2, visibilityTimeoutSeconds: 3 });
          }
        } finally {
          sqs.destroy();
        }
      },
    });
  });
  afterAll(() => rmSync(reportDir, { recursive: true, force: true }));

  it("was synthesized by CDK Terrain", () => {
    const json = JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8"));
    expect(json["//"].metadata.version).toMatch(/^0\.24\./);
  });

  it("absorbs the smoke spike with nothing lost and the verdict PASS", () => {
    const delivery = reconciledDelivery(result);
    expect(delivery.accepted).toBe(result.spike.counts.offered);
    expect(delivery.lost).toBe(0);
    expect(delivery.duplicateSideEffects).toBe(0);
    expect(failedCorrectnessChecks(result)).toEqual([]);
  });

  it("lets the DLQ operations read a dead letter with its reason", () => {
    expect(inspected?.messages.map((m) => m.reason)).toEqual(["invalid-signature"]);
  });
});
