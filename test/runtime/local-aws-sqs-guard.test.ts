/**
 * Pins AWS's behaviour that the in-memory local-aws-sqs patches (lib/local/local-aws-sqs.ts)
 * restore: a ChangeMessageVisibility is not a receive. With maxReceiveCount 3, receive +
 * change the visibility to 1 s, repeated, gives ApproximateReceiveCount 1, 2, 3, then the
 * message is in the DLQ. A loader or an upgrade of local-aws-sqs that loses the patch fails here.
 */
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from "@aws-sdk/client-sqs";
import { useLocalSqs } from "../helpers/local-servers";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("local-aws-sqs receive count (patched to AWS's behaviour)", () => {
  const local = useLocalSqs();

  it("counts receives, not visibility changes, and dead-letters after maxReceiveCount receives", async () => {
    // Prepare
    const dlq = await local.client.send(new CreateQueueCommand({ QueueName: "guard-dlq" }));
    const dlqArn = (await local.client.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ["QueueArn"] })))
      .Attributes?.QueueArn;
    const queue = await local.client.send(
      new CreateQueueCommand({
        QueueName: "guard-main",
        Attributes: { VisibilityTimeout: "30", RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 3 }) },
      }),
    );
    await local.client.send(new SendMessageCommand({ QueueUrl: queue.QueueUrl, MessageBody: "guard" }));

    // Act
    const counts: string[] = [];
    for (let i = 0; i < 4; i++) {
      const out = await local.client.send(
        new ReceiveMessageCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ["All"], WaitTimeSeconds: 0 }),
      );
      const message = out.Messages?.[0];
      if (!message) break;
      counts.push(message.Attributes?.ApproximateReceiveCount ?? "?");
      await local.client.send(
        new ChangeMessageVisibilityCommand({ QueueUrl: queue.QueueUrl, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: 1 }),
      );
      await sleep(1200);
    }
    const inDlq = await local.client.send(
      new ReceiveMessageCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ["All"], WaitTimeSeconds: 0 }),
    );

    // Assess
    expect(counts).toEqual(["1", "2", "3"]);
    expect(inDlq.Messages?.map((m) => m.Body)).toEqual(["guard"]);
  });
});
