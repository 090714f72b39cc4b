/**
 * The edge API key of a webhook ingress (issue 15 item 3): the POST method requires
 * `x-api-key`, a usage plan bound to the stage with no quota and no throttle holds keys
 * generated at apply time, the key in use is kept in a secret (never a literal in the JSON),
 * numbered generations rotate it, and a ConsumerPipeline gives it to Genesys through the
 * integration's webhook headers and to the nightly spike.
 */
import { GenesysProvider, ValidationError } from "../../lib";
import { OpenMessagingWebhook } from "../../lib/constructs/genesys";
import { Synthesized, errorOf, synth, synthPipeline, synthIngress } from "./support";

const ref = (type: string, id: string, attribute: string) => `\${${type}.${id}.${attribute}}`;

describe("WebhookIngress apiKey", () => {
  describe("off by default (opt-in)", () => {
    const out = synthIngress();

    it("requires no key and creates no usage plan, key or key secret (also with apiKey: false)", () => {
      for (const synthesized of [out, synthIngress({ apiKey: false })]) {
        expect(synthesized.one("aws_api_gateway_method").api_key_required).toBeUndefined();
        expect(synthesized.one("aws_api_gateway_rest_api").api_key_source).toBeUndefined();
        for (const type of [
          "aws_api_gateway_usage_plan",
          "aws_api_gateway_api_key",
          "aws_api_gateway_usage_plan_key",
          "aws_secretsmanager_secret",
          "random_password",
        ]) {
          expect(synthesized.list(type)).toEqual([]);
        }
      }
    });
  });

  describe("apiKey: true", () => {
    const out = synthIngress({ apiKey: true });
    const apiId = out.id("aws_api_gateway_rest_api", "hook_api");
    const stageId = out.id("aws_api_gateway_stage", "hook_stage");
    const passwordId = out.id("random_password", "key-1-value");
    const keyId = out.id("aws_api_gateway_api_key", /key-1_/);
    const planId = out.id("aws_api_gateway_usage_plan", "plan");
    const planKeyId = out.id("aws_api_gateway_usage_plan_key", "key-1-in-plan");

    it("requires the key on the POST method, read from the x-api-key header", () => {
      expect(out.one("aws_api_gateway_method")).toMatchObject({ http_method: "POST", api_key_required: true });
      expect(out.one("aws_api_gateway_rest_api").api_key_source).toBe("HEADER");
    });

    it("binds a usage plan to the stage with no quota and no throttle", () => {
      const plan = out.one("aws_api_gateway_usage_plan");
      expect(plan.api_stages).toEqual([
        { api_id: ref("aws_api_gateway_rest_api", apiId, "id"), stage: ref("aws_api_gateway_stage", stageId, "stage_name") },
      ]);
      expect(plan.quota_settings).toBeUndefined();
      expect(plan.throttle_settings).toBeUndefined();
      expect(plan.api_stages[0].throttle).toBeUndefined();
    });

    it("generates the key at apply time: its value is a random_password reference, never a literal", () => {
      const key = out.one("aws_api_gateway_api_key");
      expect(key).toMatchObject({ enabled: true, value: ref("random_password", passwordId, "result") });
      expect(out.one("random_password")).toMatchObject({ length: 40, special: false, min_lower: 1, min_upper: 1, min_numeric: 1 });
      expect(out.one("aws_api_gateway_usage_plan_key")).toEqual({
        key_id: ref("aws_api_gateway_api_key", keyId, "id"),
        key_type: "API_KEY",
        usage_plan_id: ref("aws_api_gateway_usage_plan", planId, "id"),
      });
    });

    it("keeps the key in use in a secret, written once the key is in the usage plan", () => {
      const version = out.one("aws_secretsmanager_secret_version");
      expect(version.secret_string).toBe(ref("random_password", passwordId, "result"));
      expect(version.depends_on).toEqual([`aws_api_gateway_usage_plan_key.${planKeyId}`]);
      expect(out.one("aws_secretsmanager_secret").recovery_window_in_days).toBe(30);
    });

    it("redeploys the stage when the key is turned on, and logs the key id of each request", () => {
      const off = synthIngress().one("aws_api_gateway_deployment").triggers.redeployment;
      expect(out.one("aws_api_gateway_deployment").triggers.redeployment).not.toBe(off);
      expect(JSON.parse(out.one("aws_api_gateway_stage").access_log_settings.format).apiKeyId).toBe("$context.identity.apiKeyId");
    });
  });

  describe("rotation by generation", () => {
    const first = synthIngress({ apiKey: {} });
    const staged = synthIngress({ apiKey: { generation: 1, alsoValidGeneration: 2 } });
    const switched = synthIngress({ apiKey: { generation: 2, alsoValidGeneration: 1 } });
    const retired = synthIngress({ apiKey: { generation: 2 } });

    it("keeps generation 1's resources under the same ids while generation 2 is staged and used", () => {
      const ids = (out: Synthesized) =>
        [
          ...Object.keys(out.all("random_password")),
          ...Object.keys(out.all("aws_api_gateway_api_key")),
          ...Object.keys(out.all("aws_api_gateway_usage_plan_key")),
        ].sort();
      const one = ids(first);
      expect(one).toHaveLength(3);
      for (const out of [staged, switched]) {
        expect(ids(out)).toEqual(expect.arrayContaining(one));
        expect(ids(out)).toHaveLength(6);
      }
      expect(ids(retired).some((id) => one.includes(id))).toBe(false);
      expect(ids(retired)).toHaveLength(3);
    });

    it("puts both keys in the usage plan during a rotation, and the generation in use in the secret", () => {
      expect(staged.list("aws_api_gateway_usage_plan_key")).toHaveLength(2);
      const secretOf = (out: Synthesized) => out.one("aws_secretsmanager_secret_version").secret_string;
      expect(secretOf(staged)).toBe(ref("random_password", staged.id("random_password", "key-1-value"), "result"));
      expect(secretOf(switched)).toBe(ref("random_password", switched.id("random_password", "key-2-value"), "result"));
      expect(switched.one("aws_secretsmanager_secret_version").depends_on).toEqual([
        `aws_api_gateway_usage_plan_key.${switched.id("aws_api_gateway_usage_plan_key", "key-2-in-plan")}`,
      ]);
    });
  });

  it("names the prop and the fix for bad options", () => {
    const error = errorOf(() => synthIngress({ apiKey: { generation: 0, length: 19, recoveryWindowInDays: 3 } }));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toBe(
      'WebhookIngress "stack/hook" has 3 invalid props:\n' +
        "  - apiKey.generation: 0 is not a key generation; use an integer of at least 1.\n" +
        "  - apiKey.length: 19 characters is not an API Gateway key length; set an integer from 20 to 128 (default 40).\n" +
        "  - apiKey.recoveryWindowInDays: 3 is not allowed; set 0 (delete at once) or an integer from 7 to 30.",
    );
    expect(errorOf(() => synthIngress({ apiKey: { generation: 2, alsoValidGeneration: 2 } })).message).toContain(
      "apiKey.alsoValidGeneration: is the same as generation (2); give the next or the previous generation, or remove it.",
    );
  });
});

describe("ConsumerPipeline ingress.apiKey", () => {
  describe("with the Genesys webhook and the nightly spike", () => {
    const { out } = synthPipeline({
      ingress: { apiKey: {} },
      genesysWebhook: {},
      spikeGenerator: {},
    });
    const passwordId = out.id("random_password", "edge-key_key-1-value");
    const planKeyId = out.id("aws_api_gateway_usage_plan_key", "key-1-in-plan");
    const secretId = out.id("aws_secretsmanager_secret", "edge-key_secret");

    it("writes the key into the integration's webhook headers as x-api-key (a reference), after the key is in the plan", () => {
      const integration = out.one("genesyscloud_conversations_messaging_integrations_open");
      expect(integration.webhook_headers).toBe(`\${jsonencode({"x-api-key" = random_password.${passwordId}.result})}`);
      expect(integration.depends_on).toEqual([`aws_api_gateway_usage_plan_key.${planKeyId}`]);
    });

    it("lets the spike generator decrypt the key secret with its customer key", () => {
      const { out: keyed } = synthPipeline({
        ingress: { apiKey: { kmsKeyArn: "arn:aws:kms:eu-west-1:111122223333:key/edge" } },
        spikeGenerator: {},
      });
      expect(keyed.find("aws_secretsmanager_secret", "edge-key_secret").kms_key_id).toBe("arn:aws:kms:eu-west-1:111122223333:key/edge");
      const policy = JSON.parse(keyed.find("aws_iam_role_policy", "spike_policy").policy);
      expect(policy.Statement).toContainEqual({
        Sid: "UseKeys",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: ["arn:aws:kms:eu-west-1:111122223333:key/edge"],
      });
    });

    it("gives the spike generator the key secret to read, and the right to read it", () => {
      const spike = out.find("aws_lambda_function", "spike");
      expect(spike.environment.variables.GCX_API_KEY_SECRET_ARN).toBe(ref("aws_secretsmanager_secret", secretId, "arn"));
      const policy = JSON.parse(out.find("aws_iam_role_policy", "spike_policy").policy);
      expect(policy.Statement).toContainEqual({
        Sid: "ReadEdgeApiKey",
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: ref("aws_secretsmanager_secret", secretId, "arn"),
      });
    });
  });

  it("is opt-in on Genesys-fed pipelines too: no key, no webhook header, no key for the spike", () => {
    const { out } = synthPipeline({ genesysWebhook: {}, spikeGenerator: {} });
    expect(out.one("aws_api_gateway_method").api_key_required).toBeUndefined();
    expect(out.one("genesyscloud_conversations_messaging_integrations_open").webhook_headers).toBeUndefined();
    expect(out.find("aws_lambda_function", "spike").environment.variables.GCX_API_KEY_SECRET_ARN).toBeUndefined();
  });

  it("refuses an x-api-key webhook header of the user's when the pipeline sets the key", () => {
    const error = errorOf(() => synthPipeline({ ingress: { apiKey: true }, genesysWebhook: { webhookHeaders: { "X-Api-Key": "mine" } } }));
    expect(error.message).toBe(
      'ConsumerPipeline "stack/orders" has 1 invalid prop:\n  - genesysWebhook.webhookHeaders["X-Api-Key"]: is set by the pipeline from ingress.apiKey (the edge API key in use); remove it from webhookHeaders.',
    );
  });

  it("names ingress.apiKey.* in a pipeline's validation errors", () => {
    expect(errorOf(() => synthPipeline({ ingress: { apiKey: { length: 200 } } })).message).toContain(
      "ingress.apiKey.length: 200 characters is not an API Gateway key length; set an integer from 20 to 128 (default 40).",
    );
  });
});

describe("OpenMessagingWebhook apiKey", () => {
  const build = (apiKey: string, webhookHeaders?: Record<string, string>) =>
    synth((stack) => {
      new GenesysProvider(stack, "genesys", { awsRegion: "eu-west-1" });
      new OpenMessagingWebhook(stack, "om", {
        webhookUrl: "https://hooks.example.com/webhook",
        secretToken: "0123456789abcdef0123",
        apiKey,
        webhookHeaders,
      });
    });

  it("adds the key as the x-api-key header next to the others", () => {
    const key = "A1b2C3d4E5f6G7h8I9j0K";
    expect(
      JSON.parse(build(key, { "X-Tenant": "acme" }).one("genesyscloud_conversations_messaging_integrations_open").webhook_headers),
    ).toEqual({ "X-Tenant": "acme", "x-api-key": key });
  });

  it("refuses a literal key API Gateway would refuse, and a second x-api-key header, without echoing the key", () => {
    const error = errorOf(() => build("short-key!", { "x-api-key": "other" }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems).toEqual([
      {
        prop: "apiKey",
        message:
          "the key has 10 characters or characters other than letters and digits; API Gateway takes 20..128 letters and digits. Pass the pipeline's generated key (ingress.apiKey.value).",
      },
      { prop: 'webhookHeaders["x-api-key"]', message: "the edge API key header is set from apiKey. Remove it from webhookHeaders." },
    ]);
    expect(error.message).not.toContain("short-key!");
  });
});
