/**
 * Registry credentials on the daemon (rpc.md §1.4): the `RegistryCredentials` handlers. Secrets
 * are written through raft and never returned, logged or audited.
 *
 * @module
 */
export {
  addRegistryCredential,
  listRegistryCredentials,
  type RegistryDeps,
  removeRegistryCredential,
} from "./credentials.ts";
