/**
 * Mesh address slots assigned by the state machine (`_mesh_ip.ts`).
 */
import assert from "node:assert/strict";
import { lowestFreeMeshIp } from "./_mesh_ip.ts";
import { bytes, Feeder, type PartialPayload } from "./_kit_test.ts";

const key = (c: string) => bytes(c.repeat(32));
const join = (hostname: string, wireguardPubkey?: Uint8Array): PartialPayload => ({
  $case: "nodeJoin",
  value: { hostname, address: `${hostname}:7001`, ...(wireguardPubkey ? { wireguardPubkey } : {}) },
});
const publish = (hostname: string, wireguardPubkey: Uint8Array): PartialPayload => ({
  $case: "nodeUpdateSelf",
  value: { hostname, wireguardPubkey },
});
const meshIps = (feeder: Feeder) =>
  Object.fromEntries(feeder.state.view().nodes().map((node) => [node.hostname, node.meshIp]));

Deno.test("lowestFreeMeshIp() picks the lowest unused octet 1..254, '' when all are taken", () => {
  assert.equal(lowestFreeMeshIp([]), "10.99.0.1");
  assert.equal(lowestFreeMeshIp(["10.99.0.1", "10.99.0.3", ""]), "10.99.0.2");
  const all = Array.from({ length: 254 }, (_, i) => `10.99.0.${i + 1}`);
  assert.equal(lowestFreeMeshIp(all), "");
  assert.equal(lowestFreeMeshIp(all.slice(1)), "10.99.0.1");
});

Deno.test("nodeUpdateSelf assigns the lowest free mesh slot on the first 32-byte key, then keeps it", () => {
  const feeder = new Feeder();
  for (const host of ["c", "a", "b"]) feeder.apply(join(host));
  assert.deepEqual(meshIps(feeder), { a: "", b: "", c: "" }, "no key, no slot");
  feeder.apply(publish("c", key("c")));
  feeder.apply(publish("a", key("a")));
  assert.deepEqual(meshIps(feeder), { a: "10.99.0.2", b: "", c: "10.99.0.1" }, "publish order");
  feeder.apply(publish("b", bytes("short")));
  assert.equal(meshIps(feeder).b, "", "a key of the wrong length gets no slot");
  feeder.apply(publish("b", key("b")));
  feeder.apply(publish("c", key("C")));
  feeder.apply({ $case: "nodeUpdateSelf", value: { hostname: "a", grpcAddress: "a:7000" } });
  assert.deepEqual(meshIps(feeder), { a: "10.99.0.2", b: "10.99.0.3", c: "10.99.0.1" });
  assert.deepEqual(feeder.state.view().node("c")?.wireguardPubkey, key("C"), "new key stored");
});

Deno.test("a re-join keeps the mesh slot; NodeRemove frees it for the next node", () => {
  const feeder = new Feeder();
  feeder.apply(join("a", key("a")));
  feeder.apply(join("b", key("b")));
  assert.deepEqual(meshIps(feeder), { a: "10.99.0.1", b: "10.99.0.2" }, "join with a key");
  feeder.apply(join("a"));
  assert.equal(meshIps(feeder).a, "10.99.0.1", "re-join without key keeps the slot");
  feeder.apply({ $case: "nodeRemove", value: { hostname: "a" } });
  feeder.apply(join("d"));
  feeder.apply(publish("d", key("d")));
  assert.deepEqual(meshIps(feeder), { b: "10.99.0.2", d: "10.99.0.1" });
});

Deno.test("mesh slots are a function of the log: two members applying it agree", () => {
  const log: PartialPayload[] = [];
  for (let i = 0; i < 20; i++) log.push(join(`h${i}`));
  for (let i = 19; i >= 0; i -= 3) log.push(publish(`h${i}`, key(String.fromCharCode(65 + i))));
  log.push({ $case: "nodeRemove", value: { hostname: "h19" } });
  for (let i = 0; i < 20; i += 2) log.push(publish(`h${i}`, key(String.fromCharCode(97 + i))));
  const [one, two] = [new Feeder(), new Feeder()];
  for (const payload of log) {
    one.apply(payload);
    two.apply(payload);
  }
  assert.deepEqual(meshIps(one), meshIps(two));
  const assigned = Object.values(meshIps(one)).filter((ip) => ip !== "");
  assert.equal(new Set(assigned).size, assigned.length, "no two nodes share a slot");
  assert.equal(assigned.length, 13);
});
