/**
 * The S3 bucket that keeps the nightly spike's reports and their history: server-side
 * encryption, every public access blocked, a bucket policy refusing requests that are not
 * TLS, objects owned by the bucket owner (ACLs disabled), and a lifecycle rule expiring
 * objects after the retention. Or the team's own bucket, used as it is.
 */
import { Construct } from "constructs";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { isLiteralNumber, type Problems } from "./errors";
import { physicalName } from "./naming";
import { policyDocument } from "./policy";
import { stackAccount, stackPartition } from "./stack-data";

/** ReportBucket / `reports` defaults, one place. */
export const REPORT_DEFAULTS = {
  /** Days a report is kept in a created bucket. */
  retentionDays: 400,
  /** Runs the history index and the trend page hold. */
  historyLength: 90,
  /** Key prefix of every object the generator writes. */
  prefix: "spike-reports/",
} as const;

/** Where the nightly spike keeps its reports (always kept: there is no way to turn it off). */
export interface SpikeReportsProps {
  /**
   * A bucket the team brings, used as it is (its encryption, access block, TLS policy and
   * lifecycle are the team's). The generator's role is granted PutObject/GetObject on
   * `<arn>/<prefix>*` and ListBucket with an `s3:prefix` condition. A bucket encrypted with a
   * customer-managed KMS key (SSE-KMS) names it in `kmsKeyArn`: the role is granted
   * `kms:GenerateDataKey` (to write) and `kms:Decrypt` (to read the history) on it; without it,
   * every PutObject is refused AccessDenied.
   * @default a bucket created by the construct (SSE-S3, public access blocked, TLS only, expiry after `retentionDays`)
   */
  readonly bucket?: { readonly name: string; readonly arn: string; readonly kmsKeyArn?: string };
  /**
   * Key prefix of every object written (ends with `/`, or is empty). A run's reports go to
   * `<prefix><runName>/<yyyy>/<mm>/<dd>/<runId>/spike.json|spike.html`, the history to
   * `<prefix><runName>/history.json|history.html`.
   * @default "spike-reports/"
   */
  readonly prefix?: string;
  /**
   * Days before an object of the created bucket expires (1..3650). Not with `bucket`
   * (the team's lifecycle applies).
   * @default 400
   */
  readonly retentionDays?: number;
  /** Runs kept in the history index and the trend page (1..1000). @default 90 */
  readonly historyLength?: number;
  /**
   * Let `terraform destroy` delete the created bucket with the reports in it.
   * @default false (destroy fails while reports remain: they are the proof)
   */
  readonly forceDestroy?: boolean;
}

/** Validates `reports` into `problems` under `path` (e.g. "reports"). */
export function reportsProblems(problems: Problems, path: string, props: SpikeReportsProps | undefined): void {
  if (props === undefined) return;
  if ((props as unknown) === false || typeof props !== "object" || props === null) {
    problems.add(
      path,
      "must be an object; the reports are always kept (the proof of each run): give { bucket, prefix, retentionDays, historyLength } or leave it out.",
    );
    return;
  }
  if (props.bucket && (!props.bucket.name || !props.bucket.arn))
    problems.add(`${path}.bucket`, "needs both name and arn of the bucket; give { name: bucket.bucket, arn: bucket.arn }.");
  if (props.bucket && props.retentionDays !== undefined)
    problems.add(
      `${path}.retentionDays`,
      "applies to the created bucket only; with reports.bucket, set the expiry in your bucket's lifecycle rules, or remove reports.bucket.",
    );
  if (props.prefix !== undefined && props.prefix !== "" && !/^[A-Za-z0-9!_.*'()/-]+\/$/.test(props.prefix)) {
    problems.add(
      `${path}.prefix`,
      `"${props.prefix}" must end with "/" and use only letters, digits and !_.*'()-/ (S3 safe characters); e.g. "spike-reports/".`,
    );
  }
  const r = props.retentionDays;
  if (isLiteralNumber(r) && (!Number.isInteger(r) || r < 1 || r > 3650))
    problems.add(`${path}.retentionDays`, `${r} is outside 1..3650; set the days a report is kept.`);
  const h = props.historyLength;
  if (isLiteralNumber(h) && (!Number.isInteger(h) || h < 1 || h > 1000))
    problems.add(`${path}.historyLength`, `${h} is outside 1..1000; set the number of runs the history keeps.`);
}

/** Props of {@link ReportBucket}. */
export interface ReportBucketProps {
  /** Days before an object expires. @default 400 */
  readonly retentionDays?: number;
  /** @default false */
  readonly forceDestroy?: boolean;
  readonly namePrefix?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

/** A private, encrypted, TLS-only bucket with an expiry rule. */
export class ReportBucket extends Construct {
  readonly bucket: S3Bucket;
  /** The bucket name: `<readable path>-<hash>-<account id>` (a token: the account is known at apply). */
  readonly name: string;
  /** `arn:<partition>:s3:::<name>`. */
  readonly arn: string;
  readonly encryption: S3BucketServerSideEncryptionConfigurationA;
  readonly publicAccessBlock: S3BucketPublicAccessBlock;
  readonly ownership: S3BucketOwnershipControls;
  readonly policy: S3BucketPolicy;
  readonly lifecycle: S3BucketLifecycleConfiguration;

  constructor(scope: Construct, id: string, props: ReportBucketProps = {}) {
    super(scope, id);
    const tags = props.tags ? { ...props.tags } : undefined;
    // S3 names are global, 3..63 lower-case characters: the path part, then the account id (12 digits)
    const base = physicalName(this, { prefix: props.namePrefix, maxLength: 63 - 13, allowed: /[A-Za-z0-9-]/ }).toLowerCase();
    this.bucket = new S3Bucket(this, "bucket", {
      bucket: `${base}-${stackAccount(this).accountId}`,
      forceDestroy: props.forceDestroy ?? false,
      tags,
    });
    this.name = this.bucket.bucket;
    this.arn = this.bucket.arn;
    this.encryption = new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket: this.bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    });
    this.publicAccessBlock = new S3BucketPublicAccessBlock(this, "public-access-block", {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    this.ownership = new S3BucketOwnershipControls(this, "ownership", {
      bucket: this.bucket.id,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
    const partition = stackPartition(this).partition;
    this.policy = new S3BucketPolicy(this, "policy", {
      bucket: this.bucket.id,
      // aws:SecureTransport is "false" on a request sent over HTTP ("Security best practices for
      // Amazon S3": enforce encryption of data in transit)
      policy: policyDocument([
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: [`arn:${partition}:s3:::${this.bucket.bucket}`, `arn:${partition}:s3:::${this.bucket.bucket}/*`],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ]),
      dependsOn: [this.publicAccessBlock],
    });
    this.lifecycle = new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket: this.bucket.id,
      rule: [
        {
          id: "expire-reports",
          status: "Enabled",
          filter: [{ prefix: "" }],
          expiration: [{ days: props.retentionDays ?? REPORT_DEFAULTS.retentionDays }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 1 }],
        },
      ],
    });
  }
}
