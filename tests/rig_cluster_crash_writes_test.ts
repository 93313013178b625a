/**
 * Crash safety end to end on the multi-host rig: three real jacods, one per simulated host (own
 * network namespace, own address, own /run), formed through the real CLI, take a stream of 1,000
 * `Tokens.Issue` writes over their JSON socket API while first the leader and then a follower is
 * SIGKILLed and restarted from its data dir. Every write the client saw succeed (an ACK) must be
 * present on all three nodes afterwards, its acknowledged secret must be the one that
 * authenticates over gRPC/TLS on each node (so no later re-application replaced it; a fixed
 * sample of every 5th ack), and the audit log holds exactly one `token_issue` per identity
 * written once.
 *
 * Decisions:
 * - Four concurrent writers spread their calls round-robin over the live members; a write that
 *   fails for any reason other than a typed refusal is retried on the next member (it was not
 *   acknowledged, so re-sending it is the client's right). A retry answered `identity_active`
 *   means an earlier unacknowledged attempt was applied: it counts as applied, not acked.
 *   Counts (acked, retried, applied-without-ack) and the wall time are printed, never asserted
 *   on beyond "every write ended acked or applied".
 * - The writes, the token listing and the audit query go from the test process straight to each
 *   daemon's unix socket ({@link RigJacod.socket} is a root-namespace path), as a local client
 *   of that node would; the socket API is per node, so no network is involved there.
 * - The victim is chosen from `cluster status` (through the CLI inside a live host): the leader
 *   at 250 acks, then a node that is neither the leader nor killed before at 600 acks. It is
 *   SIGKILLed, left down 1.5 s, and started again from its data dir on the same host.
 * - The secret check runs INSIDE a rig host (the test process has no route into the rig
 *   segment): for node i, from host (i+1) mod 3, so each check crosses the segment like a remote
 *   client. TLS is verified against the cluster CA with the node name as servername (node
 *   certificates name the node; Deno's TLS refuses an IP as servername).
 * - A daemon that is no longer one of its host's processes at teardown (it died on its own) is
 *   named with the tail of its log; `JACO_TEST_LOGS=1` prints every daemon's full log.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Rig, rigSupport, waitFor } from "./rig/mod.ts";
import { formRigCluster, leaderOf, type RigJacod } from "./_rig_jacod.ts";

const support = rigSupport();
if (!support.ok) console.log(`rig cluster crash writes test skipped: ${support.reason}`);

const root = new URL("../", import.meta.url).pathname;
const writes = 1000;
const writers = 4;

/** A JSON socket call's outcome: the parsed body and whether the HTTP status was 2xx. */
interface SocketAnswer {
  ok: boolean;
  body: Record<string, unknown>;
}

const clients = new Map<string, Deno.HttpClient>();

function clientOf(socket: string): Deno.HttpClient {
  let client = clients.get(socket);
  if (!client) {
    client = Deno.createHttpClient({ proxy: { transport: "unix", path: socket } });
    clients.set(socket, client);
  }
  return client;
}

async function callSocket(socket: string, path: string, body: unknown): Promise<SocketAnswer> {
  try {
    const response = await fetch(`http://jaco${path}`, {
      method: "POST",
      body: JSON.stringify(body),
      client: clientOf(socket),
      signal: AbortSignal.timeout(10_000),
    });
    return { ok: response.ok, body: await response.json() };
  } catch (error) {
    // A dead daemon's pooled connection stays broken: the next call dials afresh.
    clients.get(socket)?.close();
    clients.delete(socket);
    throw error;
  }
}

interface Tally {
  acked: Map<string, string>;
  appliedUnacked: Set<string>;
  retried: Set<string>;
  attemptsFailed: number;
}

async function writeOne(
  identity: string,
  live: () => RigJacod[],
  tally: Tally,
  turn: { next: number },
): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const candidates = live();
    const node = candidates[turn.next++ % candidates.length];
    let answer: SocketAnswer | undefined;
    try {
      answer = await callSocket(node.socket, "/jaco.v1.Tokens/Issue", { identity });
    } catch {
      answer = undefined;
    }
    if (answer?.ok) {
      tally.acked.set(identity, answer.body.token as string);
      return;
    }
    const details = answer?.body.details as Record<string, string> | undefined;
    if (answer?.body.code === "validation_failed" && details?.reason === "identity_active") {
      assert.ok(tally.retried.has(identity), `${identity} active before its first attempt`);
      tally.appliedUnacked.add(identity);
      return;
    }
    if (answer?.body.code === "validation_failed") {
      assert.fail(`${identity} refused: ${JSON.stringify(answer.body)}`);
    }
    tally.attemptsFailed += 1;
    tally.retried.add(identity);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`${identity} never acknowledged within 60 s`);
}

async function listedIdentities(socket: string): Promise<Set<string>> {
  const answer = await callSocket(socket, "/jaco.v1.Tokens/List", {});
  assert.ok(answer.ok, JSON.stringify(answer.body));
  const tokens = (answer.body.tokens ?? []) as { identity: string }[];
  return new Set(tokens.map((token) => token.identity));
}

async function tokenIssueEvents(socket: string): Promise<Map<string, number>> {
  const response = await fetch("http://jaco/jaco.v1.Audit/Query", {
    method: "POST",
    body: JSON.stringify({ types: ["AUDIT_EVENT_TYPE_TOKEN_ISSUE"] }),
    client: clientOf(socket),
  });
  assert.ok(response.ok, await response.clone().text());
  const counts = new Map<string, number>();
  for (const line of (await response.text()).split("\n")) {
    if (line === "") continue;
    const event = JSON.parse(line);
    assert.ok(!event.error, line);
    const identity = event.payload?.identity as string;
    counts.set(identity, (counts.get(identity) ?? 0) + 1);
  }
  return counts;
}

/**
 * The program {@link assertSecretsAuthenticate} runs inside a rig host: reads
 * `{address, servername, caPath, tokens: [identity, secret][]}` on stdin, calls
 * `Cluster.NodeList` (small answer, operator auth) over TLS with each secret, four at a time on
 * one channel, prints the refusals as JSON and exits WITHOUT closing the channel: a grpc-js
 * client's GOAWAY after many calls can kill jacod inside Deno 2.9.6's nghttp2 (SIGABRT on the
 * `find_stream_on_goaway_func` assertion, or SIGSEGV), while a dropped connection is harmless.
 */
const secretChecker = `
import * as grpc from "@grpc/grpc-js";
import { Buffer } from "node:buffer";
const input = JSON.parse(await new Response(Deno.stdin.readable).text());
const bytes = (b) => b;
const Cluster = grpc.makeGenericClientConstructor({ NodeList: {
  path: "/jaco.v1.Cluster/NodeList", requestStream: false, responseStream: false,
  requestSerialize: () => Buffer.alloc(0), requestDeserialize: bytes,
  responseSerialize: bytes, responseDeserialize: bytes,
} }, "Cluster");
const client = new Cluster(input.address,
  grpc.credentials.createSsl(Buffer.from(await Deno.readFile(input.caPath))),
  { "grpc.ssl_target_name_override": input.servername });
const failures = [];
for (let start = 0; start < input.tokens.length; start += 4) {
  await Promise.all(input.tokens.slice(start, start + 4).map(([identity, secret]) => {
    const metadata = new grpc.Metadata();
    metadata.set("authorization", "Bearer " + secret);
    return new Promise((resolve) => client.NodeList({}, metadata, (error) => {
      if (error) failures.push(identity + ": " + error.message);
      resolve();
    }));
  }));
}
console.log(JSON.stringify(failures));
Deno.exit(0);
`;

/**
 * Every 5th acknowledged secret authenticates on `node`'s gRPC address, checked from inside
 * `from` (see {@link secretChecker}). A sample, because admission costs ~20 ms per call with
 * 1,000 tokens stored (daemon/node/authenticate.ts copies and hex-encodes every stored token per
 * call).
 */
async function assertSecretsAuthenticate(
  node: RigJacod,
  from: RigJacod,
  acked: Map<string, string>,
): Promise<number> {
  const sample = [...acked].filter((_, index) => index % 5 === 0);
  const output = await from.host.exec(
    [Deno.execPath(), "eval", "--config", `${root}deno.json`, secretChecker],
    {
      stdin: JSON.stringify({
        address: node.grpcAddr,
        // Node certificates name the node (DNS SAN); Deno's TLS refuses an IP as servername.
        servername: node.name,
        caPath: node.caCertPath,
        tokens: sample,
      }),
      timeoutMs: 120_000,
    },
  );
  assert.equal(output.code, 0, output.stderr);
  const failures = JSON.parse(output.stdout.trim().split("\n").at(-1)!) as string[];
  assert.deepEqual(failures.slice(0, 5), [], `${failures.length} acked secrets refused`);
  return sample.length;
}

Deno.test({
  name:
    "rig cluster crash writes: 1,000 token issues survive a SIGKILLed leader and follower; every ack is on all 3 hosts",
  ignore: !support.ok,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using rig = await Rig.create({ hosts: 3, name: "crash" });
    const nodes: RigJacod[] = [];
    const down = new Set<RigJacod>();
    const tally: Tally = {
      acked: new Map(),
      appliedUnacked: new Set(),
      retried: new Set(),
      attemptsFailed: 0,
    };
    let failed = true;
    try {
      nodes.push(...await formRigCluster(rig, 3));
      const live = () => nodes.filter((node) => !down.has(node));
      const started = performance.now();
      let issued = 0;
      const turn = { next: 0 };
      const writer = async () => {
        while (issued < writes) {
          const identity = `crash-${String(issued++).padStart(4, "0")}`;
          await writeOne(identity, live, tally, turn);
        }
      };
      const killed = new Set<RigJacod>();
      const crashes = async () => {
        for (const [role, atAcks] of [["leader", 250], ["follower", 600]] as const) {
          await waitFor(() => tally.acked.size >= atAcks, {
            what: `${atAcks} acks`,
            timeoutMs: 120_000,
            intervalMs: 20,
          });
          const leader = await leaderOf(live());
          const victim = role === "leader"
            ? leader
            : nodes.find((node) => node !== leader && !killed.has(node))!;
          killed.add(victim);
          down.add(victim);
          await victim.kill("SIGKILL");
          console.log(`killed ${role} ${victim.name} at ${tally.acked.size} acks`);
          await new Promise((resolve) => setTimeout(resolve, 1500));
          await victim.start();
          down.delete(victim);
          console.log(`restarted ${victim.name} at ${tally.acked.size} acks`);
        }
      };
      await Promise.all([...Array.from({ length: writers }, writer), crashes()]);
      const seconds = (performance.now() - started) / 1000;
      console.log(
        `crash_writes acked=${tally.acked.size} applied_unacked=${tally.appliedUnacked.size} ` +
          `retried_identities=${tally.retried.size} failed_attempts=${tally.attemptsFailed} ` +
          `seconds=${seconds.toFixed(1)}`,
      );
      assert.equal(tally.acked.size + tally.appliedUnacked.size, writes);

      for (const [index, node] of nodes.entries()) {
        const checkStarted = performance.now();
        await waitFor(async () => {
          const listed = await listedIdentities(node.socket);
          return [...tally.acked.keys()].every((identity) => listed.has(identity));
        }, { what: `${node.name} lists every acked identity`, timeoutMs: 30_000, intervalMs: 250 });
        const caughtUp = performance.now();
        const from = nodes[(index + 1) % nodes.length];
        const checked = await assertSecretsAuthenticate(node, from, tally.acked);
        const authenticated = performance.now();
        const events = await tokenIssueEvents(node.socket);
        for (const identity of tally.acked.keys()) {
          const count = events.get(identity) ?? 0;
          if (tally.retried.has(identity)) {
            assert.ok(count >= 1, `${node.name}: ${identity} has no token_issue event`);
          } else {
            assert.equal(count, 1, `${node.name}: ${identity} applied ${count} times`);
          }
        }
        console.log(
          `${node.name}: caught_up_ms=${Math.round(caughtUp - checkStarted)} ` +
            `auth_ms=${Math.round(authenticated - caughtUp)} secrets_checked=${checked} ` +
            `from=${from.name} audit_ms=${Math.round(performance.now() - authenticated)}`,
        );
      }
      failed = false;
    } finally {
      for (const client of clients.values()) client.close();
      clients.clear();
      for (const node of nodes) {
        const pid = node.pid;
        if (pid !== undefined && !node.host.processes().includes(pid)) {
          console.log(`${node.name} had exited: ${(await node.log()).slice(-2_000)}`);
        } else if (failed) {
          console.error(`--- ${node.name}\n${(await node.log()).slice(-3_000)}`);
        }
      }
      await Promise.all(nodes.map((node) => node.stop()));
      if (Deno.env.get("JACO_TEST_LOGS")) {
        const logs = await Promise.all(nodes.map((node) => node.log()));
        console.error(logs.join("\n----\n"));
      }
    }
  },
});
