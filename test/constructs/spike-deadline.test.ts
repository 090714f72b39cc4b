/**
 * The nightly spike's reconciliation deadline derives from the pipeline it targets (issue 16,
 * item 8): ConsumerPipeline passes its worker's and queue's retry settings to SpikeGenerator,
 * which passes them to the load generator in its contract; synth refuses a run that cannot
 * finish before the next one or within the missing-run alarm's margin, naming what to lower.
 */
import { ConsumerPipeline, SpikeGenerator, ValidationError, type SpikeGeneratorProps } from "../../lib";
import { deriveReconcileDeadline, parseLoadgenContract, parseProfile, defaultSpikeProfile } from "../../lib/runtime";
import { pipelineRetryOf } from "../../lib/runtime/loadgen/lambda";
import { FIXTURE_ENTRY, errorOf, pipelineProps, synth, synthPipeline } from "./support";

const BASE: SpikeGeneratorProps = {
  targetUrl: "https://abc.execute-api.eu-west-1.amazonaws.com/prod/webhook",
  signingSecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:signing",
  receiptsTable: { name: "receipts", arn: "arn:aws:dynamodb:eu-west-1:123456789012:table/receipts" },
};
/** The README's settings: maxReceiveCount 10, the worker's backoff 2..900 s, its 30 s timeout. */
const README_RETRY = {
  maxReceiveCount: 10,
  backoffBaseSeconds: 2,
  backoffMaxSeconds: 900,
  functionTimeoutSeconds: 30,
  batchingWindowSeconds: 0,
  visibilityTimeoutSeconds: 180,
};

/** The contract of a synthesized generator, its URL tokens replaced by URLs (they are Terraform references at synth). */
const contractOf = (vars: Record<string, string>) =>
  parseLoadgenContract(Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, /_URL$/.test(k) ? "https://example.com/x" : v])));

const spikeError = (props: Partial<SpikeGeneratorProps>) =>
  errorOf(() => synth((stack) => new SpikeGenerator(stack, "spike", { ...BASE, ...props }))) as ValidationError;

describe("the pipeline's retry settings reach the load generator", () => {
  it("ConsumerPipeline passes its worker's and queue's settings; the generator derives 1052 s from them with the default profile", () => {
    // Act
    const { out } = synthPipeline({ spikeGenerator: {} });
    const fn = out.list("aws_lambda_function").find((f) => f.environment?.variables?.GCX_TARGET_URL);

    // Assess
    const vars = fn.environment.variables;
    expect(vars).toMatchObject({
      GCX_WORKER_MAX_RECEIVE_COUNT: "10",
      GCX_WORKER_TIMEOUT_SECONDS: "30",
      GCX_WORKER_BATCHING_WINDOW_SECONDS: "0",
      GCX_QUEUE_VISIBILITY_TIMEOUT_SECONDS: "180",
    });
    // no backoff set: the worker's own defaults apply, and the generator assumes the same
    expect(vars.GCX_WORKER_BACKOFF_BASE_SECONDS).toBeUndefined();
    const retry = pipelineRetryOf(contractOf(vars));
    expect(retry).toEqual({ ...README_RETRY, backoffBaseSeconds: undefined, backoffMaxSeconds: undefined });
    expect(deriveReconcileDeadline(parseProfile(defaultSpikeProfile), retry)).toMatchObject({
      derivedSeconds: 1052,
      deadlineSeconds: 1052,
    });
  });

  it("a worker's backoff reaches the contract", () => {
    const { out } = synthPipeline({
      worker: { entry: FIXTURE_ENTRY, backoffBaseSeconds: 1, backoffMaxSeconds: 8 },
      queue: { maxReceiveCount: 5 },
      spikeGenerator: {},
    });
    const fn = out.list("aws_lambda_function").find((f) => f.environment?.variables?.GCX_TARGET_URL);
    expect(contractOf(fn.environment.variables)).toMatchObject({
      workerMaxReceiveCount: 5,
      workerBackoffBaseSeconds: 1,
      workerBackoffMaxSeconds: 8,
    });
  });
});

describe("synth refuses a run that cannot finish", () => {
  it("SpikeGenerator: a run (1282 s with the README's settings) longer than the schedule's shortest gap, naming the settings to lower", () => {
    // 5 s barrier + 65 s traffic + 130 s sender tail + 1052 s deadline + 30 s = 1282 s > 20 minutes
    const error = spikeError({ pipelineRetry: README_RETRY, scheduleExpression: "rate(20 minutes)" });
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.problems).toEqual([
      {
        prop: "pipelineRetry",
        message: expect.stringMatching(
          /^a run takes up to 1282 s \(its reconciliation deadline is 1052 s\), longer than the 1200 s between two runs of "rate\(20 minutes\)": runs would overlap; lower pipelineRetry\.backoffMaxSeconds or pipelineRetry\.maxReceiveCount \(the deadline derives from them: 9 redeliveries .*\), or make scheduleExpression less frequent\.$/,
        ),
      },
    ]);
    // a cron firing four times an hour is read the same way; twice an hour (1800 s) fits
    expect(spikeError({ pipelineRetry: README_RETRY, scheduleExpression: "cron(0,15,30,45 * * * ? *)" }).problems[0].message).toContain(
      'longer than the 900 s between two runs of "cron(0,15,30,45 * * * ? *)"',
    );
    expect(() =>
      synth(
        (stack) => new SpikeGenerator(stack, "spike", { ...BASE, pipelineRetry: README_RETRY, scheduleExpression: "cron(0,30 * * * ? *)" }),
      ),
    ).not.toThrow();
    // nightly, it fits
    expect(() => synth((stack) => new SpikeGenerator(stack, "spike", { ...BASE, pipelineRetry: README_RETRY }))).not.toThrow();
  });

  it("SpikeGenerator: a run longer than the missing-run alarm's hour, naming the settings to lower", () => {
    // 15 receives: 2 + 4 + ... + 512 + 5 x 900 = 5522 s of backoff
    const error = spikeError({ pipelineRetry: { ...README_RETRY, maxReceiveCount: 15 } });
    expect(error.problems.map((p) => p.prop)).toEqual(["pipelineRetry"]);
    expect(error.problems[0].message).toMatch(
      /^a run takes up to \d+ s \(its reconciliation deadline is 5\d{3} s\), longer than the 3600 s the missing-run alarm allows a run: it would alarm while the run still reconciles; lower pipelineRetry\.backoffMaxSeconds or pipelineRetry\.maxReceiveCount/,
    );
  });

  it("SpikeGenerator: out-of-range retry settings are named", () => {
    expect(spikeError({ pipelineRetry: { maxReceiveCount: 0 } }).problems).toEqual([
      { prop: "pipelineRetry", message: "maxReceiveCount: 0 is not an integer in 1..1000; give the queue's redrive maxReceiveCount." },
    ]);
  });

  it("ConsumerPipeline: names worker.backoffMaxSeconds and queue.maxReceiveCount, under spikeGenerator", () => {
    const error = errorOf(() =>
      synth(
        (stack) => new ConsumerPipeline(stack, "orders", pipelineProps({ spikeGenerator: { scheduleExpression: "rate(15 minutes)" } })),
      ),
    ) as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.problems).toEqual([
      {
        prop: "spikeGenerator",
        message: expect.stringMatching(
          /^a run takes up to 1282 s \(its reconciliation deadline is 1052 s\), longer than the 900 s between two runs of "rate\(15 minutes\)": runs would overlap; lower worker\.backoffMaxSeconds or queue\.maxReceiveCount \(.*\), or make spikeGenerator\.scheduleExpression less frequent\.$/,
        ),
      },
    ]);
    // with the demo's short backoff it fits the same schedule
    expect(() =>
      synthPipeline({
        worker: { entry: FIXTURE_ENTRY, backoffBaseSeconds: 1, backoffMaxSeconds: 8 },
        queue: { maxReceiveCount: 5 },
        spikeGenerator: { scheduleExpression: "rate(15 minutes)" },
      }),
    ).not.toThrow();
  });
});
