/**
 * Handlers of certificate locks, ACME storage and subnets.
 *
 * @module
 */
import type { ApplyContext } from "./_apply_context.ts";
import type { Handlers } from "./_handlers.ts";
import { compositeKey } from "./keys.ts";

/** Cert lock, ACME storage and subnet handlers. */
export const certHandlers: Handlers<
  | "certStore"
  | "certLock"
  | "certUnlock"
  | "challengeTokenStore"
  | "certBlobUpsert"
  | "certBlobRemove"
  | "subnetAllocate"
  | "subnetFree"
> = {
  certStore() {
    return { ignored: "reserved" };
  },

  certLock(context, { name, lessee, until }) {
    if (name === "" || lessee === "") return { ignored: "empty_lock" };
    const held = context.stores.certs.get(name);
    if (held && held.lessee !== "" && held.lessee !== lessee) {
      // Without a command ts the expiry cannot be judged; an unexpired lease is assumed.
      const expired = held.lockUntil !== undefined && context.ts !== undefined &&
        held.lockUntil.getTime() <= context.ts.getTime();
      if (!expired) return { rejected: "cert_lock_held" };
    }
    context.stores.certs.put({
      domain: name,
      privateKey: held?.privateKey ?? new Uint8Array(0),
      certChain: held?.certChain ?? new Uint8Array(0),
      notBefore: held?.notBefore,
      notAfter: held?.notAfter,
      lessee,
      lockUntil: until,
    }, context.raftIndex);
  },

  certUnlock(context, { name }) {
    const held = context.stores.certs.get(name);
    if (!held) return { ignored: "unknown_lock" };
    context.stores.certs.put({ ...held, lessee: "", lockUntil: undefined }, context.raftIndex);
  },

  challengeTokenStore(context, { token }) {
    if (!token || token.token === "") return { ignored: "empty_token" };
    context.stores.challengeTokens.put(token, context.raftIndex);
  },

  certBlobUpsert(context, { blob }) {
    if (!blob || blob.key === "") return { ignored: "empty_blob" };
    context.stores.certBlobs.put(
      { ...blob, updatedAt: blob.updatedAt ?? context.ts },
      context.raftIndex,
    );
  },

  certBlobRemove(context, { key }) {
    if (!context.stores.certBlobs.delete(key, context.raftIndex)) {
      return { ignored: "unknown_blob" };
    }
  },

  subnetAllocate(context, allocation) {
    if (allocation.deployment === "" || allocation.cidr === "") return { ignored: "empty_subnet" };
    context.stores.subnets.put({ ...allocation, allocatedAt: context.ts }, context.raftIndex);
  },

  subnetFree(context, { deployment, network, host }) {
    // Deployment is required: an empty one would otherwise wildcard every deployment.
    if (deployment === "") return { ignored: "empty_deployment" };
    const subnets = context.stores.subnets;
    if (network !== "" && host !== "") {
      subnets.delete(compositeKey(deployment, network, host), context.raftIndex);
      return;
    }
    subnets.deleteWhere(
      (subnet) =>
        subnet.deployment === deployment &&
        (network === "" || subnet.network === network) &&
        (host === "" || subnet.host === host),
      context.raftIndex,
    );
  },
};

/**
 * Drops ACME challenge tokens whose `expires_at` has passed at this command's ts (gap fix: the
 * reference never collects them). Tokens without an expiry stay until removed explicitly.
 */
export function expireChallengeTokens(context: ApplyContext): void {
  const { stores, ts, raftIndex } = context;
  if (ts === undefined || stores.challengeTokens.size === 0) return;
  const nowMs = ts.getTime();
  stores.challengeTokens.deleteWhere(
    (token) => token.expiresAt !== undefined && token.expiresAt.getTime() <= nowMs,
    raftIndex,
  );
}
