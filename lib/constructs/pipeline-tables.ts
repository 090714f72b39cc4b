/**
 * The DynamoDB tables of a pipeline: idempotency records (Powertools' layout) and synthetic
 * receipts (the layout the load generator reconciles against).
 */
import { Construct } from "constructs";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { IDEMPOTENCY_TABLE, RECEIPTS_TABLE } from "../runtime/tables";
import { NAME_LIMITS, physicalName } from "./naming";

/** A table the pipeline uses, built here or existing. */
export interface TableRef {
  /** Table name (a literal or a Terraform reference). */
  readonly name: string;
  /** Table ARN (a literal or a Terraform reference). */
  readonly arn: string;
}

export interface PipelineTablesProps {
  /**
   * Create the synthetic receipts table. Without it the worker processes synthetic
   * messages but writes no receipts, and a spike run can report only the ingress side.
   * @default true
   */
  readonly receipts?: boolean;
  /**
   * Point-in-time recovery on both tables.
   * @default true
   */
  readonly pointInTimeRecovery?: boolean;
  /**
   * Deletion protection on both tables.
   * @default false (both tables hold short-lived records, and `cdktf destroy` should work)
   */
  readonly deletionProtection?: boolean;
  /**
   * ARN of a customer-managed KMS key for server-side encryption.
   * @default none: encryption at rest with the AWS managed key `aws/dynamodb`
   */
  readonly kmsKeyArn?: string;
  /** Prepended to every table name. @default none */
  readonly namePrefix?: string;
  /** Tags on both tables. @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * The idempotency table (partition key `id`, TTL `expiration`) and the receipts table
 * (partition key `runId`, sort key `seq` number, TTL `ttl`): on-demand billing, TTL on,
 * server-side encryption, point-in-time recovery.
 */
export class PipelineTables extends Construct {
  readonly idempotencyTable: DynamodbTable;
  readonly receiptsTable?: DynamodbTable;
  /** Name and ARN of the idempotency table. */
  readonly idempotency: TableRef;
  /** Name and ARN of the receipts table, when created. */
  readonly receipts?: TableRef;

  constructor(scope: Construct, id: string, props: PipelineTablesProps = {}) {
    super(scope, id);
    const common = {
      billingMode: "PAY_PER_REQUEST",
      serverSideEncryption: props.kmsKeyArn ? { enabled: true, kmsKeyArn: props.kmsKeyArn } : { enabled: true },
      pointInTimeRecovery: { enabled: props.pointInTimeRecovery ?? true },
      deletionProtectionEnabled: props.deletionProtection ?? false,
      tags: props.tags ? { ...props.tags } : undefined,
    };
    const name = (suffix: string) =>
      physicalName(this, { prefix: props.namePrefix, suffix, maxLength: NAME_LIMITS.dynamodbTable, allowed: /[A-Za-z0-9_.-]/ });

    this.idempotencyTable = new DynamodbTable(this, "idempotency", {
      name: name("idempotency"),
      hashKey: IDEMPOTENCY_TABLE.partitionKey,
      attribute: [{ name: IDEMPOTENCY_TABLE.partitionKey, type: "S" }],
      ttl: { attributeName: IDEMPOTENCY_TABLE.ttlAttribute, enabled: true },
      ...common,
    });
    this.idempotency = { name: this.idempotencyTable.name, arn: this.idempotencyTable.arn };

    if (props.receipts ?? true) {
      this.receiptsTable = new DynamodbTable(this, "receipts", {
        name: name("receipts"),
        hashKey: RECEIPTS_TABLE.partitionKey,
        rangeKey: RECEIPTS_TABLE.sortKey,
        attribute: [
          { name: RECEIPTS_TABLE.partitionKey, type: "S" },
          { name: RECEIPTS_TABLE.sortKey, type: "N" },
        ],
        ttl: { attributeName: RECEIPTS_TABLE.ttlAttribute, enabled: true },
        ...common,
      });
      this.receipts = { name: this.receiptsTable.name, arn: this.receiptsTable.arn };
    }
  }
}
