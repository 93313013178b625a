import assert from "node:assert/strict";
import {
  dataDirLayout,
  ensureDataDir,
  ensureRaftDir,
  isClusterMember,
  readNodeTls,
  writeNodeTls,
} from "./data_dir.ts";

const modeOf = async (path: string) => (await Deno.stat(path)).mode! & 0o777;

Deno.test("dataDirLayout() places raft and node files under the root", () => {
  const layout = dataDirLayout("/var/lib/jaco/");
  assert.equal(layout.logDb, "/var/lib/jaco/raft/log.db");
  assert.equal(layout.caCert, "/var/lib/jaco/node/ca.crt");
  assert.equal(layout.nodeKey("n1"), "/var/lib/jaco/node/n1.key");
  assert.equal(layout.nodeCert("n1"), "/var/lib/jaco/node/n1.crt");
});

Deno.test("writeNodeTls() writes key 0600, certificates 0644 in a 0700 dir, and reads back", async () => {
  const root = await Deno.makeTempDir();
  try {
    const layout = dataDirLayout(`${root}/data`);
    await ensureDataDir(layout);
    const tls = { caPem: "CA", certPem: "CERT", keyPem: "KEY" };
    await writeNodeTls(layout, "n1", tls);
    assert.equal(await modeOf(layout.root), 0o750);
    assert.equal(await modeOf(layout.nodeDir), 0o700);
    assert.equal(await modeOf(layout.nodeKey("n1")), 0o600);
    assert.equal(await modeOf(layout.nodeCert("n1")), 0o644);
    assert.equal(await modeOf(layout.caCert), 0o644);
    assert.deepEqual(await readNodeTls(layout, "n1"), tls);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("isClusterMember() is true only once raft/log.db exists", async () => {
  const root = await Deno.makeTempDir();
  try {
    const layout = dataDirLayout(root);
    assert.equal(await isClusterMember(layout), false);
    await ensureRaftDir(layout);
    assert.equal(await modeOf(layout.raftDir), 0o700);
    assert.equal(await isClusterMember(layout), false);
    await Deno.writeFile(layout.logDb, new Uint8Array());
    assert.equal(await isClusterMember(layout), true);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
