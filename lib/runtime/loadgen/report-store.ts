/**
 * Keeping the nightly spike's reports in S3, with their history:
 *
 * - each run: `<prefix><runName>/<yyyy>/<mm>/<dd>/<runId>/spike.json` and `spike.html`
 *   (the date of the run's start, UTC);
 * - the history index `<prefix><runName>/history.json` (the last N runs, oldest first:
 *   runId, time, verdict, lost, duplicates, ack p99, end-to-end p99, goodput) and the trend
 *   page `<prefix><runName>/history.html` over them;
 * - a pending reconciliation's continuation `<prefix><runName>/continuations/<runId>.json`.
 *
 * The store is an interface ({@link ObjectStore}); {@link s3ObjectStore} is the S3 one,
 * {@link memoryObjectStore} the in-memory one. The history index is updated with a conditional
 * write (S3's `If-Match` / `If-None-Match: *`), so runs of one run name finishing together
 * each keep their entry.
 */
import { readFileSync } from "node:fs";
import { Agent } from "node:https";
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { z } from "zod";
import { renderHtmlReport } from "./html";
import { renderTrendPage } from "./history";
import type { SpikeReport } from "./run";
import { LOADGEN_CONTRACT } from "../contract";

/** Runs the history keeps by default. */
export const DEFAULT_HISTORY_LENGTH: number = LOADGEN_CONTRACT.historyLength.default;
/** Key prefix of the reports by default. */
export const DEFAULT_REPORTS_PREFIX: string = LOADGEN_CONTRACT.reportsPrefix.default;

/** One listed object. */
export interface StoredObject {
  readonly key: string;
  readonly size: number;
  readonly lastModified?: string;
}

/** An object's text and its entity tag (the S3 ETag, as the store returns it). */
export interface VersionedObject {
  readonly body: string;
  readonly etag: string;
}

/** What the report store needs of a bucket. */
export interface ObjectStore {
  put(key: string, body: string, contentType: string): Promise<void>;
  /** The object's text; undefined when there is no such key. */
  get(key: string): Promise<string | undefined>;
  /** Every key under a prefix, in key order. */
  list(prefix: string): Promise<StoredObject[]>;
  /** The object's text and entity tag; undefined when there is no such key. */
  getVersioned(key: string): Promise<VersionedObject | undefined>;
  /**
   * Writes only when the object is still the one of `etag` (undefined: only when there is no
   * object yet); false when it changed meanwhile (S3: 412 PreconditionFailed, or 409
   * ConditionalRequestConflict for two concurrent first writes).
   */
  putIfMatch(key: string, body: string, contentType: string, etag: string | undefined): Promise<boolean>;
}

/** An {@link ObjectStore} in memory (tests, local tools); `objects` holds the texts by key. */
export function memoryObjectStore(objects = new Map<string, string>()): ObjectStore {
  const etags = new Map<string, string>();
  let version = 0;
  const put = (key: string, body: string) => {
    objects.set(key, body);
    etags.set(key, `"${++version}"`);
  };
  const etagOf = (key: string) => (objects.has(key) ? (etags.get(key) ?? `"0"`) : undefined);
  return {
    put: async (key, body) => put(key, body),
    get: async (key) => objects.get(key),
    list: async (prefix) =>
      [...objects.keys()]
        .filter((k) => k.startsWith(prefix))
        .sort()
        .map((key) => ({ key, size: Buffer.byteLength(objects.get(key)!) })),
    getVersioned: async (key) => (objects.has(key) ? { body: objects.get(key)!, etag: etagOf(key)! } : undefined),
    async putIfMatch(key, body, _contentType, etag) {
      if (etagOf(key) !== etag) return false;
      put(key, body);
      return true;
    },
  };
}

/** Where a run's objects go. */
export interface ReportLocation {
  readonly bucket: string;
  /** Ends with "/" or is empty. */
  readonly prefix: string;
  readonly runName: string;
}

/** A name safe as one key segment (the run name and the run id are used in keys). */
function segment(text: string, what: string): string {
  if (!text || text.includes("/") || text === "." || text === "..")
    throw new Error(`${what} "${text}" cannot be used in an S3 key (empty, "/", "." or "..")`);
  return text;
}

/** `<prefix><runName>/`: everything of one run name. */
export function runNamePrefix(location: Pick<ReportLocation, "prefix" | "runName">): string {
  return `${location.prefix}${segment(location.runName, "runName")}/`;
}

/** The keys of one run's reports. */
export function reportKeys(
  location: Pick<ReportLocation, "prefix" | "runName">,
  runId: string,
  startMs: number,
): { readonly json: string; readonly html: string } {
  const d = new Date(startMs);
  const pad = (n: number) => String(n).padStart(2, "0");
  const dir = `${runNamePrefix(location)}${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${segment(runId, "runId")}/`;
  return { json: `${dir}spike.json`, html: `${dir}spike.html` };
}

/** The keys of the history index and the trend page. */
export function historyKeys(location: Pick<ReportLocation, "prefix" | "runName">): { readonly json: string; readonly html: string } {
  const base = runNamePrefix(location);
  return { json: `${base}history.json`, html: `${base}history.html` };
}

/** The key of a pending reconciliation's continuation. */
export function continuationKey(location: Pick<ReportLocation, "prefix" | "runName">, runId: string): string {
  return `${runNamePrefix(location)}continuations/${segment(runId, "runId")}.json`;
}

export const historyEntrySchema = z.object({
  runId: z.string(),
  time: z.string(),
  verdict: z.enum(["PASS", "FAIL"]),
  reconciled: z.boolean(),
  lost: z.number().nullable(),
  duplicates: z.number().nullable(),
  ackP99Ms: z.number(),
  endToEndP99Ms: z.number().nullable(),
  goodputPerSecond: z.number(),
  reasons: z.array(z.string()),
  jsonKey: z.string(),
  htmlKey: z.string(),
});
/** One run in the history index. */
export type HistoryEntry = z.infer<typeof historyEntrySchema>;

export const historySchema = z.object({
  version: z.literal(1),
  runName: z.string(),
  maxLength: z.number().int().min(1),
  runs: z.array(historyEntrySchema),
});
/** The history index (`history.json`): the last `maxLength` runs, oldest first. */
export type HistoryIndex = z.infer<typeof historySchema>;

/** Parses a history index; throws naming the key and what is wrong. */
export function parseHistory(text: string, key: string): HistoryIndex {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${key} is not JSON (${(error as Error).message}); delete it to start a new history`);
  }
  const parsed = historySchema.safeParse(json);
  if (!parsed.success)
    throw new Error(
      `${key} is not a history index: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}; delete it to start a new history`,
    );
  return parsed.data;
}

/** The history entry of a report. */
export function historyEntry(report: Omit<SpikeReport, "histograms">, keys: { json: string; html: string }): HistoryEntry {
  const d = report.delivery;
  const reconciled = "reconciled" in d && d.reconciled === true;
  const rd = reconciled ? (d as Extract<SpikeReport["delivery"], { processed: number }>) : undefined;
  return {
    runId: report.runId,
    time: report.startedAt,
    verdict: report.verdict.verdict,
    reconciled,
    lost: rd ? rd.lost : null,
    duplicates: rd ? rd.duplicateDeliveries : null,
    ackP99Ms: report.latency.ack.p99Ms,
    endToEndP99Ms: report.latency.endToEnd?.p99Ms ?? null,
    goodputPerSecond: report.rates.goodputPerSecond,
    reasons: [...report.verdict.reasons],
    jsonKey: keys.json,
    htmlKey: keys.html,
  };
}

/** The index with `entry` appended (a run already there is replaced: a duplicated event adds it once), bounded to `maxLength` runs. */
export function appendHistory(index: HistoryIndex | undefined, entry: HistoryEntry, runName: string, maxLength: number): HistoryIndex {
  const runs = (index?.runs ?? []).filter((r) => r.runId !== entry.runId);
  runs.push(entry);
  runs.sort((a, b) => a.time.localeCompare(b.time));
  return { version: 1, runName, maxLength, runs: runs.slice(Math.max(0, runs.length - maxLength)) };
}

/** What {@link storeRun} wrote. */
export interface StoredRun {
  readonly jsonKey: string;
  readonly htmlKey: string;
  readonly historyKey: string;
  readonly trendKey: string;
  readonly history: HistoryIndex;
}

/** Attempts of {@link storeRun} to update the history index while other runs of the run name write it. */
export const HISTORY_WRITE_ATTEMPTS = 8;

/**
 * Stores a run's JSON and HTML report, then updates the history index and the trend page:
 * read, append, bound, and write only if the index is unchanged since the read (runs of one
 * run name may finish together: a manual invoke during the scheduled run, a duplicated
 * event), again on a change, up to {@link HISTORY_WRITE_ATTEMPTS} times. The trend page is
 * written unless a later run changed the index meanwhile (that run writes it).
 */
export async function storeRun(
  store: ObjectStore,
  location: ReportLocation,
  report: SpikeReport,
  historyLength = DEFAULT_HISTORY_LENGTH,
): Promise<StoredRun> {
  const keys = reportKeys(location, report.runId, report.startMs);
  await store.put(keys.json, JSON.stringify(report, null, 2) + "\n", "application/json");
  await store.put(keys.html, renderHtmlReport(report), "text/html; charset=utf-8");
  const hk = historyKeys(location);
  const entry = historyEntry(report, keys);
  for (let attempt = 1; ; attempt++) {
    const existing = await store.getVersioned(hk.json);
    const history = appendHistory(
      existing === undefined ? undefined : parseHistory(existing.body, hk.json),
      entry,
      location.runName,
      historyLength,
    );
    const text = JSON.stringify(history, null, 2) + "\n";
    if (await store.putIfMatch(hk.json, text, "application/json", existing?.etag)) {
      if ((await store.get(hk.json)) === text) await store.put(hk.html, renderTrendPage(history), "text/html; charset=utf-8");
      return { jsonKey: keys.json, htmlKey: keys.html, historyKey: hk.json, trendKey: hk.html, history };
    }
    if (attempt >= HISTORY_WRITE_ATTEMPTS) {
      throw new Error(
        `${hk.json} changed under each of ${HISTORY_WRITE_ATTEMPTS} attempts to add run ${report.runId} (other runs of run name "${location.runName}" writing it); the reports are stored at ${keys.json}: run again, or give concurrent runs different runName values`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 100 * attempt));
  }
}

/** Whether an S3 error is a failed write condition: 412 PreconditionFailed, or 409 ConditionalRequestConflict. */
function isConditionFailure(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (
    e.name === "PreconditionFailed" ||
    e.name === "ConditionalRequestConflict" ||
    e.$metadata?.httpStatusCode === 412 ||
    e.$metadata?.httpStatusCode === 409
  );
}

/** Options of {@link s3ObjectStore}. */
export interface S3StoreOptions {
  readonly bucket: string;
  /** Client settings (region, endpoint, credentials). Default: the SDK's (AWS_REGION, AWS_ENDPOINT_URL_S3, the role). */
  readonly client?: S3ClientConfig;
  /**
   * A PEM file of extra certificate authorities to trust (the local emulator's TLS S3
   * endpoint). Default: `AWS_CA_BUNDLE` of the environment, the variable the AWS CLI and
   * SDKs name for it; none on Lambda.
   */
  readonly caBundle?: string;
}

/** An {@link ObjectStore} on an S3 bucket. */
export function s3ObjectStore(options: S3StoreOptions): ObjectStore & { destroy(): void } {
  const ca = options.caBundle ?? process.env.AWS_CA_BUNDLE;
  const client = new S3Client({
    // the options of the SDK's node HTTP handler, given as an object (no direct @smithy import)
    ...(ca ? { requestHandler: { httpsAgent: new Agent({ ca: readFileSync(ca, "utf8"), keepAlive: true }) } } : {}),
    ...options.client,
  });
  const Bucket = options.bucket;
  async function getVersioned(key: string): Promise<VersionedObject | undefined> {
    try {
      const res = await client.send(new GetObjectCommand({ Bucket, Key: key }));
      return { body: res.Body ? await res.Body.transformToString("utf8") : "", etag: res.ETag ?? "" };
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === "NoSuchKey") return undefined;
      throw error;
    }
  }
  return {
    async put(key, body, contentType) {
      await client.send(new PutObjectCommand({ Bucket, Key: key, Body: body, ContentType: contentType }));
    },
    async get(key) {
      return (await getVersioned(key))?.body;
    },
    getVersioned,
    async putIfMatch(key, body, contentType, etag) {
      try {
        await client.send(
          new PutObjectCommand({
            Bucket,
            Key: key,
            Body: body,
            ContentType: contentType,
            ...(etag === undefined ? { IfNoneMatch: "*" } : { IfMatch: etag }),
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },
    async list(prefix) {
      const out: StoredObject[] = [];
      let token: string | undefined;
      do {
        const res = await client.send(new ListObjectsV2Command({ Bucket, Prefix: prefix, ContinuationToken: token }));
        for (const o of res.Contents ?? []) out.push({ key: o.Key!, size: o.Size ?? 0, lastModified: o.LastModified?.toISOString() });
        token = res.IsTruncated ? res.NextContinuationToken : undefined;
      } while (token);
      return out;
    },
    destroy: () => client.destroy(),
  };
}
