import assert from "node:assert/strict";
import type { Command, Node } from "../../proto/mod.ts";
import { JacoError } from "../../proto/errors.ts";
import { publishGrpcAddress, type SelfPublishOptions } from "./self_publish.ts";

function options(
  failures: string[],
  stored = "",
): SelfPublishOptions & { sent: [Command["payload"], string][] } {
  const sent: [Command["payload"], string][] = [];
  return {
    sent,
    hostname: "n1",
    grpcAddress: "10.0.0.1:7000",
    submitter: {
      submit(payload, identity) {
        const code = failures.shift();
        if (code) return Promise.reject(new JacoError(code as "no_leader", "fails"));
        sent.push([payload, identity]);
        return Promise.resolve({ raftIndex: 3 });
      },
    },
    view: () => ({ node: () => ({ grpcAddress: stored }) as Node }),
    stopped: () => false,
    sleep: () => Promise.resolve(),
    attempts: 3,
  };
}

Deno.test("publishGrpcAddress() retries no_leader, then writes NodeUpdateSelf as system", async () => {
  const o = options(["no_leader"]);
  assert.equal(await publishGrpcAddress(o), true);
  assert.deepEqual(o.sent[0][1], "system");
  assert.deepEqual(o.sent[0][0], {
    $case: "nodeUpdateSelf",
    value: { hostname: "n1", wireguardPubkey: new Uint8Array(), grpcAddress: "10.0.0.1:7000" },
  });
});

Deno.test("publishGrpcAddress() writes nothing when state already holds the address", async () => {
  const o = options([], "10.0.0.1:7000");
  assert.equal(await publishGrpcAddress(o), true);
  assert.equal(o.sent.length, 0);
});

Deno.test("publishGrpcAddress() gives up after its attempts and rethrows other errors", async () => {
  assert.equal(await publishGrpcAddress(options(["no_leader", "no_leader", "no_leader"])), false);
  await assert.rejects(
    publishGrpcAddress(options(["validation_failed"])),
    (error) => error instanceof JacoError && error.code === "validation_failed",
  );
});
