/**
 * One HTTP attempt to the target over keep-alive connections. Plain `http:` targets go
 * through the lean HTTP/1.1 client in `./http1` (each request one pre-built Buffer, one
 * write, a minimal response parser); `https:` targets through an undici Pool. The service
 * time is measured from the moment the request is written to a socket, so time spent
 * waiting for a free connection shows in the planned-time latency, not in service time.
 */
import { Pool } from "undici";
import type { Dispatcher } from "undici";
import { encodePost, Http1Pool, type AttemptCallback, type AttemptResult } from "./http1";

export type { AttemptCallback, AttemptResult } from "./http1";

/** A request ready to send, as many times as it is attempted: the same bytes every time. */
export interface PreparedRequest {
  readonly body: string;
  readonly headers: Record<string, string>;
  /** The whole request (request line, headers, body) for the plain-http client. */
  readonly bytes?: Buffer;
}

/** A keep-alive connection pool to one target URL. */
export class TargetClient {
  readonly path: string;
  /** The undici pool (https targets only). */
  readonly pool: Pool | undefined;
  private readonly http1: Http1Pool | undefined;
  private readonly host: string;
  private readonly timeoutMs: number;

  constructor(
    targetUrl: string,
    options: {
      connections: number;
      requestTimeoutSeconds: number;
      /** "lean" (./http1, http only) or "undici". Default: lean for http, undici for https. */
      transport?: "lean" | "undici";
    },
  ) {
    const url = new URL(targetUrl);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new TypeError(`target URL must be http(s): ${targetUrl}`);
    this.path = `${url.pathname}${url.search}`;
    this.host = url.host;
    this.timeoutMs = Math.round(options.requestTimeoutSeconds * 1000);
    const transport = options.transport ?? (url.protocol === "http:" ? "lean" : "undici");
    if (transport === "lean" && url.protocol !== "http:") throw new TypeError(`the lean transport is http only: ${targetUrl}`);
    if (transport === "lean") {
      const hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
      this.http1 = new Http1Pool(hostname, Number(url.port || 80), { connections: options.connections, timeoutMs: this.timeoutMs });
    } else {
      this.pool = new Pool(url.origin, {
        connections: options.connections,
        pipelining: 1,
        keepAliveTimeout: 30_000,
        keepAliveMaxTimeout: 60_000,
        connect: { timeout: this.timeoutMs },
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
    }
  }

  /** Encodes a POST once, to be sent on every attempt. */
  prepare(body: string, headers: Record<string, string>): PreparedRequest {
    return this.http1 ? { body, headers, bytes: encodePost(this.path, this.host, headers, body) } : { body, headers };
  }

  /** Sends one prepared POST; `done(result, context)` is called exactly once. */
  dispatch<C>(request: PreparedRequest, done: AttemptCallback<C>, context?: C): void {
    if (this.http1) this.http1.dispatch(request.bytes ?? encodePost(this.path, this.host, request.headers, request.body), done, context);
    else this.dispatchUndici(request, (result) => done(result, context as C));
  }

  /** Sends one POST; never rejects. */
  send(body: string, headers: Record<string, string>): Promise<AttemptResult> {
    return new Promise((resolve) => {
      let request: PreparedRequest;
      try {
        request = this.prepare(body, headers);
      } catch (error) {
        const e = error as Error;
        resolve({
          status: 0,
          headers: {},
          writtenAt: Number.NaN,
          endedAt: performance.now(),
          error: { kind: "network", message: `${e.name}: ${e.message}` },
        });
        return;
      }
      this.dispatch(request, (result) => resolve(result));
    });
  }

  close(): Promise<void> {
    return this.http1 ? this.http1.close() : this.pool!.close();
  }

  private dispatchUndici(request: PreparedRequest, done: (result: AttemptResult) => void): void {
    let writtenAt = Number.NaN;
    let status = 0;
    let responseHeaders: Record<string, string | string[] | undefined> = {};
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      const endedAt = performance.now();
      if (error) {
        const code = (error as { code?: string }).code ?? "";
        const kind = /TIMEOUT/i.test(code) || /timeout/i.test(error.message) ? "timeout" : "network";
        done({ status: 0, headers: {}, writtenAt, endedAt, error: { kind, message: `${code || error.name}: ${error.message}` } });
      } else done({ status, headers: responseHeaders, writtenAt, endedAt });
    };
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart() {
        writtenAt = performance.now();
      },
      onResponseStart(_controller, statusCode, h) {
        status = statusCode;
        responseHeaders = h as Record<string, string | string[] | undefined>;
      },
      onResponseData() {},
      onResponseEnd() {
        finish();
      },
      onResponseError(_controller, error) {
        finish(error);
      },
    };
    try {
      this.pool!.dispatch(
        {
          method: "POST",
          path: this.path,
          headers: request.headers,
          body: request.body,
          headersTimeout: this.timeoutMs,
          bodyTimeout: this.timeoutMs,
        },
        handler,
      );
    } catch (error) {
      finish(error as Error);
    }
  }
}
