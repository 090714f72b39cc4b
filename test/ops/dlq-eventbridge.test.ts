/**
 * Events EventBridge could not deliver to an Event Streams pipeline's queue, in the DLQ: inspect
 * calls them what they are (eventbridge-delivery-failed, with the error code and message, the
 * rule and the target), not redriven-by-sqs, and a redrive delivers the event to the queue it was
 * meant for as EventBridge would have (the body alone, without EventBridge's failure attributes).
 */
import type { Message, SQSClient } from "@aws-sdk/client-sqs";
import { startSqs } from "../helpers/local-servers";
import {
  EVENTBRIDGE_DELIVERY_FAILED,
  REDRIVEN_BY_SQS,
  describeDeadLetter,
  inspectDlq,
  isEventBridgeDeadLetter,
  redriveAll,
  redriveSelected,
} from "../../lib/ops/dlq";
import { renderInspect } from "../../lib/ops/format";
import { createPipeline, eventStreamsBody, normalizedBody, putDeadLetter, putEventBridgeDeadLetter, receiveAll } from "./fixtures";

const FAST = { waitTimeSeconds: 0 } as const;
const RULE = "arn:aws:events:eu-west-1:123456789012:rule/aws.partner/genesys.com/cloud/org-1/orders/orders-events-rule";

describe("EventBridge dead letters (local-aws-sqs)", () => {
  let sqs: Awaited<ReturnType<typeof startSqs>>;
  let client: SQSClient;
  beforeAll(async () => {
    sqs = await startSqs();
    client = sqs.client();
  });
  afterAll(async () => {
    client.destroy();
    await sqs.close();
  });

  it("inspect classifies them as eventbridge-delivery-failed with the error code and message, the rule, the target and the attempts", async () => {
    const pipeline = await createPipeline(client, "eb-inspect");
    const failed = await putEventBridgeDeadLetter(client, pipeline, eventStreamsBody(1), {
      retries: 185,
      errorCode: "SQS_PERMISSIONS_ERROR",
    });
    const worker = await putDeadLetter(client, pipeline, "permanent", normalizedBody(2));
    const result = await inspectDlq(client, { queue: pipeline.dlq.url, ...FAST });
    expect(result.countsByReason).toEqual({ [EVENTBRIDGE_DELIVERY_FAILED]: 1, permanent: 1 });
    const letter = result.messages.find((m) => m.messageId === failed)!;
    expect(letter).toMatchObject({
      reason: EVENTBRIDGE_DELIVERY_FAILED,
      errorName: "SQS_PERMISSIONS_ERROR",
      errorMessage: "User: events.amazonaws.com is not authorized to perform: kms:GenerateDataKey on the queue's key",
      attempts: 185,
      retryCondition: "MaximumRetryAttemptsExhausted",
      ruleArn: RULE,
      targetArn: pipeline.source.arn,
      sourceQueueArn: pipeline.source.arn,
      orderingKey: "-",
    });
    expect(result.messages.find((m) => m.messageId === worker)?.reason).toBe("permanent");

    const text = renderInspect(result);
    expect(text).toContain("EventBridge could not deliver");
    expect(text).toMatch(
      new RegExp(
        `${failed}\\s+SQS_PERMISSIONS_ERROR\\s+${RULE.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}\\s+${pipeline.source.arn}\\s+User: events\\.amazonaws\\.com is not authorized`,
      ),
    );
    expect(text).toMatch(/eventbridge-delivery-failed\s+1\s+EventBridge could not put the event in the queue \(see ERROR_CODE/);
  });

  it("a message without EventBridge's error code, or one SQS's redrive moved, is not called an EventBridge failure", () => {
    const attr = (v: string) => ({ DataType: "String", StringValue: v });
    const onlyRule: Message = { MessageId: "m1", Body: "{}", MessageAttributes: { RULE_ARN: attr(RULE) } };
    expect(isEventBridgeDeadLetter(onlyRule)).toBe(false);
    expect(describeDeadLetter(onlyRule).reason).toBe(REDRIVEN_BY_SQS);
    const movedBySqs: Message = {
      MessageId: "m2",
      Body: "{}",
      Attributes: { DeadLetterQueueSourceArn: "arn:aws:sqs:eu-west-1:123456789012:orders" },
      MessageAttributes: { RULE_ARN: attr(RULE), ERROR_CODE: attr("SQS_PERMISSIONS_ERROR") },
    };
    expect(describeDeadLetter(movedBySqs).reason).toBe(REDRIVEN_BY_SQS);
    const notSqsTarget: Message = {
      MessageId: "m3",
      Body: "{}",
      MessageAttributes: { TARGET_ARN: attr("arn:aws:lambda:eu-west-1:123456789012:function:f"), ERROR_CODE: attr("NO_PERMISSIONS") },
    };
    expect(describeDeadLetter(notSqsTarget)).toMatchObject({
      reason: EVENTBRIDGE_DELIVERY_FAILED,
      targetArn: "arn:aws:lambda:eu-west-1:123456789012:function:f",
    });
    expect(describeDeadLetter(notSqsTarget).sourceQueueArn).toBeUndefined();
  });

  it("redrive one by one delivers the event to the target queue with its body intact and without EventBridge's failure attributes", async () => {
    const pipeline = await createPipeline(client, "eb-redrive");
    const body = eventStreamsBody(3);
    const id = await putEventBridgeDeadLetter(client, pipeline, body, { retries: 3 });
    const result = await redriveSelected(client, { queue: pipeline.dlq.url, reasons: [EVENTBRIDGE_DELIVERY_FAILED], ...FAST });
    expect(result.moved).toEqual([
      expect.objectContaining({ messageId: id, reason: EVENTBRIDGE_DELIVERY_FAILED, destination: pipeline.source.url }),
    ]);
    const [delivered, ...rest] = await receiveAll(client, pipeline.source.url);
    expect(rest).toEqual([]);
    expect(delivered.Body).toBe(body);
    const names = Object.keys(delivered.MessageAttributes ?? {});
    for (const name of [
      "RULE_ARN",
      "TARGET_ARN",
      "ERROR_CODE",
      "ERROR_MESSAGE",
      "EXHAUSTED_RETRY_CONDITION",
      "RETRY_ATTEMPTS",
      "x-dead-letter",
    ])
      expect(names).not.toContain(name);
    expect((await inspectDlq(client, { queue: pipeline.dlq.url, ...FAST })).messages).toEqual([]);
  });

  it("redrive all (move task) sends them to the target queue the dead letters name", async () => {
    const pipeline = await createPipeline(client, "eb-all");
    await putEventBridgeDeadLetter(client, pipeline, eventStreamsBody(4));
    await putEventBridgeDeadLetter(client, pipeline, eventStreamsBody(5));
    const result = await redriveAll(client, { queue: pipeline.dlq.url, pollIntervalMs: 20, ...FAST });
    expect(result).toMatchObject({
      status: "COMPLETED",
      destination: pipeline.source.arn,
      countsByReason: { [EVENTBRIDGE_DELIVERY_FAILED]: 2 },
    });
    expect((await receiveAll(client, pipeline.source.url)).map((m) => JSON.parse(m.Body!).id).sort()).toEqual([
      JSON.parse(eventStreamsBody(4)).id,
      JSON.parse(eventStreamsBody(5)).id,
    ]);
  });
});
