/**
 * The edge API key: the credential the ingress asks for in `x-api-key` (API Gateway
 * `api_key_required`, a key of a usage plan bound to the stage) before anything is enqueued.
 * A flood filter, not authentication: the X-Hub-Signature-256 HMAC stays the integrity and
 * authenticity check, in the worker.
 *
 * {@link EdgeKey} is the sender's side (the synthetic spike generator): the key read once at
 * the start of a run and read again when the ingress answers 403, so a key rotated during a
 * run costs a retry, not a message. Framework-free and SDK-free: the reader is passed in.
 */

/** The header API Gateway reads the key from (`api_key_source` HEADER). */
export const API_KEY_HEADER = "x-api-key";

/** Shortest API Gateway API key value, characters (alphanumeric, 20..128). */
export const MIN_API_KEY_LENGTH = 20;
/** Longest API Gateway API key value, characters. */
export const MAX_API_KEY_LENGTH = 128;

/** Default least time between two reads of the key after a 403, milliseconds. */
export const DEFAULT_KEY_REREAD_INTERVAL_MS = 1000;

/** Thrown when the key cannot be read or is empty. */
export class EdgeKeyError extends Error {
  override readonly name = "EdgeKeyError";
}

/** Options of {@link EdgeKey.open}. */
export interface EdgeKeyOptions {
  /**
   * Least time between two reads after a 403, milliseconds: a burst of 403s (every request in
   * flight when a key was retired) shares one read, and a key that stays refused is not read
   * in a loop.
   * @default 1000
   */
  readonly minRereadIntervalMs?: number;
  /** Clock, epoch milliseconds (tests). @default Date.now */
  readonly now?: () => number;
}

async function readChecked(read: () => Promise<string>): Promise<string> {
  let value: string;
  try {
    value = await read();
  } catch (error) {
    throw new EdgeKeyError(`the edge API key could not be read: ${(error as Error).message}`);
  }
  if (typeof value !== "string" || value.trim() === "") throw new EdgeKeyError("the edge API key read is empty");
  return value.trim();
}

/** The key a sender puts in `x-api-key`: read at the start, re-read after a 403. */
export class EdgeKey {
  /** Reads made after a 403 (the first read at the start is not counted). */
  rereads = 0;
  private key: string;
  private lastReadAt: number;
  private pending: Promise<string> | undefined;

  private constructor(
    private readonly read: () => Promise<string>,
    first: string,
    private readonly minIntervalMs: number,
    private readonly now: () => number,
  ) {
    this.key = first;
    this.lastReadAt = now();
  }

  /** Reads the key once; rejects with an {@link EdgeKeyError} when it cannot be read or is empty. */
  static async open(read: () => Promise<string>, options: EdgeKeyOptions = {}): Promise<EdgeKey> {
    const now = options.now ?? Date.now;
    return new EdgeKey(read, await readChecked(read), options.minRereadIntervalMs ?? DEFAULT_KEY_REREAD_INTERVAL_MS, now);
  }

  /** A key that never changes (a literal given on the command line, tests). */
  static fixed(value: string): EdgeKey {
    if (value.trim() === "") throw new EdgeKeyError("the edge API key is empty");
    return new EdgeKey(async () => value.trim(), value.trim(), DEFAULT_KEY_REREAD_INTERVAL_MS, Date.now);
  }

  /** The key to send now. */
  get current(): string {
    return this.key;
  }

  /**
   * After a 403 to a request sent with `sentWith`: the key to retry with, or undefined when a
   * fresh read still gives `sentWith` (the 403 is final). When the key already changed since
   * that request was sent, no read is made. Concurrent calls share one read; reads are at
   * least `minRereadIntervalMs` apart (a caller waits for the next one). Rejects with an
   * {@link EdgeKeyError} when the read fails.
   */
  async keyAfterForbidden(sentWith: string): Promise<string | undefined> {
    if (this.key !== sentWith) return this.key;
    this.pending ??= this.reread().finally(() => {
      this.pending = undefined;
    });
    const key = await this.pending;
    return key !== sentWith ? key : undefined;
  }

  private async reread(): Promise<string> {
    const wait = this.lastReadAt + this.minIntervalMs - this.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    try {
      this.key = await readChecked(this.read);
      return this.key;
    } finally {
      this.lastReadAt = this.now();
      this.rereads++;
    }
  }
}
