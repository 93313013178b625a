/**
 * `deno task up`: the main job on one machine — a local 3-node JACO cluster running the sample
 * stack (tests/samples). Each node is a simulated host of the multi-host rig (tests/rig/): its own
 * network namespace on a private segment, its own `dockerd` and a real `jacod`; the cluster is
 * formed with the real CLI (init → issue-join-token → join) and the stack applied with
 * `jaco apply`, exactly as an operator would on three machines.
 *
 * Then it prints `jaco status` and how to talk to the cluster, and keeps everything running
 * until Ctrl-C (SIGINT/SIGTERM), when it tears the rig down and leaves nothing behind.
 *
 * Options:
 * - `--once`: tear down right after the stack converged (used by the test of the README line).
 * - `--timeout=<s>`: how long the stack may take to converge (default 180).
 *
 * Needs root (namespaces, dockerd) and the packages `.ci/setup` installs; without them it says
 * what is missing and exits 2.
 *
 * @module
 */
import { Rig, rigSupport } from "../rig/mod.ts";
import { formRigCluster, HOST_SOCKET, type RigJacod } from "../_rig_jacod.ts";

const samples = new URL("../samples/", import.meta.url).pathname;

/** The hosts' names: the sample pins `db` to `node-1`. */
export const NODE_NAMES = ["node-1", "node-2", "node-3"];

function option(args: string[], name: string): string | undefined {
  return args.find((arg) => arg.startsWith(`--${name}=`))?.split("=")[1];
}

/** Polls `jaco status -o json` on `node` until every replica of the sample runs. */
async function waitForStack(node: RigJacod, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    const result = await node.jaco(["status", "sample", "-o", "json"]);
    last = result.stdout || result.stderr;
    if (result.code === 0 && converged(result.stdout)) return last;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  throw new Error(
    `the sample stack did not converge in ${timeoutMs / 1000} s; last status:\n${last}`,
  );
}

/** True when the status JSON lists replicas and every one of them is running. */
export function converged(statusJson: string): boolean {
  const replicas: { state?: string }[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === "object") {
      const record = value as Record<string, unknown>;
      if (typeof record.state === "string" && ("replica_id" in record || "id" in record)) {
        replicas.push(record as { state: string });
      }
      Object.values(record).forEach(visit);
    }
  };
  try {
    visit(JSON.parse(statusJson));
  } catch {
    return false;
  }
  return replicas.length > 0 && replicas.every((replica) => replica.state === "running");
}

/** Runs the main job (see the module doc). */
export async function up(args: string[]): Promise<number> {
  const support = rigSupport({ docker: true });
  if (!support.ok) {
    console.error(`jaco up: cannot simulate hosts here: ${support.reason}`);
    return 2;
  }
  const timeoutMs = Number(option(args, "timeout") ?? "180") * 1000;
  console.log("starting 3 simulated hosts (network namespaces, one dockerd each) …");
  await using rig = await Rig.create({
    hosts: 3,
    docker: true,
    name: "up",
    hostNames: NODE_NAMES,
  });
  console.log("forming the cluster: cluster init on node-1, node join on node-2 and node-3 …");
  const nodes = await formRigCluster(rig, 3);
  const first = nodes[0];
  console.log("applying the sample stack (tests/samples) …");
  await first.jaco([
    "apply",
    "--detach",
    "-f",
    `${samples}compose.yml`,
    "--jaco",
    `${samples}jaco.yaml`,
  ], { check: true, timeoutMs: 120_000 });
  await waitForStack(first, timeoutMs);
  const status = await first.jaco(["status", "sample"], { check: true });
  console.log(status.stdout);
  if (args.includes("--once")) {
    console.log("converged; tearing down (--once)");
    return 0;
  }
  // Listen before saying so: a Ctrl-C right after the message must tear down, not be lost.
  const interrupted = new Promise<void>((resolve) => {
    Deno.addSignalListener("SIGINT", resolve);
    Deno.addSignalListener("SIGTERM", resolve);
  });
  console.log(
    [
      "The cluster is up. Talk to node-1 with:",
      `  deno task jaco --socket ${first.socket} status sample`,
      `(inside the host the socket is ${HOST_SOCKET}; daemon logs: ${first.logPath})`,
      "Press Ctrl-C to tear everything down.",
    ].join("\n"),
  );
  await interrupted;
  console.log("tearing down …");
  return 0;
}

if (import.meta.main) Deno.exit(await up(Deno.args));
