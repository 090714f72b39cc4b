/**
 * The local S3 server: the subset the nightly path uses, through @aws-sdk/client-s3, and the
 * refusals AWS would answer (plain HTTP on a TLS-only bucket, anonymous requests, public
 * ACLs under a public access block, ACLs on an owner-enforced bucket, unknown buckets) and the
 * sub-resources it does not implement (501, the object untouched).
 */
import {
  GetObjectAclCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectAclCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { Agent } from "node:https";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { policyDeniesInsecure, startS3Server, type S3Server } from "../../lib/local/s3-server";
import { s3ObjectStore } from "../../lib/runtime/loadgen/report-store";
import { LOCAL_CREDENTIALS } from "../../lib/local/services";

const BUCKET = { name: "reports-123456789012", denyInsecureTransport: true, blockPublicAcls: true, aclsDisabled: false };
const OPEN = { name: "open-bucket", denyInsecureTransport: false, blockPublicAcls: false, aclsDisabled: true };

describe("local S3 server", () => {
  // the tests below run in order: the first one writes the objects the others read
  let server: S3Server;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "gcx-s3-test-"));
    server = await startS3Server({ buckets: [BUCKET, OPEN], dataDir });
  });
  afterAll(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const tlsClient = () =>
    new S3Client({
      endpoint: server.endpoint,
      region: "eu-west-1",
      credentials: LOCAL_CREDENTIALS,
      forcePathStyle: true,
      requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: readFileSync(server.caFile, "utf8") }) }),
    });
  const store = (bucket = BUCKET.name) =>
    s3ObjectStore({
      bucket,
      caBundle: server.caFile,
      client: { endpoint: server.endpoint, region: "eu-west-1", credentials: LOCAL_CREDENTIALS, forcePathStyle: true },
    });

  it("puts, gets and lists over HTTPS with the SDK, pages included", async () => {
    const s = store();
    for (let i = 0; i < 3; i++) await s.put(`p/run-${i}/spike.json`, JSON.stringify({ i }), "application/json");
    await s.put("other/x.json", "{}", "application/json");
    expect(JSON.parse((await s.get("p/run-1/spike.json"))!)).toEqual({ i: 1 });
    expect(await s.get("p/none.json")).toBeUndefined();
    expect((await s.list("p/")).map((o) => o.key)).toEqual(["p/run-0/spike.json", "p/run-1/spike.json", "p/run-2/spike.json"]);
    s.destroy();
  });

  it("pages ListObjectsV2 with continuation tokens", async () => {
    const sdk = tlsClient();
    const first = await sdk.send(new ListObjectsV2Command({ Bucket: BUCKET.name, Prefix: "p/", MaxKeys: 2 }));
    expect(first.Contents?.map((o) => o.Key)).toEqual(["p/run-0/spike.json", "p/run-1/spike.json"]);
    expect(first.IsTruncated).toBe(true);
    const second = await sdk.send(
      new ListObjectsV2Command({ Bucket: BUCKET.name, Prefix: "p/", MaxKeys: 2, ContinuationToken: first.NextContinuationToken }),
    );
    expect(second.Contents?.map((o) => o.Key)).toEqual(["p/run-2/spike.json"]);
    expect(second.IsTruncated).toBe(false);
    sdk.destroy();
  });

  it("refuses plain HTTP on a bucket whose policy denies aws:SecureTransport false (403 AccessDenied)", async () => {
    const client = new S3Client({
      endpoint: server.insecureEndpoint,
      region: "eu-west-1",
      credentials: LOCAL_CREDENTIALS,
      forcePathStyle: true,
    });
    await expect(client.send(new PutObjectCommand({ Bucket: BUCKET.name, Key: "k", Body: "x" }))).rejects.toMatchObject({
      name: "AccessDenied",
      $metadata: { httpStatusCode: 403 },
    });
    // the bucket without that statement answers on HTTP
    await client.send(new PutObjectCommand({ Bucket: OPEN.name, Key: "k", Body: "x" }));
    const got = await client.send(new GetObjectCommand({ Bucket: OPEN.name, Key: "k" }));
    expect(await got.Body!.transformToString()).toBe("x");
    client.destroy();
  });

  it("refuses anonymous requests, public ACLs, ACLs on an owner-enforced bucket and unknown buckets", async () => {
    const anonymous = await fetch(`${server.insecureEndpoint}/${OPEN.name}/k`);
    expect(anonymous.status).toBe(403);
    expect(await anonymous.text()).toContain("<Code>AccessDenied</Code>");
    const client = new S3Client({
      endpoint: server.insecureEndpoint,
      region: "eu-west-1",
      credentials: LOCAL_CREDENTIALS,
      forcePathStyle: true,
    });
    await expect(client.send(new PutObjectCommand({ Bucket: OPEN.name, Key: "acl", Body: "x", ACL: "private" }))).rejects.toMatchObject({
      name: "AccessControlListNotSupported",
    });
    await expect(client.send(new ListObjectsV2Command({ Bucket: "not-in-the-stack" }))).rejects.toMatchObject({ name: "NoSuchBucket" });
    client.destroy();
    const tls = tlsClient();
    await expect(
      tls.send(new PutObjectCommand({ Bucket: BUCKET.name, Key: "public", Body: "x", ACL: "public-read" })),
    ).rejects.toMatchObject({ name: "AccessDenied", $metadata: { httpStatusCode: 403 } });
    tls.destroy();
    // without the run's CA the certificate is not trusted: nothing is kinder than TLS would be
    const untrusted = new S3Client({
      endpoint: server.endpoint,
      region: "eu-west-1",
      credentials: LOCAL_CREDENTIALS,
      forcePathStyle: true,
      maxAttempts: 1,
    });
    await expect(untrusted.send(new GetObjectCommand({ Bucket: BUCKET.name, Key: "p/run-0/spike.json" }))).rejects.toThrow(/certificate/i);
    untrusted.destroy();
  });

  it("refuses public grant headers and ACL requests as AWS does, and answers 501 to other sub-resources", async () => {
    const allUsers = 'uri="http://acs.amazonaws.com/groups/global/AllUsers"';
    const publicPolicy = {
      Owner: { ID: "o" },
      Grants: [
        { Grantee: { Type: "Group" as const, URI: "http://acs.amazonaws.com/groups/global/AllUsers" }, Permission: "READ" as const },
      ],
    };
    const client = new S3Client({
      endpoint: server.insecureEndpoint,
      region: "eu-west-1",
      credentials: LOCAL_CREDENTIALS,
      forcePathStyle: true,
    });
    // ACLs disabled (BucketOwnerEnforced): any grant header, any PutObjectAcl
    await expect(client.send(new PutObjectCommand({ Bucket: OPEN.name, Key: "g", Body: "x", GrantRead: allUsers }))).rejects.toMatchObject({
      name: "AccessControlListNotSupported",
      $metadata: { httpStatusCode: 400 },
    });
    await expect(
      client.send(new PutObjectCommand({ Bucket: OPEN.name, Key: "g", Body: "x", GrantFullControl: 'id="o"' })),
    ).rejects.toMatchObject({ name: "AccessControlListNotSupported" });
    await client.send(new PutObjectCommand({ Bucket: OPEN.name, Key: "g", Body: "x", ACL: "bucket-owner-full-control" }));
    await expect(client.send(new PutObjectAclCommand({ Bucket: OPEN.name, Key: "k", ACL: "private" }))).rejects.toMatchObject({
      name: "AccessControlListNotSupported",
      $metadata: { httpStatusCode: 400 },
    });
    // sub-resources not implemented: never a silent success, the object untouched
    await expect(
      client.send(new PutObjectTaggingCommand({ Bucket: OPEN.name, Key: "k", Tagging: { TagSet: [{ Key: "a", Value: "b" }] } })),
    ).rejects.toMatchObject({ name: "NotImplemented", $metadata: { httpStatusCode: 501 } });
    await expect(client.send(new GetObjectAclCommand({ Bucket: OPEN.name, Key: "k" }))).rejects.toMatchObject({
      name: "NotImplemented",
      $metadata: { httpStatusCode: 501 },
    });
    expect(server.read(OPEN.name, "k")).toBe("x");
    client.destroy();
    // ACLs enabled under block_public_acls: a public grant, in a header or a PutObjectAcl body, is denied
    const tls = tlsClient();
    await expect(
      tls.send(new PutObjectCommand({ Bucket: BUCKET.name, Key: "public", Body: "x", GrantRead: allUsers })),
    ).rejects.toMatchObject({ name: "AccessDenied", $metadata: { httpStatusCode: 403 } });
    await expect(
      tls.send(new PutObjectAclCommand({ Bucket: BUCKET.name, Key: "p/run-0/spike.json", AccessControlPolicy: publicPolicy })),
    ).rejects.toMatchObject({ name: "AccessDenied", $metadata: { httpStatusCode: 403 } });
    await expect(
      tls.send(new PutObjectAclCommand({ Bucket: BUCKET.name, Key: "p/run-0/spike.json", ACL: "private" })),
    ).rejects.toMatchObject({ name: "NotImplemented", $metadata: { httpStatusCode: 501 } });
    expect(server.keys(BUCKET.name)).not.toContain("public");
    expect(server.read(BUCKET.name, "p/run-0/spike.json")).toBe(JSON.stringify({ i: 0 }));
    tls.destroy();
  });

  it("honours conditional writes: If-None-Match * creates only, If-Match replaces only the ETag read (412 otherwise)", async () => {
    const client = tlsClient();
    try {
      const Key = "conditional/history.json";
      const created = await client.send(new PutObjectCommand({ Bucket: BUCKET.name, Key, Body: "v1", IfNoneMatch: "*" }));
      await expect(client.send(new PutObjectCommand({ Bucket: BUCKET.name, Key, Body: "again", IfNoneMatch: "*" }))).rejects.toMatchObject({
        name: "PreconditionFailed",
        $metadata: { httpStatusCode: 412 },
      });
      await expect(client.send(new PutObjectCommand({ Bucket: BUCKET.name, Key, Body: "stale", IfMatch: '"0123"' }))).rejects.toMatchObject(
        { $metadata: { httpStatusCode: 412 } },
      );
      await client.send(new PutObjectCommand({ Bucket: BUCKET.name, Key, Body: "v2", IfMatch: created.ETag }));
      const read = await client.send(new GetObjectCommand({ Bucket: BUCKET.name, Key }));
      expect(await read.Body!.transformToString()).toBe("v2");
      await expect(
        client.send(new PutObjectCommand({ Bucket: BUCKET.name, Key: "conditional/missing.json", Body: "x", IfMatch: created.ETag })),
      ).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
    } finally {
      client.destroy();
    }
  });

  it("keeps objects in dataDir across restarts", async () => {
    const again = await startS3Server({ buckets: [BUCKET], dataDir });
    try {
      expect(again.keys(BUCKET.name)).toContain("p/run-2/spike.json");
      expect(again.read(BUCKET.name, "p/run-2/spike.json")).toBe(JSON.stringify({ i: 2 }));
    } finally {
      await again.close();
    }
  });

  it("reads the TLS-only statement of a bucket policy", () => {
    expect(
      policyDeniesInsecure(
        JSON.stringify({
          Statement: [
            { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } },
          ],
        }),
      ),
    ).toBe(true);
    expect(policyDeniesInsecure(JSON.stringify({ Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:*", Resource: "*" }] }))).toBe(
      false,
    );
  });
});
