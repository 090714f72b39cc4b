/** Table layouts, and receiptUpdate executed against dynalite (ADD deliveries/effects, SET the rest). */
import { CreateTableCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { IDEMPOTENCY_TABLE, RECEIPTS_TABLE, receiptUpdate } from "cdktf-genesys-consumer/runtime";
import { startDynamo } from "../helpers/local-servers";

describe("table layouts", () => {
  it("idempotency records use Powertools' layout", () => {
    expect(IDEMPOTENCY_TABLE).toEqual({ partitionKey: "id", ttlAttribute: "expiration" });
    expect(RECEIPTS_TABLE).toEqual({ partitionKey: "runId", sortKey: "seq", ttlAttribute: "ttl" });
  });
});

describe("receiptUpdate against dynalite", () => {
  let dynamo: Awaited<ReturnType<typeof startDynamo>>;
  let documents: DynamoDBDocumentClient;
  beforeAll(async () => {
    dynamo = await startDynamo();
    documents = DynamoDBDocumentClient.from(dynamo.client());
    await dynamo.client().send(
      new CreateTableCommand({
        TableName: "receipts",
        KeySchema: [{ AttributeName: "runId", KeyType: "HASH" }, { AttributeName: "seq", KeyType: "RANGE" }],
        AttributeDefinitions: [{ AttributeName: "runId", AttributeType: "S" }, { AttributeName: "seq", AttributeType: "N" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
  });
  afterAll(async () => {
    documents.destroy();
    await dynamo.close();
  });

  it("adds a delivery per write, an effect only when the side effect ran, and keeps the first receive time", async () => {
    const base = { runId: "r1", seq: 4, attempts: 1, firstReceiveMs: 1000, doneMs: 1100, ttl: 2_000_000_000 };
    await documents.send(new UpdateCommand(receiptUpdate("receipts", { ...base, outcome: "processed", effect: true })));
    await documents.send(new UpdateCommand(receiptUpdate("receipts", { ...base, outcome: "processed", effect: false, attempts: 2, firstReceiveMs: 5000, doneMs: 6000 })));
    const item = (await documents.send(new GetCommand({ TableName: "receipts", Key: { runId: "r1", seq: 4 } }))).Item;
    expect(item).toEqual({ runId: "r1", seq: 4, deliveries: 2, effects: 1, outcome: "processed", attempts: 2, firstReceiveMs: 1000, doneMs: 6000, ttl: 2_000_000_000 });
  });

  it("records the dead-letter reason", async () => {
    await documents.send(new UpdateCommand(receiptUpdate("receipts", { runId: "r1", seq: 5, outcome: "dead-lettered", reason: "exhausted", effect: false, attempts: 3, firstReceiveMs: 1, doneMs: 2, ttl: 3 })));
    const item = (await documents.send(new GetCommand({ TableName: "receipts", Key: { runId: "r1", seq: 5 } }))).Item;
    expect(item).toMatchObject({ outcome: "dead-lettered", reason: "exhausted", deliveries: 1, effects: 0 });
  });
});
