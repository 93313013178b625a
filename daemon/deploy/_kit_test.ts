/**
 * Test kit of the Deploy handlers: a real ClusterState behind a submit that applies each command
 * at the next raft index, members `node-1`..`node-3`, and the sample stack of `tests/samples`.
 *
 * @module
 */
import { ClusterInit, Command } from "../../proto/mod.ts";
import { ClusterState } from "../../state/mod.ts";
import type { DeployDeps } from "./deps.ts";

const clusterId = "c0ffee00-0000-4000-8000-000000000006";
const samples = new URL("../../tests/samples/", import.meta.url);

/** The sample jaco.yaml and compose texts. */
export const sampleJaco: string = Deno.readTextFileSync(new URL("jaco.yaml", samples));
/** The sample compose text. */
export const sampleCompose: string = Deno.readTextFileSync(new URL("compose.yml", samples));

/** Deps over a real state, plus the state and the commands submitted. */
export interface Kit extends DeployDeps {
  state: ClusterState;
  submitted: Command["payload"][];
  /** Applies one command directly (test setup). */
  apply(payload: Command["payload"], identity?: string): number;
}

/** A cluster whose members are `members` (the first is the init node). */
export function deployKit(members: string[] = ["node-1", "node-2", "node-3"]): Kit {
  const state = new ClusterState();
  let index = 0;
  let clock = Date.parse("2026-06-01T12:00:00Z");
  const apply = (payload: Command["payload"], identity = "system") => {
    clock += 1000;
    const command = { clusterId, raftIndex: 0, ts: new Date(clock), identity, payload };
    state.apply(Command.encode(Command.fromPartial(command)).finish(), ++index);
    return index;
  };
  const [first, ...rest] = members;
  apply({
    $case: "clusterInit",
    value: ClusterInit.fromPartial({ clusterId, selfHostname: first, selfAddress: "127.0.0.1:1" }),
  });
  for (const hostname of rest) {
    apply({
      $case: "nodeJoin",
      value: {
        hostname,
        address: "127.0.0.1:2",
        serverCertFingerprint: "",
        wireguardPubkey: new Uint8Array(),
        grpcAddress: `${hostname}.test:7000`,
      },
    });
  }
  const kit: Kit = {
    state,
    submitted: [],
    apply,
    view: () => state.view(),
    submit(payload, identity) {
      kit.submitted.push(payload);
      return Promise.resolve({ raftIndex: apply(payload, identity) });
    },
    defaultAcmeEmail: "ops@example.test",
  };
  return kit;
}

/** UTF-8 bytes of a text. */
export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** An `ApplyRequest` of the given texts. */
export function applyRequest(jaco = sampleJaco, compose = sampleCompose, dryRun = false) {
  return { jacoYaml: bytes(jaco), composeYaml: bytes(compose), dryRun };
}

/** A caller on TCP with `identity`, or the socket's `local`. */
export function caller(identity = "local") {
  return { identity, local: identity === "local" };
}

/** A predicate for `assert.rejects` matching a JacoError code (and message pattern). */
export function code(expected: string, message?: RegExp) {
  return (error: unknown) => {
    const e = error as { code?: string; message?: string };
    if (e.code !== expected) throw new Error(`expected ${expected}, got ${e.code}: ${e.message}`);
    if (message && !message.test(e.message ?? "")) throw new Error(`message: ${e.message}`);
    return true;
  };
}
