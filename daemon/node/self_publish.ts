/**
 * Self-publication of this node's gRPC address (architecture.md §4 step 2): followers find the
 * leader's `Internal.Submit` endpoint through `Node.grpc_address`, so every member must have one
 * in replicated state. A joiner's is written by the join batch; the init node and a node whose
 * `listen_addr` changed publish theirs with `NodeUpdateSelf` through the submitter (forwarded
 * when this node is a follower).
 *
 * Retries: a node that just resumed may not know a leader yet, so retryable failures
 * (`no_leader`, `raft_apply_failed`, `raft_unavailable`, `quorum_lost`) are retried every
 * second for up to 60 attempts; nothing is written when the stored address already matches.
 *
 * @module
 */
import { isJacoError } from "../../proto/errors.ts";
import type { StateView } from "../../state/mod.ts";
import type { CommandSubmitter } from "./submit.ts";

/** Identity of the self-publication command in the audit trail (a subsystem write). */
export const systemIdentity = "system";

const retryable = new Set(["no_leader", "raft_apply_failed", "raft_unavailable", "quorum_lost"]);

/** Inputs of {@link publishGrpcAddress}. */
export interface SelfPublishOptions {
  /** This node's hostname (its `Node` key). */
  hostname: string;
  /** The `host:port` peers dial for `Internal.*`. */
  grpcAddress: string;
  /** The write path. */
  submitter: CommandSubmitter;
  /** This node's applied state. */
  view: () => Pick<StateView, "node">;
  /** True once the node stops: the loop ends quietly. */
  stopped: () => boolean;
  /** Waits between attempts (default `setTimeout`, 1 s). */
  sleep?: () => Promise<void>;
  /** Attempts before giving up (default 60). */
  attempts?: number;
}

/**
 * Publishes `grpcAddress` as this node's `Node.grpc_address` unless state already has it.
 * Resolves `true` once stored, `false` when stopped or out of attempts.
 *
 * @throws {JacoError} a non-retryable submit failure
 */
export async function publishGrpcAddress(options: SelfPublishOptions): Promise<boolean> {
  const sleep = options.sleep ?? (() => new Promise<void>((resolve) => setTimeout(resolve, 1000)));
  const attempts = options.attempts ?? 60;
  for (let attempt = 0; attempt < attempts && !options.stopped(); attempt++) {
    if (options.view().node(options.hostname)?.grpcAddress === options.grpcAddress) return true;
    try {
      await options.submitter.submit({
        $case: "nodeUpdateSelf",
        value: {
          hostname: options.hostname,
          wireguardPubkey: new Uint8Array(),
          grpcAddress: options.grpcAddress,
        },
      }, systemIdentity);
      return true;
    } catch (error) {
      if (!isJacoError(error) || !retryable.has(error.code)) throw error;
    }
    await sleep();
  }
  return false;
}
