/** The worker's provisioned-mode option (`provisionedPollers` -> the mapping's provisioned_poller_config, AWS 2025-11). */
import { ValidationError } from "../../lib";
import { INVOKES_PER_PROVISIONED_POLLER, PROVISIONED_POLLERS_RANGE, workerInstances } from "../../lib/constructs/worker";
import { WORKER_CONTRACT } from "../../lib/runtime";
import { errorOf, synthPipeline } from "./support";
import type { WorkerOptions } from "../../lib";

const problemsOf = (worker: Partial<WorkerOptions>) => {
  const error = errorOf(() => synthPipeline({ worker: worker as WorkerOptions }));
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).problems;
};

describe("Worker provisionedPollers (SQS event source mapping, provisioned mode)", () => {
  it("writes provisioned_poller_config and no scaling_config; the budget is split over reservedConcurrency", () => {
    const { out, pipeline } = synthPipeline({
      worker: { provisionedPollers: { minimum: 3, maximum: 20 }, reservedConcurrency: 10 } as WorkerOptions,
    });
    const mapping = out.one("aws_lambda_event_source_mapping");
    expect(mapping.provisioned_poller_config).toEqual({ minimum_pollers: 3, maximum_pollers: 20 });
    expect(mapping.scaling_config).toBeUndefined();
    expect(out.one("aws_lambda_function").reserved_concurrent_executions).toBe(10);
    expect(pipeline.worker.maxConcurrency).toBe(10);
    // 300 requests a minute over 10 instances
    expect(out.one("aws_lambda_function").environment.variables[WORKER_CONTRACT.downstreamRatePerSecond.env]).toBe("0.5");
  });

  it("takes AWS's defaults (2 and 200 pollers) and, without reservedConcurrency, splits the budget over the most invocations the pollers drive", () => {
    const { out, pipeline } = synthPipeline({ worker: { provisionedPollers: {} } as WorkerOptions });
    expect(out.one("aws_lambda_event_source_mapping").provisioned_poller_config).toEqual({ minimum_pollers: 2, maximum_pollers: 200 });
    expect(pipeline.worker.maxConcurrency).toBe(200 * INVOKES_PER_PROVISIONED_POLLER);
    expect(workerInstances({ entry: "x" })).toBe(5);
    expect(workerInstances({ entry: "x", provisionedPollers: { maximum: 4 } })).toBe(40);
    expect(workerInstances({ entry: "x", provisionedPollers: { maximum: 4 }, reservedConcurrency: 7 })).toBe(7);
  });

  it("standard mode is unchanged: scaling_config, no provisioned_poller_config", () => {
    const mapping = synthPipeline().out.one("aws_lambda_event_source_mapping");
    expect(mapping.scaling_config).toEqual({ maximum_concurrency: 5 });
    expect(mapping.provisioned_poller_config).toBeUndefined();
  });

  it("refuses maxConcurrency with provisionedPollers, naming both props and the fix", () => {
    const problems = problemsOf({ provisionedPollers: { minimum: 2, maximum: 10 }, maxConcurrency: 5 });
    expect(problems).toHaveLength(1);
    expect(problems[0].prop).toBe("worker.provisionedPollers, worker.maxConcurrency");
    expect(problems[0].message).toMatch(/scaling_config\.maximum_concurrency/);
    expect(problems[0].message).toMatch(/provisioned_poller_config/);
    expect(problems[0].message).toMatch(
      /remove maxConcurrency and cap the instances with reservedConcurrency, or remove provisionedPollers/,
    );
    const error = errorOf(() => synthPipeline({ worker: { provisionedPollers: {}, maxConcurrency: 5 } as WorkerOptions }));
    expect(error.message).toContain("worker.provisionedPollers, worker.maxConcurrency: cannot be combined");
  });

  it("checks AWS's ranges for SQS: minimum 2..200, maximum 2..10,000, minimum at most maximum", () => {
    expect(PROVISIONED_POLLERS_RANGE).toEqual({
      minimum: { min: 2, max: 200, default: 2 },
      maximum: { min: 2, max: 10_000, default: 200 },
    });
    expect(problemsOf({ provisionedPollers: { minimum: 1 } })).toEqual([
      {
        prop: "worker.provisionedPollers.minimum",
        message: "1 is outside 2..200; set an integer from 2 to 200 pollers (AWS's range for SQS).",
      },
    ]);
    expect(problemsOf({ provisionedPollers: { minimum: 2, maximum: 10_001 } }).map((p) => p.prop)).toEqual([
      "worker.provisionedPollers.maximum",
    ]);
    expect(problemsOf({ provisionedPollers: { maximum: 1 } }).map((p) => p.prop)).toEqual([
      "worker.provisionedPollers.maximum",
      "worker.provisionedPollers.minimum, worker.provisionedPollers.maximum",
    ]);
    expect(problemsOf({ provisionedPollers: { minimum: 2.5 } }).map((p) => p.prop)).toEqual(["worker.provisionedPollers.minimum"]);
    const crossed = problemsOf({ provisionedPollers: { minimum: 50, maximum: 10 } });
    expect(crossed).toEqual([
      {
        prop: "worker.provisionedPollers.minimum, worker.provisionedPollers.maximum",
        message: "the minimum (50) is above the maximum (10); set minimum at most maximum.",
      },
    ]);
    // the highest documented values synthesize
    expect(() => synthPipeline({ worker: { provisionedPollers: { minimum: 200, maximum: 10_000 } } as WorkerOptions })).not.toThrow();
  });

  it("reservedConcurrency below the default maxConcurrency is fine with provisioned pollers (it is the cap then)", () => {
    const { out } = synthPipeline({ worker: { provisionedPollers: { maximum: 2 }, reservedConcurrency: 3 } as WorkerOptions });
    expect(out.one("aws_lambda_function").reserved_concurrent_executions).toBe(3);
  });
});
