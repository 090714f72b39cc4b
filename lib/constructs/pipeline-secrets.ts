/**
 * The secrets of a pipeline: the webhook signing secret (a raw string in Secrets Manager,
 * generated with the random provider unless an existing secret is given) and the secret
 * holding the Genesys OAuth client credentials a worker calls Genesys with
 * ({@link GenesysCredentialsSecret}: created empty for the team to fill, or an existing one).
 * Functions get ARNs only.
 */
import { Construct } from "constructs";
import { TerraformStack } from "cdktf";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
import { Password } from "@cdktf/provider-random/lib/password";
import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import { Problems, ValidationProblem, isLiteralNumber, prefixed } from "./errors";
import { NAME_LIMITS, physicalName } from "./naming";

/** Shortest signing secret accepted, characters. */
export const MIN_SECRET_LENGTH = 16;

export const SECRET_DEFAULTS = {
  signingSecretLength: 40,
  recoveryWindowInDays: 30,
} as const;

export interface PipelineSecretsProps {
  /**
   * ARN of an existing Secrets Manager secret holding the raw webhook signing secret
   * (the same string configured as the Genesys integration's secret token).
   * @default none: a secret is created with a random value
   */
  readonly signingSecretArn?: string;
  /**
   * Length of the generated signing secret, characters (16..4096). Letters and digits only,
   * so the value needs no quoting anywhere it is pasted.
   * @default 40
   */
  readonly signingSecretLength?: number;
  /**
   * ARN of an existing secret holding the Genesys OAuth client credentials as JSON
   * `{"clientId": "...", "clientSecret": "..."}`, for workers that call the Genesys API.
   * @deprecated declare it on the worker: `worker.genesys: { credentialsSecretArn }` (or
   * `{ createCredentialsSecret: true }`). Still honoured as that declaration; not both.
   * @default none
   */
  readonly genesysCredentialsSecretArn?: string;
  /**
   * Days Secrets Manager keeps a deleted secret recoverable (0 deletes at once, or 7..30).
   * The name cannot be reused during that window.
   * @default 30
   */
  readonly recoveryWindowInDays?: number;
  /**
   * ARN of a customer-managed KMS key for the created secret.
   * @default none: the AWS managed key `aws/secretsmanager`
   */
  readonly kmsKeyArn?: string;
  /** Prepended to the secret name. @default none */
  readonly namePrefix?: string;
  /** Tags on the created secret. @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

/** The webhook signing secret: always an ARN; the resources when created here. */
export interface SigningSecret {
  /** ARN of the secret (created or given). */
  readonly arn: string;
  /** The secret, when created here. */
  readonly secret?: SecretsmanagerSecret;
  /** Its version, when created here. */
  readonly version?: SecretsmanagerSecretVersion;
  /** The random password whose `result` is the raw value, when created here. */
  readonly password?: Password;
  /**
   * The raw secret value as a Terraform reference (`random_password.x.result`, sensitive),
   * when created here: pass it to the Genesys integration's secret token. Never put it in
   * a function's environment.
   */
  readonly value?: string;
}

/** Every problem with secret props (prop names prefixed with `prefix`). */
export function validateSecretsProps(props: PipelineSecretsProps, prefix?: string): ValidationProblem[] {
  const problems = new Problems();
  const p = (name: string) => prefixed(prefix, name);
  const length = props.signingSecretLength;
  if (isLiteralNumber(length) && (length < MIN_SECRET_LENGTH || length > 4096 || !Number.isInteger(length))) {
    problems.add(
      p("signingSecretLength"),
      `${length} characters is ${length < MIN_SECRET_LENGTH ? "too short for an HMAC key" : "not allowed"}; set an integer from 16 to 4096 (default 40).`,
    );
  }
  if (props.signingSecretArn !== undefined && length !== undefined) {
    problems.add(p("signingSecretLength"), "has no effect with signingSecretArn (the existing secret is used as is); remove one of them.");
  }
  const window = props.recoveryWindowInDays;
  if (isLiteralNumber(window) && !(window === 0 || (window >= 7 && window <= 30 && Number.isInteger(window)))) {
    problems.add(p("recoveryWindowInDays"), `${window} is not allowed; set 0 (delete at once) or an integer from 7 to 30.`);
  }
  return [...problems.items];
}

/** The random provider of the stack: the one the user configured, or one added once. */
export function randomProviderOf(scope: Construct): RandomProvider {
  const stack = TerraformStack.of(scope);
  const existing = stack.node.findAll().find((c): c is RandomProvider => c instanceof RandomProvider);
  return existing ?? new RandomProvider(stack, "cdktf-genesys-consumer-random");
}

export class PipelineSecrets extends Construct {
  readonly signingSecret: SigningSecret;
  /** ARN of the Genesys OAuth credentials secret, when given. */
  readonly genesysCredentialsSecretArn?: string;

  constructor(scope: Construct, id: string, props: PipelineSecretsProps = {}) {
    super(scope, id);
    const problems = new Problems();
    problems.addAll(validateSecretsProps(props));
    problems.throwIfAny(this.node.path, "PipelineSecrets");
    this.genesysCredentialsSecretArn = props.genesysCredentialsSecretArn;

    if (props.signingSecretArn !== undefined) {
      this.signingSecret = { arn: props.signingSecretArn };
      return;
    }
    const password = new Password(this, "signing-secret-value", {
      provider: randomProviderOf(this),
      length: props.signingSecretLength ?? SECRET_DEFAULTS.signingSecretLength,
      special: false,
      minLower: 1,
      minUpper: 1,
      minNumeric: 1,
    });
    const secret = new SecretsmanagerSecret(this, "signing-secret", {
      name: physicalName(this, {
        prefix: props.namePrefix,
        suffix: "signing-secret",
        maxLength: NAME_LIMITS.secret,
        allowed: /[A-Za-z0-9/_+=.@-]/,
      }),
      description: `Webhook signing secret (X-Hub-Signature-256 HMAC key, raw string) of ${this.node.path}`,
      recoveryWindowInDays: props.recoveryWindowInDays ?? SECRET_DEFAULTS.recoveryWindowInDays,
      kmsKeyId: props.kmsKeyArn,
      tags: props.tags ? { ...props.tags } : undefined,
    });
    const version = new SecretsmanagerSecretVersion(this, "signing-secret-version", {
      secretId: secret.id,
      secretString: password.result,
    });
    this.signingSecret = { arn: secret.arn, secret, version, password, value: password.result };
  }
}

/** Props of {@link GenesysCredentialsSecret}. */
export interface GenesysCredentialsSecretProps {
  /**
   * ARN of a customer-managed KMS key for the secret (the worker gets kms:Decrypt on it).
   * @default none: the AWS managed key `aws/secretsmanager`
   */
  readonly kmsKeyArn?: string;
  /**
   * Days Secrets Manager keeps the deleted secret recoverable (0 deletes at once, or 7..30).
   * @default 30
   */
  readonly recoveryWindowInDays?: number;
  /** Prepended to the secret name. @default none */
  readonly namePrefix?: string;
  /** Tags on the secret. @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

/** The Genesys credentials secret a worker reads: always an ARN; the resource when created here. */
export interface GenesysCredentialsSecretRef {
  /** ARN of the secret (created or given). */
  readonly arn: string;
  /** The secret, when created here (it has no version: the team puts the value after deploy). */
  readonly secret?: SecretsmanagerSecret;
}

/**
 * An empty Secrets Manager secret for a worker's Genesys OAuth client credentials: created
 * without a version, so no credential is ever in Terraform state. After `cdktf deploy` the
 * team puts the JSON `{"clientId": "...", "clientSecret": "..."}` of a Genesys OAuth client
 * (grant type Client Credentials) in it:
 * `aws secretsmanager put-secret-value --secret-id <arn> --secret-string '{"clientId":"...","clientSecret":"..."}'`.
 * Until then each `ctx.genesys` call fails (retryable) with an error naming the secret and that command.
 */
export class GenesysCredentialsSecret extends Construct implements GenesysCredentialsSecretRef {
  readonly secret: SecretsmanagerSecret;
  readonly arn: string;

  constructor(scope: Construct, id: string, props: GenesysCredentialsSecretProps = {}) {
    super(scope, id);
    const window = props.recoveryWindowInDays;
    if (isLiteralNumber(window) && !(window === 0 || (window >= 7 && window <= 30 && Number.isInteger(window)))) {
      const problems = new Problems();
      problems.add("recoveryWindowInDays", `${window} is not allowed; set 0 (delete at once) or an integer from 7 to 30.`);
      problems.throwIfAny(this.node.path, "GenesysCredentialsSecret");
    }
    this.secret = new SecretsmanagerSecret(this, "secret", {
      name: physicalName(this, {
        prefix: props.namePrefix,
        suffix: "secret",
        maxLength: NAME_LIMITS.secret,
        allowed: /[A-Za-z0-9/_+=.@-]/,
      }),
      description: `Genesys Cloud OAuth client credentials, JSON {"clientId","clientSecret"}, of ${this.node.path}; put by the team after deploy (no value in Terraform state)`,
      recoveryWindowInDays: window ?? SECRET_DEFAULTS.recoveryWindowInDays,
      kmsKeyId: props.kmsKeyArn,
      tags: props.tags ? { ...props.tags } : undefined,
    });
    this.arn = this.secret.arn;
  }
}
