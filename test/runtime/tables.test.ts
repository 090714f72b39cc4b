/** Table layouts, and receiptUpdate executed against dynalite (ADD deliveries/effects once per writeId, SET the rest). */
import { CreateTableCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { IDEMPOTENCY_TABLE, RECEIPTS_TABLE } from "cdktf-genesys-consumer/runtime";
import { receiptUpdate } from "../../lib/runtime/tables";
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
        KeySchema: [
          { AttributeName: "runId", KeyType: "HASH" },
          { AttributeName: "seq", KeyType: "RANGE" },
        ],
        AttributeDefinitions: [
          { AttributeName: "runId", AttributeType: "S" },
          { AttributeName: "seq", AttributeType: "N" },
        ],
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
    await documents.send(
      new UpdateCommand(
        receiptUpdate("receipts", { ...base, outcome: "processed", effect: false, attempts: 2, firstReceiveMs: 5000, doneMs: 6000 }),
      ),
    );
    const item = (await documents.send(new GetCommand({ TableName: "receipts", Key: { runId: "r1", seq: 4 } }))).Item;
    expect(item).toMatchObject({
      runId: "r1",
      seq: 4,
      deliveries: 2,
      effects: 1,
      outcome: "processed",
      attempts: 2,
      firstReceiveMs: 1000,
      doneMs: 6000,
      ttl: 2_000_000_000,
    });
    expect(item?.writes).toBeInstanceOf(Set);
    expect((item?.writes as Set<string>).size).toBe(2);
  });

  it("applies a resent input once: the retry of a write whose reply was lost is refused, not counted again", async () => {
    // Prepare
    const update = receiptUpdate("receipts", {
      runId: "r1",
      seq: 6,
      outcome: "processed",
      effect: true,
      attempts: 1,
      firstReceiveMs: 1,
      doneMs: 2,
      ttl: 3,
    });

    // Act
    await documents.send(new UpdateCommand(update));
    const retry = documents.send(new UpdateCommand(update));

    // Assess
    await expect(retry).rejects.toMatchObject({ name: "ConditionalCheckFailedException" });
    const item = (await documents.send(new GetCommand({ TableName: "receipts", Key: { runId: "r1", seq: 6 } }))).Item;
    expect(item).toMatchObject({ deliveries: 1, effects: 1 });
    expect(item?.writes).toStrictEqual(new Set([update.ExpressionAttributeValues[":writeId"]]));
  });

  it("uses the writeId given, so a caller can rebuild the same write", async () => {
    const write = {
      runId: "r1",
      seq: 7,
      outcome: "processed",
      effect: true,
      attempts: 1,
      firstReceiveMs: 1,
      doneMs: 2,
      ttl: 3,
      writeId: "delivery-1",
    } as const;
    await documents.send(new UpdateCommand(receiptUpdate("receipts", write)));
    await expect(documents.send(new UpdateCommand(receiptUpdate("receipts", { ...write, doneMs: 9 })))).rejects.toMatchObject({
      name: "ConditionalCheckFailedException",
    });
    await documents.send(new UpdateCommand(receiptUpdate("receipts", { ...write, writeId: "delivery-2", effect: false })));
    const item = (await documents.send(new GetCommand({ TableName: "receipts", Key: { runId: "r1", seq: 7 } }))).Item;
    expect(item).toMatchObject({ deliveries: 2, effects: 1, doneMs: 2, writes: new Set(["delivery-1", "delivery-2"]) });
  });

  it("records the dead-letter reason", async () => {
    await documents.send(
      new UpdateCommand(
        receiptUpdate("receipts", {
          runId: "r1",
          seq: 5,
          outcome: "dead-lettered",
          reason: "exhausted",
          effect: false,
          attempts: 3,
          firstReceiveMs: 1,
          doneMs: 2,
          ttl: 3,
        }),
      ),
    );
    const item = (await documents.send(new GetCommand({ TableName: "receipts", Key: { runId: "r1", seq: 5 } }))).Item;
    expect(item).toMatchObject({ outcome: "dead-lettered", reason: "exhausted", deliveries: 1, effects: 0 });
  });
});
