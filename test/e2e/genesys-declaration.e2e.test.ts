/**
 * The emulator never supplies a setting the synthesized stack lacks. The demo pipeline run
 * locally twice:
 * - without `worker.genesys`: nothing stands in for the missing credentials, so a genuine
 *   message that the handler acknowledges through `ctx.genesys` is retried and dead-lettered
 *   `exhausted` with the error naming the prop to set, exactly as on AWS; nothing reaches the
 *   fake Genesys;
 * - with `worker.genesys: { createCredentialsSecret: true }` (what examples/basic declares):
 *   the emulator fills the empty secret with the fake's client credentials and points the
 *   synthetic Genesys calls at the fake, and lists both in its report and summary.
 *
 * `npx jest -c jest.e2e.config.js test/e2e/genesys-declaration.e2e.test.ts`
 */
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runLocalStack, type LocalRunResult, type RunningStack } from "../../lib/local/run";
import { WORKER_CONTRACT } from "../../lib/runtime/contract";
import type { SpikeProfileInput } from "../../lib/runtime/loadgen/profile";
import { sign, SIGNATURE_HEADER } from "../../lib/runtime/signature";
import { watchDeadLetters, type ObservedDeadLetter } from "./helpers/dead-letters";
import { synthVariant, type SynthesizedVariant } from "./helpers/stacks";
import { failedCorrectnessChecks } from "./local-helpers";

/** A few synthetic messages, no faults: the point is the genuine message sent before them. */
const profile: SpikeProfileInput = {
  name: "genesys-declaration",
  phases: [{ type: "constant", ratePerSecond: 2, durationSeconds: 3 }],
  conversations: 2,
  workMs: 1,
  reconcile: { deadlineSeconds: 60, pollIntervalSeconds: 1 },
  slo: { ackP99Ms: 5000, endToEndP99Ms: 60_000, minAcceptedRatio: 0.99 },
};

/** The demo pipeline with the demo's short backoff and 5 receives, so an exhausted message is dead-lettered within the run. */
const WORKER = { backoffBaseSeconds: 1, backoffMaxSeconds: 2 };

/** A genuine, signed outbound message posted to the ingress. */
async function postGenuine(stack: RunningStack, id: string): Promise<number> {
  const body = JSON.stringify({
    id,
    channel: {
      id: "integration-1",
      platform: "Open",
      type: "Private",
      to: { id: "customer-1" },
      from: { id: "integration-1" },
      time: new Date().toISOString(),
      messageId: id,
    },
    type: "Text",
    text: "your order shipped",
    direction: "Outbound",
  });
  const response = await fetch(stack.targetUrl, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      [SIGNATURE_HEADER]: sign(body, stack.secret),
      ...(stack.edgeKey ? { "x-api-key": stack.edgeKey.value } : {}),
    },
    body,
  });
  return response.status;
}

describe("the emulator supplies no Genesys setting the stack lacks", () => {
  const reportDir = join(tmpdir(), `gcx-genesys-declaration-${process.pid}`);
  const variants: SynthesizedVariant[] = [];
  afterAll(() => {
    for (const v of variants) v.cleanup();
    rmSync(reportDir, { recursive: true, force: true });
  });

  async function run(
    worker: Record<string, unknown>,
    id: string,
  ): Promise<{ result: LocalRunResult; dead: ObservedDeadLetter[]; status?: number; effects?: number }> {
    const variant = synthVariant({ worker: { ...WORKER, ...worker }, queue: { maxReceiveCount: 3 } });
    variants.push(variant);
    const out: { dead: ObservedDeadLetter[]; status?: number; effects?: number } = { dead: [] };
    let stop: (() => Promise<void>) | undefined;
    const result = await runLocalStack({
      stack: variant.stackDir,
      profile,
      reportDir,
      html: false,
      beforeSpike: async (stack) => {
        const watcher = watchDeadLetters(stack.sqsEndpoint, stack.region, stack.workerEnvironment[WORKER_CONTRACT.dlqUrl.env]);
        out.dead = watcher.seen;
        stop = () => watcher.stop();
        out.status = await postGenuine(stack, id);
        // the genuine message is done (acknowledged, or dead-lettered after its 3 receives) before the spike starts
        const deadline = Date.now() + 60_000;
        while (Date.now() < deadline && stack.downstream.effects(id) === 0 && !watcher.seen.some((d) => d.body.includes(id)))
          await new Promise((r) => setTimeout(r, 250));
        out.effects = stack.downstream.effects(id);
      },
    });
    await stop?.();
    return { result, ...out };
  }

  it("without worker.genesys: a genuine message is dead-lettered exhausted with the error naming the prop, and nothing is put in its place", async () => {
    const { result, dead, status, effects } = await run({ genesys: undefined }, "genuine-undeclared-1");

    expect(status).toBe(200);
    expect(effects).toBe(0);
    const letter = dead.find((d) => d.body.includes("genuine-undeclared-1"));
    expect(letter?.context).toMatchObject({ reason: "exhausted", error: "GenesysNotConfiguredError", attempts: 3 });
    expect(letter?.context?.message).toContain("the stack declared no Genesys credentials (GCX_GENESYS_CREDENTIALS_SECRET_ARN is not set)");
    expect(letter?.context?.message).toContain("genesys: { createCredentialsSecret: true }");
    expect(result.emulator.downstream).toMatchObject({ requests: 0, tokensIssued: 0 });
    const settings = result.emulator.overrides.map((o) => o.setting);
    expect(settings).not.toContain(WORKER_CONTRACT.genesysCredentialsSecretArn.env);
    expect(settings.some((s) => s.startsWith("secret "))).toBe(false);
    // the synthetic messages fail the same way (quarantined, exhausted): the nightly spike shows the missing declaration
    expect(result.verdict).toBe("FAIL");
  }, 600_000);

  it("with worker.genesys: the empty secret is filled with the fake's credentials and synthetic calls reach the fake, both listed as overrides", async () => {
    const { result, status, effects } = await run({ genesys: { createCredentialsSecret: true } }, "genuine-declared-1");

    expect(status).toBe(200);
    expect(effects).toBe(1);
    expect(failedCorrectnessChecks(result)).toEqual([]);
    expect(result.emulator.downstream.accepted).toBeGreaterThan(1);
    expect(result.emulator.downstream.duplicateEffects).toBe(0);
    const overrides = result.emulator.overrides;
    expect(overrides).toContainEqual(
      expect.objectContaining({
        setting: expect.stringMatching(/^secret messaging-genesys-credentials-secret-/),
        value: '{"clientId":"local-client","clientSecret":"***"}',
      }),
    );
    expect(overrides).toContainEqual(
      expect.objectContaining({
        setting: WORKER_CONTRACT.syntheticDownstream.env,
        value: "call-genesys",
        why: expect.stringContaining("on AWS this stack simulates them"),
      }),
    );
    expect(overrides).toContainEqual(
      expect.objectContaining({
        setting: WORKER_CONTRACT.genesysApiBaseUrl.env,
        value: result.emulator.overrides.find((o) => o.setting === WORKER_CONTRACT.genesysLoginBaseUrl.env)?.value,
      }),
    );
    expect(result.summary).toContain("overrides (local only; on AWS the stack's own settings apply):");
    expect(result.summary).toContain(`${WORKER_CONTRACT.syntheticDownstream.env} = call-genesys`);
  }, 600_000);
});
