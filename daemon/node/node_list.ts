/**
 * `Cluster.NodeList` (rpc.md §1.1): the members in this node's applied state, sorted by hostname
 * (the reference returned store order, which is random). Served on any node; the answer is as
 * fresh as the contacted node's applied index.
 *
 * @module
 */
import { NodeListResponse } from "../../proto/mod.ts";
import type { StateView } from "../../state/mod.ts";

/**
 * The node list of `view`, sorted by hostname.
 *
 * @example
 * ```ts
 * nodeList(state.view()).nodes.map((node) => node.hostname); // ["n1", "n2"]
 * ```
 */
export function nodeList(view: Pick<StateView, "nodes">): NodeListResponse {
  const nodes = view.nodes().sort((a, b) =>
    a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0
  );
  return NodeListResponse.fromPartial({ nodes });
}
