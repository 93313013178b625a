/**
 * Candidate and pre-candidate message handling: counting votes, and yielding
 * to a leader of the same term.
 *
 * @module
 */
import type { RaftCore } from "./_raft.ts";
import { stepFollower } from "./_step_follower.ts";
import { type Message, MessageType, Role } from "./types.ts";

/** Steps a message addressed to a (pre-)candidate (terms already reconciled). */
export function stepCandidate(r: RaftCore, m: Message): void {
  switch (m.type) {
    case MessageType.append:
    case MessageType.heartbeat:
    case MessageType.snapshot:
      // A leader exists in our term: follow it.
      r.becomeFollower(m.term, m.from);
      stepFollower(r, m);
      return;
    case MessageType.preVoteResponse:
    case MessageType.voteResponse: {
      const expected = r.role === Role.preCandidate
        ? MessageType.preVoteResponse
        : MessageType.voteResponse;
      if (m.type !== expected) return;
      if (!r.votes.has(m.from)) r.votes.set(m.from, !m.reject);
      r.pollWon();
      return;
    }
    case MessageType.readIndexResponse:
      stepFollower(r, m);
      return;
  }
}
