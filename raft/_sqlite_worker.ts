/**
 * Worker hosting one {@link SqliteLog}. Requests `{ id, op, args }` are
 * served strictly in arrival order; each answer is `{ id, value }` or
 * `{ id, error }`. The first request must be `open`.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { SqliteLog } from "./_sqlite_log.ts";

let log: SqliteLog | undefined;

type Request = { id: number; op: string; args: unknown[] };

self.onmessage = (event: MessageEvent<Request>) => {
  const { id, op, args } = event.data;
  try {
    let value: unknown;
    if (op === "open") log = new SqliteLog(args[0] as string);
    else if (!log) throw new Error("sqlite worker: not open");
    else value = (log[op as keyof SqliteLog] as (...a: unknown[]) => unknown).apply(log, args);
    self.postMessage({ id, value });
  } catch (err) {
    self.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
};
