/**
 * What the cost model reads from the synthesized demo stack (examples/basic, as `npm start`
 * synthesizes it): the worker's memory and architecture, the event source mapping's batching,
 * the queue's redrive, the fixed resources (alarms, dashboards, keys, secrets) and the ingress
 * access-log format.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

type Resources = Record<string, Record<string, Record<string, unknown>>>;

export interface StackFacts {
  readonly workerMemoryMb: number;
  readonly workerArchitecture: string;
  readonly workerTimeoutSeconds: number;
  readonly batchSize: number;
  readonly batchingWindowSeconds: number;
  readonly reportBatchItemFailures: boolean;
  readonly maxReceiveCount: number;
  /** "SSE-SQS" (no KMS request), or the KMS key of SSE-KMS. */
  readonly queueEncryption: string;
  readonly alarms: number;
  readonly dashboards: number;
  readonly customerManagedKeys: number;
  readonly secrets: number;
  readonly apiXrayTracing: boolean;
  readonly accessLogFormat: string;
  readonly spikeMemoryMb?: number;
  /** Where the facts were read. */
  readonly from: string;
}

function only(resources: Resources, type: string, nameHint: string): Record<string, unknown> {
  const found = Object.entries(resources[type] ?? {}).filter(([name]) => name.includes(nameHint));
  if (found.length !== 1) throw new Error(`expected one ${type} named like ${nameHint}, found ${found.length}`);
  return found[0][1];
}

/** Reads the facts from a synthesized cdk.tf.json. */
export function readStackFacts(file: string): StackFacts {
  const json = JSON.parse(readFileSync(file, "utf8")) as { resource: Resources };
  const r = json.resource;
  const worker = only(r, "aws_lambda_function", "worker");
  const esm = only(r, "aws_lambda_event_source_mapping", "worker");
  const queue = Object.entries(r.aws_sqs_queue).find(([n]) => !/dlq|quarantine/.test(n))?.[1] as Record<string, unknown>;
  const stage = only(r, "aws_api_gateway_stage", "ingress");
  const spike = Object.entries(r.aws_lambda_function).find(([n]) => n.includes("spike"))?.[1];
  const redrive = JSON.parse(String(queue.redrive_policy)) as { maxReceiveCount: number };
  return {
    workerMemoryMb: Number(worker.memory_size),
    workerArchitecture: ((worker.architectures as string[]) ?? ["x86_64"])[0],
    workerTimeoutSeconds: Number(worker.timeout),
    batchSize: Number(esm.batch_size ?? 10),
    batchingWindowSeconds: Number(esm.maximum_batching_window_in_seconds ?? 0),
    reportBatchItemFailures: ((esm.function_response_types as string[]) ?? []).includes("ReportBatchItemFailures"),
    maxReceiveCount: redrive.maxReceiveCount,
    queueEncryption: queue.kms_master_key_id
      ? `SSE-KMS (${String(queue.kms_master_key_id)})`
      : queue.sqs_managed_sse_enabled
        ? "SSE-SQS"
        : "none",
    alarms: Object.keys(r.aws_cloudwatch_metric_alarm ?? {}).length,
    dashboards: Object.keys(r.aws_cloudwatch_dashboard ?? {}).length,
    customerManagedKeys: Object.keys(r.aws_kms_key ?? {}).length,
    secrets: Object.keys(r.aws_secretsmanager_secret ?? {}).length,
    apiXrayTracing: stage.xray_tracing_enabled === true,
    accessLogFormat: String((stage.access_log_settings as { format: string }).format),
    spikeMemoryMb: spike ? Number((spike as Record<string, unknown>).memory_size) : undefined,
    from: file,
  };
}

/** Synthesizes the demo stack (examples/basic, as bin/main.ts) into a temporary folder and reads its facts. */
export async function synthDemoFacts(): Promise<StackFacts> {
  const outdir = mkdtempSync(join(tmpdir(), "gcx-bench-cost-"));
  try {
    const { App } = await import("cdktf");
    const { DemoStack } = await import("../../examples/basic/stack");
    const app = new App({ outdir });
    new DemoStack(app, "demo");
    app.synth();
    const facts = readStackFacts(join(outdir, "stacks", "demo", "cdk.tf.json"));
    return { ...facts, from: "examples/basic (DemoStack), synthesized by this run" };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** Representative values of the access-log variables (a UUID request id, an IPv4 address, 13-digit epochs...). */
const CONTEXT_VALUES: Record<string, string> = {
  "$context.requestId": "3f1c2a9e-8b7d-4c6e-9f0a-1b2c3d4e5f60",
  "$context.identity.sourceIp": "203.0.113.10",
  "$context.requestTimeEpoch": "1764769600123",
  "$context.httpMethod": "POST",
  "$context.resourcePath": "/genesys/webhook",
  "$context.status": "202",
  "$context.responseLength": "2",
  "$context.integration.status": "200",
  "$context.integration.latency": "12",
  "$context.error.message": "-",
  "$context.apiId": "a1b2c3d4e5",
  "$context.stage": "v1",
  "$context.identity.apiKeyId": "-",
  "$context.identity.caller": "-",
  "$context.identity.user": "-",
  "$context.requestTime": "03/Dec/2026:13:33:17 +0000",
  "$context.protocol": "HTTP/1.1",
};

/** The format of CDK's AccessLogFormat.jsonWithStandardFields() (the Solutions Constructs default access log). */
export const STANDARD_FIELDS_ACCESS_LOG_FORMAT =
  '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","user":"$context.identity.user","caller":"$context.identity.caller","requestTime":"$context.requestTime","httpMethod":"$context.httpMethod","resourcePath":"$context.resourcePath","status":"$context.status","protocol":"$context.protocol","responseLength":"$context.responseLength"}';

/** Bytes of one access-log line in `format`, with representative values (an unknown variable counts 10 bytes). */
export function accessLogLineBytes(format: string): number {
  const line = format.replace(/\$context\.[A-Za-z.]+/g, (name) => CONTEXT_VALUES[name] ?? "x".repeat(10));
  return Buffer.byteLength(line);
}
