import assert from "node:assert/strict";
import { dockerdArgs, pidFiles, removeStalePidFiles } from "./_docker.ts";

Deno.test("dockerdArgs() keeps every dockerd path per host and cgroups relative", () => {
  const args = dockerdArgs({
    hostDir: "/state/hosts/n1",
    bridgeCidr: "172.29.1.1/24",
    storageDriver: "overlay2",
  });
  assert.ok(args.includes("--data-root=/state/hosts/n1/docker"));
  assert.ok(args.includes("--config-file=/state/hosts/n1/etc/docker.json"));
  assert.ok(args.includes("--host=unix:///run/docker.sock"));
  assert.ok(args.includes("--bip=172.29.1.1/24"));
  assert.ok(args.includes("--cgroup-parent=docker"));
});

Deno.test("removeStalePidFiles() deletes pid files of dead processes only", async () => {
  const hostDir = await Deno.makeTempDir();
  try {
    const [dockerd, containerd] = pidFiles(hostDir);
    await Deno.mkdir(containerd.slice(0, containerd.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(dockerd, "111\n");
    await Deno.writeTextFile(containerd, "222\n");
    await removeStalePidFiles(hostDir, (pid) => pid === 222);
    await assert.rejects(Deno.stat(dockerd), Deno.errors.NotFound);
    assert.equal(await Deno.readTextFile(containerd), "222\n");
  } finally {
    await Deno.remove(hostDir, { recursive: true });
  }
});
