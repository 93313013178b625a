import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import dgram from "node:dgram";
import * as dnsPacket from "dns-packet";
import { ReplicaState } from "../../proto/mod.ts";
import { NetKit, until } from "./_kit_test.ts";
import { startDnsLoop } from "./dns_loop.ts";

// deno-lint-ignore no-explicit-any
type Decoded = any;

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** One UDP query; `undefined` when nothing answers within 300 ms. */
function ask(address: string, port: number, name: string): Promise<Decoded | undefined> {
  const socket = dgram.createSocket("udp4");
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.close();
      resolve(undefined);
    }, 300);
    socket.on("error", () => {});
    socket.on("message", (message) => {
      clearTimeout(timer);
      socket.close();
      resolve(dnsPacket.decode(Buffer.from(message)));
    });
    socket.send(
      dnsPacket.encode({ type: "query", id: 1, questions: [{ type: "A", name }] }),
      port,
      address,
    );
  });
}

async function answersOf(address: string, port: number, name: string): Promise<string[] | null> {
  const reply = await ask(address, port, name);
  return reply ? reply.answers.map((answer: Decoded) => answer.data).sort() : null;
}

async function pollFor<T>(what: string, probe: () => Promise<T>, want: T): Promise<void> {
  const deadline = Date.now() + 5000;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (JSON.stringify(last) === JSON.stringify(want)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail(`timed out waiting for ${what}: last ${JSON.stringify(last)}`);
}

function observe(kit: NetKit, id: string, host: string, state: ReplicaState, ip: string) {
  return kit.apply({
    $case: "replicaObservedUpdate",
    value: {
      replica: {
        id,
        host,
        state,
        code: "",
        message: "",
        containerId: `c-${id}`,
        details: { "ip.jaco_web__default": ip },
      },
    } as never,
  });
}

Deno.test("dns loop: a responder per local subnet answers healthy replicas, follows health, remove_from_routing and subnet removal", async () => {
  const kit = new NetKit();
  await kit.apply({ $case: "nodeJoin", value: { hostname: "n1" } as never });
  await kit.apply({ $case: "nodeJoin", value: { hostname: "n2" } as never });
  await kit.deploy("web", { api: [] });
  for (const [index, host] of [[1, "n1"], [2, "n2"]] as const) {
    await kit.apply({
      $case: "replicaDesiredUpsert",
      value: {
        replica: { id: `web-api-${index}`, deployment: "web", service: "api", index, host },
      } as never,
    });
  }
  await observe(kit, "web-api-2", "n2", ReplicaState.REPLICA_STATE_RUNNING, "10.244.1.2");
  await kit.apply({
    $case: "subnetAllocate",
    value: { deployment: "web", network: "_default", cidr: "127.77.0.0/24", host: "n1" },
  });
  await kit.apply({
    $case: "subnetAllocate",
    value: { deployment: "web", network: "_default", cidr: "127.78.0.0/24", host: "n2" },
  });
  const port = freePort();
  const controller = new AbortController();
  const loop = startDnsLoop({
    nodeName: "n1",
    state: kit.state,
    raft: { status: () => ({ role: "follower" }) } as never,
    log: kit.log,
    signal: controller.signal,
    config: {
      dns: { forwarders: [], forwarderTimeoutMs: 200 },
      ipamPool: "10.244.0.0/16",
    } as never,
  }, { port, upstreams: [], enabled: () => Promise.resolve(true) });
  try {
    const gateway = "127.77.0.1";
    await pollFor("the remote replica", () => answersOf(gateway, port, "api"), ["10.244.1.2"]);
    assert.equal(
      await answersOf("127.78.0.1", port, "api"),
      null,
      "n2's subnet is not served here",
    );
    // A local replica becomes healthy: local preference.
    await observe(kit, "web-api-1", "n1", ReplicaState.REPLICA_STATE_RUNNING, "10.244.0.2");
    await pollFor("the local replica", () => answersOf(gateway, port, "api"), ["10.244.0.2"]);
    assert.deepEqual(await answersOf(gateway, port, "web-api-2.web.jaco.internal"), [
      "10.244.1.2",
    ]);
    // Unhealthy: leaves at once (the rebuild runs on the observation event).
    const degradedAt = Date.now();
    await observe(kit, "web-api-1", "n1", ReplicaState.REPLICA_STATE_DEGRADED, "10.244.0.2");
    await pollFor("the degraded replica to leave", () => answersOf(gateway, port, "api"), [
      "10.244.1.2",
    ]);
    assert.ok(Date.now() - degradedAt < 5000);
    // remove_from_routing takes web-api-2 out until its next observation.
    await kit.apply({
      $case: "replicaCommandIssue",
      value: { replicaId: "web-api-2", op: "remove_from_routing" },
    });
    await pollFor("removal from routing", () => answersOf(gateway, port, "api"), []);
    await observe(kit, "web-api-2", "n2", ReplicaState.REPLICA_STATE_RUNNING, "10.244.1.3");
    await pollFor("the restarted replica", () => answersOf(gateway, port, "api"), ["10.244.1.3"]);
    // External names SERVFAIL without upstreams; unknown in-scope names NXDOMAIN.
    assert.equal((await ask(gateway, port, "example.com"))?.rcode, "SERVFAIL");
    assert.equal((await ask(gateway, port, "nope"))?.rcode, "NXDOMAIN");
    // The subnet goes: the responder stops.
    await kit.apply({
      $case: "subnetFree",
      value: { deployment: "web", network: "_default", host: "n1" },
    });
    await pollFor("the responder to stop", () => answersOf(gateway, port, "api"), null);
    await until("stop logged", () => kit.logs.includes("info dns responder stopped"));
  } finally {
    controller.abort();
    await loop.stop();
  }
});

Deno.test("dns loop: without Docker on the host no responder binds, even for a local subnet", async () => {
  const kit = new NetKit();
  await kit.apply({ $case: "nodeJoin", value: { hostname: "n1" } as never });
  await kit.deploy("web", { api: [] });
  await kit.apply({
    $case: "subnetAllocate",
    value: { deployment: "web", network: "_default", cidr: "127.79.0.0/24", host: "n1" },
  });
  const port = freePort();
  const controller = new AbortController();
  let checks = 0;
  const loop = startDnsLoop({
    nodeName: "n1",
    state: kit.state,
    raft: { status: () => ({ role: "follower" }) } as never,
    log: kit.log,
    signal: controller.signal,
    config: {
      dns: { forwarders: [], forwarderTimeoutMs: 200 },
      ipamPool: "10.244.0.0/16",
    } as never,
  }, {
    port,
    upstreams: [],
    enabled: () => {
      checks++;
      return Promise.resolve(false);
    },
  });
  try {
    await until("the gate consulted", () => checks > 0);
    // Another subnet event re-runs the (closed) gate; nothing binds the gateway (TCP bind free).
    await kit.apply({
      $case: "subnetAllocate",
      value: { deployment: "web", network: "_default", cidr: "127.80.0.0/24", host: "n1" },
    });
    await until("the gate consulted again", () => checks > 1);
    const probe = Deno.listen({ hostname: "127.79.0.1", port });
    probe.close();
    assert.ok(!kit.logs.includes("dns responder listening"));
  } finally {
    controller.abort();
    await loop.stop();
  }
});
