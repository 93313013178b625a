/**
 * Multi-host test rig: simulated hosts made of Linux namespaces on one
 * private L2 segment, each with its own /run, hostname, cgroup subtree and
 * (optionally) dockerd plus the busybox test image. End-to-end tests build
 * on it to run jacod, containers, WireGuard, nftables and Caddy per host.
 *
 * @example
 * import { Rig, rigSupport } from "./rig/mod.ts";
 * const support = rigSupport({ docker: true });
 * Deno.test({ name: "…", ignore: !support.ok }, async () => {
 *   await using rig = await Rig.create({ hosts: 3, docker: true, name: "t1" });
 *   await rig.hosts[0].docker(["run", "--rm", "--init", "jaco-test/busybox:1", "true"], { check: true });
 * });
 *
 * @module
 */

export { Rig, type RigOptions } from "./rig.ts";
export { type ExecResult, type HostExecOptions, type HostSpawnOptions, RigHost } from "./host.ts";
export { RigError } from "./_exec.ts";
export { type RigSupport, rigSupport, type RigSupportOptions } from "./support.ts";
export { waitFor, type WaitForOptions, WaitTimeoutError } from "./wait_for.ts";
export { DEFAULT_IMAGE_CACHE, TEST_IMAGE, TEST_IMAGE_TAGS } from "./test_image.ts";
export { DEFAULT_STATE_ROOT, leftoversOf, sweepStaleRigs } from "./_state.ts";
