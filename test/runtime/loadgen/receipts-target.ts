/**
 * A local target standing in for ingress + worker: it verifies the signature, then writes
 * the receipt the worker would write (processed, or dead-lettered for poison messages that
 * it also puts in the quarantine queue), so runSpike can reconcile for real against dynalite.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createReceiptsTable } from "../../helpers/local-servers";
import { DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { readSyntheticMarker, receiptUpdate, SIGNATURE_HEADER, verify } from "cdktf-genesys-consumer/runtime";
import { startTarget, type Target } from "./target";

export { createReceiptsTable };

export async function startReceiptsTarget(args: {
  ddb: DynamoDBClient;
  tableName: string;
  secret: string;
  sqs?: SQSClient;
  quarantineUrl?: string;
  /** Drop (never write a receipt for) these sequence numbers: they will count as lost. */
  lose?: ReadonlySet<number>;
  /** Answer this status (no receipt written) when it returns one: e.g. 429 for one agent's share. */
  reject?: (seq: number) => number | undefined;
}): Promise<Target & { writes: Promise<unknown>[] }> {
  const doc = DynamoDBDocumentClient.from(args.ddb);
  const writes: Promise<unknown>[] = [];
  const target = await startTarget((arrival) => {
    if (!verify(arrival.body, arrival.headers[SIGNATURE_HEADER.toLowerCase()] as string, [args.secret])) return { status: 400 };
    const body = JSON.parse(arrival.body);
    const marker = readSyntheticMarker(body)!;
    if (args.lose?.has(marker.seq)) return { status: 200 };
    const rejected = args.reject?.(marker.seq);
    if (rejected !== undefined) return { status: rejected };
    const now = Date.now();
    const poison = marker.fault?.kind === "poison";
    writes.push(
      (async () => {
        if (poison && args.sqs) await args.sqs.send(new SendMessageCommand({ QueueUrl: args.quarantineUrl, MessageBody: arrival.body }));
        await doc.send(
          new UpdateCommand(
            receiptUpdate(args.tableName, {
              runId: marker.runId,
              seq: marker.seq,
              outcome: poison ? "dead-lettered" : "processed",
              attempts: poison ? 3 : 1,
              firstReceiveMs: now,
              doneMs: now + 5,
              effect: !poison,
              reason: poison ? "exhausted" : undefined,
              ttl: Math.floor(now / 1000) + 3600,
            }) as never,
          ),
        );
      })(),
    );
    return { status: 200 };
  });
  return Object.assign(target, { writes });
}
