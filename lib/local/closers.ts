/**
 * What a local run (or a part of it) has started and must stop: servers, hosts, pollers,
 * unpacked bundles and log files, closed in reverse order of start, each failure ignored so
 * the rest still closes.
 */
import type { WriteStream } from "node:fs";

/** Stops one thing the run started. */
export type Closer = () => Promise<void> | void;

/** The things to stop at the end, and the log files to flush. */
export class Closers {
  private readonly closers: Closer[] = [];
  private readonly logs: WriteStream[] = [];

  /** Registers something to stop (stopped in reverse order of registration). */
  add(close: Closer): void {
    this.closers.push(close);
  }

  /** Registers a log file to end once everything else is stopped. */
  log(stream: WriteStream): void {
    this.logs.push(stream);
  }

  /** Stops everything, newest first, ignoring failures; then ends the log files. */
  async closeAll(): Promise<void> {
    for (const close of this.closers.reverse()) {
      try {
        await close();
      } catch {
        // keep closing the rest
      }
    }
    await Promise.all(this.logs.map((l) => new Promise((r) => l.end(r))));
  }
}
