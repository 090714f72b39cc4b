/**
 * The JMeter-style YAML people post and Taurus configurations, converted; rates checked
 * against hand computations (R = 100 ms).
 */
import { join } from "node:path";
import {
  convertPlan,
  convertPlanFile,
  detectPlanFormat,
  PlanConversionError,
  renderConversionNotes,
} from "../../../../lib/runtime/loadgen/convert";
import { acceptedPhases, FIXTURES, fixture, notesMatching, shape } from "./helpers";

describe("convertPlan: JMeter-style YAML (thread_groups)", () => {
  test("the issue's YAML converts like the same .jmx plan", () => {
    const result = convertPlan(fixture("issue-plan.yaml"), { fileName: "issue-plan.yaml" });
    expect(result.format).toBe("jmeter-yaml");
    expect(result.profile.name).toBe("webhook-429");
    // 100 / (2 + 0.1) = 47.619/s, ramp 10 s, 600 - 10 = 590 s
    expect(shape(acceptedPhases(result))).toEqual([
      ["ramp", 0, 47.619, 10],
      ["constant", 47.619, 47.619, 590],
    ]);
    expect(notesMatching(result.notes, "info", "HTTP POST /prod/genesys/webhook: stands for the Genesys webhook delivery")).toHaveLength(1);
    expect(notesMatching(result.notes, "assumption", "thread_groups.0.loops: no loops given")).toHaveLength(1);
    expect(notesMatching(result.notes, "not-converted", "thread_groups.0.on_sample_error")).toHaveLength(1);
  });

  test("without a timer, without a method: R alone paces the threads, and POST is assumed", () => {
    const yaml =
      "thread_groups: [{ name: tg, num_threads: 20, ramp_up: 0, scheduler: { duration: 30 } }]\nhttp_request_defaults: { path: /hook }\n";
    const result = convertPlan(yaml);
    // 20 / (0 + 0.1) = 200/s for 30 s
    expect(shape(acceptedPhases(result))).toEqual([["constant", 200, 200, 30]]);
    expect(notesMatching(result.notes, "assumption", "no method given: taken as POST")).toHaveLength(1);
  });

  test("several groups run in parallel and their rates add up", () => {
    const yaml = `
thread_groups:
  - { name: a, num_threads: 10, ramp_up: 0, scheduler: { duration: 60 }, constant_timer: { delay: 900 } }
  - { name: b, num_threads: 30, ramp_up: 0, scheduler: { duration: 30, delay: 15 }, constant_timer: { delay: 2900 } }
http_request_defaults: { path: /hook, method: POST }
`;
    // a: 10 / (0.9 + 0.1) = 10/s for 60 s; b: 30 / (2.9 + 0.1) = 10/s from 15 s to 45 s
    expect(shape(acceptedPhases(convertPlan(yaml)))).toEqual([
      ["constant", 10, 10, 15],
      ["constant", 20, 20, 30],
      ["constant", 10, 10, 15],
    ]);
  });

  test("a YAML plan missing num_threads is refused, naming the key", () => {
    expect(() => convertPlan("thread_groups: [{ name: tg, ramp_up: 1 }]\n")).toThrow(PlanConversionError);
    expect(() => convertPlan("thread_groups: [{ name: tg, ramp_up: 1 }]\n")).toThrow(
      /^not a JMeter-style YAML plan: thread_groups\.0\.num_threads: Required/,
    );
  });
});

describe("convertPlan: Taurus", () => {
  test("two executions: a closed one with think-time, and a throughput-limited one", () => {
    const result = convertPlan(fixture("taurus.yml"), { fileName: "taurus.yml" });
    expect(result.format).toBe("taurus");
    // webhook: 100 threads, ramp-up 10 s, hold-for 9m50s = 590 s: 100 / (2 + 0.1) = 47.619/s, 600 s.
    // burst: 50 threads over 60 s, an iteration = POST + GET (no think time) = 2 x 0.1 = 0.2 s, so
    // 5 POSTs/s per thread (up to 250/s): never the limit. Throughput 20 samples/s, Taurus' shaper:
    // from min(max(20 / 360, 0.001), 1) = 0.0556 to 20 over 60 s, then 20 for 300 s; half of the
    // samples are the POST: 0.0278 -> 10 POSTs/s, then 10/s.
    // At 10 s: 47.619 + 0.5 x (0.0556 + (20 - 0.0556) x 10 / 60) = 47.619 + 1.690 = 49.309/s
    // At 60 s: 47.619 + 10 = 57.619/s until 360 s, then the webhook execution alone until 600 s.
    expect(shape(acceptedPhases(result))).toEqual([
      ["ramp", 0, 49.309, 10],
      ["ramp", 49.309, 57.619, 50],
      ["constant", 57.619, 57.619, 300],
      ["constant", 47.619, 47.619, 240],
    ]);
    expect(notesMatching(result.notes, "not-converted", "HTTP GET /health: not converted")).toHaveLength(1);
    expect(notesMatching(result.notes, "info", "reporting: Taurus section reporting: not converted")).toHaveLength(1);
  });

  test("a script scenario is converted with the assumption stated", () => {
    const yaml = "execution:\n  concurrency: 10\n  hold-for: 1m\n  scenario:\n    script: plan.jmx\n    think-time: 900ms\n";
    const result = convertPlan(yaml);
    // 10 / (0.9 + 0.1) = 10/s for 60 s
    expect(shape(acceptedPhases(result))).toEqual([["constant", 10, 10, 60]]);
    expect(notesMatching(result.notes, "assumption", "runs the script plan.jmx, which is not read here")).toHaveLength(1);
  });

  test("an unknown scenario name and a bad duration are refused, naming them", () => {
    expect(() =>
      convertPlan("execution:\n  - concurrency: 1\n    hold-for: 10s\n    scenario: nope\nscenarios: { a: { requests: [http://x/y] } }\n"),
    ).toThrow('execution.0: scenario "nope" is not under scenarios: (known: a)');
    expect(() =>
      convertPlan("execution:\n  - concurrency: 1\n    hold-for: ten\n    scenario: a\nscenarios: { a: { requests: [http://x/y] } }\n"),
    ).toThrow('execution.0.hold-for: duration "ten" is not a number of seconds or like 90s, 5m, 1h30m');
  });
});

describe("detectPlanFormat, convertPlanFile, renderConversionNotes", () => {
  test("the format comes from the extension or the content", () => {
    expect(detectPlanFormat(fixture("typical-plan.jmx"))).toBe("jmx");
    expect(detectPlanFormat("", "x.jmx")).toBe("jmx");
    expect(detectPlanFormat(fixture("issue-plan.yaml"))).toBe("jmeter-yaml");
    expect(detectPlanFormat(JSON.stringify({ execution: [{ concurrency: 1 }] }), "bzt.json")).toBe("taurus");
    // our own profile is not a plan to convert
    expect(() => detectPlanFormat("phases: [{ type: constant, ratePerSecond: 1, durationSeconds: 1 }]\n", "profile.yml")).toThrow(
      "profile.yml: not a plan this converter reads: expected a JMeter .jmx (XML), a YAML/JSON plan with thread_groups:, or a Taurus config with execution:",
    );
  });

  test("convertPlanFile reads and converts a file; a missing file is named", async () => {
    const result = await convertPlanFile(join(FIXTURES, "arrivals.jmx"), { name: "from-file" });
    expect(result.profile.name).toBe("from-file");
    expect(shape(acceptedPhases(result))).toEqual([
      ["ramp", 0, 10, 60],
      ["constant", 10, 10, 300],
    ]);
    await expect(convertPlanFile(join(FIXTURES, "missing.jmx"))).rejects.toThrow(/^cannot read the plan .*missing\.jmx: ENOENT/);
    await expect(convertPlanFile(join(FIXTURES, "issue-plan.yaml"), { responseTimeMs: -1 })).rejects.toThrow(
      "issue-plan.yaml: responseTimeMs is -1",
    );
  });

  test("renderConversionNotes groups the notes, differences first, one line each", () => {
    const text = renderConversionNotes([
      { level: "info", message: "converted" },
      { level: "not-converted", element: "A (JSR223Sampler)", message: "script" },
      { level: "warning", message: "open model" },
      { level: "assumption", element: "B", message: "R = 100 ms" },
    ]);
    expect(text).toBe(
      [
        "Differences from the plan:",
        "  - open model",
        "Not converted:",
        "  - A (JSR223Sampler): script",
        "Assumptions:",
        "  - B: R = 100 ms",
        "How it was converted:",
        "  - converted",
      ].join("\n"),
    );
  });
});
