/**
 * IAM policy documents as plain JSON strings. Terraform references inside them
 * (`${aws_sqs_queue.x.arn}`) are ordinary string interpolations, so the synthesized
 * policy needs no data source and no `Fn.*` expression.
 */

/** One IAM policy statement (the JSON shape IAM reads). */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: "*" | Readonly<Record<string, string | readonly string[]>>;
  readonly Action: string | readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

/** A policy document string for the statements given. */
export function policyDocument(statements: readonly PolicyStatement[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

/** The trust policy letting one AWS service (e.g. `lambda.amazonaws.com`) assume a role. */
export function assumeRolePolicy(service: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
  });
}
