import { sign } from "../../lib/runtime";
import { ValidationError, WebhookIngress } from "../../lib";
import { MAX_MESSAGE_GROUP_ID_LENGTH } from "../../lib/constructs/webhook-ingress";
import { javaUrlEncode } from "../../lib/local/vtl";
import { normalizedMessageSchema, orderingKey } from "../../lib/runtime/normalized-message";
import { messageAttributes, parseQuery, renderMappingTemplate, sentBody } from "../helpers/vtl";
import { Synthesized, errorOf, synth, INGRESS_QUEUE, synthIngress } from "./support";

/** What Terraform does to the synthesized string: `$${` is a literal `${`. */
function terraformLiteral(value: string): string {
  return value.replace(/\$\$\{/g, "${").replace(/%%\{/g, "%{");
}

function requestTemplate(out: Synthesized): string {
  return terraformLiteral(out.one("aws_api_gateway_integration").request_templates["application/json"]);
}

const BODY = JSON.stringify({
  id: "c327c2078ca056db130c55ce648d9fa2",
  channel: {
    id: "73cb7fb7-c2db-4996-88f3-0a83a4fea1da",
    platform: "Open",
    to: { id: "customer-42@acme-chat" },
    time: "2025-03-14T09:26:53.589Z",
  },
  type: "Text",
  text: "Hi Ana, your order shipped today & costs 5% less + free *shipping*.",
  direction: "Outbound",
});
const SIGNATURE = sign(BODY, "0123456789abcdef0123456789");

describe("WebhookIngress", () => {
  describe("defaults", () => {
    let ingress!: WebhookIngress;
    const out = synth((stack) => {
      ingress = new WebhookIngress(stack, "hook", { queue: INGRESS_QUEUE });
    });
    const apiRef = `\${aws_api_gateway_rest_api.${out.id("aws_api_gateway_rest_api", "hook_api")}.id}`;

    it("is a regional REST API with one POST resource on /webhook", () => {
      expect(out.one("aws_api_gateway_rest_api").endpoint_configuration).toEqual({ types: ["REGIONAL"] });
      expect(out.one("aws_api_gateway_resource")).toMatchObject({ path_part: "webhook", rest_api_id: apiRef });
      const method = out.one("aws_api_gateway_method");
      expect(method).toMatchObject({ http_method: "POST", authorization: "NONE" });
      expect(method.request_parameters).toEqual({ "method.request.header.X-Hub-Signature-256": true });
    });

    it("validates that the signature header is present (400 before anything is enqueued)", () => {
      expect(out.one("aws_api_gateway_request_validator")).toMatchObject({
        validate_request_parameters: true,
        validate_request_body: false,
      });
      const validatorId = out.id("aws_api_gateway_request_validator", "hook_validator");
      expect(out.one("aws_api_gateway_method").request_validator_id).toBe(`\${aws_api_gateway_request_validator.${validatorId}.id}`);
    });

    it("integrates with SQS SendMessage directly through a role, without Lambda", () => {
      const integration = out.one("aws_api_gateway_integration");
      expect(integration).toMatchObject({
        type: "AWS",
        integration_http_method: "POST",
        passthrough_behavior: "NEVER",
        request_parameters: { "integration.request.header.Content-Type": "'application/x-www-form-urlencoded'" },
      });
      expect(integration.uri).toMatch(
        /^arn:aws:apigateway:\$\{data\.aws_region\.[^}]+\.region\}:sqs:path\/\$\{data\.aws_caller_identity\.[^}]+\.account_id\}\/orders$/,
      );
      expect(integration.credentials).toBe(`\${aws_iam_role.${out.id("aws_iam_role", "hook_role")}.arn}`);
      expect(out.list("aws_lambda_function")).toHaveLength(0);
    });

    it("escapes the template's ${ for Terraform", () => {
      const raw = out.one("aws_api_gateway_integration").request_templates["application/json"];
      expect(raw).toContain("MessageAttribute.$${n}.Name");
      expect(raw.replace(/\$\$\{/g, "")).not.toContain("${");
      expect(requestTemplate(out)).toBe(ingress.requestTemplate);
    });

    it("answers 200 with the SQS message id, and maps SQS 4xx and 5xx to 5xx, never 200 (SQS's size refusal: 413)", () => {
      const responses = out.list("aws_api_gateway_integration_response");
      const byCode = Object.fromEntries(responses.map((r) => [r.status_code, r]));
      expect(Object.keys(byCode).sort()).toEqual(["200", "500", "502"]);
      expect(byCode["200"].selection_pattern).toBeUndefined();
      expect(byCode["200"].response_templates["application/json"]).toBe(
        `{"messageId":"$input.path('$.SendMessageResponse.SendMessageResult.MessageId')"}`,
      );
      expect(byCode["500"].selection_pattern).toBe("4\\d{2}");
      expect(byCode["500"].response_templates["application/json"]).toBe(
        `#if($input.body.contains('Message must be shorter than'))#set($context.responseOverride.status = 413)` +
          `{"message":"the webhook body is larger than this pipeline accepts","requestId":"$context.requestId"}` +
          `#else{"message":"the webhook could not be queued","requestId":"$context.requestId"}#end`,
      );
      expect(byCode["502"].selection_pattern).toBe("5\\d{2}");
      expect(
        out
          .list("aws_api_gateway_method_response")
          .map((r) => r.status_code)
          .sort(),
      ).toEqual(["200", "413", "500", "502"]);
    });

    it("redeploys when the API changes and deploys to stage v1", () => {
      const deployment = out.one("aws_api_gateway_deployment");
      expect(deployment.triggers.redeployment).toMatch(/^[0-9a-f]{64}$/);
      expect(deployment.lifecycle).toEqual({ create_before_destroy: true });
      expect(deployment.depends_on.length).toBeGreaterThanOrEqual(5);
      expect(out.one("aws_api_gateway_stage")).toMatchObject({ stage_name: "v1", xray_tracing_enabled: false });
      const other = synthIngress({ extraHeaders: ["X-Org"] }).one("aws_api_gateway_deployment");
      expect(other.triggers.redeployment).not.toBe(deployment.triggers.redeployment);
    });

    it("throttles the stage at 5000 requests/s with a burst of 5000", () => {
      expect(out.one("aws_api_gateway_method_settings")).toMatchObject({
        method_path: "*/*",
        settings: { throttling_rate_limit: 5000, throttling_burst_limit: 5000, metrics_enabled: false },
      });
    });

    it("writes JSON access logs to a log group kept 30 days", () => {
      const logGroup = out.one("aws_cloudwatch_log_group");
      expect(logGroup.retention_in_days).toBe(30);
      const settings = out.one("aws_api_gateway_stage").access_log_settings;
      expect(settings.destination_arn).toBe(`\${aws_cloudwatch_log_group.${out.id("aws_cloudwatch_log_group", "access-logs")}.arn}`);
      expect(JSON.parse(settings.format)).toMatchObject({
        requestId: "$context.requestId",
        status: "$context.status",
        integrationStatus: "$context.integration.status",
      });
    });

    it("lets its role do exactly sqs:SendMessage on this queue", () => {
      expect(JSON.parse(out.one("aws_iam_role").assume_role_policy).Statement[0].Principal).toEqual({
        Service: "apigateway.amazonaws.com",
      });
      expect(JSON.parse(out.one("aws_iam_role_policy").policy).Statement).toEqual([
        { Sid: "SendToQueue", Effect: "Allow", Action: "sqs:SendMessage", Resource: INGRESS_QUEUE.arn },
      ]);
    });

    it("exposes the invoke URL as a property and an output", () => {
      const stageId = out.id("aws_api_gateway_stage", "hook_stage");
      expect(Object.values(out.json.output as Record<string, { value: string }>).map((o) => o.value)).toEqual([
        `\${aws_api_gateway_stage.${stageId}.invoke_url}/webhook`,
      ]);
      expect(ingress.url).toContain("/webhook");
      expect(out.list("aws_wafv2_web_acl_association")).toHaveLength(0);
      expect(out.list("aws_api_gateway_domain_name")).toHaveLength(0);
    });
  });

  describe("the request template, rendered", () => {
    const out = synthIngress({ extraHeaders: ["X-Genesys-Org", "X-Trace"] });
    const template = requestTemplate(out);

    it("sends a signed request's body base64-encoded, marked, and its signature attribute", () => {
      const params = parseQuery(renderMappingTemplate(template, { body: BODY, headers: { "X-Hub-Signature-256": SIGNATURE } }));
      expect(params.Action).toBe("SendMessage");
      expect(params.MessageBody).toBe(Buffer.from(BODY, "utf8").toString("base64"));
      expect(sentBody(params)).toBe(BODY);
      expect(messageAttributes(params)).toEqual({ "x-body-encoding": "base64", "X-Hub-Signature-256": SIGNATURE });
      expect(params.MessageGroupId).toBeUndefined();
    });

    it("adds no attribute for a missing header (SQS rejects empty values)", () => {
      const params = parseQuery(renderMappingTemplate(template, { body: BODY }));
      expect(sentBody(params)).toBe(BODY);
      expect(messageAttributes(params)).toEqual({ "x-body-encoding": "base64" });
    });

    it("adds each extra header present, numbering attributes without gaps", () => {
      const params = parseQuery(
        renderMappingTemplate(template, { body: BODY, headers: { "x-hub-signature-256": SIGNATURE, "X-Trace": "trace=1; span=2" } }),
      );
      expect(messageAttributes(params)).toEqual({
        "x-body-encoding": "base64",
        "X-Hub-Signature-256": SIGNATURE,
        "X-Trace": "trace=1; span=2",
      });
      expect(params["MessageAttribute.3.Name"]).toBe("X-Trace");
      const all = parseQuery(
        renderMappingTemplate(template, {
          body: BODY,
          headers: { "X-Hub-Signature-256": SIGNATURE, "X-Genesys-Org": "org-1", "X-Trace": "t" },
        }),
      );
      expect(messageAttributes(all)).toEqual({
        "x-body-encoding": "base64",
        "X-Hub-Signature-256": SIGNATURE,
        "X-Genesys-Org": "org-1",
        "X-Trace": "t",
      });
    });

    it("sets the FIFO message group from the ordering key (channel.id:channel.to.id, URL-encoded)", () => {
      const fifo = requestTemplate(synthIngress({ fifo: true }));
      const params = parseQuery(renderMappingTemplate(fifo, { body: BODY, headers: { "X-Hub-Signature-256": SIGNATURE } }));
      expect(params.MessageGroupId).toBe("73cb7fb7-c2db-4996-88f3-0a83a4fea1da%3Acustomer-42%40acme-chat");
      expect(sentBody(params)).toBe(BODY);
      const custom = requestTemplate(synthIngress({ fifo: true, orderingKeyPaths: ["$.channel.to.id"] }));
      expect(parseQuery(renderMappingTemplate(custom, { body: BODY })).MessageGroupId).toBe("customer-42%40acme-chat");
    });

    describe("FIFO message group id", () => {
      const fifo = requestTemplate(synthIngress({ fifo: true }));
      const groupOf = (message: unknown, template = fifo) =>
        parseQuery(renderMappingTemplate(template, { body: JSON.stringify(message), headers: { "X-Hub-Signature-256": SIGNATURE } }))
          .MessageGroupId;
      const channel = { id: "73cb7fb7-c2db-4996-88f3-0a83a4fea1da", to: { id: "customer-42" }, from: { id: "page-7" } };

      it("equals the runtime's ordering key, URL-encoded, in both directions", () => {
        for (const direction of ["Outbound", "Inbound", undefined]) {
          const message = { id: "m1", channel, type: "Text", text: "hi", direction };
          const expected = javaUrlEncode(orderingKey(normalizedMessageSchema.parse(message)));
          expect(groupOf(message)).toBe(expected);
        }
        expect(groupOf({ id: "m1", channel, direction: "Inbound" })).toBe("73cb7fb7-c2db-4996-88f3-0a83a4fea1da%3Apage-7");
        expect(groupOf({ id: "m1", channel, direction: "Outbound" })).toBe("73cb7fb7-c2db-4996-88f3-0a83a4fea1da%3Acustomer-42");
      });

      it("turns an address SQS would refuse (spaces, non-ASCII) into allowed characters", () => {
        const group = groupOf({ id: "m1", channel: { ...channel, to: { id: "Ana María <ana@example.com>" } } });
        expect(group).toMatch(/^[\x21-\x7e]+$/);
        expect(decodeURIComponent(group.replace(/\+/g, " "))).toBe(`${channel.id}:Ana María <ana@example.com>`);
      });

      it("cuts a key longer than SQS allows to 128 characters", () => {
        const group = groupOf({ id: "m1", channel: { ...channel, to: { id: "x".repeat(300) } } });
        expect(group).toHaveLength(MAX_MESSAGE_GROUP_ID_LENGTH);
        expect(group).toBe(`${channel.id}%3A${"x".repeat(300)}`.slice(0, MAX_MESSAGE_GROUP_ID_LENGTH));
        expect(groupOf({ id: "m1", channel: { ...channel, to: { id: "x".repeat(89) } } })).toHaveLength(128);
      });

      it("keeps a group id for a message without channel fields (an empty key part)", () => {
        expect(groupOf({ id: "m1" })).toBe("%3A");
      });

      describe("with custom ordering key paths", () => {
        const custom = requestTemplate(synthIngress({ fifo: true, orderingKeyPaths: ["$.channel.to.id"] }));
        const render = (message: unknown, requestId = "c0ffee00-1234-4abc-9def-0123456789ab") =>
          parseQuery(
            renderMappingTemplate(custom, {
              body: JSON.stringify(message),
              headers: { "X-Hub-Signature-256": SIGNATURE },
              context: { requestId },
            }),
          );

        it("uses the path's value when the body has it", () => {
          expect(render({ id: "m1", channel }).MessageGroupId).toBe("customer-42");
          expect(render({ id: "m1", channel: { ...channel, to: { id: "Ana María" } } }).MessageGroupId).toBe(javaUrlEncode("Ana María"));
        });

        it("falls back to unordered:<request id> when the key is empty (SQS refuses an empty group id)", () => {
          for (const message of [
            { id: "m1", channel: { id: channel.id, from: channel.from } },
            { id: "m1", channel: { ...channel, to: { id: "" } } },
            {},
          ]) {
            const params = render(message);
            expect(params.MessageGroupId).toBe("unordered:c0ffee00-1234-4abc-9def-0123456789ab");
            expect(sentBody(params)).toBe(JSON.stringify(message));
          }
          expect(render({ id: "m2" }, "other-request").MessageGroupId).toBe("unordered:other-request");
        });

        it("still URL-encodes and cuts a long key to 128 characters", () => {
          const group = render({ id: "m1", channel: { ...channel, to: { id: "é".repeat(100) } } }).MessageGroupId;
          expect(group).toHaveLength(MAX_MESSAGE_GROUP_ID_LENGTH);
          expect(group).toBe(javaUrlEncode("é".repeat(100)).slice(0, MAX_MESSAGE_GROUP_ID_LENGTH));
        });

        it("keeps a key of several paths when only some are missing", () => {
          const two = requestTemplate(synthIngress({ fifo: true, orderingKeyPaths: ["$.channel.id", "$.channel.to.id"] }));
          const params = parseQuery(renderMappingTemplate(two, { body: JSON.stringify({ id: "m1", channel: { id: "c1" } }) }));
          expect(params.MessageGroupId).toBe("c1%3A");
        });
      });
    });
  });

  describe("overrides", () => {
    it("takes path, stage, throttling, tracing, metrics and log retention", () => {
      const out = synthIngress({
        path: "genesys/open-messaging",
        stageName: "prod",
        throttlingRateLimitPerSecond: 800,
        throttlingBurstLimit: 400,
        tracing: true,
        detailedMetrics: true,
        accessLogRetentionDays: 90,
        accessLogKmsKeyArn: "arn:aws:kms:eu-west-1:111122223333:key/logs",
      });
      expect(
        out
          .list("aws_api_gateway_resource")
          .map((r) => r.path_part)
          .sort(),
      ).toEqual(["genesys", "open-messaging"]);
      expect(out.one("aws_api_gateway_stage")).toMatchObject({ stage_name: "prod", xray_tracing_enabled: true });
      expect(out.one("aws_api_gateway_method_settings").settings).toEqual({
        throttling_rate_limit: 800,
        throttling_burst_limit: 400,
        metrics_enabled: true,
      });
      expect(out.one("aws_cloudwatch_log_group")).toMatchObject({
        retention_in_days: 90,
        kms_key_id: "arn:aws:kms:eu-west-1:111122223333:key/logs",
      });
      expect((Object.values(out.json.output)[0] as { value: string }).value).toMatch(/\/genesys\/open-messaging$/);
    });

    it("associates a WAF web ACL and maps a custom domain", () => {
      let ingress!: WebhookIngress;
      const out = synth((stack) => {
        ingress = new WebhookIngress(stack, "hook", {
          queue: INGRESS_QUEUE,
          webAclArn: "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/hooks/1",
          customDomain: {
            domainName: "hooks.example.com",
            certificateArn: "arn:aws:acm:eu-west-1:111122223333:certificate/c",
            basePath: "genesys",
          },
        });
      });
      expect(out.one("aws_wafv2_web_acl_association").web_acl_arn).toBe("arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/hooks/1");
      expect(out.one("aws_api_gateway_domain_name")).toMatchObject({
        domain_name: "hooks.example.com",
        regional_certificate_arn: "arn:aws:acm:eu-west-1:111122223333:certificate/c",
        security_policy: "TLS_1_2",
        endpoint_configuration: { types: ["REGIONAL"] },
      });
      expect(out.one("aws_api_gateway_base_path_mapping").base_path).toBe("genesys");
      expect(ingress.customDomainUrl).toBe("https://hooks.example.com/genesys/webhook");
    });

    it("lets the role use the queue's customer KMS key", () => {
      const out = synthIngress({ kmsKeyArn: "arn:aws:kms:eu-west-1:111122223333:key/q" });
      expect(JSON.parse(out.one("aws_iam_role_policy").policy).Statement[1]).toEqual({
        Sid: "EncryptForQueue",
        Effect: "Allow",
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Resource: "arn:aws:kms:eu-west-1:111122223333:key/q",
      });
    });
  });

  describe("validation", () => {
    it("rejects throttling that would refuse every webhook", () => {
      const error = errorOf(() => synthIngress({ throttlingRateLimitPerSecond: 0, throttlingBurstLimit: 0 })) as ValidationError;
      expect(error.message).toBe(
        'WebhookIngress "stack/hook" has 2 invalid props:\n' +
          "  - throttlingRateLimitPerSecond: 0 would reject every webhook (Genesys then gives up after 5 retries); set a rate above 0 requests per second (default 5000).\n" +
          "  - throttlingBurstLimit: 0 would reject every webhook; set an integer of at least 1 request (default 5000).",
      );
    });

    it("rejects more extra headers than SQS attributes allow", () => {
      const headers = Array.from({ length: 8 }, (_, i) => `X-H${i}`);
      const error = errorOf(() => synthIngress({ extraHeaders: headers })) as ValidationError;
      expect(error.problems).toEqual([
        {
          prop: "extraHeaders",
          message:
            "8 headers is more than SQS message attributes allow; keep at most 7 (10 attributes minus x-body-encoding, X-Hub-Signature-256 and x-dead-letter).",
        },
      ]);
      expect(() => synthIngress({ extraHeaders: headers.slice(0, 7) })).not.toThrow();
    });

    it("rejects the pipeline's reserved attribute names as extra headers, so a caller cannot set them", () => {
      const error = errorOf(() => synthIngress({ extraHeaders: ["x-dead-letter", "X-First-Sent-Timestamp"] })) as ValidationError;
      expect(error.problems).toEqual([
        { prop: "extraHeaders", message: '"x-dead-letter" is reserved (always carried or set by the pipeline); remove it.' },
        { prop: "extraHeaders", message: '"X-First-Sent-Timestamp" is reserved (always carried or set by the pipeline); remove it.' },
      ]);
    });

    it("rejects reserved, invalid and repeated header names, a bad path, and ordering keys without FIFO", () => {
      const error = errorOf(() =>
        synthIngress({
          extraHeaders: ["x-hub-signature-256", "AWS.Trace", "X-A", "x-a"],
          path: "/hooks/",
          orderingKeyPaths: ["channel.id"],
          customDomain: { domainName: "h.example.com", certificateArn: "" },
        }),
      ) as ValidationError;
      expect(error.problems).toEqual([
        {
          prop: "path",
          message:
            '"/hooks/" is not a resource path; use segments of letters, digits and ._~- joined by "/", without leading or trailing "/".',
        },
        { prop: "extraHeaders", message: '"x-hub-signature-256" is reserved (always carried or set by the pipeline); remove it.' },
        {
          prop: "extraHeaders",
          message: '"AWS.Trace" cannot be an SQS attribute name; use letters, digits, _ . - (not starting with AWS. or Amazon.).',
        },
        { prop: "extraHeaders", message: '"x-a" is listed twice; list each header once.' },
        { prop: "orderingKeyPaths", message: "applies only to FIFO queues; set fifo: true or remove it." },
        { prop: "orderingKeyPaths", message: '"channel.id" is not a simple JSONPath; use dotted names such as "$.channel.to.id".' },
        { prop: "customDomain", message: "needs both domainName and certificateArn; set both or remove customDomain." },
      ]);
    });
  });
});
