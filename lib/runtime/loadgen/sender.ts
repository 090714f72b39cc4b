/**
 * One HTTP attempt over a keep-alive undici Pool. The service time is measured from the
 * moment the request is written to a socket (undici's onRequestStart), so time spent
 * waiting for a free connection shows in the planned-time latency, not in service time.
 */
import { Pool } from "undici";
import type { Dispatcher } from "undici";

export interface AttemptResult {
  /** HTTP status, or 0 when no response arrived. */
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  /** performance.now() when the request was written to a socket (NaN if never). */
  readonly writtenAt: number;
  /** performance.now() when the response ended or the attempt failed. */
  readonly endedAt: number;
  /** Set when no response arrived: "timeout" for timeouts, "network" for anything else. */
  readonly error?: { readonly kind: "timeout" | "network"; readonly message: string };
}

/** A keep-alive connection pool to one target URL. */
export class TargetClient {
  readonly pool: Pool;
  readonly path: string;

  constructor(
    targetUrl: string,
    options: { connections: number; requestTimeoutSeconds: number },
  ) {
    const url = new URL(targetUrl);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new TypeError(`target URL must be http(s): ${targetUrl}`);
    this.path = `${url.pathname}${url.search}`;
    this.timeoutMs = Math.round(options.requestTimeoutSeconds * 1000);
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

  private readonly timeoutMs: number;

  /** Sends one POST; never rejects. */
  send(body: string, headers: Record<string, string>): Promise<AttemptResult> {
    return new Promise((resolve) => {
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
          resolve({ status: 0, headers: {}, writtenAt, endedAt, error: { kind, message: `${code || error.name}: ${error.message}` } });
        } else resolve({ status, headers: responseHeaders, writtenAt, endedAt });
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
        this.pool.dispatch(
          { method: "POST", path: this.path, headers, body, headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs },
          handler,
        );
      } catch (error) {
        finish(error as Error);
      }
    });
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
