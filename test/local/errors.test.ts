import { LocalEmulatorError } from "../../lib/local/errors";
import { UnsupportedMetricFilterError } from "../../lib/local/access-log";
import { UnsupportedIntegrationError } from "../../lib/local/api-gateway";
import { UnsupportedUsagePlanError } from "../../lib/local/api-keys";
import { ExpressionError } from "../../lib/local/expressions";
import { ResolveError } from "../../lib/local/resolver";
import { ApiChoiceError } from "../../lib/local/run";
import { StackLoadError, UnsupportedResourceError } from "../../lib/local/stack";
import { TemplateError } from "../../lib/local/vtl";
import { ZipError } from "../../lib/local/zip";
import * as local from "../../lib/local";

describe("local emulator errors", () => {
  const kinds: [string, Error][] = [
    ["UnsupportedMetricFilterError", new UnsupportedMetricFilterError("m")],
    ["UnsupportedIntegrationError", new UnsupportedIntegrationError("m")],
    ["UnsupportedUsagePlanError", new UnsupportedUsagePlanError("m")],
    ["ExpressionError", new ExpressionError("m")],
    ["ResolveError", new ResolveError("m")],
    ["ApiChoiceError", new ApiChoiceError(["aws_api_gateway_rest_api.a", "aws_api_gateway_rest_api.b"])],
    ["StackLoadError", new StackLoadError("m")],
    [
      "UnsupportedResourceError",
      new UnsupportedResourceError([{ mode: "resource", type: "aws_x", name: "y", address: "aws_x.y", config: {} }]),
    ],
    ["TemplateError", new TemplateError("m")],
    ["ZipError", new ZipError("m")],
  ];

  it.each(kinds)("%s is a LocalEmulatorError and an Error, and keeps its own name", (name, error) => {
    expect(error).toBeInstanceOf(LocalEmulatorError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.message).not.toBe("");
  });

  it("keeps each kind's message", () => {
    expect(new ZipError("bad archive").message).toBe("bad archive");
    expect(new ApiChoiceError(["a", "b"], "c").message).toBe('api: "c" is not a REST API of the stack; choose one of: a, b');
  });

  it("is exported by the local barrel", () => {
    expect(local.LocalEmulatorError).toBe(LocalEmulatorError);
    expect(new LocalEmulatorError("m").name).toBe("LocalEmulatorError");
  });
});
