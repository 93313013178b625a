/**
 * Scenarios as data (the etcd-raft idiom): each `testdata/*.txt` file is a
 * list of `> command` lines, each followed by the output it must produce.
 * Run `deno test -A raft/scenarios_data_test.ts -- --update` to rewrite the
 * transcripts from the current behaviour, then review the diff.
 *
 * Commands: `cluster seed=N nodes=a,b,c [key=value…]` (RaftConfig knobs),
 * `run MS`, `leader MAX_MS`, `status`, `propose ID TEXT`, `conf ID TYPE NODE`,
 * `transfer FROM TO`, `read ID CONTEXT`, `reads`, `partition a,b|c`, `heal`,
 * `crash ID`, `restart ID`, `add-node ID`, `faults key=value…`, `safety`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { SimCluster } from "./sim/cluster.ts";
import type { ConfChangeType, ProposeResult, RaftConfig } from "./types.ts";

const update = Deno.args.includes("--update");
const dir = new URL("./testdata/", import.meta.url);
const decoder = new TextDecoder();

function describe(result: ProposeResult): string {
  return result.ok
    ? `ok index=${result.index} term=${result.term}`
    : `refused ${result.reason} leader=${result.leader || "-"}`;
}

function options(args: string[]): Record<string, string> {
  return Object.fromEntries(args.map((a) => a.split("=") as [string, string]));
}

function parseValue(text: string): unknown {
  if (text === "true" || text === "false") return text === "true";
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (text.includes(",")) return text.split(",").map(Number);
  return text;
}

/** Executes one scenario file's commands and returns its transcript. */
function run(commands: string[]): string {
  let cluster: SimCluster | undefined;
  let reads: string[] = [];
  const out: string[] = [];
  const need = () => {
    if (!cluster) throw new Error("`cluster` must come first");
    return cluster;
  };
  for (const line of commands) {
    out.push(`> ${line}`);
    const [name, ...args] = line.split(/\s+/);
    const c = name === "cluster" ? undefined : need();
    switch (name) {
      case "cluster": {
        const { seed, nodes, ...rest } = options(args);
        const config = Object.fromEntries(
          Object.entries(rest).map(([k, v]) => [k, parseValue(v)]),
        ) as Partial<RaftConfig>;
        cluster = new SimCluster({ seed: Number(seed), nodes: nodes.split(","), config });
        cluster.onReadState((id, rs) =>
          reads.push(`${id} index=${rs.index} ctx=${decoder.decode(rs.context)}`)
        );
        out.push("ok");
        break;
      }
      case "run":
        c!.runFor(Number(args[0]));
        out.push(`now=${c!.now}ms`);
        break;
      case "leader": {
        const found = c!.runUntil(() => c!.leader() !== undefined, Number(args[0]));
        const id = c!.leader();
        out.push(
          found ? `${id} leads term ${c!.node(id!).status().term} at ${c!.now}ms` : "no leader",
        );
        break;
      }
      case "status":
        for (const id of c!.members()) {
          if (!c!.isUp(id)) {
            out.push(`${id} down`);
            continue;
          }
          const s = c!.node(id).status();
          out.push(
            `${id} ${s.role} term=${s.term} leader=${s.leader || "-"} commit=${s.commit} ` +
              `applied=${s.applied} last=${s.lastIndex} voters=${s.conf.voters.join(",") || "-"} ` +
              `learners=${s.conf.learners.join(",") || "-"}`,
          );
        }
        break;
      case "propose":
        out.push(describe(c!.propose(args[0], new TextEncoder().encode(args[1] ?? ""))));
        break;
      case "conf":
        out.push(
          describe(
            c!.node(args[0]).proposeConfChange({ type: args[1] as ConfChangeType, node: args[2] }),
          ),
        );
        break;
      case "transfer":
        c!.node(args[0]).transferLeadership(args[1]);
        out.push("ok");
        break;
      case "read":
        c!.readIndex(args[0], new TextEncoder().encode(args[1]));
        out.push("ok");
        break;
      case "reads":
        out.push(...(reads.length > 0 ? reads : ["none"]));
        reads = [];
        break;
      case "partition":
        c!.partition(args.join(" ").split("|").map((g) => g.trim().split(",")));
        out.push("ok");
        break;
      case "heal":
        c!.heal();
        out.push("ok");
        break;
      case "crash":
        c!.crash(args[0]);
        out.push("ok");
        break;
      case "restart":
        c!.restart(args[0]);
        out.push("ok");
        break;
      case "add-node":
        c!.addNode(args[0]);
        out.push("ok");
        break;
      case "faults":
        c!.setFaults(Object.fromEntries(args.map((a) => {
          const [k, v] = a.split("=");
          return [k, parseValue(v)];
        })));
        out.push("ok");
        break;
      case "safety": {
        const violations = c!.checkSafety();
        out.push(...(violations.length > 0 ? violations : ["ok"]));
        break;
      }
      default:
        throw new Error(`unknown scenario command: ${line}`);
    }
  }
  return out.join("\n") + "\n";
}

for await (const entry of Deno.readDir(dir)) {
  if (!entry.name.endsWith(".txt")) continue;
  Deno.test(`scenario file ${entry.name} matches its transcript`, async () => {
    const url = new URL(entry.name, dir);
    const text = await Deno.readTextFile(url);
    const commands = text.split("\n").filter((l) => l.startsWith("> ")).map((l) =>
      l.slice(2).trim()
    );
    const comments = text.split("\n").filter((l) => l.startsWith("#"));
    const actual = [...comments, run(commands)].join("\n");
    if (update) await Deno.writeTextFile(url, actual);
    else assert.equal(actual, text);
  });
}
