/**
 * The targets file of `spike --targets <file>`: the webhook pipelines besides `--url` that a
 * profile's scenarios name with `target`, each with the same settings as the `spike` flags of
 * the primary target (camelCase), e.g. in YAML:
 *
 *     orders:
 *       url: https://abc.execute-api.eu-west-1.amazonaws.com/prod/orders/webhook
 *       secretArn: arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-signing
 *       receiptsTable: orders-receipts
 *
 * The AWS settings (`--region`, `--dynamodb-endpoint`, `--sqs-endpoint`,
 * `--secretsmanager-endpoint`) are the command's, shared by every target.
 */
import { z } from "zod";
import { parse as parseYaml } from "yaml";
import { NAME_PATTERN, NAME_RULE } from "../runtime/loadgen/profile";

const httpUrl = z
  .string()
  .url("an http(s) URL")
  .refine((u) => /^https?:\/\//i.test(u), "an http(s) URL");
const optionalUrl = httpUrl.optional();

/** One entry of a targets file. */
export const targetFileEntrySchema = z
  .object({
    /** The ingress URL (as `--url`). */
    url: httpUrl,
    /** Secrets Manager ARN of its raw webhook signing secret (as `--secret-arn`). */
    secretArn: z.string().min(1).optional(),
    /** An environment variable holding its signing secret (as `--secret-env`). */
    secretEnv: z.string().min(1).optional(),
    /** Its receipts table (as `--receipts-table`); without it only its ingress side is reported. */
    receiptsTable: z.string().min(1).optional(),
    /** Its operational DLQ (as `--dlq-url`). */
    dlqUrl: optionalUrl,
    /** Its synthetic quarantine queue (as `--quarantine-url`). */
    quarantineUrl: optionalUrl,
    /** Its edge API key's secret (as `--api-key-secret-arn`). */
    apiKeySecretArn: z.string().min(1).optional(),
    /** An environment variable holding its edge API key (as `--api-key-env`). */
    apiKeyEnv: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (!t.secretArn === !t.secretEnv)
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["secretArn"], message: "give exactly one of secretArn or secretEnv" });
    if (t.apiKeySecretArn && t.apiKeyEnv)
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["apiKeyEnv"], message: "give at most one of apiKeySecretArn or apiKeyEnv" });
    if ((t.dlqUrl || t.quarantineUrl) && !t.receiptsTable)
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["receiptsTable"],
        message: "dlqUrl and quarantineUrl are read during reconciliation: give receiptsTable too",
      });
  });
export type TargetFileEntry = z.infer<typeof targetFileEntrySchema>;

const targetsFileSchema = z
  .record(z.string().regex(NAME_PATTERN, `a target name: ${NAME_RULE}`), targetFileEntrySchema)
  .refine((m) => Object.keys(m).length > 0, "no targets: give at least one, e.g. `orders: { url: ..., secretEnv: ... }`");

/**
 * Parses a targets file (JSON or YAML); throws an Error listing every problem with its field
 * (`orders.secretEnv: ...`).
 */
export function parseTargetsFile(text: string): Record<string, TargetFileEntry> {
  let value: unknown;
  try {
    value = text.trim().startsWith("{") ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new Error(`not valid JSON or YAML: ${(error as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new Error("expected a map of target name to its settings, e.g. `orders: { url: ..., secretEnv: ... }`");
  const parsed = targetsFileSchema.safeParse(value);
  if (!parsed.success)
    throw new Error(parsed.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(file)"}: ${i.message}`).join("; "));
  return parsed.data;
}
