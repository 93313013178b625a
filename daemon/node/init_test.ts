import assert from "node:assert/strict";
import { Command, NodeStatus } from "../../proto/mod.ts";
import { ClusterState } from "../../state/mod.ts";
import { certificateIdentity, verifyIssuedBy } from "../pki.ts";
import { hashSecret } from "../secrets.ts";
import {
  bootstrapIdentity,
  clusterInitCommand,
  createBootstrapMaterial,
  nodeCertificateIps,
} from "./init.ts";

const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

Deno.test("nodeCertificateIps() joins usable local IPs and IP advertise hosts without duplicates", () => {
  const ips = nodeCertificateIps({
    interfaces: [
      { name: "eth0", family: "IPv4", address: "10.0.0.5" },
      { name: "lo", family: "IPv4", address: "127.0.0.1" },
      { name: "docker0", family: "IPv4", address: "172.17.0.1" },
    ],
    grpcHost: "10.0.0.5",
    raftHost: "127.0.0.1",
    hostname: "node-1",
  });
  assert.deepEqual(ips, ["10.0.0.5", "127.0.0.1"]);
});

Deno.test("createBootstrapMaterial() signs the node certificate with a fresh CA and hashes the token", async () => {
  const material = await createBootstrapMaterial({
    hostname: "node-1",
    ips: ["127.0.0.1"],
    now: new Date(),
  });
  assert.match(
    material.clusterId,
    /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
  );
  assert.match(material.operatorToken, /^[0-9a-f]{64}$/);
  assert.equal(hex(material.operatorTokenHash), await hashSecret(material.operatorToken));
  assert.equal(material.node.caPem, material.ca.certPem);
  assert.equal(await verifyIssuedBy(material.node.certPem, material.ca.certPem), true);
  const identity = certificateIdentity(material.node.certPem);
  assert.equal(identity.commonName, "node-1");
  assert.deepEqual(identity.dnsNames, ["node-1"]);
  assert.deepEqual(identity.ips, ["127.0.0.1"]);
});

Deno.test("clusterInitCommand() seeds meta, the bootstrap token and a ready self node", async () => {
  const material = await createBootstrapMaterial({ hostname: "node-1", ips: [], now: new Date() });
  const command = clusterInitCommand(material, {
    hostname: "node-1",
    raftAddress: "10.0.0.5:7001",
    now: new Date("2026-06-01T12:00:00Z"),
  });
  assert.equal(command.identity, bootstrapIdentity);
  const state = new ClusterState();
  const outcome = state.apply(Command.encode(command).finish(), 1);
  assert.equal(outcome.status, "applied");
  const view = state.view();
  assert.equal(view.clusterMeta()?.clusterId, material.clusterId);
  const [node] = view.nodes();
  assert.equal(node.hostname, "node-1");
  assert.equal(node.address, "10.0.0.5:7001");
  assert.equal(node.status, NodeStatus.NODE_STATUS_READY);
  assert.deepEqual(view.tokens().map((t) => [t.identity, hex(t.hashedSecret)]), [
    [bootstrapIdentity, hex(material.operatorTokenHash)],
  ]);
});
