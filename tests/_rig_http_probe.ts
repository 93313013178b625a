/**
 * HTTP probe and load generator for the rig network tests and benchmarks, run inside a rig host
 * (a network namespace; the test process has no route into the segment).
 *
 * - `probe <url> <durationMs> <intervalMs>`: one GET every `intervalMs` (1 s timeout each, a new
 *   TCP connection each time), one JSON line per request on stdout:
 *   `{"t": <epoch ms at start>, "ms": <duration>, "ok": true, "body": "<first line>"}` or
 *   `{"t": …, "ms": …, "ok": false, "error": "<message>"}`; then `done`.
 * - `load <url> <durationMs> <concurrency>`: `concurrency` workers issue GETs back to back for
 *   `durationMs` (new connection each, as busybox httpd closes them); prints one JSON line
 *   `{"requests": n, "errors": e, "seconds": s, "rps": r, "p50_ms": …, "p99_ms": …}`.
 *
 * @module
 */

/** One request: ok with the first body line, or the error. */
async function get(url: string, timeoutMs: number): Promise<{ ok: boolean; text: string }> {
  try {
    const response = await fetch(url, {
      signal: AbortSignal.timeout(timeoutMs),
      headers: { connection: "close" },
    });
    const body = await response.text();
    return { ok: response.ok, text: response.ok ? body.split("\n")[0] : `HTTP ${response.status}` };
  } catch (error) {
    return { ok: false, text: (error as Error).message };
  }
}

/** The `q` quantile of sorted `values`. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function probe(url: string, durationMs: number, intervalMs: number): Promise<void> {
  const end = Date.now() + durationMs;
  while (Date.now() < end) {
    const t = Date.now();
    const started = performance.now();
    const result = await get(url, 1000);
    const ms = Math.round(performance.now() - started);
    console.log(
      JSON.stringify(
        result.ok
          ? { t, ms, ok: true, body: result.text }
          : { t, ms, ok: false, error: result.text },
      ),
    );
    const wait = t + intervalMs - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  console.log("done");
}

async function load(url: string, durationMs: number, concurrency: number): Promise<void> {
  const end = performance.now() + durationMs;
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const begun = performance.now();
        const result = await get(url, 2000);
        if (result.ok) latencies.push(performance.now() - begun);
        else errors++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  console.log(JSON.stringify({
    requests: latencies.length,
    errors,
    seconds,
    rps: latencies.length / seconds,
    p50_ms: quantile(latencies, 0.5),
    p99_ms: quantile(latencies, 0.99),
  }));
}

if (import.meta.main) {
  const [mode, url, a, b] = Deno.args;
  if (mode === "probe") await probe(url, Number(a), Number(b));
  else if (mode === "load") await load(url, Number(a), Number(b));
  else throw new Error(`usage: probe|load <url> …, not ${mode}`);
}
