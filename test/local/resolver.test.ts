import { join } from "node:path";
import { evaluateTemplate, ExpressionError } from "../../lib/local/expressions";
import { LOCAL_ACCOUNT_ID, ResolveError, StackResolver } from "../../lib/local/resolver";
import { loadStack, parseStack, planStack, UnsupportedResourceError } from "../../lib/local/stack";

const FIXTURES = join(__dirname, "fixtures");
const account = {
  region: "eu-west-1",
  accountId: LOCAL_ACCOUNT_ID,
  sqsEndpoint: "http://127.0.0.1:9324",
  apiEndpoints: { "aws_api_gateway_rest_api.api": "http://127.0.0.1:8080" },
  orgId: "org-1",
};

describe("Terraform expressions", () => {
  const lookup = (t: readonly (string | number)[]) => ({ "a.b.c": "X", "a.b.n": 5, "a.b.list": ["p", "q"] })[t.join(".")] ?? t.join(".");

  it("interpolates references, keeps $${ literal and returns whole-interpolation values unstringified", () => {
    expect(evaluateTemplate("arn:${a.b.c}:$${n}", lookup)).toBe("arn:X:${n}");
    expect(evaluateTemplate("${a.b.n}", lookup)).toBe(5);
    expect(evaluateTemplate('${jsonencode({"target" = a.b.c, "max" = 5})}', lookup)).toBe('{"target":"X","max":5}');
    expect(evaluateTemplate('${join(",", a.b.list)}', lookup)).toBe("p,q");
  });

  it("names what it cannot evaluate", () => {
    expect(() => evaluateTemplate("${upper(a.b.c) + 1}", lookup)).toThrow(/operators are not supported/);
    expect(() => evaluateTemplate("${cidrsubnet(a.b.c, 1, 2)}", lookup)).toThrow(
      new ExpressionError('function cidrsubnet() is not supported by the local emulator at offset 12 in "${cidrsubnet(a.b.c, 1, 2)}"'),
    );
  });
});

describe("StackResolver", () => {
  const stack = loadStack(join(FIXTURES, "webhook"));
  const resolver = new StackResolver(stack, account);
  const item = (address: string) => resolver.item(address);

  it("resolves queue URLs and ARNs to the local SQS server and account", () => {
    expect(resolver.attribute(item("aws_sqs_queue.queue"), "url")).toBe(`http://127.0.0.1:9324/${LOCAL_ACCOUNT_ID}/fixture-queue`);
    expect(resolver.attribute(item("aws_sqs_queue.dlq"), "arn")).toBe(`arn:aws:sqs:eu-west-1:${LOCAL_ACCOUNT_ID}:fixture-dlq`);
    expect(JSON.parse(String(resolver.configValue(item("aws_sqs_queue.queue"), "redrive_policy")))).toEqual({
      deadLetterTargetArn: `arn:aws:sqs:eu-west-1:${LOCAL_ACCOUNT_ID}:fixture-dlq`,
      maxReceiveCount: 3,
    });
    expect(JSON.parse(String(resolver.configValue(item("aws_sqs_queue.other"), "redrive_policy")))).toEqual({
      deadLetterTargetArn: `arn:aws:sqs:eu-west-1:${LOCAL_ACCOUNT_ID}:fixture-dlq`,
      maxReceiveCount: 5,
    });
  });

  it("resolves data sources, the integration URI, resource paths and the stage invoke URL", () => {
    expect(resolver.configValue(item("aws_api_gateway_integration.sqs"), "uri")).toBe(
      `arn:aws:apigateway:eu-west-1:sqs:path/${LOCAL_ACCOUNT_ID}/fixture-queue`,
    );
    expect(resolver.attribute(item("aws_api_gateway_resource.webhook"), "path")).toBe("/genesys/webhook");
    expect(resolver.attribute(item("aws_api_gateway_stage.stage"), "invoke_url")).toBe("http://127.0.0.1:8080/v1");
    const policy = JSON.parse(String(resolver.attribute(item("data.aws_iam_policy_document.tls"), "json")));
    expect(policy.Statement[0]).toEqual({
      Sid: "DenyInsecure",
      Effect: "Deny",
      Action: "sqs:*",
      Resource: `arn:aws:sqs:eu-west-1:${LOCAL_ACCOUNT_ID}:fixture-queue`,
      Principal: "*",
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
  });

  it("generates one random_password value per run with the synthesized length and classes, shared by its readers", () => {
    const value = resolver.configValue(item("aws_secretsmanager_secret_version.signing"), "secret_string");
    expect(value).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(resolver.attribute(item("random_password.secret"), "result")).toBe(value);
    expect(new StackResolver(stack, account).attribute(item("random_password.secret"), "result")).not.toBe(value);
  });

  it("uses the secret ARNs the local secrets server gave", () => {
    const r = new StackResolver(stack, {
      ...account,
      secretArns: { "fixture/signing": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:fixture/signing-abc123" },
    });
    expect(r.configValue(r.item("aws_secretsmanager_secret_version.signing"), "secret_id")).toBe(
      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:fixture/signing-abc123",
    );
  });

  it("fails naming a reference it cannot resolve", () => {
    const broken = parseStack({ resource: { aws_sqs_queue: { q: { name: "${var.queue_name}" } } } }, "/tmp/x");
    expect(() => new StackResolver(broken, account).attribute(broken.resources[0], "url")).toThrow(
      new ResolveError("cannot resolve var.queue_name in aws_sqs_queue.q.name: var.* references are not supported by the local emulator"),
    );
    const missing = parseStack({ resource: { aws_sqs_queue: { q: { name: "${aws_sqs_queue.nope.name}" } } } }, "/tmp/x");
    expect(() => new StackResolver(missing, account).attribute(missing.resources[0], "url")).toThrow(
      "cannot resolve aws_sqs_queue.nope.name in aws_sqs_queue.q.name: the stack declares no aws_sqs_queue.nope",
    );
  });
});

describe("planStack", () => {
  it("lists resources with no runtime role as not emulated", () => {
    const plan = planStack(loadStack(join(FIXTURES, "webhook")));
    expect(plan.notEmulated.map((n) => n.item.address).sort()).toEqual([
      "aws_iam_role.ingress",
      "aws_sns_topic.alarms",
      "aws_sqs_queue_policy.tls",
      "genesyscloud_integration_action.x",
    ]);
    expect(plan.emulated.map((i) => i.address)).toContain("aws_api_gateway_method_settings.throttling");
  });

  it("stops on an unsupported resource or data source, naming each type and address", () => {
    const run = () => planStack(loadStack(join(FIXTURES, "unsupported")));
    expect(run).toThrow(UnsupportedResourceError);
    expect(run).toThrow(
      /resource type "aws_instance" \(aws_instance\.box, fixture\/box\); data source type "aws_vpc" \(data\.aws_vpc\.default, fixture\/vpc\)/,
    );
  });
});
