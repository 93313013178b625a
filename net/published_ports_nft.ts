/**
 * Applies the published-port ruleset of `published_ports.ts` on this host: `nft -f` of the
 * rendered `table ip jaco_nat` (atomic replacement), plus the one Docker exemption the DNAT
 * traffic needs — `iptables -I DOCKER-USER -m connmark --mark <jaco marks> -j ACCEPT` on top of
 * the chain — because Docker's FORWARD chain may be policy DROP and an `accept` in another table
 * cannot override it (multi-host-rig notes).
 *
 * Decision where the spec is silent: the DOCKER-USER rule is best effort (the chain exists only
 * once dockerd has started); a failure is returned to the caller, which logs it and retries on
 * its next pass. The ruleset file is written 0600 to a fresh temp file and always removed.
 *
 * @module
 */
import { runHostCommand } from "./host_command.ts";
import { localMark, markMask, natTable } from "./published_ports.ts";

/** Runs a program; resolves with its exit code and combined output. */
export type RunCommand = (
  program: string,
  args: string[],
  stdin?: string,
) => Promise<{ code: number; output: string }>;

/** {@link RunCommand} with `Deno.Command`. */
export const runCommand: RunCommand = async (program, args, stdin) => {
  const result = await runHostCommand(program, args, stdin);
  return { code: result.code, output: (result.stdout + result.stderr).trim() };
};

/** The DOCKER-USER rule (iptables arguments after `-I/-D/-C DOCKER-USER`). */
export const dockerUserRule = [
  "-m",
  "connmark",
  "--mark",
  `0x${(localMark & markMask).toString(16)}/0x${markMask.toString(16)}`,
  "-j",
  "ACCEPT",
];

/** Applies and inspects the published-port rules. */
export class PublishedPortsNft {
  readonly #run: RunCommand;

  constructor(run: RunCommand = runCommand) {
    this.#run = run;
  }

  /**
   * Replaces `table ip jaco_nat` with `ruleset` in one transaction.
   *
   * @throws {Error} with nft's output when it refuses
   */
  async apply(ruleset: string): Promise<void> {
    const path = await Deno.makeTempFile({ prefix: "jaco-nat-", suffix: ".nft" });
    try {
      await Deno.chmod(path, 0o600);
      await Deno.writeTextFile(path, ruleset);
      const { code, output } = await this.#run("nft", ["-f", path]);
      if (code !== 0) throw new Error(`nft -f failed (exit ${code}): ${output}`);
    } finally {
      await Deno.remove(path).catch(() => {});
    }
  }

  /** The current table as `nft list` prints it, or `undefined` when it does not exist. */
  async list(): Promise<string | undefined> {
    const { code, output } = await this.#run("nft", ["list", "table", "ip", natTable]);
    return code === 0 ? output : undefined;
  }

  /**
   * Keeps {@link dockerUserRule} the first rule of `DOCKER-USER` (Docker prepends its own rules
   * later, so presence alone is not enough): no-op when it is already first, else delete every
   * copy and insert it at position 1.
   *
   * @throws {Error} when iptables fails (e.g. the chain does not exist yet)
   */
  async ensureDockerUser(): Promise<void> {
    const listed = await this.#run("iptables", ["-S", "DOCKER-USER"]);
    if (listed.code !== 0) throw new Error(`iptables -S DOCKER-USER: ${listed.output}`);
    const first = listed.output.split("\n").find((line) => line.startsWith("-A DOCKER-USER"));
    if (first !== undefined && sameRule(first)) return;
    for (let attempt = 0; attempt < 16; attempt++) {
      const removed = await this.#run("iptables", ["-D", "DOCKER-USER", ...dockerUserRule]);
      if (removed.code !== 0) break;
    }
    const inserted = await this.#run("iptables", ["-I", "DOCKER-USER", "1", ...dockerUserRule]);
    if (inserted.code !== 0) throw new Error(`iptables -I DOCKER-USER: ${inserted.output}`);
  }
}

/** True when an `iptables -S` line is {@link dockerUserRule} (iptables prints the mark in hex). */
function sameRule(line: string): boolean {
  return /-m connmark --mark 0x6a610000\/0xfffffffc -j ACCEPT$/.test(line.trim());
}
