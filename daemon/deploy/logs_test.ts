import assert from "node:assert/strict";
import { type LogLine, type LogsRequest, ReplicaState } from "../../proto/mod.ts";
import { applyDeployment } from "./apply.ts";
import {
  type ContainerLogOptions,
  deployLogs,
  internalLogs,
  type LogsDeps,
  mergeByArrival,
} from "./logs.ts";
import { applyRequest, caller, code, deployKit, type Kit } from "./_kit_test.ts";

function request(partial: Partial<LogsRequest> = {}): LogsRequest {
  return {
    deployment: "sample",
    service: "",
    follow: false,
    sinceSeconds: 300,
    replicaId: "",
    tail: 0,
    ...partial,
  };
}

async function kitWithReplicas(): Promise<Kit> {
  const kit = deployKit();
  await applyDeployment(applyRequest(), caller(), kit);
  const place = (id: string, service: string, host: string) => {
    kit.apply({
      $case: "replicaDesiredUpsert",
      value: {
        replica: {
          id,
          deployment: "sample",
          service,
          index: 1,
          host,
          image: "i",
          raftIndex: 0,
          specHash: "",
        },
      },
    });
    kit.apply({
      $case: "replicaObservedUpdate",
      value: {
        replica: {
          id,
          state: ReplicaState.REPLICA_STATE_RUNNING,
          code: "",
          message: "",
          details: {},
          containerId: `c-${id}`,
          host,
          startedAt: undefined,
          lastHealthAt: undefined,
        },
      },
    });
  };
  place("sample-web-1", "web", "node-1");
  place("sample-api-1", "api", "node-1");
  place("sample-web-2", "web", "node-2");
  return kit;
}

async function collect(lines: AsyncIterable<LogLine>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines) {
    out.push(`${line.replicaId}@${line.host} ${line.stream} ${line.line}`);
  }
  return out.sort();
}

function deps(kit: Kit, overrides: Partial<LogsDeps> = {}) {
  const reads: Array<{ containerId: string; options: ContainerLogOptions }> = [];
  const peers: Array<{ address: string; request: LogsRequest }> = [];
  const logs: LogsDeps = {
    self: "node-1",
    view: kit.view,
    async *readLogs(containerId, options) {
      reads.push({ containerId, options });
      yield { stream: "stdout", line: `hello from ${containerId}` };
      yield { stream: "stderr", line: "oops" };
    },
    async *peerLogs(address, peerRequest) {
      peers.push({ address, request: peerRequest });
      yield {
        replicaId: "sample-web-2",
        host: "node-2",
        stream: "stdout",
        ts: undefined,
        line: "remote",
      };
    },
    ...overrides,
  };
  return { logs, reads, peers };
}

Deno.test("deployLogs() streams local replicas and asks each other host once, merged", async () => {
  const kit = await kitWithReplicas();
  const { logs, reads, peers } = deps(kit);
  const signal = new AbortController().signal;
  const lines = await collect(deployLogs(request({ tail: 5 }), signal, logs));
  assert.deepEqual(lines, [
    "sample-api-1@node-1 stderr oops",
    "sample-api-1@node-1 stdout hello from c-sample-api-1",
    "sample-web-1@node-1 stderr oops",
    "sample-web-1@node-1 stdout hello from c-sample-web-1",
    "sample-web-2@node-2 stdout remote",
  ]);
  assert.deepEqual(
    reads.map((r) => `${r.containerId} since=${r.options.sinceSeconds} tail=${r.options.tail}`)
      .sort(),
    ["c-sample-api-1 since=300 tail=5", "c-sample-web-1 since=300 tail=5"],
  );
  assert.deepEqual(peers.map((p) => [p.address, p.request.deployment]), [[
    "node-2.test:7000",
    "sample",
  ]]);
});

Deno.test("deployLogs() service scope: only that service's hosts are asked", async () => {
  const kit = await kitWithReplicas();
  const { logs, peers } = deps(kit);
  const lines = await collect(
    deployLogs(request({ service: "api" }), new AbortController().signal, logs),
  );
  assert.equal(lines.length, 2);
  assert.deepEqual(peers, []);
});

Deno.test("deployLogs() typed refusals: no deployment, unknown deployment, unknown service", async () => {
  const kit = await kitWithReplicas();
  const { logs } = deps(kit);
  const signal = new AbortController().signal;
  await assert.rejects(
    collect(deployLogs(request({ deployment: "" }), signal, logs)),
    code("validation_failed"),
  );
  await assert.rejects(
    collect(deployLogs(request({ deployment: "nope" }), signal, logs)),
    code("deployment_not_found"),
  );
  await assert.rejects(
    collect(deployLogs(request({ service: "cache" }), signal, logs)),
    code("unknown_service", /deployment "sample" has no service "cache"/),
  );
});

Deno.test("deployLogs() without a runtime is logs_unavailable; a failing peer is logs_stream", async () => {
  const kit = await kitWithReplicas();
  const signal = new AbortController().signal;
  const noRuntime = deps(kit, { readLogs: undefined }).logs;
  await assert.rejects(collect(deployLogs(request(), signal, noRuntime)), code("logs_unavailable"));
  const brokenPeer = deps(kit, {
    // deno-lint-ignore require-yield
    async *peerLogs() {
      throw new Error("connection refused");
    },
  }).logs;
  await assert.rejects(
    collect(deployLogs(request({ service: "web" }), signal, brokenPeer)),
    code("logs_stream", /node "node-2" failed: connection refused/),
  );
});

Deno.test("internalLogs() serves only this node's replicas", async () => {
  const kit = await kitWithReplicas();
  const { logs, peers } = deps(kit, { self: "node-2" });
  const lines = await collect(internalLogs(request(), new AbortController().signal, logs));
  assert.deepEqual(lines, [
    "sample-web-2@node-2 stderr oops",
    "sample-web-2@node-2 stdout hello from c-sample-web-2",
  ]);
  assert.deepEqual(peers, []);
});

Deno.test("mergeByArrival() keeps each source's order and interleaves by arrival", async () => {
  const gate = Promise.withResolvers<void>();
  async function* slow() {
    yield "a1";
    await gate.promise;
    yield "a2";
  }
  async function* fast() {
    yield "b1";
    yield "b2";
    gate.resolve();
  }
  const seen: string[] = [];
  for await (const value of mergeByArrival([slow(), fast()])) seen.push(value);
  assert.deepEqual(seen.filter((v) => v.startsWith("a")), ["a1", "a2"]);
  assert.deepEqual(seen.filter((v) => v.startsWith("b")), ["b1", "b2"]);
  assert.equal(seen.at(-1), "a2");
});
