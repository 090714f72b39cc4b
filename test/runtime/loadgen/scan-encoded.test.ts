/**
 * The generator's DLQ peek and quarantine drain (`scanQueue`) on bodies the ingress stored
 * base64-encoded (`x-body-encoding: base64`), against local-aws-sqs: both read the synthetic
 * marker from the decoded body, the peek leaves every message, the drain deletes this run's.
 */
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { encodeIngressBody } from "../../../lib/runtime/ingress-body";
import { SYNTHETIC_KEY } from "../../../lib/runtime/synthetic";
import { scanQueue, syntheticIdentity } from "../../../lib/runtime/loadgen/reconcile";
import { useLocalSqs } from "../../helpers/local-servers";

const RUN = "run-encoded";
const body = (runId: string, seq: number) =>
  JSON.stringify({ id: `m-${seq}`, text: "\uFFFE", [SYNTHETIC_KEY]: { runId, seq, plannedSendMs: 1 } });

describe("scanQueue on base64-stored bodies", () => {
  const local = useLocalSqs();

  async function queueWith(name: string, bodies: string[]): Promise<string> {
    const url = (await local.client.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
    for (const b of bodies) {
      const stored = encodeIngressBody(b);
      await local.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: stored.body, MessageAttributes: stored.attributes }));
    }
    return url;
  }

  const visibleCount = async (url: string) => {
    let n = 0;
    for (let i = 0; i < 5; i++) {
      const res = await local.client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 30 }));
      if (!res.Messages?.length) break;
      n += res.Messages.length;
    }
    return n;
  };

  it("peeks the DLQ: this run's sequence numbers from the decoded bodies, every message left in place", async () => {
    const url = await queueWith("dlq-encoded", [body(RUN, 3), body(RUN, 1), body("other-run", 2)]);
    expect(await scanQueue(local.client, url, RUN, false)).toEqual([1, 3]);
    expect(await visibleCount(url)).toBe(3);
  });

  it("drains the quarantine queue: this run's encoded messages deleted, the others left", async () => {
    const url = await queueWith("quarantine-encoded", [body(RUN, 5), body("other-run", 6)]);
    expect(await scanQueue(local.client, url, RUN, true)).toEqual([5]);
    expect(await visibleCount(url)).toBe(1);
  });

  it("decodes only what its attributes mark encoded", () => {
    const stored = encodeIngressBody(body(RUN, 9));
    expect(syntheticIdentity(stored.body, stored.attributes)).toEqual({ runId: RUN, seq: 9 });
    expect(syntheticIdentity(stored.body)).toBeUndefined();
    expect(syntheticIdentity(body(RUN, 9))).toEqual({ runId: RUN, seq: 9 });
  });
});
