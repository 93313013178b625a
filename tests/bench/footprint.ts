/**
 * `deno task bench footprint [--idle-seconds N]`: resident memory of idle `jacod`s. Forms a
 * three-node cluster of real daemons on 127.0.0.1 (init + two joins over the real CLI), lets it
 * idle N seconds (default 10), then reads each daemon's `VmRSS` (and `VmHWM`, the peak) from
 * `/proc/<pid>/status`. The pid is the `deno run` child itself, so the figure is the whole
 * process: V8 heap, Deno's native side and the loaded npm modules.
 *
 * Prints one `node=<name> rss_mb=<x> hwm_mb=<y> anon_mb=<a> file_mb=<f> pss_mb=<p>` line per
 * node (`RssFile` is mostly the deno executable's own pages, shared between the three local
 * daemons, which `Pss` splits between them), then
 * `footprint jacod_idle_rss_mb_max=<x>` and `footprint goal_rss_mb=100 within_goal=<bool>`
 * (the goal: ≤ 100 MB per node). `JACO_BENCH_LOGS=1` prints the daemons' logs at the end.
 * The daemons run with the launch flags of `daemon/v8_flags.ts` (printed on the first line);
 * `DENO_V8_FLAGS` reaches them too (they inherit the environment), e.g.
 * `DENO_V8_FLAGS=--max-semi-space-size=1`; the flags are echoed on the first line.
 *
 * `--breakdown` adds where the memory comes from: a child process imports, one step at a time,
 * the npm packages jacod loads and then its own feature modules, printing
 * `breakdown step=<what> rss_delta_mb=<x> rss_mb=<y> heap_used_mb=<z>` per step (the first
 * npm import also pays for Deno's Node compatibility layer).
 *
 * @module
 */
import { JACOD_V8_FLAGS_ARG } from "../../daemon/v8_flags.ts";
import { type ClusterMember, formCluster, stopDaemon } from "../_daemon.ts";

const goalMb = 100;

/** `--idle-seconds N` or `--idle-seconds=N`; default 10. */
function idleSecondsOf(args: string[]): number {
  const at = args.findIndex((arg) => arg === "--idle-seconds" || arg.startsWith("--idle-seconds="));
  if (at < 0) return 10;
  const raw = args[at].includes("=") ? args[at].split("=")[1] : args[at + 1];
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new Error(`--idle-seconds must be a non-negative number, got ${raw}`);
  }
  return seconds;
}

/** A `/proc/<pid>/status` (or `smaps_rollup`) field in MB (the kernel reports kB). */
export function statusFieldMb(statusText: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(statusText);
  if (!match) throw new Error(`no ${field} line in the /proc file`);
  return Number(match[1]) / 1024;
}

const root = new URL("../../", import.meta.url).pathname;

/** Import steps of `--breakdown`, in load order: npm packages first, then JACO features. */
const breakdownSteps = [
  "reflect-metadata",
  "@grpc/grpc-js",
  "hono",
  "@peculiar/x509",
  "dockerode",
  "yaml",
  "node:sqlite",
  ...["proto", "raft", "state", "daemon/api", "runtime", "compose", "daemon/node"].map((feature) =>
    `${root}${feature}/mod.ts`
  ),
];

const breakdownProgram = `
const rss = async () => Number(/VmRSS:\\s+(\\d+)/.exec(await Deno.readTextFile("/proc/self/status"))[1]) / 1024;
let last = await rss();
console.log("breakdown step=deno rss_delta_mb=" + last.toFixed(1) + " rss_mb=" + last.toFixed(1));
for (const step of JSON.parse(Deno.args[0])) {
  await import(step);
  const now = await rss();
  const heap = Deno.memoryUsage().heapUsed / 1048576;
  console.log("breakdown step=" + step.replace(${JSON.stringify(root)}, "") + " rss_delta_mb=" +
    (now - last).toFixed(1) + " rss_mb=" + now.toFixed(1) + " heap_used_mb=" + heap.toFixed(1));
  last = now;
}
`;

async function breakdown(): Promise<void> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      "--config",
      `${root}deno.json`,
      breakdownProgram,
      JSON.stringify(breakdownSteps),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.code === 0 ? output.stdout : output.stderr);
  if (output.code !== 0) throw new Error(`breakdown failed: ${text}`);
  console.log(text.trimEnd());
}

/** Runs the benchmark (see module doc). */
export async function run(args: string[]): Promise<void> {
  const idleSeconds = idleSecondsOf(args);
  console.log(
    `footprint launch_flags="${JACOD_V8_FLAGS_ARG}" deno_v8_flags="${
      Deno.env.get("DENO_V8_FLAGS") ?? ""
    }"`,
  );
  if (args.includes("--breakdown")) await breakdown();
  const members: ClusterMember[] = [];
  try {
    await formCluster(["node-1", "node-2", "node-3"], "jaco-bench-footprint-", members);
    await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
    let max = 0;
    for (const member of members) {
      const status = await Deno.readTextFile(`/proc/${member.daemon.child.pid}/status`);
      const rss = statusFieldMb(status, "VmRSS");
      const hwm = statusFieldMb(status, "VmHWM");
      const anon = statusFieldMb(status, "RssAnon");
      const file = statusFieldMb(status, "RssFile");
      const rollup = await Deno.readTextFile(`/proc/${member.daemon.child.pid}/smaps_rollup`);
      const pss = statusFieldMb(rollup, "Pss");
      max = Math.max(max, rss);
      console.log(
        `node=${member.name} rss_mb=${rss.toFixed(1)} hwm_mb=${hwm.toFixed(1)} ` +
          `anon_mb=${anon.toFixed(1)} file_mb=${file.toFixed(1)} pss_mb=${pss.toFixed(1)}`,
      );
    }
    console.log(`footprint jacod_idle_rss_mb_max=${max.toFixed(1)}`);
    console.log(`footprint goal_rss_mb=${goalMb} within_goal=${max <= goalMb}`);
  } finally {
    const logs = await Promise.all(members.map((member) => stopDaemon(member.daemon, "SIGTERM")));
    if (Deno.env.get("JACO_BENCH_LOGS")) console.error(logs.join("\n----\n"));
    await Promise.all(members.map((member) => Deno.remove(member.setup.dir, { recursive: true })));
  }
}
