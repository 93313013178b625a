/**
 * One member of the raft benchmark cluster (tests/bench/raft.ts): a
 * RaftDriver on SQLite storage (fsync on) and the mutual-TLS transport, plus
 * an HTTP/1.1 endpoint on 127.0.0.1:
 *
 * - `POST /put?key=<k>` with the value as body: proposes and answers 200
 *   once applied here; a follower answers 307 to the leader's endpoint, and
 *   503 while no leader is known;
 * - `GET /status`: the driver's status as JSON.
 *
 * Usage: deno run -A tests/bench/_raft_server.ts <config.json>
 */
import {
  type Entry,
  RaftDriver,
  type Snapshot,
  SqliteStorage,
  TlsTransport,
} from "../../raft/mod.ts";

/** What the bench writes into each member's config file. */
export interface ServerConfig {
  id: string;
  dataDir: string;
  raftPort: number;
  httpPort: number;
  /** Raft address of every member, id → host:port. */
  peers: Record<string, string>;
  /** HTTP endpoint of every member, id → URL. */
  http: Record<string, string>;
  ca: string;
  cert: string;
  key: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The replicated map: key → value; snapshots are one JSON document. */
class KvMap {
  data = new Map<string, string>();
  apply(entry: Entry): void {
    const text = decoder.decode(entry.data);
    const at = text.indexOf("\n");
    this.data.set(text.slice(0, at), text.slice(at + 1));
  }
  snapshot(): Uint8Array {
    return encoder.encode(JSON.stringify([...this.data]));
  }
  restore(snapshot: Snapshot): void {
    this.data = new Map(JSON.parse(decoder.decode(snapshot.data)));
  }
}

const config: ServerConfig = JSON.parse(await Deno.readTextFile(Deno.args[0]));
const transport = await TlsTransport.listen({
  id: config.id,
  hostname: "127.0.0.1",
  port: config.raftPort,
  ca: config.ca,
  cert: config.cert,
  key: config.key,
});
const driver = await RaftDriver.start({
  id: config.id,
  storage: await SqliteStorage.open({ dir: `${config.dataDir}/raft` }),
  transport,
  stateMachine: new KvMap(),
  bootstrap: { voters: Object.keys(config.peers), learners: [] },
  peers: config.peers,
});

async function put(request: Request, url: URL): Promise<Response> {
  const key = url.searchParams.get("key") ?? "";
  const value = await request.text();
  const status = driver.status();
  if (status.role !== "leader") {
    const target = config.http[status.leader];
    if (!target) return new Response("no leader\n", { status: 503 });
    return new Response(null, { status: 307, headers: { location: `${target}/put?key=${key}` } });
  }
  try {
    const applied = await driver.propose(encoder.encode(`${key}\n${value}`));
    return new Response(`${applied.index}\n`);
  } catch (err) {
    return new Response(`${(err as Error).message}\n`, { status: 503 });
  }
}

Deno.serve({ hostname: "127.0.0.1", port: config.httpPort, onListen: () => {} }, (request) => {
  const url = new URL(request.url);
  if (request.method === "POST" && url.pathname === "/put") return put(request, url);
  if (url.pathname === "/status") return Response.json(driver.status());
  return new Response("not found\n", { status: 404 });
});
console.log("LISTENING");
