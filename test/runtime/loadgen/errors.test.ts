/** Every error kind of the load generator extends one base, and keeps its own name and message. */
import { LoadgenError } from "../../../lib/runtime/loadgen/errors";
import { CompareInputError } from "../../../lib/runtime/loadgen/compare";
import { PlanConversionError } from "../../../lib/runtime/loadgen/convert/types";
import { ProfileError, parseProfile } from "../../../lib/runtime/loadgen/profile";
import { ThresholdError, parseThreshold } from "../../../lib/runtime/loadgen/thresholds";

test.each([
  ["CompareInputError", new CompareInputError("not a report"), "not a report"],
  ["PlanConversionError", new PlanConversionError("no thread group", "TestPlan"), "TestPlan: no thread group"],
  ["ProfileError", new ProfileError(["phases: required"]), "invalid spike profile:\n  - phases: required"],
  ["ThresholdError", new ThresholdError("bad expression"), "bad expression"],
])("%s is a LoadgenError (and an Error) with its own name and message", (name, error, message) => {
  expect(error).toBeInstanceOf(LoadgenError);
  expect(error).toBeInstanceOf(Error);
  expect(error.name).toBe(name);
  expect(error.message).toBe(message);
});

test("the errors the harness throws for bad input are caught as LoadgenError", () => {
  expect(() => parseProfile({ phases: [] })).toThrow(LoadgenError);
  expect(() => parseThreshold("p99 <")).toThrow(LoadgenError);
});

test("the base's own name", () => {
  expect(new LoadgenError("x").name).toBe("LoadgenError");
});
