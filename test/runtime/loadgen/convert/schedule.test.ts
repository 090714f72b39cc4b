/** The schedule algebra behind the converters, and the profile limits its phases respect. */
import { parseProfile } from "../../../../lib/runtime/loadgen/profile";
import type { ConversionNote } from "../../../../lib/runtime/loadgen/convert";
import {
  concat,
  constant,
  minOf,
  ramp,
  simplify,
  steppedRamp,
  sum,
  threadTrapezoid,
  toPhases,
} from "../../../../lib/runtime/loadgen/convert/schedule";

describe("schedule algebra", () => {
  test("minOf splits a piece where the rate crosses the cap", () => {
    // ramp 0 -> 100 over 10 s against a cap of 40: crosses at 4 s
    expect(minOf(ramp(0, 10, 0, 100), constant(0, 10, 40))).toEqual([
      { start: 0, end: 4, from: 0, to: 40, label: undefined },
      { start: 4, end: 10, from: 40, to: 40, label: undefined },
    ]);
  });

  test("sum adds parallel pieces over their common breakpoints", () => {
    expect(sum([constant(0, 10, 5, "a"), constant(5, 10, 7, "b")]).map((p) => [p.start, p.end, p.from, p.label])).toEqual([
      [0, 5, 5, "a"],
      [5, 10, 12, "a + b"],
      [10, 15, 7, "b"],
    ]);
  });

  test("threadTrapezoid: threads start evenly over the ramp-up and each stay for their active time", () => {
    // 10 threads over 20 s, each active 5 s: at most 10 x 5 / 20 = 2.5 at once
    expect(threadTrapezoid(10, 20, 5).map((p) => [p.start, p.end, p.from, p.to])).toEqual([
      [0, 5, 0, 2.5],
      [5, 20, 2.5, 2.5],
      [20, 25, 2.5, 0],
    ]);
  });

  test("steppedRamp: the first step at once, as the JMeter Plugins do", () => {
    expect(steppedRamp(9, 30, 3, 10).map((p) => [p.start, p.end, p.from])).toEqual([
      [0, 10, 3],
      [10, 20, 6],
      [20, 30, 9],
      [30, 40, 9],
    ]);
  });

  test("simplify merges a sliver left by a crossing near a breakpoint", () => {
    const s = concat(ramp(0, 0.005, 0, 0.0251), ramp(0.005, 9.995, 0.0251, 50));
    expect(simplify(s)).toEqual([{ start: 0, end: 10, from: 0, to: 50, label: undefined }]);
  });
});

describe("toPhases within the profile's limits", () => {
  test("gaps become pauses, equal neighbours merge, trailing pauses go", () => {
    const notes: ConversionNote[] = [];
    const phases = toPhases(concat(constant(5, 10, 3, "x"), constant(15, 10, 3, "x"), constant(40, 1, 0)), notes);
    expect(phases).toEqual([
      { type: "pause", durationSeconds: 5 },
      { type: "constant", name: "x", ratePerSecond: 3, durationSeconds: 20 },
    ]);
    expect(notes).toEqual([]);
  });

  test("a phase longer than 86 400 s is split; a rate above 100 000/s is cut, with a warning", () => {
    const notes: ConversionNote[] = [];
    const phases = toPhases(concat(constant(0, 100_000, 1), constant(100_000, 1, 250_000)), notes);
    expect(phases.map((p) => [p.type, p.durationSeconds, p.type === "constant" ? p.ratePerSecond : 0])).toEqual([
      ["constant", 86_400, 1],
      ["constant", 13_600, 1],
      ["constant", 1, 100_000],
    ]);
    expect(notes).toEqual([
      {
        level: "warning",
        message:
          "the plan reaches 250000/s, above the profile's limit of 100000/s per phase: cut to 100000/s; split such a load over several runs or generators",
      },
    ]);
    expect(() => parseProfile({ phases: phases.slice(0, 2) })).not.toThrow();
  });

  test("a long ramp keeps its slope when split", () => {
    const phases = toPhases(ramp(0, 172_800, 0, 2), []);
    expect(phases).toEqual([
      { type: "ramp", fromRatePerSecond: 0, toRatePerSecond: 1, durationSeconds: 86_400 },
      { type: "ramp", fromRatePerSecond: 1, toRatePerSecond: 2, durationSeconds: 86_400 },
    ]);
  });
});
