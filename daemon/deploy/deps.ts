/**
 * What the Deploy handlers need from the node: replicated state, the write path and the
 * daemon-wide defaults. Late-bound getters, because raft starts after the API is served.
 *
 * @module
 */
import type { Command } from "../../proto/mod.ts";
import type { StateView } from "../../state/mod.ts";

/** One write through raft as `identity` (apply-or-forward; see `daemon/node/submit.ts`). */
export type Submit = (
  payload: Command["payload"],
  identity: string,
) => Promise<{ raftIndex: number }>;

/** Dependencies of the Deploy handlers. */
export interface DeployDeps {
  /** This node's applied state. */
  view: () => StateView;
  /** The write path. */
  submit: Submit;
  /** jacod.yaml `acme_email`, used when jaco.yaml sets none. */
  defaultAcmeEmail: string;
}

/** Who is calling, as the handlers see it. */
export interface Caller {
  /** `local` on the socket, else the token identity. */
  identity: string;
  /** The call came in on the unix socket (privileged admission is bypassed). */
  local: boolean;
}
