/** The local Secrets Manager server, driven by the real AWS SDK client. */
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { startSecretsServer, type SecretsServer } from "../../lib/local/secrets-server";

describe("startSecretsServer", () => {
  let server: SecretsServer;
  let client: SecretsManagerClient;
  beforeAll(async () => {
    server = await startSecretsServer({ secrets: { preset: "raw-value" } });
    client = new SecretsManagerClient({
      region: "us-east-1",
      credentials: { accessKeyId: "x", secretAccessKey: "x" },
      endpoint: server.endpoint,
    });
  });
  afterAll(async () => {
    client.destroy();
    await server.close();
  });

  it("serves preset secrets by name and by ARN, verbatim", async () => {
    const byName = await client.send(new GetSecretValueCommand({ SecretId: "preset" }));
    expect(byName.SecretString).toBe("raw-value");
    expect(byName.ARN).toBe(server.arnOf("preset"));
    expect(byName.ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:000000000000:secret:preset-[0-9a-f]{6}$/);
    expect((await client.send(new GetSecretValueCommand({ SecretId: server.arnOf("preset") }))).SecretString).toBe("raw-value");
  });

  it("creates, rotates current to previous, and serves each stage", async () => {
    const created = await client.send(new CreateSecretCommand({ Name: "rotating", SecretString: "v1" }));
    await expect(client.send(new GetSecretValueCommand({ SecretId: "rotating", VersionStage: "AWSPREVIOUS" }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    await client.send(new PutSecretValueCommand({ SecretId: created.ARN, SecretString: "v2" }));
    expect((await client.send(new GetSecretValueCommand({ SecretId: "rotating" }))).SecretString).toBe("v2");
    expect((await client.send(new GetSecretValueCommand({ SecretId: "rotating", VersionStage: "AWSCURRENT" }))).SecretString).toBe("v2");
    expect((await client.send(new GetSecretValueCommand({ SecretId: "rotating", VersionStage: "AWSPREVIOUS" }))).SecretString).toBe("v1");
    await client.send(new PutSecretValueCommand({ SecretId: "rotating", SecretString: "v3" }));
    expect((await client.send(new GetSecretValueCommand({ SecretId: "rotating", VersionStage: "AWSPREVIOUS" }))).SecretString).toBe("v2");
    const described = await client.send(new DescribeSecretCommand({ SecretId: "rotating" }));
    expect(
      Object.values(described.VersionIdsToStages ?? {})
        .map((s) => s.join())
        .sort(),
    ).toEqual(["AWSCURRENT", "AWSPREVIOUS"]);
  });

  it("answers AWS errors the SDK understands", async () => {
    await expect(client.send(new GetSecretValueCommand({ SecretId: "nope" }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(client.send(new CreateSecretCommand({ Name: "preset", SecretString: "again" }))).rejects.toMatchObject({
      name: "ResourceExistsException",
    });
  });

  it("is reachable through AWS_ENDPOINT_URL_SECRETS_MANAGER (no endpoint in code)", async () => {
    const previous = process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = server.endpoint;
    const fromEnv = new SecretsManagerClient({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
    try {
      expect((await fromEnv.send(new GetSecretValueCommand({ SecretId: "preset" }))).SecretString).toBe("raw-value");
    } finally {
      fromEnv.destroy();
      if (previous === undefined) delete process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
      else process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = previous;
    }
  });
});
