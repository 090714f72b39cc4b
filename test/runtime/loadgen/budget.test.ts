/** The Lambda budget of a spike profile: the reconcile time the controller has before its continuation margin. */
import {
  CONTINUATION_MARGIN_MS,
  lambdaBudgetProblems,
  MIN_RECONCILE_SLICE_MS,
  MIN_TIMEOUT_SECONDS,
} from "../../../lib/runtime/loadgen/budget";
import { parseProfile } from "../../../lib/runtime/loadgen";

const profile = (durationSeconds: number, deadlineSeconds: number) =>
  parseProfile({
    name: "p",
    phases: [{ type: "constant", ratePerSecond: 5, durationSeconds }],
    reconcile: { deadlineSeconds, pollIntervalSeconds: 1 },
  });

test("the shortest timeout is the continuation margin and one reconcile slice", () => {
  expect(MIN_TIMEOUT_SECONDS).toBe((CONTINUATION_MARGIN_MS + MIN_RECONCILE_SLICE_MS) / 1000);
  expect(MIN_TIMEOUT_SECONDS).toBe(120);
});

test("a controller whose agents leave it no reconcile slice before the margin is refused, naming the timeout to set", () => {
  // 335 s of agents: the agent and controller checks pass at 390 s (335 + 10 + 30), but only 335 + 60 + 10 = 405 s leaves the 10 s to reconcile
  const p = profile(200, 10);
  expect(lambdaBudgetProblems(p, 405)).toEqual([]);
  const problems = lambdaBudgetProblems(p, 390);
  expect(problems).toHaveLength(1);
  expect(problems[0]).toMatch(
    /^the controller would have \d+ s to reconcile after its agents \(\d+ s\) and before the 60 s it keeps to hand over, under the 10 s it needs: raise timeoutSeconds to at least 405 or shorten the phases$/,
  );
});
