/**
 * What a worker declares it uses: `worker.genesys` (the Genesys credentials secret, created
 * empty for the team to fill or an existing one, with its read and key grants) and
 * `worker.synthetic` (what the nightly spike's downstream calls do), through ConsumerPipeline.
 */
import {
  ConsumerPipeline,
  GenesysProvider,
  PipelineTables,
  QueueWithDlq,
  ValidationError,
  Worker,
  type ConsumerPipelineProps,
} from "../../lib";
import { WORKER_CONTRACT } from "../../lib/runtime";
import { errorOf, pipelineProps, synth, synthPipeline, type Synthesized } from "./support";

const KEY = "arn:aws:kms:eu-west-1:111122223333:key/11111111-2222-3333-4444-555555555555";
const EXISTING = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:genesys-oauth-AbCdEf";
const ref = (out: Synthesized, type: string, fragment: string, attr: string) => `\${${type}.${out.id(type, fragment)}.${attr}}`;
const statements = (out: Synthesized) =>
  JSON.parse(out.find("aws_iam_role_policy", "orders_worker_policy").policy).Statement as { Sid: string; Resource: string | string[] }[];
const statement = (out: Synthesized, sid: string) => statements(out).find((s) => s.Sid === sid);
const env = (out: Synthesized): Record<string, string> => out.one("aws_lambda_function").environment.variables;

/** The problems of the ValidationError a pipeline with these props throws. */
function problemsOf(props: Partial<ConsumerPipelineProps>) {
  const error = errorOf(() => synthPipeline(props));
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).problems;
}

describe("worker.genesys", () => {
  it("createCredentialsSecret: an empty secret (no version, nothing in state), its ARN in the contract, readable by the worker, exposed", () => {
    const { out, pipeline } = synthPipeline({
      worker: { entry: pipelineProps().worker.entry, genesys: { createCredentialsSecret: true } },
    });
    const secret = out.find("aws_secretsmanager_secret", "orders_genesys-credentials");
    const arn = ref(out, "aws_secretsmanager_secret", "orders_genesys-credentials", "arn");
    expect(secret.name).toMatch(/^orders-genesys-credentials-secret-[0-9a-f]{8}$/);
    expect(secret.description).toContain('JSON {"clientId","clientSecret"}');
    expect(secret.kms_key_id).toBeUndefined();
    expect(out.list("aws_secretsmanager_secret_version").filter((v) => String(v.secret_id).includes("genesys-credentials"))).toEqual([]);
    expect(env(out)[WORKER_CONTRACT.genesysCredentialsSecretArn.env]).toBe(arn);
    expect(statement(out, "ReadSecrets")?.Resource).toEqual([ref(out, "aws_secretsmanager_secret", "signing-secret_", "arn"), arn]);
    expect(pipeline.genesysCredentialsSecret?.secret).toBeDefined();
    expect(pipeline.genesysCredentialsSecretArn).toBe(pipeline.genesysCredentialsSecret?.arn);
  });

  it("encrypts a created secret with secrets.kmsKeyArn and lets the worker decrypt with it", () => {
    const { out } = synthPipeline({
      worker: { entry: pipelineProps().worker.entry, genesys: { createCredentialsSecret: true } },
      secrets: { kmsKeyArn: KEY },
    });
    expect(out.find("aws_secretsmanager_secret", "orders_genesys-credentials").kms_key_id).toBe(KEY);
    expect(statement(out, "UseKeys")?.Resource).toContain(KEY);
  });

  it("credentialsSecretArn: the existing secret, readable, with kms:Decrypt on its key; nothing created", () => {
    const { out, pipeline } = synthPipeline({
      worker: { entry: pipelineProps().worker.entry, genesys: { credentialsSecretArn: EXISTING, kmsKeyArn: KEY } },
    });
    expect(out.list("aws_secretsmanager_secret")).toHaveLength(1); // the signing secret only
    expect(env(out)[WORKER_CONTRACT.genesysCredentialsSecretArn.env]).toBe(EXISTING);
    expect(statement(out, "ReadSecrets")?.Resource).toContain(EXISTING);
    expect(statement(out, "UseKeys")?.Resource).toContain(KEY);
    expect(pipeline.genesysCredentialsSecret).toEqual({ arn: EXISTING });
  });

  it("without a declaration: no credentials setting and no grant beyond the signing secret", () => {
    const { out, pipeline } = synthPipeline();
    expect(env(out)[WORKER_CONTRACT.genesysCredentialsSecretArn.env]).toBeUndefined();
    expect(statement(out, "ReadSecrets")?.Resource).toEqual([ref(out, "aws_secretsmanager_secret", "signing-secret_", "arn")]);
    expect(pipeline.genesysCredentialsSecret).toBeUndefined();
  });

  it("on an eventStreams pipeline: created with the secrets' key and recovery window, which apply to it there", () => {
    let pipeline!: ConsumerPipeline;
    const out = synth((stack) => {
      new GenesysProvider(stack, "genesys", { awsRegion: "eu-west-1" });
      pipeline = new ConsumerPipeline(stack, "orders", {
        ...pipelineProps({ worker: { entry: pipelineProps().worker.entry, genesys: { createCredentialsSecret: true } } }),
        ingress: { kind: "eventStreams", topics: ["v2.detail.events.conversation.{id}.customer.start"] },
        secrets: { kmsKeyArn: KEY, recoveryWindowInDays: 7 },
      });
    });
    const secret = out.one("aws_secretsmanager_secret");
    expect(secret).toMatchObject({ kms_key_id: KEY, recovery_window_in_days: 7 });
    expect(env(out)[WORKER_CONTRACT.genesysCredentialsSecretArn.env]).toBe(
      pipeline.genesysCredentialsSecretArn && ref(out, "aws_secretsmanager_secret", "genesys-credentials", "arn"),
    );
  });

  it("refuses every bad declaration at synth, naming the prop and the fix", () => {
    const entry = pipelineProps().worker.entry;
    expect(problemsOf({ worker: { entry, genesys: { createCredentialsSecret: true, credentialsSecretArn: EXISTING } as never } })).toEqual([
      {
        prop: "worker.genesys",
        message:
          "sets both createCredentialsSecret and credentialsSecretArn; keep one: createCredentialsSecret: true for a secret created here, or credentialsSecretArn for an existing one.",
      },
    ]);
    expect(problemsOf({ worker: { entry, genesys: {} as never } })).toEqual([
      {
        prop: "worker.genesys",
        message:
          'declares nothing; set { createCredentialsSecret: true } or { credentialsSecretArn: "<ARN>" }, or remove genesys if the handler never calls ctx.genesys.',
      },
    ]);
    expect(problemsOf({ worker: { entry, genesys: { createCredentialsSecret: false } as never } })).toEqual([
      {
        prop: "worker.genesys.createCredentialsSecret",
        message: "false is not allowed; set true, or remove genesys if the handler never calls ctx.genesys.",
      },
    ]);
    expect(problemsOf({ worker: { entry, genesys: { credentialsSecretArn: "genesys-oauth" } } })).toEqual([
      {
        prop: "worker.genesys.credentialsSecretArn",
        message:
          '"genesys-oauth" is not a Secrets Manager secret ARN; use arn:aws:secretsmanager:<region>:<account>:secret:<name>, or createCredentialsSecret: true.',
      },
    ]);
    expect(
      problemsOf({ worker: { entry, genesys: { createCredentialsSecret: true } }, secrets: { genesysCredentialsSecretArn: EXISTING } }),
    ).toEqual([
      {
        prop: "secrets.genesysCredentialsSecretArn",
        message:
          "is set with worker.genesys; declare the Genesys credentials once: move the ARN to worker.genesys: { credentialsSecretArn } and remove secrets.genesysCredentialsSecretArn.",
      },
    ]);
  });
});

describe("a standalone Worker", () => {
  it("with createCredentialsSecret creates the empty secret itself, with its key, and reads it", () => {
    let worker!: Worker;
    const out = synth((stack) => {
      const queues = new QueueWithDlq(stack, "queues");
      const tables = new PipelineTables(stack, "tables");
      worker = new Worker(stack, "standalone", {
        entry: pipelineProps().worker.entry,
        queues,
        tables: { idempotency: tables.idempotency, receipts: tables.receipts },
        signingSecretArn: "arn:aws:secretsmanager:eu-west-1:111122223333:secret:signing-AbCdEf",
        genesys: { createCredentialsSecret: true, kmsKeyArn: KEY },
      });
    });
    const arn = ref(out, "aws_secretsmanager_secret", "standalone_genesys-credentials", "arn");
    expect(out.find("aws_secretsmanager_secret", "standalone_genesys-credentials").kms_key_id).toBe(KEY);
    expect(out.list("aws_secretsmanager_secret_version")).toEqual([]);
    expect(env(out)[WORKER_CONTRACT.genesysCredentialsSecretArn.env]).toBe(arn);
    const policy = JSON.parse(out.one("aws_iam_role_policy").policy).Statement as { Sid: string; Resource: string | string[] }[];
    expect(policy.find((s) => s.Sid === "ReadSecrets")?.Resource).toContain(arn);
    expect(policy.find((s) => s.Sid === "UseKeys")?.Resource).toContain(KEY);
    expect(worker.genesysCredentialsSecret?.arn).toBeDefined();
  });
});

describe("worker.synthetic", () => {
  it("writes simulate by default, and the mode and the named target when the stack opts in to real calls", () => {
    expect(env(synthPipeline().out)[WORKER_CONTRACT.syntheticDownstream.env]).toBe("simulate");
    const out = synthPipeline({
      worker: { entry: pipelineProps().worker.entry, synthetic: { downstream: "call-genesys", target: "Genesys sandbox org acme-test" } },
    }).out;
    expect(env(out)[WORKER_CONTRACT.syntheticDownstream.env]).toBe("call-genesys");
    expect(env(out)[WORKER_CONTRACT.syntheticDownstreamTarget.env]).toBe("Genesys sandbox org acme-test");
  });

  it("refuses a real-call mode without a target, a target with simulate, and an unknown mode", () => {
    const entry = pipelineProps().worker.entry;
    expect(problemsOf({ worker: { entry, synthetic: { downstream: "call" } as never } })).toEqual([
      {
        prop: "worker.synthetic.target",
        message:
          'is required with downstream "call": name what the nightly spike calls for real (e.g. "Genesys sandbox org acme-test"), or use downstream "simulate".',
      },
    ]);
    expect(problemsOf({ worker: { entry, synthetic: { downstream: "simulate", target: "crm" } as never } })).toEqual([
      {
        prop: "worker.synthetic.target",
        message:
          'names what synthetic messages call for real, but downstream is "simulate"; remove it, or set downstream "call" or "call-genesys".',
      },
    ]);
    expect(problemsOf({ worker: { entry, synthetic: { downstream: "sometimes" } as never } })).toEqual([
      {
        prop: "worker.synthetic.downstream",
        message: '"sometimes" is not a mode; use "simulate" (the default), "call" or "call-genesys".',
      },
    ]);
  });
});
