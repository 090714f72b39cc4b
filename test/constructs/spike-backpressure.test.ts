/**
 * The nightly spike reads its pipeline's backpressure from CloudWatch (issue 18, item 5):
 * ConsumerPipeline passes its queues' and worker's names, SpikeGenerator puts them in the
 * loadgen contract and grants cloudwatch:GetMetricData, and nothing more.
 */
import { SpikeGenerator, type SpikeGeneratorProps } from "../../lib";
import { parseLoadgenContract } from "../../lib/runtime";
import { synth, synthPipeline, type Synthesized } from "./support";

const BASE: SpikeGeneratorProps = {
  targetUrl: "https://abc.execute-api.eu-west-1.amazonaws.com/prod/webhook",
  signingSecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:signing",
};
const generatorOf = (out: Synthesized) => out.list("aws_lambda_function").find((f) => f.environment?.variables?.GCX_TARGET_URL);
const statementsOf = (out: Synthesized) =>
  JSON.parse(out.list("aws_iam_role_policy").find((p) => p.name === "spike-generator").policy).Statement as {
    Sid: string;
    Action: string | string[];
    Resource: string | string[];
    Condition?: unknown;
  }[];
const contractOf = (vars: Record<string, string>) =>
  parseLoadgenContract(Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, /_URL$/.test(k) ? "https://example.com/x" : v])));

it("ConsumerPipeline passes its queue, DLQ, quarantine queue and worker names, and the generator may read their metrics", () => {
  // Act
  const { out, pipeline } = synthPipeline({ spikeGenerator: {} });

  // Assess: the contract names this pipeline's resources
  const vars = generatorOf(out).environment.variables;
  expect(contractOf(vars)).toMatchObject({
    queueName: expect.stringMatching(/^\$\{aws_sqs_queue\.orders_queue_[0-9A-F]{8}\.name\}$/),
    dlqName: expect.stringMatching(/^\$\{aws_sqs_queue\.orders_queue_dlq_[0-9A-F]{8}\.name\}$/),
    quarantineQueueName: expect.stringMatching(/^\$\{aws_sqs_queue\.orders_queue_quarantine_[0-9A-F]{8}\.name\}$/),
    workerFunctionName: pipeline.worker.functionName,
    eventSourceMappingUuid: expect.stringMatching(/^\$\{aws_lambda_event_source_mapping\.orders_worker_event-source_[0-9A-F]{8}\.uuid\}$/),
  });
  expect(vars.GCX_WORKER_METRICS_NAMESPACE).toBeUndefined(); // the worker's default namespace
  // the one CloudWatch statement: GetMetricData only, on "*" (no resource-level permissions exist for it)
  const cloudwatch = statementsOf(out).filter((s) => [s.Action].flat().some((a) => a.startsWith("cloudwatch:")));
  expect(cloudwatch).toEqual([{ Sid: "ReadBackpressureMetrics", Effect: "Allow", Action: "cloudwatch:GetMetricData", Resource: "*" }]);
});

it("a SpikeGenerator without `backpressure` neither reads CloudWatch nor may", () => {
  const out = synth((stack) => new SpikeGenerator(stack, "spike", BASE));
  expect(
    Object.keys(generatorOf(out).environment.variables).filter((k) =>
      /QUEUE_NAME|DLQ_NAME|WORKER_FUNCTION_NAME|WORKER_METRICS_NAMESPACE/.test(k),
    ),
  ).toEqual([]);
  expect(statementsOf(out).map((s) => s.Sid)).not.toContain("ReadBackpressureMetrics");
});

it("a SpikeGenerator given `backpressure` passes every name, the worker's namespace included", () => {
  const out = synth(
    (stack) =>
      new SpikeGenerator(stack, "spike", {
        ...BASE,
        backpressure: {
          queueName: "orders-queue",
          dlqName: "orders-dlq",
          workerFunctionName: "orders-fn",
          workerMetricsNamespace: "Team/Worker",
        },
      }),
  );
  expect(generatorOf(out).environment.variables).toMatchObject({
    GCX_QUEUE_NAME: "orders-queue",
    GCX_DLQ_NAME: "orders-dlq",
    GCX_WORKER_FUNCTION_NAME: "orders-fn",
    GCX_WORKER_METRICS_NAMESPACE: "Team/Worker",
  });
  expect(generatorOf(out).environment.variables.GCX_QUARANTINE_QUEUE_NAME).toBeUndefined();
  expect(statementsOf(out).find((s) => s.Sid === "ReadBackpressureMetrics")).toMatchObject({
    Action: "cloudwatch:GetMetricData",
    Resource: "*",
  });
});
