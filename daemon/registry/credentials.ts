/**
 * `RegistryCredentials.Add/Remove/List` (rpc.md §1.4, auth-and-config.md §7, cli.md §9): private
 * registry logins stored in raft under their canonical key. Secrets go in and never come out:
 * the list has no secret field, audit events (written by the FSM) carry registry and username
 * only, and nothing here logs a request.
 *
 * Decisions where the spec is silent:
 * - The key is canonicalised here as well as in the FSM, so the response names the key the FSM
 *   stores and a key that canonicalises to nothing is refused (`validation_failed`) instead of
 *   being dropped silently.
 * - `Remove` is idempotent and needs no read: an unknown key commits a no-op removal (the FSM
 *   still audits it, so the operator's intent is on record).
 * - `updated_at` in the Add response is the applied record's when this member has applied the
 *   write, else the member's clock (the write was forwarded and has not arrived yet).
 *
 * @module
 */
import {
  type AddRegistryCredentialRequest,
  AddRegistryCredentialResponse,
  ListRegistryCredentialsResponse,
  type RemoveRegistryCredentialRequest,
  RemoveRegistryCredentialResponse,
} from "../../proto/mod.ts";
import { JacoError } from "../../proto/errors.ts";
import { canonicalRegistryKey, type StateView } from "../../state/mod.ts";
import type { Command } from "../../proto/mod.ts";

/** What the registry handlers need. */
export interface RegistryDeps {
  /** Applied state. */
  view: () => Pick<StateView, "registryCredential" | "registryCredentials">;
  /** The write path (apply-or-forward). */
  submit: (payload: Command["payload"], identity: string) => Promise<{ raftIndex: number }>;
  /** Clock for `updated_at` while a forwarded write has not applied locally. */
  now: () => Date;
}

/**
 * `RegistryCredentials.Add`: upserts the login under its canonical key.
 *
 * @throws {JacoError} `validation_failed` for an empty or invalid registry, username or secret;
 *   the submitter's errors
 */
export async function addRegistryCredential(
  request: AddRegistryCredentialRequest,
  identity: string,
  deps: RegistryDeps,
): Promise<AddRegistryCredentialResponse> {
  const registry = requireKey(request.registry);
  if (request.username.trim() === "") {
    throw new JacoError("validation_failed", "username is required", { field: "username" });
  }
  if (request.secret.length === 0) {
    throw new JacoError("validation_failed", "secret is required", { field: "secret" });
  }
  await deps.submit({
    $case: "registryCredentialUpsert",
    value: {
      credential: {
        registry,
        username: request.username.trim(),
        secret: request.secret,
        updatedAt: undefined,
      },
    },
  }, identity);
  const applied = deps.view().registryCredential(registry);
  return AddRegistryCredentialResponse.fromPartial({
    registry,
    updatedAt: applied?.updatedAt ?? deps.now(),
  });
}

/**
 * `RegistryCredentials.Remove`: idempotent delete of the canonical key.
 *
 * @throws {JacoError} `validation_failed` for an empty or invalid registry; the submitter's errors
 */
export async function removeRegistryCredential(
  request: RemoveRegistryCredentialRequest,
  identity: string,
  deps: RegistryDeps,
): Promise<RemoveRegistryCredentialResponse> {
  const registry = requireKey(request.registry);
  await deps.submit({ $case: "registryCredentialRemove", value: { registry } }, identity);
  return RemoveRegistryCredentialResponse.fromPartial({});
}

/** `RegistryCredentials.List`: every login without its secret, sorted by registry. */
export function listRegistryCredentials(
  deps: Pick<RegistryDeps, "view">,
): ListRegistryCredentialsResponse {
  const credentials = deps.view().registryCredentials()
    .map(({ registry, username, updatedAt }) => ({ registry, username, updatedAt }))
    .sort((a, b) => a.registry < b.registry ? -1 : a.registry > b.registry ? 1 : 0);
  return ListRegistryCredentialsResponse.fromPartial({ credentials });
}

function requireKey(raw: string): string {
  if (raw.trim() === "") {
    throw new JacoError("validation_failed", "registry is required", { field: "registry" });
  }
  const key = canonicalRegistryKey(raw);
  if (key === "") {
    throw new JacoError("validation_failed", `registry "${raw}" has no host`, {
      field: "registry",
      value: raw,
    });
  }
  return key;
}
