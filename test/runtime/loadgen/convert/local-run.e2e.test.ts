/**
 * A converted JMeter plan runs through the local stack: the plan (scaled down with
 * JMeter properties, as `-J` would) becomes a profile, and the synthesized demo stack, run by
 * the emulator, accounts for every message it sends.
 */
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runLocalStack } from "../../../../lib/local/run";
import { convertPlanFile, renderConversionNotes } from "../../../../lib/runtime/loadgen/convert";
import { parseProfile } from "../../../../lib/runtime/loadgen/profile";
import { synthesizeDemo } from "../../../e2e/local-helpers";
import { FIXTURES } from "./helpers";

describe("a converted JMeter plan on the local stack", () => {
  const reportDir = join(tmpdir(), `gcx-convert-e2e-${process.pid}`);
  afterAll(() => rmSync(reportDir, { recursive: true, force: true }));

  it("sends the converted arrivals and reconciles every one", async () => {
    // -Jthreads=20 -Jrampup=2 -Jduration=8: 20 / (2 + 0.1) = 9.524/s, up over 2 s then 6 s:
    // 9.524 x (2 / 2 + 6) = 66.67 arrivals planned (66 whole ones).
    const converted = await convertPlanFile(join(FIXTURES, "typical-plan-parameterized.jmx"), {
      properties: { threads: "20", rampup: "2", duration: "8" },
    });
    expect(renderConversionNotes(converted.notes)).toContain("20 / (2 s + 0.1 s) = 9.52381/s");
    const profile = parseProfile({ ...converted.profile, conversations: 10, reconcile: { deadlineSeconds: 120, pollIntervalSeconds: 1 } });
    const result = await runLocalStack({ stack: synthesizeDemo(), profile, reportDir, html: false });
    expect(result.spike.planned).toBe(66);
    expect(result.spike.counts.offered).toBe(66);
    expect(result.spike.delivery).toMatchObject({ reconciled: true, lost: 0, inFlight: 0, duplicateSideEffects: 0 });
  }, 600_000);
});
