/**
 * Entry point for inbound messages: term reconciliation and voting, then
 * dispatch by role.
 *
 * @module
 */
import { isTransfer, message } from "./_message.ts";
import type { RaftCore } from "./_raft.ts";
import { stepCandidate } from "./_step_candidate.ts";
import { stepFollower } from "./_step_follower.ts";
import { stepLeader } from "./_step_leader.ts";
import { type Message, MessageType, Role } from "./types.ts";

/**
 * Steps one inbound message: reconciles terms (Raft §5.1, with pre-vote and
 * leader stickiness as in etcd-raft), answers vote requests, and hands the
 * rest to the handler of the current role.
 */
export function stepMessage(r: RaftCore, m: Message): void {
  if (
    m.term > r.term && m.type !== MessageType.readIndex &&
    m.type !== MessageType.readIndexResponse
  ) {
    if (m.type === MessageType.vote || m.type === MessageType.preVote) {
      // Leader stickiness: while we hear from a leader, ignore would-be disruptors.
      const inLease = r.cfg.checkQuorum && (r.lead !== "" || r.restartGuard) &&
        r.electionElapsed < r.cfg.electionTicks;
      if (inLease && !isTransfer(m.context)) return;
    }
    const isLeaderMessage = m.type === MessageType.append || m.type === MessageType.heartbeat ||
      m.type === MessageType.snapshot;
    if (m.type === MessageType.preVote || (m.type === MessageType.preVoteResponse && !m.reject)) {
      // Pre-vote traffic never moves terms.
    } else {
      r.becomeFollower(m.term, isLeaderMessage ? m.from : "");
    }
  } else if (m.term !== 0 && m.term < r.term) {
    if (
      (r.cfg.checkQuorum || r.cfg.preVote) &&
      (m.type === MessageType.append || m.type === MessageType.heartbeat)
    ) {
      // Tell a stale leader about the newer term so it steps down.
      r.send(message({ type: MessageType.appendResponse, to: m.from }));
    } else if (m.type === MessageType.preVote) {
      r.send(message({ type: MessageType.preVoteResponse, to: m.from, reject: true }));
    }
    return;
  }
  if (m.type === MessageType.vote || m.type === MessageType.preVote) {
    handleVoteRequest(r, m);
  } else if (r.role === Role.leader) {
    stepLeader(r, m);
  } else if (r.role === Role.follower) {
    stepFollower(r, m);
  } else {
    stepCandidate(r, m);
  }
}

/** Grants or refuses a (pre-)vote (§5.2, §5.4.1). */
function handleVoteRequest(r: RaftCore, m: Message): void {
  const type = m.type === MessageType.vote ? MessageType.voteResponse : MessageType.preVoteResponse;
  const canVote = r.vote === m.from || (r.vote === "" && r.lead === "") ||
    (m.type === MessageType.preVote && m.term > r.term);
  if (canVote && r.log.isUpToDate(m.index, m.logTerm)) {
    r.send(message({ type, to: m.from, term: m.term }));
    if (m.type === MessageType.vote) {
      r.electionElapsed = 0;
      r.vote = m.from;
    }
  } else {
    r.send(message({ type, to: m.from, reject: true }));
  }
}
