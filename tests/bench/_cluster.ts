/**
 * The two systems the raft benchmark compares, behind one shape: a 3-member
 * JACO raft cluster (tests/bench/_raft_server.ts processes: RaftDriver, SQLite
 * with fsync, mutual-TLS transport) and a 3-member etcd cluster (Debian
 * `etcd-server`, fsync on, peer traffic on mutual TLS with the same CA).
 * Both run on loopback with data dirs under one temp dir.
 *
 * @module
 */
import { mintCa } from "../_pki.ts";

/** One running benchmark cluster. */
export interface BenchCluster {
  name: string;
  /** Client URL of each member, by id. */
  urls: Map<string, string>;
  /** Client URL of the current leader (waits until there is one). */
  leaderUrl(): Promise<string>;
  /** One write; true when it committed. */
  put(url: string, key: string, value: string, signal?: AbortSignal): Promise<boolean>;
  kill(id: string): Promise<void>;
  restart(id: string): Promise<void>;
  /** Resolves once `id` is up and has caught up with the leader. */
  healthy(id: string): Promise<void>;
  stop(): Promise<void>;
}

/** Finds a free loopback TCP port. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** Polls `probe` every 20 ms until it returns a value. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch {
      // Not up yet: keep polling until the deadline.
    }
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Member {
  id: string;
  args: string[];
  command: string;
  proc?: Deno.ChildProcess;
}

function spawn(member: Member): void {
  member.proc = new Deno.Command(member.command, {
    args: member.args,
    stdout: "null",
    stderr: Deno.env.get("JACO_BENCH_STDERR") ? "inherit" : "null",
  }).spawn();
}

async function killMember(member: Member): Promise<void> {
  if (!member.proc) return;
  try {
    member.proc.kill("SIGKILL");
  } catch {
    // Already exited: nothing to kill.
  }
  await member.proc.status;
  member.proc = undefined;
}

/** Certificates for members `ids`, signed by one fresh CA, written under `dir`. */
async function writePki(dir: string, ids: string[]) {
  const ca = await mintCa("jaco bench ca");
  await Deno.writeTextFile(`${dir}/ca.pem`, ca.cert);
  const out = new Map<string, { cert: string; key: string; certFile: string; keyFile: string }>();
  for (const id of ids) {
    const pair = await ca.sign({ commonName: id });
    await Deno.writeTextFile(`${dir}/${id}.crt`, pair.cert);
    await Deno.writeTextFile(`${dir}/${id}.key`, pair.key);
    out.set(id, { ...pair, certFile: `${dir}/${id}.crt`, keyFile: `${dir}/${id}.key` });
  }
  return { ca: ca.cert, caFile: `${dir}/ca.pem`, members: out };
}

/** Starts the JACO raft cluster under `root`. */
export async function startRaftCluster(root: string): Promise<BenchCluster> {
  await Deno.mkdir(root, { recursive: true });
  const ids = ["a", "b", "c"];
  const pki = await writePki(root, ids);
  const raftPorts = new Map(ids.map((id) => [id, freePort()]));
  const httpPorts = new Map(ids.map((id) => [id, freePort()]));
  const urls = new Map(ids.map((id) => [id, `http://127.0.0.1:${httpPorts.get(id)}`]));
  const server = new URL("./_raft_server.ts", import.meta.url).pathname;
  const members = new Map<string, Member>();
  for (const id of ids) {
    const file = `${root}/${id}.json`;
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        id,
        dataDir: `${root}/${id}`,
        raftPort: raftPorts.get(id),
        httpPort: httpPorts.get(id),
        peers: Object.fromEntries(ids.map((p) => [p, `127.0.0.1:${raftPorts.get(p)}`])),
        http: Object.fromEntries(urls),
        ca: pki.ca,
        cert: pki.members.get(id)!.cert,
        key: pki.members.get(id)!.key,
      }),
    );
    const member = { id, command: Deno.execPath(), args: ["run", "-A", server, file] };
    members.set(id, member);
    spawn(member);
  }
  const status = async (id: string) => {
    const response = await fetch(`${urls.get(id)}/status`);
    return await response.json() as {
      role: string;
      leader: string;
      commit: number;
      applied: number;
    };
  };
  const cluster: BenchCluster = {
    name: "jaco-raft",
    urls,
    leaderUrl: () =>
      waitFor(async () => {
        for (const [id, member] of members) {
          if (!member.proc) continue;
          const s = await status(id).catch(() => undefined);
          if (s?.role === "leader") return urls.get(id);
        }
        return undefined;
      }, "a raft leader"),
    put: async (url, key, value, signal) => {
      const response = await fetch(`${url}/put?key=${encodeURIComponent(key)}`, {
        method: "POST",
        body: value,
        redirect: "manual",
        signal,
      });
      await response.body?.cancel();
      return response.status === 200;
    },
    kill: (id) => killMember(members.get(id)!),
    restart: (id) => Promise.resolve(spawn(members.get(id)!)),
    healthy: async (id) => {
      const leader = await cluster.leaderUrl();
      const leaderId = [...urls].find(([, u]) => u === leader)![0];
      const target = (await status(leaderId)).commit;
      await waitFor(
        async () => (await status(id)).applied >= target ? true : undefined,
        `${id} to catch up`,
      );
    },
    stop: async () => {
      for (const member of members.values()) await killMember(member);
    },
  };
  await waitFor(async () => {
    for (const id of ids) await status(id);
    return true;
  }, "raft members to listen");
  return cluster;
}

const b64 = (text: string) => btoa(text);

/** Starts a 3-member etcd cluster under `root` (peer mTLS with a fresh CA, fsync on). */
export async function startEtcdCluster(root: string): Promise<BenchCluster> {
  await Deno.mkdir(root, { recursive: true });
  const ids = ["e0", "e1", "e2"];
  const pki = await writePki(root, ids);
  const peerPorts = new Map(ids.map((id) => [id, freePort()]));
  const clientPorts = new Map(ids.map((id) => [id, freePort()]));
  const urls = new Map(ids.map((id) => [id, `http://127.0.0.1:${clientPorts.get(id)}`]));
  const initial = ids.map((id) => `${id}=https://127.0.0.1:${peerPorts.get(id)}`).join(",");
  const members = new Map<string, Member>();
  for (const id of ids) {
    const tls = pki.members.get(id)!;
    const member = {
      id,
      command: "/usr/bin/etcd",
      args: [
        `--name=${id}`,
        `--data-dir=${root}/${id}`,
        `--listen-client-urls=${urls.get(id)}`,
        `--advertise-client-urls=${urls.get(id)}`,
        `--listen-peer-urls=https://127.0.0.1:${peerPorts.get(id)}`,
        `--initial-advertise-peer-urls=https://127.0.0.1:${peerPorts.get(id)}`,
        `--initial-cluster=${initial}`,
        "--initial-cluster-state=new",
        "--initial-cluster-token=jaco-bench",
        `--peer-cert-file=${tls.certFile}`,
        `--peer-key-file=${tls.keyFile}`,
        `--peer-trusted-ca-file=${pki.caFile}`,
        "--peer-client-cert-auth",
        "--logger=zap",
        "--log-level=error",
      ],
    };
    members.set(id, member);
    spawn(member);
  }
  const status = async (id: string) => {
    const response = await fetch(`${urls.get(id)}/v3/maintenance/status`, {
      method: "POST",
      body: "{}",
    });
    const body = await response.json() as {
      header: { member_id: string; raft_term: string };
      leader: string;
      raftIndex: string;
      raftAppliedIndex?: string;
    };
    return body;
  };
  const cluster: BenchCluster = {
    name: "etcd",
    urls,
    leaderUrl: () =>
      waitFor(async () => {
        for (const [id, member] of members) {
          if (!member.proc) continue;
          const s = await status(id).catch(() => undefined);
          if (s && s.leader && s.leader !== "0" && s.leader === s.header.member_id) {
            return urls.get(id);
          }
        }
        return undefined;
      }, "an etcd leader"),
    put: async (url, key, value, signal) => {
      const response = await fetch(`${url}/v3/kv/put`, {
        method: "POST",
        body: JSON.stringify({ key: b64(key), value: b64(value) }),
        signal,
      });
      const text = await response.text();
      return response.status === 200 && !text.includes('"error"');
    },
    kill: (id) => killMember(members.get(id)!),
    restart: (id) => Promise.resolve(spawn(members.get(id)!)),
    healthy: async (id) => {
      const leader = await cluster.leaderUrl();
      const leaderId = [...urls].find(([, u]) => u === leader)![0];
      const target = Number((await status(leaderId)).raftIndex);
      await waitFor(
        async () => Number((await status(id)).raftIndex) >= target ? true : undefined,
        `${id} to catch up`,
      );
    },
    stop: async () => {
      for (const member of members.values()) await killMember(member);
    },
  };
  await cluster.leaderUrl();
  return cluster;
}
