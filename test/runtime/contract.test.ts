import {
  ContractError,
  LOADGEN_CONTRACT,
  parseLoadgenContract,
  parseWorkerContract,
  WORKER_CONTRACT,
  workerEnvironment,
  loadgenEnvironment,
  DEFAULT_BACKOFF_MAX_SECONDS,
  DEFAULT_REPLAY_WINDOW_SECONDS,
  DEFAULT_SYNTHETIC_DOWNSTREAM,
} from "cdktf-genesys-consumer/runtime";
import { withWorkerDefaults } from "../../lib/runtime/contract";

const valid = {
  ingressKind: "webhook",
  queueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/q",
  queueArn: "arn:aws:sqs:us-east-1:123456789012:q",
  dlqUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/dlq",
  quarantineQueueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/quarantine",
  maxReceiveCount: 5,
  signatureSecretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:s",
  idempotencyTable: "idem",
} as const;

/** The worker contract's defaults, pinned: what an environment without these variables parses to. */
const WORKER_DEFAULTS = {
  fifo: false,
  idempotencyTtlSeconds: 86_400,
  replayWindowSeconds: 900,
  receiptTtlSeconds: 604_800,
  downstreamRatePerSecond: 1,
  downstreamBurst: 1,
  backoffBaseSeconds: 2,
  backoffMaxSeconds: 900,
  genesysRegion: "us-east-1",
  syntheticDownstream: "simulate",
} as const;

describe("contract defaults", () => {
  it("fills every absent optional variable with its default, and nothing else", () => {
    expect(parseWorkerContract(workerEnvironment(valid))).toEqual({ ...valid, ...WORKER_DEFAULTS });
  });

  it("treats an empty value as absent: the default applies", () => {
    expect(parseWorkerContract({ ...workerEnvironment(valid), GCX_BACKOFF_BASE_SECONDS: "" }).backoffBaseSeconds).toBe(2);
  });

  it("lets a present variable override its default, including 0 and false", () => {
    const parsed = parseWorkerContract(
      workerEnvironment({ ...valid, backoffBaseSeconds: 0, fifo: false, genesysRegion: "eu-west-1", idempotencyTtlSeconds: 3600 }),
    );
    expect(parsed).toMatchObject({ backoffBaseSeconds: 0, fifo: false, genesysRegion: "eu-west-1", idempotencyTtlSeconds: 3600 });
  });

  it("gives each default a value its own schema accepts", () => {
    for (const variable of [...Object.values(WORKER_CONTRACT), ...Object.values(LOADGEN_CONTRACT)]) {
      if (!("default" in variable)) continue;
      expect(variable.required).toBe(false);
      expect(variable.schema.parse(String(variable.default))).toEqual(variable.default);
    }
  });

  it("shows the default in the variable's explanation", () => {
    expect(WORKER_CONTRACT.backoffMaxSeconds.doc).toContain("default 900");
    expect(WORKER_CONTRACT.idempotencyTtlSeconds.doc).toContain("default 86400");
    expect(LOADGEN_CONTRACT.workerBackoffBaseSeconds.doc).toContain("the worker's 2");
  });

  it("fills the defaults of a contract given in code, keeping what is given", () => {
    const filled = withWorkerDefaults({ ...valid, replayWindowSeconds: 0, fifo: true });
    expect(filled).toEqual({ ...valid, ...WORKER_DEFAULTS, replayWindowSeconds: 0, fifo: true });
  });

  it("is what the runtime's named defaults derive from", () => {
    expect(DEFAULT_BACKOFF_MAX_SECONDS).toBe(WORKER_CONTRACT.backoffMaxSeconds.default);
    expect(DEFAULT_REPLAY_WINDOW_SECONDS).toBe(WORKER_CONTRACT.replayWindowSeconds.default);
    expect(DEFAULT_SYNTHETIC_DOWNSTREAM).toBe(WORKER_CONTRACT.syntheticDownstream.default);
  });

  it("fills the load generator's defaults; settings without one stay absent", () => {
    const parsed = parseLoadgenContract(
      loadgenEnvironment({ targetUrl: "https://x.example/webhook", signatureSecretArn: "arn:s", profile: "{}" }),
    );
    expect(parsed).toMatchObject({
      agentCapacityPerSecond: 200,
      metricsNamespace: "GenesysConsumer/Spike",
      reportsPrefix: "spike-reports/",
      historyLength: 90,
    });
    expect(parsed.workerBackoffBaseSeconds).toBeUndefined();
    expect(parsed.workerTimeoutSeconds).toBeUndefined();
  });
});

describe("worker contract", () => {
  it("round-trips: what the construct writes, the runtime parses, with types coerced", () => {
    const env = workerEnvironment({ ...valid, fifo: true, downstreamRatePerSecond: 4.5, backoffMaxSeconds: 600 });
    expect(env.GCX_MAX_RECEIVE_COUNT).toBe("5");
    expect(env.GCX_FIFO).toBe("true");
    expect(parseWorkerContract(env)).toEqual({
      ...valid,
      ...WORKER_DEFAULTS,
      fifo: true,
      downstreamRatePerSecond: 4.5,
      backoffMaxSeconds: 600,
    });
  });

  it("takes a replay window from 0 (off) to a year, seconds, and names a bad one", () => {
    expect(parseWorkerContract(workerEnvironment({ ...valid, replayWindowSeconds: 0 })).replayWindowSeconds).toBe(0);
    expect(parseWorkerContract(workerEnvironment({ ...valid, replayWindowSeconds: 1800 })).replayWindowSeconds).toBe(1800);
    expect(parseWorkerContract(workerEnvironment(valid)).replayWindowSeconds).toBe(900);
    expect(() => parseWorkerContract({ ...workerEnvironment(valid), GCX_REPLAY_WINDOW_SECONDS: "-1" })).toThrow(
      /GCX_REPLAY_WINDOW_SECONDS="-1" is invalid/,
    );
  });

  it("uses one prefix and names every variable with it", () => {
    for (const variable of [...Object.values(WORKER_CONTRACT), ...Object.values(LOADGEN_CONTRACT)])
      expect(variable.env).toMatch(/^GCX_[A-Z_]+$/);
  });

  it("names every missing or bad variable at once", () => {
    const error = (() => {
      try {
        parseWorkerContract({ GCX_INGRESS_KIND: "sqs", GCX_QUEUE_URL: "nope", GCX_MAX_RECEIVE_COUNT: "1001", GCX_FIFO: "yes" });
      } catch (e) {
        return e;
      }
    })() as ContractError;
    expect(error).toBeInstanceOf(ContractError);
    const text = error.problems.join("\n");
    for (const name of [
      'GCX_INGRESS_KIND="sqs" is invalid',
      'GCX_QUEUE_URL="nope" is invalid',
      "GCX_QUEUE_ARN is missing",
      "GCX_DLQ_URL is missing",
      'GCX_MAX_RECEIVE_COUNT="1001" is invalid',
      'GCX_FIFO="yes" is invalid',
      "GCX_IDEMPOTENCY_TABLE is missing",
    ]) {
      expect(text).toContain(name);
    }
    expect(error.message).toMatch(/^invalid function environment:\n {2}- /);
  });

  it("requires the signature secret for webhook pipelines only", () => {
    const { signatureSecretArn: _omit, ...rest } = valid;
    expect(() => parseWorkerContract(workerEnvironment(rest))).toThrow(
      "GCX_SIGNATURE_SECRET_ARN is missing (required when GCX_INGRESS_KIND=webhook)",
    );
    expect(parseWorkerContract(workerEnvironment({ ...rest, ingressKind: "eventStreams" })).ingressKind).toBe("eventStreams");
  });

  it("treats an empty value as missing and rejects unknown settings at write time", () => {
    expect(() => parseWorkerContract({ ...workerEnvironment(valid), GCX_QUEUE_URL: "" })).toThrow(/GCX_QUEUE_URL is missing/);
    expect(() => workerEnvironment({ nope: 1 } as never)).toThrow('unknown contract setting "nope"');
  });
});

describe("load-generator contract", () => {
  it("round-trips and names a missing profile", () => {
    const env = loadgenEnvironment({
      targetUrl: "https://x.execute-api.us-east-1.amazonaws.com/prod/webhook",
      signatureSecretArn: "arn:s",
      profile: "{}",
      agentCapacityPerSecond: 300,
    });
    expect(parseLoadgenContract(env)).toMatchObject({ agentCapacityPerSecond: 300, profile: "{}" });
    const { GCX_PROFILE: _p, ...without } = env;
    expect(() => parseLoadgenContract(without)).toThrow(/GCX_PROFILE is missing/);
  });
});
