/**
 * Shrinks the outbox of one Ready before it is sent. The core broadcasts an
 * append per proposal, so a Ready that gathered 30 proposals holds 30
 * one-entry appends per follower, and each follower answers each of them.
 * Two rewrites remove that per-entry cost without changing raft's meaning:
 *
 * - consecutive appends to the same peer in the same term whose entries are
 *   contiguous (the later one's `index`/`logTerm` is the earlier one's last
 *   entry) become one append carrying all entries and the later commit;
 * - a successful append response is dropped when the next message to the
 *   same peer is a successful append response of the same term acknowledging
 *   at least as much (the leader only needs the highest match; raft
 *   tolerates the loss of the earlier one anyway).
 *
 * Only adjacent messages to the same peer are combined, so per-peer order is
 * kept, and a merged append stops growing at `maxAppendBytes` of entry data
 * (catch-up appends are already full-sized and stay separate frames' worth).
 *
 * @module
 */
import { type Message, MessageType } from "./types.ts";

function mergeableAppends(a: Message, b: Message): boolean {
  if (a.type !== MessageType.append || b.type !== MessageType.append) return false;
  if (a.term !== b.term || a.from !== b.from || a.snapshot || b.snapshot) return false;
  if (a.context || b.context) return false;
  const last = a.entries.at(-1);
  const lastIndex = last ? last.index : a.index;
  const lastTerm = last ? last.term : a.logTerm;
  return b.index === lastIndex && b.logTerm === lastTerm;
}

function supersededResponse(a: Message, b: Message): boolean {
  return a.type === MessageType.appendResponse && b.type === MessageType.appendResponse &&
    !a.reject && !b.reject && a.term === b.term && b.index >= a.index && !a.context &&
    !b.context;
}

/** Returns an equivalent, shorter list of messages (see module doc); the input is not modified. */
export function coalesceMessages(
  messages: readonly Message[],
  maxAppendBytes = 1024 * 1024,
): Message[] {
  if (messages.length < 2) return [...messages];
  const out: (Message | undefined)[] = [];
  const lastByPeer = new Map<string, number>();
  const owned = new Set<Message>();
  const sizeOf = (m: Message) => m.entries.reduce((sum, e) => sum + e.data.length, 0);
  for (const m of messages) {
    const at = lastByPeer.get(m.to);
    const previous = at === undefined ? undefined : out[at];
    if (
      previous && at !== undefined && mergeableAppends(previous, m) &&
      sizeOf(previous) + sizeOf(m) <= maxAppendBytes
    ) {
      // Copy once, then grow the copy: the caller's messages stay untouched.
      const merged = owned.has(previous)
        ? previous
        : { ...previous, entries: [...previous.entries] };
      owned.add(merged);
      merged.entries.push(...m.entries);
      merged.commit = Math.max(merged.commit, m.commit);
      out[at] = merged;
      continue;
    }
    if (previous && at !== undefined && supersededResponse(previous, m)) out[at] = undefined;
    lastByPeer.set(m.to, out.length);
    out.push(m);
  }
  return out.filter((m): m is Message => m !== undefined);
}
