/**
 * Deployments on a rig cluster (tests/_rig_jacod.ts) as the network tests and benches use them:
 * a rig of `node-<i>` hosts with dockerd each, a stack applied through a member's CLI, the wait
 * until its replicas run, its containers and their addresses in a host's dockerd, and the
 * busybox compose / jaco.yaml fixtures they deploy.
 *
 * Decisions:
 * - {@link applyStack} writes `jaco.yaml` and `compose.yml` into a fresh `stack-*` directory
 *   under the member's host dir (readable inside the host) and runs `jaco apply --detach`; it
 *   throws when the CLI fails, so a test that expects a refused apply runs the CLI itself.
 * - Containers are found by the labels the runtime puts on them (`jaco.deployment`,
 *   `jaco.service`, `jaco.replica_id`), in one host's dockerd at a time; ids are Docker's short
 *   ids, as `docker ps` prints them.
 * - Fixtures are YAML text, not objects: the compose files of these tests are small and read
 *   best as the YAML they are. Every service runs the rig's `jaco-test/busybox:1` (never pulled,
 *   `init: true`, 1 s stop grace, so deletes and replacements are quick).
 *
 * @example
 * import { formRigCluster } from "./_rig_jacod.ts";
 * import { allRunning, applyStack, busyboxCompose, jacoYaml } from "./_rig_stack.ts";
 * import { pinned, SLEEP, stackRig } from "./_rig_stack.ts";
 * await using rig = await stackRig("demo", 2);
 * const [node] = await formRigCluster(rig, 2);
 * const jaco = jacoYaml("demo", pinned("probe", ["node-2"]));
 * await applyStack(node, jaco, busyboxCompose({ probe: SLEEP }));
 * await rig.waitFor(() => allRunning(node, "demo", 1), { what: "demo's probe running" });
 *
 * @module
 */
import { Rig, type RigHost } from "./rig/mod.ts";
import type { RigJacod } from "./_rig_jacod.ts";

/**
 * A rig of `hosts` hosts, each with its own dockerd, named `node-1` … `node-<hosts>` (the member
 * names formRigCluster gives them, which {@link pinned} entries name); `await using` closes it.
 */
export function stackRig(name: string, hosts: number): Promise<Rig> {
  const hostNames = Array.from({ length: hosts }, (_, i) => `node-${i + 1}`);
  return Rig.create({ hosts, docker: true, name, hostNames });
}

/**
 * Writes `jaco` (jaco.yaml) and `compose` (compose.yml) under `node`'s host and applies them with
 * `jaco apply --detach` through its CLI; throws when the CLI fails.
 */
export async function applyStack(node: RigJacod, jaco: string, compose: string): Promise<void> {
  const dir = await Deno.makeTempDir({ dir: node.host.dir, prefix: "stack-" });
  await Deno.writeTextFile(`${dir}/jaco.yaml`, jaco);
  await Deno.writeTextFile(`${dir}/compose.yml`, compose);
  await node.jaco(
    ["apply", "--detach", "--jaco", `${dir}/jaco.yaml`, "-f", `${dir}/compose.yml`],
    { check: true },
  );
}

/**
 * Whether `deployment` has exactly `count` replicas, all `running`, per
 * `jaco status <deployment> -o json` on `node` (false when the CLI fails, e.g. before the apply
 * is committed).
 */
export async function allRunning(
  node: RigJacod,
  deployment: string,
  count: number,
): Promise<boolean> {
  const { stdout, code } = await node.jaco(["status", deployment, "-o", "json"]);
  if (code !== 0) return false;
  const replicas = JSON.parse(stdout).replicas as { state: string }[];
  return replicas.length === count && replicas.every((r) => r.state === "running");
}

/** One running container of a deployment in a host's dockerd. */
export interface StackContainer {
  /** Docker's (short) container id. */
  id: string;
  /** Its `jaco.replica_id` label, e.g. `shop-api-1`. */
  replica: string;
}

/**
 * The running containers of `deployment` (only its `service` when given) in `host`'s dockerd, in
 * `docker ps` order.
 */
export async function containersOf(
  host: RigHost,
  deployment: string,
  service?: string,
): Promise<StackContainer[]> {
  const filters = ["--filter", `label=jaco.deployment=${deployment}`];
  if (service !== undefined) filters.push("--filter", `label=jaco.service=${service}`);
  const { stdout } = await host.docker(
    ["ps", ...filters, "--format", '{{.ID}} {{.Label "jaco.replica_id"}}'],
    { check: true },
  );
  return stdout.split("\n").filter((line) => line.trim() !== "").map((line) => {
    const [id, replica] = line.trim().split(" ");
    return { id, replica };
  });
}

/**
 * The IPv4 address of `container` on the Docker network `network` (e.g. `jaco_shop__default`) in
 * `host`'s dockerd; empty when it is not attached there.
 */
export async function containerIp(
  host: RigHost,
  container: string,
  network: string,
): Promise<string> {
  const { stdout } = await host.docker([
    "inspect",
    "-f",
    `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`,
    container,
  ], { check: true });
  return stdout.trim();
}

/** The `command` of a service that only idles (a client or probe the test `docker exec`s into). */
export const SLEEP = 'command: ["sh", "-c", "while true; do sleep 3600; done"]';

/**
 * A compose file of busybox services: `services` maps each name to the rest of its YAML
 * (`command`, `ports`, `healthcheck`, … written from column 0; {@link SLEEP} for an idle one),
 * after the common `image`/`pull_policy`/`init`/`stop_grace_period`; `tail` = top-level YAML
 * after `services:` (e.g. `networks:`).
 */
export function busyboxCompose(services: Record<string, string>, tail = ""): string {
  const indent = (text: string) =>
    text.split("\n").map((line) => (line === "" ? line : `    ${line}`)).join("\n");
  const blocks = Object.entries(services).map(([name, body]) =>
    `  ${name}:\n    image: jaco-test/busybox:1\n    pull_policy: never\n    init: true\n` +
    `    stop_grace_period: 1s\n${indent(body.replace(/\n$/, ""))}\n`
  );
  return `services:\n${blocks.join("")}${tail}`;
}

/**
 * A `jaco.yaml` for `deployment` (`acme: off`) with the given service entries ({@link pinned},
 * {@link globalService}).
 */
export function jacoYaml(deployment: string, ...services: string[]): string {
  return `deployment: ${deployment}\nacme: off\nservices:\n${services.join("")}`;
}

/**
 * A `jaco.yaml` service entry placed on the named `hosts`, `replicas` of them (default one per
 * host).
 */
export function pinned(name: string, hosts: string[], replicas = hosts.length): string {
  return `  - name: ${name}\n    placement: hosts\n    hosts: [${hosts.join(", ")}]\n` +
    `    replicas: ${replicas}\n`;
}

/** A `jaco.yaml` service entry placed on every ready host (`placement: global`). */
export function globalService(name: string): string {
  return `  - name: ${name}\n    placement: global\n`;
}
