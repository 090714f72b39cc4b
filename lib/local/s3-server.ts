/**
 * A local S3 API for the nightly spike's reports: the subset the generator and the CLI use
 * (PutObject, GetObject, HeadObject, ListObjectsV2, path-style addressing) on the buckets
 * of the synthesized stack, refusing what AWS would refuse of them:
 *
 * - a request that is not over TLS, when the bucket's policy denies `aws:SecureTransport`
 *   "false" (403 AccessDenied): the server listens twice, HTTPS (a certificate made for this
 *   run, its CA in a PEM file the functions get as AWS_CA_BUNDLE) and plain HTTP;
 * - an anonymous request (no SigV4 Authorization and no presigned query): 403 AccessDenied
 *   (the signature itself is not verified);
 * - a public ACL (canned `x-amz-acl` or an `x-amz-grant-*` header to AllUsers or
 *   AuthenticatedUsers; on PutObjectAcl, the body's grants too) when the public access block
 *   has `block_public_acls` (403 AccessDenied); when ownership is BucketOwnerEnforced (ACLs
 *   disabled), any ACL on PutObject but bucket-owner-full-control, any grant header, and every
 *   PutObjectAcl / PutBucketAcl (400 AccessControlListNotSupported);
 * - a bucket the stack does not declare (404 NoSuchBucket), a missing key (404 NoSuchKey),
 *   any other operation or sub-resource (`?acl`, `?tagging`, `?uploads`, ...: 501
 *   NotImplemented, never a silent success).
 *
 * No maintained npm package does this (s3rver, the known one, was last released in 2021 and
 * enforces no bucket policy). Objects live in memory, and in `dataDir` when given, so the
 * history survives from one local run to the next.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, relative, sep } from "node:path";
import { S3_MAX_LIST_KEYS } from "../runtime/aws-limits";
import { ofType, type TfItem } from "./stack";
import type { StackResolver } from "./resolver";

/** What the local server enforces of one bucket (read from the stack). */
export interface LocalBucketSpec {
  readonly name: string;
  /** The bucket policy denies requests with aws:SecureTransport "false". */
  readonly denyInsecureTransport: boolean;
  /** The public access block's block_public_acls. */
  readonly blockPublicAcls: boolean;
  /** Ownership controls BucketOwnerEnforced (ACLs disabled). */
  readonly aclsDisabled: boolean;
}

/** One stored object. */
interface LocalObject {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
  readonly lastModified: Date;
}

/** A running local S3 server. */
export interface S3Server {
  /** The HTTPS endpoint (what the functions get as AWS_ENDPOINT_URL_S3). */
  readonly endpoint: string;
  /** The plain-HTTP endpoint (a TLS-only bucket refuses every request on it, as on AWS). */
  readonly insecureEndpoint: string;
  /** PEM file of the certificate authority of `endpoint` (give it as AWS_CA_BUNDLE). */
  readonly caFile: string;
  readonly buckets: readonly LocalBucketSpec[];
  /** Keys of a bucket, sorted. */
  keys(bucket: string): string[];
  /** An object's text, undefined when absent. */
  read(bucket: string, key: string): string | undefined;
  close(): Promise<void>;
}

/** Options of {@link startS3Server}. */
export interface S3ServerOptions {
  readonly buckets: readonly LocalBucketSpec[];
  /** Keeps the objects in `<dataDir>/<bucket>/<key>` (loaded at start). Default: memory only. */
  readonly dataDir?: string;
}

const ACL_PUBLIC = new Set(["public-read", "public-read-write", "authenticated-read"]);
/** A grantee that makes an ACL public (in a grant header or an AccessControlPolicy body). */
const PUBLIC_GRANTEE = /acs\.amazonaws\.com\/groups\/global\/(AllUsers|AuthenticatedUsers)/;
const GRANT_HEADERS = [
  "x-amz-grant-read",
  "x-amz-grant-write",
  "x-amz-grant-read-acp",
  "x-amz-grant-write-acp",
  "x-amz-grant-full-control",
];

/** Query parameters that select no sub-resource: the SDK's operation hint and a presigned URL's signature. */
const plainParameter = (name: string) => name === "x-id" || name.toLowerCase().startsWith("x-amz-");

/** The ACL a request's headers set: none, only bucket-owner-full-control, and whether any of it is public. */
function headerAcl(req: IncomingMessage): { readonly any: boolean; readonly ownerOnly: boolean; readonly public: boolean } {
  const canned = req.headers["x-amz-acl"] ? String(req.headers["x-amz-acl"]) : undefined;
  const grants = GRANT_HEADERS.flatMap((h) => (req.headers[h] ? [String(req.headers[h])] : []));
  return {
    any: canned !== undefined || grants.length > 0,
    ownerOnly: canned === "bucket-owner-full-control" && grants.length === 0,
    public: (canned !== undefined && ACL_PUBLIC.has(canned)) || grants.some((g) => PUBLIC_GRANTEE.test(g)),
  };
}

/** The buckets of a stack with what their policy, public access block and ownership controls say. */
export function stackBuckets(resolver: StackResolver): LocalBucketSpec[] {
  const byId = (type: string, bucketName: string): TfItem[] =>
    ofType(resolver.stack, type).filter((i) => {
      const b = resolver.configValue(i, "bucket");
      return b === bucketName;
    });
  return ofType(resolver.stack, "aws_s3_bucket").map((item) => {
    const name = String(resolver.attribute(item, "bucket"));
    const denyInsecureTransport = byId("aws_s3_bucket_policy", name).some((p) => policyDeniesInsecure(resolver.configValue(p, "policy")));
    const blockPublicAcls = byId("aws_s3_bucket_public_access_block", name).some(
      (b) => resolver.configValue(b, "block_public_acls") === true,
    );
    const aclsDisabled = byId("aws_s3_bucket_ownership_controls", name).some((o) => {
      const rule = resolver.configValue(o, "rule");
      const r = Array.isArray(rule) ? rule[0] : rule;
      return (r as { object_ownership?: string } | undefined)?.object_ownership === "BucketOwnerEnforced";
    });
    return { name, denyInsecureTransport, blockPublicAcls, aclsDisabled };
  });
}

/** Whether a policy document denies every S3 action to everyone when aws:SecureTransport is "false". */
export function policyDeniesInsecure(policy: unknown): boolean {
  let doc: { Statement?: unknown };
  try {
    doc = typeof policy === "string" ? JSON.parse(policy) : (policy as { Statement?: unknown });
  } catch {
    return false;
  }
  const statements = Array.isArray(doc?.Statement) ? doc.Statement : doc?.Statement ? [doc.Statement] : [];
  return statements.some((s: Record<string, unknown>) => {
    const actions = ([] as unknown[]).concat(s.Action ?? []);
    const bool = (s.Condition as { Bool?: Record<string, unknown> } | undefined)?.Bool;
    const secure = bool?.["aws:SecureTransport"];
    return (
      s.Effect === "Deny" &&
      (s.Principal === "*" || (s.Principal as { AWS?: unknown })?.AWS === "*") &&
      actions.some((a) => a === "s3:*" || a === "*") &&
      String(secure) === "false"
    );
  });
}

const xmlEsc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!);

function sendError(res: ServerResponse, status: number, code: string, message: string, resource: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEsc(message)}</Message><Resource>${xmlEsc(resource)}</Resource><RequestId>local</RequestId></Error>`;
  res.writeHead(status, { "content-type": "application/xml", "x-amz-request-id": "local" });
  res.end(body);
}

/** Makes a self-signed certificate for 127.0.0.1 (openssl, valid one day). */
function makeCertificate(dir: string): { key: string; cert: string; caFile: string } {
  const keyFile = join(dir, "key.pem");
  const certFile = join(dir, "cert.pem");
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        keyFile,
        "-out",
        certFile,
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
      ],
      { stdio: "ignore" },
    );
  } catch (error) {
    throw new Error(
      `the local S3 server needs openssl to make its TLS certificate (the reports bucket refuses requests not over TLS, as on AWS): ${(error as Error).message}; install openssl (apt-get install openssl)`,
    );
  }
  return { key: readFileSync(keyFile, "utf8"), cert: readFileSync(certFile, "utf8"), caFile: certFile };
}

function listen(server: Server | HttpsServer, scheme: "http" | "https"): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(`${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks);
  // aws-chunked (a streamed body with SigV4 chunk signatures or trailing checksums): strip the framing
  const encoding = String(req.headers["content-encoding"] ?? "");
  const sha = String(req.headers["x-amz-content-sha256"] ?? "");
  if (!encoding.includes("aws-chunked") && !sha.startsWith("STREAMING-")) return raw;
  const out: Buffer[] = [];
  let at = 0;
  while (at < raw.length) {
    const eol = raw.indexOf("\r\n", at);
    if (eol < 0) break;
    const size = parseInt(raw.subarray(at, eol).toString("latin1").split(";")[0], 16);
    if (!size) break;
    out.push(raw.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}

/** The server's state in one object: the buckets it serves and their objects, kept in `dataDir` too when given. */
class S3Store {
  readonly buckets: ReadonlyMap<string, LocalBucketSpec>;
  readonly objects: ReadonlyMap<string, Map<string, LocalObject>>;

  constructor(
    specs: readonly LocalBucketSpec[],
    private readonly dataDir: string | undefined,
  ) {
    this.buckets = new Map(specs.map((b) => [b.name, b]));
    this.objects = new Map(specs.map((b) => [b.name, new Map()]));
    if (dataDir) for (const b of specs) this.load(b.name, join(dataDir, b.name));
  }

  /** Loads a bucket's objects kept by an earlier run (`<key>` files, content type in `<key>.__meta.json`). */
  private load(bucket: string, root: string): void {
    if (!existsSync(root)) return;
    const objects = this.objects.get(bucket)!;
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const file = join(dir, name);
        if (statSync(file).isDirectory()) walk(file);
        else if (!name.endsWith(".__meta.json")) {
          const body = readFileSync(file);
          const meta = existsSync(`${file}.__meta.json`)
            ? (JSON.parse(readFileSync(`${file}.__meta.json`, "utf8")) as { contentType?: string })
            : {};
          const key = relative(root, file).split(sep).join("/");
          objects.set(key, {
            body,
            contentType: meta.contentType ?? "application/octet-stream",
            etag: createHash("md5").update(body).digest("hex"),
            lastModified: statSync(file).mtime,
          });
        }
      }
    };
    walk(root);
  }

  /** Stores an object (and keeps it in `dataDir` when given). */
  put(bucket: string, key: string, object: LocalObject): void {
    this.objects.get(bucket)!.set(key, object);
    if (!this.dataDir) return;
    const file = join(this.dataDir, bucket, ...key.split("/"));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, object.body);
    writeFileSync(`${file}.__meta.json`, JSON.stringify({ contentType: object.contentType }));
  }
}

/** One request to a bucket that passed the access checks. */
interface S3Request {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly key: string;
  /** `/<bucket>/<key>`, for error bodies. */
  readonly resource: string;
  readonly bucket: LocalBucketSpec;
  readonly objects: Map<string, LocalObject>;
  readonly acl: ReturnType<typeof headerAcl>;
}

/**
 * The bucket a request addresses, once it passes what AWS checks first: a declared bucket
 * (404 NoSuchBucket), a signed request (403 for an anonymous one) and, when the policy says so,
 * TLS (403). Undefined when an error was answered.
 */
function admit(store: S3Store, req: IncomingMessage, res: ServerResponse, secure: boolean): S3Request | undefined {
  const url = new URL(req.url ?? "/", "http://local");
  const [, bucketName = "", ...rest] = url.pathname.split("/");
  const key = decodeURIComponent(rest.join("/"));
  const resource = `/${bucketName}${key ? `/${key}` : ""}`;
  const bucket = store.buckets.get(decodeURIComponent(bucketName));
  if (!bucketName) return void sendError(res, 501, "NotImplemented", "ListBuckets is not part of the local S3 subset", resource);
  if (!bucket) {
    const declared = [...store.buckets.keys()].join(", ") || "no bucket";
    return void sendError(res, 404, "NoSuchBucket", `The specified bucket does not exist (the stack declares ${declared})`, resource);
  }
  const auth = String(req.headers.authorization ?? "");
  if (!auth.startsWith("AWS4-HMAC-SHA256 ") && !url.searchParams.has("X-Amz-Signature")) {
    const message = "Anonymous access is not allowed: the bucket is private (sign the request with SigV4)";
    return void sendError(res, 403, "AccessDenied", message, resource);
  }
  if (bucket.denyInsecureTransport && !secure) {
    const message = "Access Denied: the bucket policy denies requests with aws:SecureTransport false; use the HTTPS endpoint";
    return void sendError(res, 403, "AccessDenied", message, resource);
  }
  return { req, res, url, key, resource, bucket, objects: store.objects.get(bucket.name)!, acl: headerAcl(req) };
}

/** PutObjectAcl / PutBucketAcl: refused as AWS refuses them, else 501 (ACLs are not kept locally). */
async function putAcl(r: S3Request): Promise<void> {
  if (r.bucket.aclsDisabled)
    return sendError(
      r.res,
      400,
      "AccessControlListNotSupported",
      "The bucket does not allow ACLs (ownership BucketOwnerEnforced): grant access in the bucket policy instead",
      r.resource,
    );
  if (r.bucket.blockPublicAcls && (r.acl.public || PUBLIC_GRANTEE.test((await readBody(r.req)).toString("utf8")))) {
    return sendError(r.res, 403, "AccessDenied", "Access Denied: the public access block blocks public ACLs", r.resource);
  }
  const message = `PUT ${r.url.pathname}?acl (PutObjectAcl / PutBucketAcl) is not part of the local S3 subset: ACLs are not kept`;
  return sendError(r.res, 501, "NotImplemented", message, r.resource);
}

/**
 * PutObject: the ACL headers checked against ownership and the public access block, then the
 * conditional write (If-None-Match "*" creates only, If-Match replaces only the ETag read).
 */
async function putObject(store: S3Store, r: S3Request): Promise<void> {
  const { req, res, acl, bucket, resource } = r;
  if (acl.any && bucket.aclsDisabled && !acl.ownerOnly) {
    const message =
      "The bucket does not allow ACLs (ownership BucketOwnerEnforced): send no ACL, or x-amz-acl bucket-owner-full-control, and no x-amz-grant-* header";
    return sendError(res, 400, "AccessControlListNotSupported", message, resource);
  }
  if (acl.public && bucket.blockPublicAcls) {
    return sendError(res, 403, "AccessDenied", "Access Denied: the public access block blocks public ACLs", resource);
  }
  if (req.headers["x-amz-copy-source"])
    return sendError(res, 501, "NotImplemented", "CopyObject is not part of the local S3 subset", resource);
  const body = await readBody(req);
  // Conditional writes (S3, 2024-08/11): If-None-Match "*" creates only, If-Match replaces only
  // the ETag read; checked with no await before the write, as S3 checks them atomically.
  const ifNoneMatch = req.headers["if-none-match"];
  const ifMatch = req.headers["if-match"];
  if (ifNoneMatch !== undefined && ifNoneMatch !== "*") {
    return sendError(res, 501, "NotImplemented", "If-None-Match on PutObject takes only *", resource);
  }
  const current = r.objects.get(r.key);
  if ((ifNoneMatch === "*" && current) || (ifMatch !== undefined && (!current || ifMatch.replace(/"/g, "") !== current.etag))) {
    return sendError(res, 412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold", resource);
  }
  const etag = createHash("md5").update(body).digest("hex");
  const contentType = String(req.headers["content-type"] ?? "application/octet-stream");
  store.put(bucket.name, r.key, { body, contentType, etag, lastModified: new Date() });
  res.writeHead(200, { etag: `"${etag}"`, "x-amz-server-side-encryption": "AES256" });
  res.end();
}

/** GetObject / HeadObject (a missing key: 404 NoSuchKey, bodiless for HEAD). */
function getObject(r: S3Request): void {
  const { req, res } = r;
  const o = r.objects.get(r.key);
  if (!o) {
    if (req.method === "HEAD") {
      res.writeHead(404);
      return void res.end();
    }
    return sendError(res, 404, "NoSuchKey", "The specified key does not exist.", r.resource);
  }
  res.writeHead(200, {
    "content-type": o.contentType,
    "content-length": String(o.body.length),
    etag: `"${o.etag}"`,
    "last-modified": o.lastModified.toUTCString(),
    "x-amz-server-side-encryption": "AES256",
  });
  res.end(req.method === "HEAD" ? undefined : o.body);
}

/** ListObjectsV2: keys by prefix, in pages of at most max-keys (continuation token: the last key, base64url). */
function listObjectsV2(r: S3Request): void {
  const { url, objects } = r;
  const prefix = url.searchParams.get("prefix") ?? "";
  const maxKeys = Math.min(S3_MAX_LIST_KEYS, Number(url.searchParams.get("max-keys") ?? S3_MAX_LIST_KEYS));
  const token = url.searchParams.get("continuation-token");
  const after = token ? Buffer.from(token, "base64url").toString("utf8") : (url.searchParams.get("start-after") ?? "");
  const all = [...objects.keys()].filter((k) => k.startsWith(prefix) && k > after).sort();
  const page = all.slice(0, maxKeys);
  const truncated = all.length > page.length;
  const contents = page
    .map((k) => {
      const o = objects.get(k)!;
      return `<Contents><Key>${xmlEsc(k)}</Key><LastModified>${o.lastModified.toISOString()}</LastModified><ETag>&quot;${o.etag}&quot;</ETag><Size>${o.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
    })
    .join("");
  const next = truncated
    ? `<NextContinuationToken>${Buffer.from(page[page.length - 1], "utf8").toString("base64url")}</NextContinuationToken>`
    : "";
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${xmlEsc(r.bucket.name)}</Name><Prefix>${xmlEsc(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${token ? `<ContinuationToken>${xmlEsc(token)}</ContinuationToken>` : ""}${next}${contents}</ListBucketResult>`;
  r.res.writeHead(200, { "content-type": "application/xml" });
  r.res.end(body);
}

/** The route table: which operation a request is, in the order AWS tells them apart; anything else is 501. */
async function route(store: S3Store, r: S3Request): Promise<void> {
  const { req, url, key } = r;
  if (req.method === "PUT" && url.searchParams.has("acl")) return putAcl(r);
  // an object request with a sub-resource (GetObjectAcl, PutObjectTagging, multipart...) is another operation
  const subresources = key ? [...url.searchParams.keys()].filter((n) => !plainParameter(n)) : [];
  if (subresources.length) {
    const message = `${req.method} ${url.pathname}?${subresources.join("&")} (a sub-resource such as ?acl, ?tagging, ?uploads or ?uploadId) is not part of the local S3 subset (PutObject, GetObject, HeadObject, ListObjectsV2)`;
    return sendError(r.res, 501, "NotImplemented", message, r.resource);
  }
  if (req.method === "PUT" && key) return putObject(store, r);
  if ((req.method === "GET" || req.method === "HEAD") && key) return getObject(r);
  if (req.method === "GET" && !key && url.searchParams.get("list-type") === "2") return listObjectsV2(r);
  const message = `${req.method} ${url.pathname}${url.search} is not part of the local S3 subset (PutObject, GetObject, HeadObject, ListObjectsV2)`;
  return sendError(r.res, 501, "NotImplemented", message, r.resource);
}

/** The request listener of one of the two servers (`secure`: the HTTPS one). */
const handler = (store: S3Store, secure: boolean) => async (req: IncomingMessage, res: ServerResponse) => {
  try {
    const admitted = admit(store, req, res, secure);
    if (admitted) await route(store, admitted);
  } catch (error) {
    sendError(res, 500, "InternalError", (error as Error).message, req.url ?? "/");
  }
};

/** Starts the local S3 server (HTTPS and HTTP on free loopback ports). */
export async function startS3Server(options: S3ServerOptions): Promise<S3Server> {
  const certDir = mkdtempSync(join(tmpdir(), "gcx-s3-tls-"));
  const tls = makeCertificate(certDir);
  const store = new S3Store(options.buckets, options.dataDir);
  const httpsServer = createHttpsServer({ key: tls.key, cert: tls.cert }, handler(store, true));
  const httpServer = createServer(handler(store, false));
  const endpoint = await listen(httpsServer, "https");
  const insecureEndpoint = await listen(httpServer, "http");
  const close = (s: Server | HttpsServer) =>
    new Promise<void>((resolve) => {
      s.closeAllConnections?.();
      s.close(() => resolve());
    });
  return {
    endpoint,
    insecureEndpoint,
    caFile: tls.caFile,
    buckets: options.buckets,
    keys: (bucket) => [...(store.objects.get(bucket)?.keys() ?? [])].sort(),
    read: (bucket, key) => store.objects.get(bucket)?.get(key)?.body.toString("utf8"),
    close: async () => {
      await Promise.all([close(httpsServer), close(httpServer)]);
      rmSync(certDir, { recursive: true, force: true });
    },
  };
}
