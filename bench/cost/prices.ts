/**
 * AWS on-demand prices the cost model uses, us-east-1, each with where it was read and when.
 * Free tiers are left out on purpose (the model prices the marginal webhook). A price marked
 * `assumed` was not found in the sources searched: it is the value used, and `source` says where
 * to check it. Update a price here and `npm run bench -- cost --update-docs` rewrites the guide.
 */

/** The day the prices below were read. */
export const PRICES_READ_ON = "2026-12-03";
export const PRICE_REGION = "us-east-1";

export interface Price {
  readonly usd: number;
  readonly per: string;
  readonly source: string;
  /** True when the value is an assumption (not confirmed in a source); `source` is where to check it. */
  readonly assumed?: boolean;
  readonly note?: string;
}

const SQS_OFFICIAL = "https://aws.amazon.com/sqs/pricing/";

export const PRICES = {
  apiGatewayRestRequest: {
    usd: 3.5 / 1e6,
    per: "REST API request (first 333 million a month)",
    source: "https://docs.aws.amazon.com/whitepapers/latest/best-practices-api-gateway-private-apis-integration/cost-optimization.html",
    note: "AWS whitepaper table 4 (REST: first 333 million requests $3.50 per million); also https://aws.amazon.com/api-gateway/pricing/",
  },
  sqsStandardRequest: {
    usd: 0.4 / 1e6,
    per: "standard-queue request (each 64 KiB chunk of a payload is one request)",
    source: "https://cloudburn.io/blog/amazon-sqs-pricing",
    note: `third-party summary of the official page (us-east-1, March 2026; the 64 KB rule also in https://www.factualminds.com/blog/amazon-sqs-pricing-64kb-rule-fifo-vs-standard/); check ${SQS_OFFICIAL}`,
  },
  lambdaRequest: {
    usd: 0.2 / 1e6,
    per: "Lambda request (invocation)",
    source:
      "https://git.mcrn.ar/mariano/lambda_local_runner/src/commit/957e45b8adae23ce50b966346229585b5df18b4d/docs/lambdas-md/lambda-13-cost.md?display=rendered",
    note: "third-party table (x86 and arm64 both $0.20 per 1M); check https://aws.amazon.com/lambda/pricing/",
  },
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    per: "GB-second, arm64 (first 7.5 billion GB-s a month)",
    source: "https://cloudchipr.com/blog/aws-lambda-pricing",
    note: "third-party summary, US East (N. Virginia); check https://aws.amazon.com/lambda/pricing/",
  },
  lambdaX86GbSecond: {
    usd: 0.0000166667,
    per: "GB-second, x86_64 (first 6 billion GB-s a month)",
    source: "https://cloudchipr.com/blog/aws-lambda-pricing",
    note: "third-party summary, US East (N. Virginia); check https://aws.amazon.com/lambda/pricing/",
  },
  dynamoWru: {
    usd: 0.625 / 1e6,
    per: "on-demand write request unit (1 KB standard write)",
    source: "https://airbyte.com/data-engineering-resources/dynamodb-pricing",
    note: "third-party summary after the November 2024 on-demand price cut (US East); check https://aws.amazon.com/dynamodb/pricing/on-demand/",
  },
  dynamoRru: {
    usd: 0.125 / 1e6,
    per: "on-demand read request unit (4 KB strongly consistent read)",
    source: "https://airbyte.com/data-engineering-resources/dynamodb-pricing",
    note: "third-party summary (US East); check https://aws.amazon.com/dynamodb/pricing/on-demand/",
  },
  dynamoStorageGbMonth: {
    usd: 0.25,
    per: "GB-month of table storage (beyond 25 GB free)",
    source: "https://aws.amazon.com/dynamodb/pricing/",
  },
  dynamoPitrGbMonth: {
    usd: 0.2,
    per: "GB-month of continuous backup (point-in-time recovery)",
    source: "https://aws.amazon.com/dynamodb/pricing/on-demand/",
    assumed: true,
  },
  secretsManagerSecretMonth: {
    usd: 0.4,
    per: "secret-month",
    source: "https://hivebook.wiki/wiki/aws-secrets-manager-rotated-secrets-dynamic-db-credentials-kms",
    note: "third-party summary; check https://aws.amazon.com/secrets-manager/pricing/",
  },
  secretsManagerCall: {
    usd: 0.05 / 1e4,
    per: "Secrets Manager API call",
    source: "https://hivebook.wiki/wiki/aws-secrets-manager-rotated-secrets-dynamic-db-credentials-kms",
    note: "third-party summary ($0.05 per 10,000 calls); check https://aws.amazon.com/secrets-manager/pricing/",
  },
  logsIngestGb: {
    usd: 0.5,
    per: "GB of CloudWatch Logs ingested (Standard class; Lambda logs: first tier of the vended-logs tiers)",
    source: "https://hykell.com/kb/platform-specific-guides/aws-cloudwatch-logs-pricing",
    note: "third-party summary ($0.50/GB in us-east-1); the Lambda tiering from 1 May 2025 keeps $0.50/GB as its first tier: https://www.duckbillgroup.com/?p=9080",
  },
  customMetricMonth: {
    usd: 0.3,
    per: "custom metric-month (first 10,000 metrics)",
    source: "https://signoz.io/guides/cloudwatch-pricing",
    note: "third-party summary; check https://aws.amazon.com/cloudwatch/pricing/",
  },
  alarmMonth: {
    usd: 0.1,
    per: "standard-resolution alarm metric-month",
    source: "https://aws.amazon.com/cloudwatch/pricing/",
    assumed: true,
  },
  dashboardMonth: {
    usd: 3,
    per: "custom dashboard-month (beyond 3 free)",
    source: "https://aws.amazon.com/cloudwatch/pricing/",
    assumed: true,
  },
  kmsKeyMonth: {
    usd: 1,
    per: "customer managed KMS key-month (AWS managed keys: no monthly fee)",
    source: "https://aws.amazon.com/kms/pricing/",
  },
  kmsRequest: {
    usd: 0.03 / 1e4,
    per: "KMS request (symmetric)",
    source: "https://www.wring.co/blog/aws-kms-pricing-guide",
    note: "third-party summary ($0.03 per 10,000); check https://aws.amazon.com/kms/pricing/",
  },
  xrayTraceRecorded: {
    usd: 5 / 1e6,
    per: "X-Ray trace recorded",
    source: "https://aws.amazon.com/de/xray/pricing/",
    note: "official page (German edition): USD 5 per million traces recorded beyond the free tier",
  },
} as const satisfies Record<string, Price>;

export type PriceKey = keyof typeof PRICES;
