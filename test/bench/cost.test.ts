/**
 * The cost benchmark's counted requests (bench/cost/count.ts): the exact AWS requests the worker
 * makes per message on its code path, after warm-up. A change that adds a request per message
 * (or a secret read, or a DynamoDB write) fails here; if it is intended, update the expected
 * counts and the cost guide (`npm run bench -- cost --update-docs`).
 */
import { countScenario } from "../../bench/cost/count";
import { startCostBench, type CostBench } from "../../bench/cost/harness";
import { DEFAULT_ASSUMPTIONS, quantities, sqsChunks, xraySampledShare } from "../../bench/cost/model";
import { accessLogLineBytes, type StackFacts } from "../../bench/cost/stack";

const N = 5;

describe("cost benchmark: requests the worker makes per message", () => {
  let bench: CostBench;
  beforeAll(async () => {
    bench = await startCostBench();
  });
  afterAll(async () => {
    await bench?.close();
  });

  it("happy path: one conditional PutItem (in progress) and one UpdateItem (completed), nothing else", async () => {
    const c = await countScenario(bench, "happy", N);
    expect(c.totals).toEqual({ "dynamodb:PutItem": N, "dynamodb:UpdateItem": N });
    expect(c.totalWru).toBe(2 * N);
    expect(c.rru).toBe(0);
    expect(c.deliveries).toBe(1);
    expect(c.failedDeliveries).toBe(0);
    // no Secrets Manager call once warm: the signing secret and the Genesys credentials are cached
    expect(c.totals["secretsmanager:GetSecretValue"]).toBeUndefined();
    expect(c.metrics).toEqual(["GenesysConsumer/messageAge [service]", "GenesysConsumer/processed [service]"]);
  });

  it("a downstream 429 then success: two deliveries, one visibility change, the in-progress record deleted and written again", async () => {
    const c = await countScenario(bench, "throttled", N);
    expect(c.totals).toEqual({
      "dynamodb:PutItem": 2 * N,
      "dynamodb:DeleteItem": N,
      "dynamodb:UpdateItem": N,
      "sqs:ChangeMessageVisibility": N,
    });
    expect(c.totalWru).toBe(4 * N);
    expect(c.deliveries).toBe(2);
    expect(c.failedDeliveries).toBe(1);
  });

  it("poison: maxReceiveCount (5) deliveries, four visibility changes, then one dead letter sent and deleted", async () => {
    const c = await countScenario(bench, "poison", N);
    expect(c.totals).toEqual({
      "dynamodb:PutItem": 5 * N,
      "dynamodb:DeleteItem": 5 * N,
      "sqs:ChangeMessageVisibility": 4 * N,
      "sqs:SendMessage": N,
      "sqs:DeleteMessage": N,
    });
    expect(c.deliveries).toBe(5);
  });

  it("synthetic message: the idempotency pair and one receipt write", async () => {
    const c = await countScenario(bench, "synthetic", N);
    expect(c.totals).toEqual({ "dynamodb:PutItem": N, "dynamodb:UpdateItem": 2 * N });
  });
});

describe("cost model", () => {
  it("bills each started 64 KiB of an SQS payload as one request", () => {
    expect(sqsChunks(1)).toBe(1);
    expect(sqsChunks(65_536)).toBe(1);
    expect(sqsChunks(65_537)).toBe(2);
  });

  it("samples every request below one a second, 5 % of the excess above", () => {
    expect(xraySampledShare(0.4)).toBe(1);
    expect(xraySampledShare(21)).toBeCloseTo(2 / 21, 10);
  });

  it("prices the happy path of the pipeline from the counts and the stated assumptions", () => {
    const counted = {
      scenario: "happy" as const,
      messages: 1,
      deliveries: 1,
      failedDeliveries: 0,
      calls: { "dynamodb:PutItem": 1, "dynamodb:UpdateItem": 1 },
      totals: {},
      totalWru: 2,
      wru: 2,
      rru: 0,
      assumedUnits: 0,
      sendPayloadBytes: 0,
      logBytesPerDelivery: 500,
      emfBytesPerDelivery: 250,
      logEventsPerDelivery: 2,
      metrics: [],
    };
    const facts = { workerMemoryMb: 512, workerArchitecture: "arm64", accessLogFormat: '{"s":"$context.status"}' } as StackFacts;
    const counts = { happy: counted, throttled: counted, transient: counted, poison: counted, synthetic: counted };
    const q = quantities("ours", counts, DEFAULT_ASSUMPTIONS, facts, { oursPayloadBytes: 1000, rawBodyBytes: 700 }, false);
    expect(q.apiGatewayRestRequest).toBe(1);
    expect(q.sqsStandardRequest).toBe(3); // ingress send, receive, delete (batch fill 1)
    expect(q.lambdaRequest).toBe(1);
    expect(q.dynamoWru).toBe(2);
    expect(q.lambdaArmGbSecond).toBeCloseTo(0.5 * ((10 + 120 + 2 * 6) / 1000), 10);
    expect(q.logsIngestGb).toBeCloseTo((500 + 600 + accessLogLineBytes(facts.accessLogFormat)) / 1e9, 15);
  });
});
