/**
 * The firewall backend (networking.md §5): load the ruleset with `nft -f`, read it back with
 * `nft -j list table inet jaco`, and keep the Docker-chain exemptions on top of their iptables
 * chains. {@link NftFirewall} runs the real binaries; {@link MemoryFirewall} is the in-memory
 * backend the loop tests use (both implement {@link FirewallBackend}).
 *
 * Decisions where the spec is silent:
 * - Availability is "`nft --version` runs" (the binary on PATH and executable); the kernel side
 *   (nf_tables, `CAP_NET_ADMIN`) shows as an apply failure, which the loop treats the same way.
 * - The ruleset file is written to a fresh private temp dir (0700) as 0600 and always removed.
 * - Drift is noticed at once, not only on the loop's 30 s tick: {@link NftFirewall.watch} runs
 *   `nft monitor` for the life of the loop and reports every nf_tables transaction (a
 *   `nft flush table` prints nothing but its `# new generation` line, so an empty transaction
 *   counts — as do dockerd's iptables-nft edits, which can bury the exemptions) except those
 *   touching only the published-ports table `ip jaco_nat` ({@link MonitorBatch}).
 * - iptables is `iptables` on PATH (iptables-nft on the rig and on current distributions, so its
 *   rules live in nf_tables next to dockerd's). An exemption step failing (no iptables, no
 *   `DOCKER-USER` chain because dockerd is not running) is reported to the caller, which audits it;
 *   isolation status never depends on it.
 *
 * @module
 */
import { JacoError } from "../proto/errors.ts";
import { type HostCommandOutput, runHostCommand } from "./host_command.ts";
import { exemptionSteps, headMatches } from "./nft_exempt.ts";
import { listingOf, nftTable, parseRendered } from "./nft_ruleset.ts";

/** One failed exemption step. */
export interface ExemptionFailure {
  code: "SNAT_EXEMPT_FAILED" | "OVERLAY_EXEMPT_FAILED";
  error: string;
}

/** What the firewall loop needs from the host. */
export interface FirewallBackend {
  /** Whether the `nft` tool is usable; false names the missing facility through the loop. */
  available(): Promise<boolean>;
  /** The parsed `nft -j list table inet jaco` document (`{"nftables":[]}` when absent). */
  list(): Promise<unknown>;
  /**
   * Loads `ruleset` (nft syntax) in one transaction.
   *
   * @throws {JacoError} `isolation_unavailable` with nft's output
   */
  apply(ruleset: string): Promise<void>;
  /** Puts the §5.1 exemptions on top of their chains; returns the failed steps. */
  exempt(pool: string): Promise<ExemptionFailure[]>;
  /**
   * Calls `onChange` after each change of the host's nf_tables ruleset until `signal` aborts;
   * resolves when watching ended (aborted, or the watcher exited and may be started again).
   */
  watch?(onChange: () => void, signal: AbortSignal): Promise<void>;
}

/** The real backend: `nft` and `iptables` on PATH. */
export class NftFirewall implements FirewallBackend {
  /** @inheritdoc */
  async available(): Promise<boolean> {
    return (await run("nft", ["--version"])).code === 0;
  }

  /** @inheritdoc */
  async list(): Promise<unknown> {
    const out = await run("nft", ["-j", "list", "table", "inet", nftTable]);
    if (out.code !== 0) {
      if (out.stderr.includes("No such file or directory")) return { nftables: [] };
      throw new JacoError(
        "internal",
        `nft list table inet ${nftTable} failed: ${out.stderr.trim()}`,
      );
    }
    return JSON.parse(out.stdout);
  }

  /** @inheritdoc */
  async apply(ruleset: string): Promise<void> {
    const dir = await Deno.makeTempDir({ prefix: "jaco-nft-" });
    const file = `${dir}/ruleset.nft`;
    try {
      await Deno.writeTextFile(file, ruleset, { mode: 0o600 });
      const out = await run("nft", ["-f", file]);
      if (out.code !== 0) {
        throw new JacoError(
          "isolation_unavailable",
          `nft -f failed (exit ${out.code}): ${(out.stderr || out.stdout).trim()}`,
          { exit_code: String(out.code) },
        );
      }
    } catch (error) {
      if (error instanceof JacoError) throw error;
      throw new JacoError("isolation_unavailable", `nft -f failed: ${(error as Error).message}`);
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => undefined);
    }
  }

  /** @inheritdoc */
  async exempt(pool: string): Promise<ExemptionFailure[]> {
    const failures: ExemptionFailure[] = [];
    for (const step of exemptionSteps(pool)) {
      try {
        const listing = await iptables(["-t", step.table, "-S", step.chain]);
        if (headMatches(listing, step.chain, step.rules)) continue;
        for (const rule of step.rules) {
          for (let attempt = 0; attempt < 16; attempt++) {
            const out = await run("iptables", ["-t", step.table, "-D", step.chain, ...rule]);
            if (out.code !== 0) break;
          }
        }
        for (const rule of [...step.rules].reverse()) {
          await iptables(["-t", step.table, "-I", step.chain, "1", ...rule]);
        }
      } catch (error) {
        failures.push({ code: step.code, error: (error as Error).message });
      }
    }
    return failures;
  }

  /** @inheritdoc */
  async watch(onChange: () => void, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command("nft", {
        args: ["monitor"],
        stdin: "null",
        stdout: "piped",
        stderr: "null",
      }).spawn();
    } catch {
      return;
    }
    const kill = () => {
      try {
        child.kill("SIGTERM");
      } catch {
        // Already exited.
      }
    };
    signal.addEventListener("abort", kill, { once: true });
    try {
      const batch = new MonitorBatch();
      let rest = "";
      for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
        const lines = (rest + chunk).split("\n");
        rest = lines.pop() ?? "";
        if (lines.map((line) => batch.line(line)).includes(true)) onChange();
      }
    } finally {
      signal.removeEventListener("abort", kill);
      kill();
      await child.status;
    }
  }
}

/** Lines of `nft monitor` that mark a committed ruleset change. */
const generationLine = /^# new generation \d+/;
/** Event lines of the published-ports table, which the firewall never needs to look at. */
const otherJacoTable = /^(add|delete|flush|replace|insert) \S+ ip jaco_nat\b/;

/**
 * Splits `nft monitor` output into transactions (ended by `# new generation`) and says which
 * ones may concern the firewall: all but those touching only `table ip jaco_nat` (re-applied
 * every 10 s by the published-ports loop). A transaction without event lines (e.g.
 * `nft flush table`) counts.
 */
export class MonitorBatch {
  #relevant = false;
  #events = 0;

  /** Feeds one line; true when it ends a transaction that may concern the firewall. */
  line(line: string): boolean {
    const text = line.trim();
    if (text === "") return false;
    if (generationLine.test(text)) {
      const relevant = this.#relevant || this.#events === 0;
      this.#relevant = false;
      this.#events = 0;
      return relevant;
    }
    this.#events++;
    if (!otherJacoTable.test(text)) this.#relevant = true;
    return false;
  }
}

/** In-memory backend: keeps the last applied ruleset's model; `fail*` inject faults. */
export class MemoryFirewall implements FirewallBackend {
  /** The listing returned by {@link list} (set by tests to simulate drift). */
  document: unknown = { nftables: [] };
  /** Rulesets applied, in order. */
  readonly applied: string[] = [];
  /** When false, {@link available} reports nft missing. */
  nftPresent = true;
  /** When set, {@link apply} fails with this text. */
  failApply: string | undefined;

  /** @inheritdoc */
  available(): Promise<boolean> {
    return Promise.resolve(this.nftPresent);
  }

  /** @inheritdoc */
  list(): Promise<unknown> {
    return Promise.resolve(structuredClone(this.document));
  }

  /** @inheritdoc */
  apply(ruleset: string): Promise<void> {
    if (this.failApply !== undefined) {
      return Promise.reject(new JacoError("isolation_unavailable", this.failApply));
    }
    this.applied.push(ruleset);
    this.document = listingOf(parseRendered(ruleset));
    for (const watcher of this.#watchers) watcher();
    return Promise.resolve();
  }

  /** @inheritdoc */
  exempt(): Promise<ExemptionFailure[]> {
    return Promise.resolve([]);
  }

  readonly #watchers = new Set<() => void>();

  /** @inheritdoc */
  watch(onChange: () => void, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    this.#watchers.add(onChange);
    return new Promise((resolve) => {
      signal.addEventListener("abort", () => {
        this.#watchers.delete(onChange);
        resolve();
      }, { once: true });
    });
  }

  /** Changes {@link document} as an operator would by hand, and tells the watchers. */
  tamper(change: (document: { nftables: Record<string, unknown>[] }) => void): void {
    change(this.document as { nftables: Record<string, unknown>[] });
    for (const watcher of this.#watchers) watcher();
  }
}

async function iptables(args: string[]): Promise<string> {
  const out = await run("iptables", args);
  if (out.code !== 0) {
    throw new Error(`iptables ${args.join(" ")} failed: ${(out.stderr || out.stdout).trim()}`);
  }
  return out.stdout;
}

function run(command: string, args: string[]): Promise<HostCommandOutput> {
  return runHostCommand(command, args);
}
