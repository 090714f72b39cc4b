/**
 * A lean HTTP/1.1 client for the load generator's plain-http path: keep-alive sockets,
 * one request per connection at a time (no pipelining), each request written as one
 * pre-built Buffer (request line + headers + body) in one `write`, and a response parser
 * that reads only what the engine needs (status, headers, body framing) and skips the body.
 *
 * Why not undici: the generic client costs a request object, header validation, a
 * `writev` of head and body, and a handler chain per request; at tens of thousands of
 * requests per second on one core those were most of the engine's time (docs/guides/performance.md,
 * benchmark 1). This client does the minimum HTTP/1.1 requires of a client that sends
 * POSTs and reads responses: Content-Length, chunked and read-until-close bodies, 1xx
 * interim responses, `Connection: close` / HTTP/1.0, and connect/header/body timeouts.
 */
import { connect, type Socket } from "node:net";

/** What one HTTP attempt ended with. */
export interface AttemptResult {
  /** HTTP status, or 0 when no response arrived. */
  readonly status: number;
  /** Response headers, names lower-cased (a repeated header is an array). */
  readonly headers: Record<string, string | string[] | undefined>;
  /** performance.now() when the request was written to a socket (NaN if never). */
  readonly writtenAt: number;
  /** performance.now() when the response ended or the attempt failed. */
  readonly endedAt: number;
  /** Set when no response arrived: "timeout" for timeouts, "network" for anything else. */
  readonly error?: { readonly kind: "timeout" | "network"; readonly message: string };
}

/** Called once per attempt with its result and the context given to `dispatch`. */
export type AttemptCallback<C = unknown> = (result: AttemptResult, context: C) => void;

/** Largest response head accepted (status line + headers). */
const MAX_HEAD_BYTES = 64 * 1024;
const CRLFCRLF = Buffer.from("\r\n\r\n", "latin1");
const CRLF = Buffer.from("\r\n", "latin1");
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const NO_BODY_STATUS = new Set([204, 304]);

/** Index of `needle` in buf[from, end), or -1. */
function indexBefore(buf: Buffer, needle: Buffer, from: number, end: number): number {
  const i = buf.indexOf(needle, from);
  return i >= 0 && i + needle.length <= end ? i : -1;
}

/** Header names already checked against the token grammar. */
const validNames = new Set<string>();
const SET_BY_CLIENT = new Set(["host", "content-length", "transfer-encoding", "connection"]);

/** Builds the bytes of one POST: request line, Host, the given headers, Content-Length, body. */
export function encodePost(path: string, host: string, headers: Record<string, string>, body: string | Buffer): Buffer {
  let head = `POST ${path} HTTP/1.1\r\nhost: ${host}\r\n`;
  for (const name in headers) {
    const value = headers[name];
    if (!validNames.has(name)) {
      if (!TOKEN.test(name)) throw new TypeError(`invalid header name: ${JSON.stringify(name)}`);
      if (SET_BY_CLIENT.has(name.toLowerCase())) throw new TypeError(`header ${name} is set by the client`);
      if (validNames.size < 1000) validNames.add(name);
    }
    if (/[\r\n\0]/.test(value)) throw new TypeError(`invalid value for header ${name}`);
    head += `${name}: ${value}\r\n`;
  }
  if (typeof body === "string") {
    const bodyLength = Buffer.byteLength(body, "utf8");
    // an ASCII body (every synthetic message): one string, one copy into one Buffer
    if (bodyLength === body.length) return Buffer.from(`${head}content-length: ${bodyLength}\r\n\r\n${body}`, "latin1");
    body = Buffer.from(body, "utf8");
  }
  head += `content-length: ${body.length}\r\n\r\n`;
  const headLength = Buffer.byteLength(head, "latin1");
  const out = Buffer.allocUnsafe(headLength + body.length);
  out.write(head, 0, "latin1");
  body.copy(out, headLength);
  return out;
}

const enum Framing {
  None,
  Length,
  Chunked,
  UntilClose,
}

/** What a response head says: status, headers (shared between equal heads: never mutate), body framing. */
interface ParsedHead {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly keepAlive: boolean;
  readonly framing: Framing;
  /** Body length for Framing.Length. */
  readonly length: number;
}

/** Parses a response head (without its final CRLFCRLF); returns an error message when malformed. */
export function parseResponseHead(head: string): ParsedHead | string {
  const lineEnd = head.indexOf("\r\n");
  // "HTTP/1.x SSS[ reason]"
  const minor = head.charCodeAt(7) - 48;
  const s0 = head.charCodeAt(9) - 48;
  const s1 = head.charCodeAt(10) - 48;
  const s2 = head.charCodeAt(11) - 48;
  const after = head.charCodeAt(12);
  if (
    !head.startsWith("HTTP/1.") ||
    (minor !== 0 && minor !== 1) ||
    head.charCodeAt(8) !== 32 ||
    !(s0 >= 1 && s0 <= 9 && s1 >= 0 && s1 <= 9 && s2 >= 0 && s2 <= 9) ||
    (!Number.isNaN(after) && after !== 32 && after !== 13)
  ) {
    const statusLine = lineEnd < 0 ? head : head.slice(0, lineEnd);
    return `ResponseError: malformed status line ${JSON.stringify(statusLine.slice(0, 80))}`;
  }
  const status = s0 * 100 + s1 * 10 + s2;
  const headers: Record<string, string | string[] | undefined> = {};
  let pos = lineEnd < 0 ? head.length : lineEnd + 2;
  while (pos < head.length) {
    let next = head.indexOf("\r\n", pos);
    if (next < 0) next = head.length;
    const colon = head.indexOf(":", pos);
    if (colon <= pos || colon > next) return "ResponseError: malformed header line";
    const name = head.slice(pos, colon).toLowerCase();
    const value = head.slice(colon + 1, next).trim();
    const prev = headers[name];
    if (prev === undefined) headers[name] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else headers[name] = [prev, value];
    pos = next + 2;
  }
  const connection = String(headers.connection ?? "").toLowerCase();
  let keepAlive = minor === 1 ? !/\bclose\b/.test(connection) : /\bkeep-alive\b/.test(connection);
  const te = headers["transfer-encoding"];
  const cl = headers["content-length"];
  let framing: Framing;
  let length = 0;
  if (status < 200 || NO_BODY_STATUS.has(status)) framing = Framing.None;
  else if (te !== undefined) {
    if (/(^|,)\s*chunked\s*$/i.test(String(te))) framing = Framing.Chunked;
    else {
      keepAlive = false;
      framing = Framing.UntilClose;
    }
  } else if (cl !== undefined) {
    if (Array.isArray(cl) || !/^\d{1,15}$/.test(cl)) return "ResponseError: invalid content-length";
    length = Number(cl);
    framing = length === 0 ? Framing.None : Framing.Length;
  } else {
    keepAlive = false;
    framing = Framing.UntilClose;
  }
  return { status, headers, keepAlive, framing, length };
}

interface Job {
  readonly bytes: Buffer;
  readonly done: AttemptCallback<unknown>;
  readonly context: unknown;
}

const enum Body {
  /** Reading the status line and headers. */
  Head,
  /** Content-Length bytes left. */
  Length,
  /** Reading a chunk-size line. */
  ChunkSize,
  /** Chunk data bytes left (then its CRLF). */
  ChunkData,
  /** The CRLF after a chunk's data. */
  ChunkEnd,
  /** Trailer lines after the last chunk, up to an empty line. */
  Trailers,
  /** Everything until the server closes. */
  UntilClose,
}

/** One keep-alive connection: at most one request in flight. */
class Connection {
  socket: Socket | undefined;
  connected = false;
  job: Job | undefined;
  writtenAt = Number.NaN;
  /** performance.now() after which the current connect / request times out. */
  deadline = Infinity;
  // response state
  state: Body = Body.Head;
  pending: Buffer | undefined;
  remaining = 0;
  status = 0;
  headers: Record<string, string | string[] | undefined> = {};
  keepAlive = true;
  /** Set once any response byte has arrived for the current job. */
  gotBytes = false;
  /** True while a data chunk is being parsed (reuse waits until the chunk is consumed). */
  parsing = false;
  /** Set by a response completed while parsing: whether the socket may be reused. */
  release: boolean | undefined;

  constructor(readonly pool: Http1Pool) {}
}

/** A pool of keep-alive HTTP/1.1 connections to one `http:` origin. */
export class Http1Pool {
  private readonly all = new Set<Connection>();
  private readonly idle: Connection[] = [];
  private queue: Job[] = [];
  private queueHead = 0;
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;
  private lastHead = "";
  private lastParsed: ParsedHead | undefined;
  /** One read buffer for every socket: reads are handled synchronously, leftovers are copied. */
  private readonly readBuffer = Buffer.allocUnsafe(64 * 1024);

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly options: { readonly connections: number; readonly timeoutMs: number },
  ) {
    const period = Math.min(250, Math.max(5, Math.floor(options.timeoutMs / 20)));
    this.sweeper = setInterval(() => this.sweep(), period);
    this.sweeper.unref();
  }

  /** Requests waiting for a free connection. */
  get queued(): number {
    return this.queue.length - this.queueHead;
  }

  /** Sends pre-encoded request bytes; `done(result, context)` is called exactly once. */
  dispatch<C>(bytes: Buffer, done: AttemptCallback<C>, context?: C): void {
    const job: Job = { bytes, done: done as AttemptCallback<unknown>, context };
    if (this.closed) {
      const now = performance.now();
      done(
        {
          status: 0,
          headers: {},
          writtenAt: Number.NaN,
          endedAt: now,
          error: { kind: "network", message: "ClientClosedError: the client is closed" },
        },
        context as C,
      );
      return;
    }
    const conn = this.idle.pop();
    if (conn) this.start(conn, job);
    else if (this.all.size < this.options.connections) {
      const fresh = new Connection(this);
      this.all.add(fresh);
      this.start(fresh, job);
    } else this.queue.push(job);
  }

  /** Closes every connection; queued requests fail. */
  close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    for (const conn of this.all) {
      if (conn.job) this.fail(conn, "network", "ClientClosedError: the client is closed");
      conn.socket?.destroy();
    }
    this.all.clear();
    this.idle.length = 0;
    let job: Job | undefined;
    while ((job = this.nextJob())) {
      job.done(
        {
          status: 0,
          headers: {},
          writtenAt: Number.NaN,
          endedAt: performance.now(),
          error: { kind: "network", message: "ClientClosedError: the client is closed" },
        },
        job.context,
      );
    }
    return Promise.resolve();
  }

  private nextJob(): Job | undefined {
    if (this.queueHead >= this.queue.length) return undefined;
    const job = this.queue[this.queueHead];
    this.queue[this.queueHead++] = undefined as unknown as Job;
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
    return job;
  }

  private start(conn: Connection, job: Job): void {
    conn.job = job;
    conn.state = Body.Head;
    conn.pending = undefined;
    conn.gotBytes = false;
    conn.writtenAt = Number.NaN;
    if (!conn.socket) this.open(conn);
    else if (conn.connected) this.write(conn);
  }

  private open(conn: Connection): void {
    const socket: Socket = connect({
      host: this.host,
      port: this.port,
      noDelay: true,
      onread: {
        buffer: this.readBuffer,
        callback: (length: number, buffer: Uint8Array) => {
          if (conn.socket === socket) this.onData(conn, buffer as Buffer, length);
          return true;
        },
      },
    });
    conn.socket = socket;
    conn.connected = false;
    conn.deadline = performance.now() + this.options.timeoutMs;
    socket.on("connect", () => {
      if (conn.socket !== socket) return;
      conn.connected = true;
      if (conn.job) this.write(conn);
    });
    socket.on("error", (error: Error & { code?: string }) => {
      if (conn.socket !== socket) return;
      this.lost(conn, `${error.code || error.name}: ${error.message}`);
    });
    socket.on("close", () => {
      if (conn.socket !== socket) return;
      this.lost(conn, "SocketError: other side closed");
    });
  }

  private write(conn: Connection): void {
    const now = performance.now();
    conn.writtenAt = now;
    conn.deadline = now + this.options.timeoutMs;
    conn.socket!.write(conn.job!.bytes);
  }

  /** The socket ended or failed: finish a read-until-close response, fail anything else. */
  private lost(conn: Connection, why: string): void {
    const socket = conn.socket;
    conn.socket = undefined;
    conn.connected = false;
    socket?.destroy();
    if (conn.job) {
      if (conn.state === Body.UntilClose) this.complete(conn, false);
      else this.fail(conn, "network", why);
    } else {
      this.retire(conn);
    }
  }

  private fail(conn: Connection, kind: "timeout" | "network", message: string): void {
    const job = conn.job!;
    const writtenAt = conn.writtenAt;
    conn.job = undefined;
    conn.pending = undefined;
    const socket = conn.socket;
    conn.socket = undefined;
    conn.connected = false;
    socket?.destroy();
    this.retire(conn);
    job.done({ status: 0, headers: {}, writtenAt, endedAt: performance.now(), error: { kind, message } }, job.context);
  }

  /** A connection without a socket leaves the pool; a queued request gets a new one. */
  private retire(conn: Connection): void {
    if (!this.all.delete(conn)) return;
    const i = this.idle.indexOf(conn);
    if (i >= 0) this.idle.splice(i, 1);
    if (this.closed) return;
    const next = this.nextJob();
    if (next) {
      const fresh = new Connection(this);
      this.all.add(fresh);
      this.start(fresh, next);
    }
  }

  private sweep(): void {
    const now = performance.now();
    for (const conn of this.all) {
      if (conn.job && now > conn.deadline) {
        const phase = !conn.connected
          ? "ConnectTimeoutError: connect"
          : conn.gotBytes
            ? "BodyTimeoutError: body"
            : "HeadersTimeoutError: headers";
        this.fail(conn, "timeout", `${phase} timeout after ${this.options.timeoutMs} ms`);
      }
    }
  }

  /** `length` bytes arrived at the start of `chunk` (the shared read buffer: copy what is kept). */
  private onData(conn: Connection, chunk: Buffer, length: number): void {
    if (!conn.job) {
      // bytes nobody asked for: the connection's framing is lost
      this.lost(conn, "SocketError: unexpected data on an idle connection");
      return;
    }
    conn.gotBytes = true;
    conn.deadline = performance.now() + this.options.timeoutMs;
    let buf = chunk;
    let end = length;
    if (conn.pending) {
      buf = Buffer.concat([conn.pending, chunk.subarray(0, length)]);
      end = buf.length;
      conn.pending = undefined;
    }
    let at = 0;
    conn.parsing = true;
    conn.release = undefined;
    try {
      at = this.parse(conn, buf, end);
    } finally {
      conn.parsing = false;
    }
    const release = conn.release;
    conn.release = undefined;
    if (release === undefined) return;
    // bytes after a complete response with no request outstanding: framing is lost
    this.afterResponse(conn, at === end && release);
  }

  /** After a complete response: the connection takes the next request, or is closed and retired. */
  private afterResponse(conn: Connection, reusable: boolean): void {
    if (!reusable || !conn.socket) {
      const socket = conn.socket;
      conn.socket = undefined;
      conn.connected = false;
      socket?.destroy();
      this.retire(conn);
    } else this.reuse(conn);
  }

  /**
   * Where the head or line starting at `at` ends (the index of `delimiter`), or -1 when it
   * has not arrived whole: the partial bytes are kept for the next read, or the response
   * fails with `tooLong` when they already exceed the head limit.
   */
  private delimited(conn: Connection, buf: Buffer, at: number, end: number, delimiter: Buffer, tooLong: string): number {
    const stop = indexBefore(buf, delimiter, at, end);
    if (stop >= 0) return stop;
    if (end - at > MAX_HEAD_BYTES) this.fail(conn, "network", tooLong);
    else conn.pending = Buffer.from(buf.subarray(at, end));
    return -1;
  }

  /** Parses as much of `buf` as the current response takes; returns the offset reached. */
  private parse(conn: Connection, buf: Buffer, end: number): number {
    let at = 0;
    while (conn.job && at < end) {
      switch (conn.state) {
        case Body.Head: {
          const stop = this.delimited(conn, buf, at, end, CRLFCRLF, "HeadersOverflowError: response head too large");
          if (stop < 0) return end;
          const error = this.parseHead(conn, buf.toString("latin1", at, stop));
          at = stop + 4;
          if (error) {
            this.fail(conn, "network", error);
            return end;
          }
          break;
        }
        case Body.Length: {
          const take = Math.min(conn.remaining, end - at);
          conn.remaining -= take;
          at += take;
          if (conn.remaining === 0) this.complete(conn, conn.keepAlive);
          break;
        }
        case Body.ChunkSize:
        case Body.ChunkEnd:
        case Body.Trailers: {
          const stop = this.delimited(conn, buf, at, end, CRLF, "ResponseError: chunk line too long");
          if (stop < 0) return end;
          const line = buf.toString("latin1", at, stop);
          at = stop + 2;
          if (conn.state === Body.ChunkEnd) {
            if (line !== "") {
              this.fail(conn, "network", "ResponseError: malformed chunked body");
              return end;
            }
            conn.state = Body.ChunkSize;
          } else if (conn.state === Body.Trailers) {
            if (line === "") this.complete(conn, conn.keepAlive);
          } else {
            const size = /^[0-9A-Fa-f]{1,12}/.exec(line);
            if (!size) {
              this.fail(conn, "network", "ResponseError: malformed chunk size");
              return end;
            }
            conn.remaining = parseInt(size[0], 16);
            conn.state = conn.remaining === 0 ? Body.Trailers : Body.ChunkData;
          }
          break;
        }
        case Body.ChunkData: {
          const take = Math.min(conn.remaining, end - at);
          conn.remaining -= take;
          at += take;
          if (conn.remaining === 0) conn.state = Body.ChunkEnd;
          break;
        }
        case Body.UntilClose:
          at = end;
          break;
      }
    }
    return at;
  }

  /** Applies a response head to the connection; returns an error message or undefined. */
  private parseHead(conn: Connection, head: string): string | undefined {
    let parsed: ParsedHead | string;
    // a server repeats the same head (nginx: until its Date changes, once a second)
    if (head === this.lastHead) parsed = this.lastParsed!;
    else {
      parsed = parseResponseHead(head);
      if (typeof parsed === "string") return parsed;
      if (parsed.status >= 200) {
        this.lastHead = head;
        this.lastParsed = parsed;
      }
    }
    if (parsed.status < 200) {
      // interim response (100 Continue, 103 Early Hints): the final one follows
      if (parsed.status === 101) return "ResponseError: unexpected protocol switch";
      conn.state = Body.Head;
      return undefined;
    }
    conn.status = parsed.status;
    conn.headers = parsed.headers;
    conn.keepAlive = parsed.keepAlive;
    switch (parsed.framing) {
      case Framing.None:
        this.complete(conn, conn.keepAlive);
        break;
      case Framing.Length:
        conn.remaining = parsed.length;
        conn.state = Body.Length;
        break;
      case Framing.Chunked:
        conn.state = Body.ChunkSize;
        break;
      case Framing.UntilClose:
        conn.state = Body.UntilClose;
        break;
    }
    return undefined;
  }

  /** The response is complete: report it, then reuse or close the connection. */
  private complete(conn: Connection, reusable: boolean): void {
    const job = conn.job!;
    const result: AttemptResult = { status: conn.status, headers: conn.headers, writtenAt: conn.writtenAt, endedAt: performance.now() };
    conn.job = undefined;
    conn.state = Body.Head;
    conn.pending = undefined;
    conn.headers = {};
    if (conn.parsing) {
      // onData decides once the rest of the chunk is accounted for
      conn.release = reusable;
    } else this.afterResponse(conn, reusable);
    job.done(result, job.context);
  }

  /** A connection whose response is complete takes the next queued request or waits idle. */
  private reuse(conn: Connection): void {
    if (this.closed) return;
    const next = this.nextJob();
    if (next) this.start(conn, next);
    else this.idle.push(conn);
  }
}
