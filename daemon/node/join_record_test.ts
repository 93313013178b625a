import assert from "node:assert/strict";
import { dataDirLayout } from "./data_dir.ts";
import { readJoinRecord, writeJoinRecord } from "./join_record.ts";

Deno.test("join record round-trips node/join.json with the spec's snake_case keys", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const layout = dataDirLayout(dir);
    assert.equal(await readJoinRecord(layout), undefined);
    await Deno.mkdir(layout.nodeDir, { recursive: true });
    const record = {
      clusterId: "c-1",
      peerAddrs: ["10.0.0.1:7001"],
      hostname: "node-2",
      advertise: "10.0.0.2:7001",
      peers: { "node-1": "10.0.0.1:7001" },
    };
    await writeJoinRecord(layout, record);
    const raw = JSON.parse(await Deno.readTextFile(`${layout.nodeDir}/join.json`));
    assert.deepEqual(Object.keys(raw), [
      "cluster_id",
      "peer_addrs",
      "hostname",
      "advertise",
      "peers",
    ]);
    assert.equal((await Deno.stat(`${layout.nodeDir}/join.json`)).mode! & 0o777, 0o600);
    assert.deepEqual(await readJoinRecord(layout), record);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
