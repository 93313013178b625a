import assert from "node:assert/strict";
import { BinaryReader } from "@bufbuild/protobuf/wire";
import { EventKind } from "./jaco/v1/enums.ts";
import { SubscribeEvent } from "./jaco/v1/watch.ts";
import { isWatchEntityType, WatchEntityType } from "./watch_entity_types.ts";

function payloadField(bytes: Uint8Array): number {
  return new BinaryReader(bytes).tag()[0];
}

Deno.test("WatchEntityType maps the names of rpc.md §5 to payload fields 1..16 in order", () => {
  const fields = Object.values(WatchEntityType).map((payloadCase) => {
    const event = SubscribeEvent.fromJSON({
      [payloadCase]: { kind: "EVENT_KIND_RESYNC", raftIndex: 7 },
    });
    assert.equal(event.payload?.$case, payloadCase);
    const bytes = SubscribeEvent.encode(event).finish();
    const decoded = SubscribeEvent.decode(bytes);
    assert.equal(decoded.payload?.$case, payloadCase);
    assert.equal((decoded.payload?.value as { kind: number }).kind, EventKind.EVENT_KIND_RESYNC);
    return payloadField(bytes);
  });
  assert.deepEqual(fields, Array.from({ length: 16 }, (_, i) => i + 1));
});

Deno.test("isWatchEntityType() accepts the documented names only", () => {
  assert.ok(isWatchEntityType("replicas_observed"));
  assert.ok(isWatchEntityType("replica_commands"));
  assert.ok(!isWatchEntityType("registry_credentials"));
  assert.ok(!isWatchEntityType("toString"));
});
