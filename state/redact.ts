/**
 * Client-facing copies of watch events (rpc.md §5 contract): token and join-token events never
 * carry `hashed_secret`, registry credential events never carry the secret, and the CA key,
 * certificate private keys and storage blobs never leave the process.
 *
 * @module
 */
import type { StoreName, StoreValues } from "./stores.ts";
import type { WatchEvent } from "./watch_event.ts";

const empty = new Uint8Array(0);

// Per store: a copy of a value with its secret fields emptied.
const redactors: { [N in StoreName]?: (value: StoreValues[N]) => StoreValues[N] } = {
  tokens: (token) => ({ ...token, hashedSecret: empty }),
  join_tokens: (token) => ({ ...token, hashedSecret: empty }),
  registry_credentials: (credential) => ({ ...credential, secret: empty }),
  cluster_meta: (meta) => ({ ...meta, caKey: empty }),
  certs: (cert) => ({ ...cert, privateKey: empty }),
  cert_blobs: (blob) => ({ ...blob, value: empty }),
};

/**
 * A copy of a store value safe to hand to a client (secrets emptied); other values unchanged.
 *
 * @example
 * ```ts
 * redactValue("tokens", token).hashedSecret.length; // 0
 * ```
 */
export function redactValue<N extends StoreName>(store: N, value: StoreValues[N]): StoreValues[N] {
  const redactor = redactors[store] as ((value: StoreValues[N]) => StoreValues[N]) | undefined;
  return redactor ? redactor(value) : value;
}

/** A copy of an event whose `before`/`after` are redacted for clients. */
export function redactForClient<N extends StoreName>(
  store: N,
  event: WatchEvent<StoreValues[N]>,
): WatchEvent<StoreValues[N]> {
  return {
    ...event,
    before: event.before === undefined ? undefined : redactValue(store, event.before),
    after: event.after === undefined ? undefined : redactValue(store, event.after),
  };
}
