/**
 * `jaco token issue|revoke|list` (cli.md §8): operator tokens through `Tokens.*`, over the local
 * socket or `--server` with a token (the reference required `--server`; both transports work).
 *
 * Decisions where the spec is silent or the reference differs:
 * - `token issue` takes the identity as its argument (`jaco token issue alice`) or as
 *   `--name alice` (cli.md's spelling); giving both with different values is a usage error, and
 *   neither is `required flag(s) "name" not set`.
 * - `token list` adds a PRIVILEGED column (`yes`/`no`; the reference hid the flag): the printf
 *   becomes `%-30s %-20s %-20s %s`, so the first three columns line up exactly as before.
 * - `token list -o json|yaml` prints `{"tokens":[{identity, issued_at, revoked_at?,
 *   allows_privileged}]}` (timestamps RFC 3339 UTC, `revoked_at` omitted while active).
 * - `token issue -o json|yaml` prints `{identity, token, allows_privileged}`; `token revoke`
 *   prints `{revoked: <identity>}` (issue 4: every command honours `-o`).
 *
 * @module
 */
import {
  IssueTokenRequest,
  ListTokensRequest,
  type ListTokensResponse,
  RevokeTokenRequest,
} from "../proto/mod.ts";
import type { Command, CommandContext } from "./_command.ts";
import { formatTimestamp, type OutputFormat, renderResult, renderStructured } from "./_output.ts";
import { dialDaemon } from "./_transport.ts";
import { transportFlagSpecs } from "./_transport_flags.ts";
import { UsageError } from "./_usage_error.ts";

/** Client deadline of every `token` command (cli.md §1.5). */
export const tokenDeadlineMs = 10_000;

const transportHelp =
  `  --socket <path>     local daemon socket (default $JACO_SOCKET, else /var/run/jaco/jaco.sock)
  --server <addr>     daemon host:port over TLS (needs --token or JACO_TOKEN)
  --token <token>     operator token (default $JACO_TOKEN)
  --ca-cert <path>    cluster CA (default $JACO_CA_CERT, else /var/lib/jaco/node/ca.crt)
`;

async function call<T>(
  context: CommandContext,
  run: (client: ReturnType<typeof dialDaemon>) => Promise<T>,
): Promise<T> {
  const client = dialDaemon(context);
  try {
    return await run(client);
  } finally {
    client.close();
  }
}

/** The identity of `token issue`: the argument or `--name` (see module doc). */
export function issueIdentity(context: Pick<CommandContext, "args" | "flags">): string {
  const named = typeof context.flags.name === "string" ? context.flags.name : undefined;
  const positional = context.args[0];
  if (named !== undefined && positional !== undefined && named !== positional) {
    throw new UsageError(`identity given twice: "${positional}" and --name "${named}"`);
  }
  const identity = positional ?? named;
  if (identity === undefined) throw new UsageError('required flag(s) "name" not set');
  return identity;
}

/** `token issue` output: the one line, or `{identity, token, allows_privileged}`. */
export function formatTokenIssued(
  issued: { identity: string; token: string },
  allowsPrivileged: boolean,
  format: OutputFormat,
): Promise<string> {
  return renderResult(
    format,
    `Token for ${issued.identity} (save this; not recoverable): ${issued.token}\n`,
    { identity: issued.identity, token: issued.token, allows_privileged: allowsPrivileged },
  );
}

/** `token revoke` output: the one line, or `{revoked: <identity>}`. */
export function formatTokenRevoked(identity: string, format: OutputFormat): Promise<string> {
  return renderResult(format, `Revoked token for ${identity}\n`, { revoked: identity });
}

/** `jaco token issue <identity> [--allow-privileged]`. */
export const tokenIssueCommand: Command = {
  usage: "jaco token issue <identity> [--allow-privileged] [transport flags]",
  help: `Mints a new operator token bound to <identity> (also accepted as --name <identity>).
The token is printed once; only its SHA-256 is stored. An identity with an active token
must be revoked before it can be issued again.

  --allow-privileged  the token may apply privileged / security_opt services
${transportHelp}`,
  flags: {
    name: { type: "string" },
    "allow-privileged": { type: "boolean" },
    ...transportFlagSpecs,
  },
  args: { min: 0, max: 1 },
  async run(context) {
    const request = IssueTokenRequest.fromPartial({
      identity: issueIdentity(context),
      allowsPrivileged: context.flags["allow-privileged"] === true,
    });
    const issued = await call(
      context,
      (client) => client.unary("Tokens", "Issue", request, { deadlineMs: tokenDeadlineMs }),
    );
    context.io.stdout(
      await formatTokenIssued(issued, request.allowsPrivileged, context.globals.output),
    );
    return 0;
  },
};

/** `jaco token revoke <identity>`. */
export const tokenRevokeCommand: Command = {
  usage: "jaco token revoke <identity> [transport flags]",
  help: `Revokes the token of <identity> on every node once the write applies.

${transportHelp}`,
  flags: { ...transportFlagSpecs },
  args: { min: 1, max: 1 },
  async run(context) {
    const identity = context.args[0];
    await call(
      context,
      (client) =>
        client.unary("Tokens", "Revoke", RevokeTokenRequest.fromPartial({ identity }), {
          deadlineMs: tokenDeadlineMs,
        }),
    );
    context.io.stdout(await formatTokenRevoked(identity, context.globals.output));
    return 0;
  },
};

/**
 * `token list` output: the fixed-width table, or json/yaml (see module doc).
 *
 * @example
 * ```ts
 * await formatTokenList(response, "table"); // "IDENTITY   ISSUED   REVOKED   PRIVILEGED\n…"
 * ```
 */
export async function formatTokenList(
  response: ListTokensResponse,
  format: OutputFormat,
): Promise<string> {
  if (format !== "table") {
    const tokens = response.tokens.map((token) => ({
      identity: token.identity,
      issued_at: formatTimestamp(token.issuedAt) || undefined,
      revoked_at: formatTimestamp(token.revokedAt) || undefined,
      allows_privileged: token.allowsPrivileged,
    }));
    return await renderStructured({ tokens }, format);
  }
  const row = (identity: string, issued: string, revoked: string, privileged: string) =>
    `${identity.padEnd(30)} ${issued.padEnd(20)} ${revoked.padEnd(20)} ${privileged}\n`;
  return row("IDENTITY", "ISSUED", "REVOKED", "PRIVILEGED") +
    response.tokens.map((token) =>
      row(
        token.identity,
        formatTimestamp(token.issuedAt),
        formatTimestamp(token.revokedAt) || "-",
        token.allowsPrivileged ? "yes" : "no",
      )
    ).join("");
}

/** `jaco token list`. */
export const tokenListCommand: Command = {
  usage: "jaco token list [transport flags] [-o table|json|yaml]",
  help: `Lists operator tokens (never their secrets or hashes), sorted by identity.

${transportHelp}`,
  flags: { ...transportFlagSpecs },
  args: { min: 0, max: 0 },
  async run(context) {
    const response = await call(
      context,
      (client) =>
        client.unary("Tokens", "List", ListTokensRequest.fromPartial({}), {
          deadlineMs: tokenDeadlineMs,
        }),
    );
    context.io.stdout(await formatTokenList(response, context.globals.output));
    return 0;
  },
};
