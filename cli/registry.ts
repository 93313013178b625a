/**
 * `jaco registry login|logout|list` (cli.md §9): private registry credentials through
 * `RegistryCredentials.*`, over the socket or `--server`. The password is never an argument:
 * `--password-stdin` reads the first stdin line; otherwise a terminal is prompted without echo,
 * and a non-terminal stdin is read with a warning.
 *
 * Decisions where the spec is silent: `registry list -o json|yaml` prints
 * `{"credentials":[{registry, username, updated_at?}]}` (cli.md gaps ask for structured output);
 * login prints `{registry, username}` and logout `{removed: <registry>}` (issue 4: every command
 * honours `-o`).
 *
 * @module
 */
import type { ListRegistryCredentialsResponse } from "../proto/mod.ts";
import type { Command } from "./_command.ts";
import { formatTimestamp, type OutputFormat, renderResult, renderStructured } from "./_output.ts";
import { transportFlagSpecs } from "./_transport_flags.ts";
import { UsageError } from "./_usage_error.ts";
import { transportHelp, withClient } from "./status.ts";

/** Client deadline of every `registry` command (cli.md §1.5). */
export const registryDeadlineMs = 10_000;

/** Where the password comes from (injected in tests). */
export interface PasswordSource {
  /** Stdin is a terminal. */
  isTerminal(): boolean;
  /** All of stdin as text (non-terminal). */
  readAll(): Promise<string>;
  /** Prompts on stderr and reads one line without echo (terminal). */
  prompt(text: string): Promise<string>;
}

/**
 * The password per cli.md §9: first line, trimmed.
 *
 * @throws {Error} `read stdin: empty input`, `empty password — refusing to store`
 */
export async function readPassword(
  passwordStdin: boolean,
  source: PasswordSource,
  warn: (text: string) => void,
): Promise<string> {
  let text: string;
  if (!passwordStdin && source.isTerminal()) {
    text = await source.prompt("Password: ");
  } else {
    if (!passwordStdin) {
      warn(
        "warning: stdin is not a TTY; reading password without prompt — pass --password-stdin explicitly to suppress this warning\n",
      );
    }
    text = await source.readAll();
    if (text === "") throw new Error("read stdin: empty input");
  }
  const password = (text.split("\n")[0] ?? "").replace(/\r$/, "").trim();
  if (password === "") throw new Error("empty password — refusing to store");
  return password;
}

/** The real stdin. */
export const processPasswordSource: PasswordSource = {
  isTerminal: () => Deno.stdin.isTerminal(),
  async readAll() {
    return await new Response(Deno.stdin.readable).text();
  },
  async prompt(text) {
    await Deno.stderr.write(new TextEncoder().encode(text));
    Deno.stdin.setRaw(true);
    const bytes: number[] = [];
    const buffer = new Uint8Array(1);
    try {
      while (true) {
        const n = await Deno.stdin.read(buffer);
        if (n === null || buffer[0] === 0x0d || buffer[0] === 0x0a) break;
        if (buffer[0] === 0x03) throw new Error("interrupted");
        if (buffer[0] === 0x7f) bytes.pop();
        else bytes.push(buffer[0]);
      }
    } finally {
      Deno.stdin.setRaw(false);
      await Deno.stderr.write(new TextEncoder().encode("\n"));
    }
    return new TextDecoder().decode(new Uint8Array(bytes));
  },
};

/** Builds `jaco registry login` over a password source. */
export function createRegistryLoginCommand(
  source: PasswordSource = processPasswordSource,
): Command {
  return {
    usage:
      "jaco registry login <registry> -u|--username <name> [--password-stdin] [transport flags]",
    help: `Stores a registry login (the password is read from stdin or prompted, never an argument).

  -u, --username <name>  user name (required)
  --password-stdin       read the password from the first line of stdin
${transportHelp}`,
    flags: {
      username: { type: "string", short: "u", required: true },
      "password-stdin": { type: "boolean" },
      ...transportFlagSpecs,
    },
    args: { min: 1, max: 1 },
    async run(context) {
      const username = String(context.flags.username ?? "");
      if (username === "") throw new UsageError('required flag(s) "username" not set');
      const password = await readPassword(
        context.flags["password-stdin"] === true,
        source,
        (text) => context.io.stderr(text),
      );
      const response = await withClient(
        context,
        (client) =>
          client.unary("RegistryCredentials", "Add", {
            registry: context.args[0],
            username,
            secret: new TextEncoder().encode(password),
          }, { deadlineMs: registryDeadlineMs }),
      );
      context.io.stdout(
        await formatLoggedIn(response.registry, username, context.globals.output),
      );
      return 0;
    },
  };
}

/** `registry login` output: the one line, or `{registry, username}` as json/yaml. */
export function formatLoggedIn(
  registry: string,
  username: string,
  format: OutputFormat,
): Promise<string> {
  return renderResult(format, `Stored credential for ${registry} (user ${username})\n`, {
    registry,
    username,
  });
}

/** `registry logout` output: the one line, or `{removed: <registry>}` as json/yaml. */
export function formatLoggedOut(registry: string, format: OutputFormat): Promise<string> {
  return renderResult(format, `Removed credential for ${registry}\n`, { removed: registry });
}

/** `jaco registry login` on the real stdin. */
export const registryLoginCommand: Command = createRegistryLoginCommand();

/** `jaco registry logout`. */
export const registryLogoutCommand: Command = {
  usage: "jaco registry logout <registry> [transport flags]",
  help: `Removes a registry login (succeeds when there is none).\n\n${transportHelp}`,
  flags: { ...transportFlagSpecs },
  args: { min: 1, max: 1 },
  async run(context) {
    await withClient(
      context,
      (client) =>
        client.unary("RegistryCredentials", "Remove", { registry: context.args[0] }, {
          deadlineMs: registryDeadlineMs,
        }),
    );
    context.io.stdout(await formatLoggedOut(context.args[0], context.globals.output));
    return 0;
  },
};

/** `registry list` output: the fixed-width table, or json/yaml (see module doc). */
export async function formatRegistryList(
  response: ListRegistryCredentialsResponse,
  format: OutputFormat,
): Promise<string> {
  if (format !== "table") {
    const credentials = response.credentials.map((c) => ({
      registry: c.registry,
      username: c.username,
      updated_at: formatTimestamp(c.updatedAt) || undefined,
    }));
    return await renderStructured({ credentials }, format);
  }
  const row = (registry: string, username: string, updated: string) =>
    `${registry.padEnd(40)} ${username.padEnd(30)} ${updated}\n`;
  return row("REGISTRY", "USERNAME", "UPDATED") +
    response.credentials.map((c) =>
      row(c.registry, c.username, formatTimestamp(c.updatedAt) || "-")
    ).join("");
}

/** `jaco registry list`. */
export const registryListCommand: Command = {
  usage: "jaco registry list [transport flags] [-o table|json|yaml]",
  help: `Lists registry logins (never their secrets), sorted by registry.\n\n${transportHelp}`,
  flags: { ...transportFlagSpecs },
  args: { min: 0, max: 0 },
  async run(context) {
    const response = await withClient(
      context,
      (client) =>
        client.unary("RegistryCredentials", "List", {}, { deadlineMs: registryDeadlineMs }),
    );
    context.io.stdout(await formatRegistryList(response, context.globals.output));
    return 0;
  },
};
