/**
 * The data directory layout of one node (auth-and-config.md §10.2, architecture.md §11) and the
 * file operations on it: whether the node is a cluster member (`raft/log.db` exists), and the
 * node TLS material under `node/` with the modes the spec gives (dirs 0700, key 0600, certs
 * 0644).
 *
 * Decision: the data dir itself is created 0750 (the spec allows 0700/0750; 0750 lets an
 * operator in group `jaco` read `node/ca.crt`'s parent listing for `--ca-cert`). Modes are set
 * with an explicit chmod after writing, so the process umask cannot widen or narrow them.
 *
 * @module
 */

/** Paths inside one data dir. */
export interface DataDirLayout {
  /** The data dir root. */
  readonly root: string;
  /** Raft storage directory (`SqliteStorage` dir). */
  readonly raftDir: string;
  /** Raft log + stable store; its existence means "this node is a cluster member". */
  readonly logDb: string;
  /** TLS material directory. */
  readonly nodeDir: string;
  /** Cluster CA certificate (the CLI's default `--ca-cert`). */
  readonly caCert: string;
  /** This node's private key. */
  nodeKey(hostname: string): string;
  /** This node's CA-signed certificate. */
  nodeCert(hostname: string): string;
}

/** The node's TLS material as PEM text. */
export interface NodeTls {
  /** Cluster CA certificate. */
  caPem: string;
  /** This node's certificate. */
  certPem: string;
  /** This node's private key. */
  keyPem: string;
}

/**
 * The layout rooted at `root`.
 *
 * @example
 * ```ts
 * dataDirLayout("/var/lib/jaco").logDb; // "/var/lib/jaco/raft/log.db"
 * ```
 */
export function dataDirLayout(root: string): DataDirLayout {
  const base = root.endsWith("/") && root.length > 1 ? root.slice(0, -1) : root;
  const nodeDir = `${base}/node`;
  return {
    root: base,
    raftDir: `${base}/raft`,
    logDb: `${base}/raft/log.db`,
    nodeDir,
    caCert: `${nodeDir}/ca.crt`,
    nodeKey: (hostname) => `${nodeDir}/${hostname}.key`,
    nodeCert: (hostname) => `${nodeDir}/${hostname}.crt`,
  };
}

/** Creates the data dir root (0750) if missing. */
export async function ensureDataDir(layout: DataDirLayout): Promise<void> {
  await Deno.mkdir(layout.root, { recursive: true, mode: 0o750 });
}

/** True when `raft/log.db` exists: the node belongs to a cluster and resumes on start. */
export async function isClusterMember(layout: DataDirLayout): Promise<boolean> {
  try {
    await Deno.lstat(layout.logDb);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** Creates `raft/` with mode 0700 before the storage opens it. */
export async function ensureRaftDir(layout: DataDirLayout): Promise<void> {
  await Deno.mkdir(layout.raftDir, { recursive: true, mode: 0o700 });
  await Deno.chmod(layout.raftDir, 0o700);
}

async function writeWithMode(path: string, text: string, mode: number): Promise<void> {
  await Deno.writeTextFile(path, text, { mode });
  await Deno.chmod(path, mode);
}

/** Writes `node/<hostname>.key` (0600), `node/<hostname>.crt` and `node/ca.crt` (0644). */
export async function writeNodeTls(
  layout: DataDirLayout,
  hostname: string,
  tls: NodeTls,
): Promise<void> {
  await Deno.mkdir(layout.nodeDir, { recursive: true, mode: 0o700 });
  await Deno.chmod(layout.nodeDir, 0o700);
  await writeWithMode(layout.nodeKey(hostname), tls.keyPem, 0o600);
  await writeWithMode(layout.nodeCert(hostname), tls.certPem, 0o644);
  await writeWithMode(layout.caCert, tls.caPem, 0o644);
}

/**
 * Reads the node's TLS material (needed to resume raft and the gRPC listener).
 *
 * @throws {Deno.errors.NotFound} when a file is missing (a member without its certificates)
 */
export async function readNodeTls(layout: DataDirLayout, hostname: string): Promise<NodeTls> {
  const [caPem, certPem, keyPem] = await Promise.all([
    Deno.readTextFile(layout.caCert),
    Deno.readTextFile(layout.nodeCert(hostname)),
    Deno.readTextFile(layout.nodeKey(hostname)),
  ]);
  return { caPem, certPem, keyPem };
}
