/**
 * The bundle-size baseline: the demo worker's job written directly with the AWS SDK and
 * Powertools, without this package's runtime: verify X-Hub-Signature-256 against the secret
 * in Secrets Manager, deduplicate with Powertools idempotency (DynamoDB), send the
 * "Delivered" receipt to Genesys with a client-credentials token, report partial batch
 * failures, log and emit metrics with Powertools.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { IdempotencyConfig, makeIdempotent } from "@aws-lambda-powertools/idempotency";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";

const logger = new Logger({ serviceName: "baseline-worker" });
const metrics = new Metrics({ namespace: "Baseline", serviceName: "baseline-worker" });
const secrets = new SecretsManagerClient({});
const persistenceStore = new DynamoDBPersistenceLayer({
  tableName: process.env.IDEMPOTENCY_TABLE ?? "idempotency",
  awsSdkV3Client: new DynamoDBClient({}),
});
const config = new IdempotencyConfig({ expiresAfterSeconds: 86_400 });
let signingSecret: string | undefined;
let token: string | undefined;

async function secretValue(arn: string): Promise<string> {
  const answer = await secrets.send(new GetSecretValueCommand({ SecretId: arn }));
  return answer.SecretString ?? "";
}

function verify(body: string, header: string | undefined, secret: string): boolean {
  if (!header) return false;
  const expected = Buffer.from(`sha256=${createHmac("sha256", secret).update(body).digest("base64")}`);
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

async function accessToken(): Promise<string> {
  if (token) return token;
  const creds = JSON.parse(await secretValue(process.env.GENESYS_CREDENTIALS_SECRET_ARN ?? "")) as {
    clientId: string;
    clientSecret: string;
  };
  const res = await fetch(`${process.env.GENESYS_LOGIN_URL}/oauth/token`, {
    method: "POST",
    headers: {
      authorization: `Basic ${Buffer.from(`${creds.clientId}:${creds.clientSecret}`).toString("base64")}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: "grant_type=client_credentials",
  });
  token = ((await res.json()) as { access_token: string }).access_token;
  return token;
}

const processMessage = makeIdempotent(
  async (message: { id: string; channel: { id: string; to?: unknown } }) => {
    const res = await fetch(`${process.env.GENESYS_API_URL}/api/v2/conversations/messages/${message.channel.id}/inbound/open/receipt`, {
      method: "POST",
      headers: { authorization: `Bearer ${await accessToken()}`, "content-type": "application/json" },
      body: JSON.stringify({ id: message.id, channel: { to: message.channel.to }, status: "Delivered", direction: "Outbound" }),
    });
    if (!res.ok) throw new Error(`receipt: HTTP ${res.status}`);
  },
  { persistenceStore, config },
);

async function processRecord(record: SQSRecord): Promise<void> {
  signingSecret ??= await secretValue(process.env.SIGNATURE_SECRET_ARN ?? "");
  if (!verify(record.body, record.messageAttributes["X-Hub-Signature-256"]?.stringValue, signingSecret))
    throw new Error("invalid signature");
  await processMessage(JSON.parse(record.body));
}

export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  config.registerLambdaContext(context);
  const batchItemFailures: SQSBatchResponse["batchItemFailures"] = [];
  await Promise.all(
    event.Records.map(async (record) => {
      try {
        await processRecord(record);
        metrics.addMetric("processed", MetricUnit.Count, 1);
      } catch (error) {
        logger.warn("record failed", { messageId: record.messageId, error: (error as Error).message });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }),
  );
  metrics.publishStoredMetrics();
  return { batchItemFailures };
}
