/**
 * The composition root of one `jacod` (architecture.md §12): config → data dir → local JSON API
 * on the unix socket (served at once, behind the pre-init gate) → raft member (resumed when
 * `raft/log.db` exists) → the gRPC TLS listener once the node has its CA-signed certificate.
 * `Cluster.Init` runs here, serialized by a mutex (cluster.md §1.1, §2).
 *
 * Decisions where the spec is silent or the reference differs:
 * - The TCP listener starts only once the node has its CA-signed certificate (after init, or
 *   at boot for a member) instead of presenting a throwaway bootstrap certificate before: the
 *   only TCP methods allowed pre-init (`Status`) are answered as well from the socket, and a
 *   listener swap would need a second server under Deno (see `api/grpc_server.ts`).
 * - Raft is opened once for init and kept (no close-and-reopen of the "temporary" handle): the
 *   driver is the same object in both phases here.
 * - A failed init (no leadership in 10 s, apply failure) closes raft and removes the `raft/`
 *   and `node/` directories it created, so the operator can simply run init again; nothing was
 *   committed that any other node could know about.
 * - A member whose raft cannot be reopened at boot stays uninitialized with a WARN (§12.7); init
 *   is then still refused because `log.db` exists.
 *
 * @module
 */
import {
  ClusterInitResponse,
  type ClusterJoinRequest,
  ClusterJoinResponse,
  type ClusterStatusResponse,
  Command,
  type IssueJoinTokenResponse,
  type NodeRemoveRequest,
  type NodeRemoveResponse,
  SubmitResponse,
} from "../../proto/mod.ts";
import { JacoError } from "../../proto/errors.ts";
import type { RaftDriver } from "../../raft/mod.ts";
import { ClusterState } from "../../state/mod.ts";
import {
  type CallContext,
  createDispatcher,
  createGrpcServer,
  createLocalApp,
  type Dispatcher,
  type GrpcApiServer,
  type HandlerTable,
  type LocalServer,
  serveLocal,
  standardGates,
} from "../api/mod.ts";
import type { ResolvedAddresses } from "../addresses.ts";
import type { DaemonConfig } from "../config.ts";
import { formatHostPort } from "../host_port.ts";
import type { LocalInterface } from "../pki.ts";
import type { RandomSource } from "../secrets.ts";
import { tokenAuthenticator } from "./authenticate.ts";
import {
  type DataDirLayout,
  dataDirLayout,
  ensureDataDir,
  ensureRaftDir,
  isClusterMember,
  type NodeTls,
  readNodeTls,
  writeNodeTls,
} from "./data_dir.ts";
import { clusterInitCommand, createBootstrapMaterial, nodeCertificateIps } from "./init.ts";
import type { DaemonLogger } from "./log.ts";
import { openRaftMember, type RaftMemberOptions, waitForLeadership } from "./raft_member.ts";
import { clusterStatus } from "./status.ts";
import { joinCluster } from "./join.ts";
import { issueJoinToken } from "./join_token.ts";
import { nodeJoin } from "./node_join.ts";
import { readJoinRecord, writeJoinRecord } from "./join_record.ts";
import { startVoters, type VoterRunner } from "./voters.ts";
import { type MemberLoop, startMemberLoops } from "./member_loops.ts";
import { subnetService } from "../network/ensure_subnet.ts";
import { LeaderRpcClient, PeerSubmitClient } from "./forward.ts";
import { onLeader, onLeaderStream } from "./leader_forward.ts";
import { NODE_REMOVE_CALL_DEADLINE_MS, nodeRemove } from "./node_remove.ts";
import { abortableSleep } from "./node_remove_drain.ts";
import { QuorumJudge } from "./quorum.ts";
import {
  type CommandSubmitter,
  createSubmitter,
  leaderGrpcAddress,
  submitOnLeader,
} from "./submit.ts";
import { issueToken, listTokens, revokeToken, type TokenDeps } from "./tokens.ts";
import { nodeList } from "./node_list.ts";
import { auditQueryHandler } from "./audit_handler.ts";
import { publishGrpcAddress } from "./self_publish.ts";
import { backupForwardDeadlineMs, takeBackup } from "./backup.ts";
import { completeRestore } from "./restore_boot.ts";
import { RESTORE_MARKER_FILE } from "../backup/mod.ts";
import { deployHandlers, PeerLogsClient, runtimeLogReader } from "../deploy/mod.ts";
import {
  addRegistryCredential,
  listRegistryCredentials,
  removeRegistryCredential,
} from "../registry/mod.ts";
import denoConfig from "../../deno.json" with { type: "json" };

/** Inputs of {@link JacoNode.start}; side effects injected for tests. */
export interface JacoNodeOptions {
  /** Validated config (`nodeName` is the raft id and certificate name). */
  config: DaemonConfig;
  /** Resolved bind/advertise addresses. */
  addresses: ResolvedAddresses;
  /** Host interfaces (node certificate IP SANs). */
  interfaces: readonly LocalInterface[];
  /** Logger. */
  log: DaemonLogger;
  /** Clock (default `new Date()`). */
  now?: () => Date;
  /** Random bytes (default the CSPRNG). */
  random?: RandomSource;
  /** Leadership wait of init (default 10 000 ms, polled every 50 ms). */
  leaderWaitMs?: number;
  /** Raft driver tuning (tests). */
  raftTuning?: RaftMemberOptions["tuning"];
}

/** One running daemon (see module doc). */
export class JacoNode {
  #o: JacoNodeOptions;
  #layout: DataDirLayout;
  #state = new ClusterState();
  #raft: RaftDriver | undefined;
  #grpc: GrpcApiServer | undefined;
  #grpcPort: number | undefined;
  #local: LocalServer | undefined;
  #initLock: Promise<unknown> = Promise.resolve();
  #stopped = false;
  #stopping = new AbortController();
  #dispatcher: Dispatcher | undefined;
  #voters: VoterRunner | undefined;
  #loops: MemberLoop | undefined;
  #meshMode = "unavailable";
  #tls: NodeTls | undefined;
  #peers = new PeerSubmitClient(() => this.#tls);
  #leaderRpc = new LeaderRpcClient(() => this.#tls);
  #peerLogs = new PeerLogsClient(() => this.#tls);
  #submitter: CommandSubmitter;
  #quorum = new QuorumJudge();
  #subnets = subnetService({
    pool: () => this.#o.config.ipamPool,
    raft: () => this.#raft,
    view: () => this.#state.view(),
    isLeader: () => this.#raft?.status().role === "leader",
    submit: (payload, identity) => this.#submitter.submit(payload, identity),
    call: (address, path, body) => this.#leaderRpc.call(address, path, body),
    log: () => this.#o.log,
  });

  private constructor(options: JacoNodeOptions) {
    this.#o = options;
    this.#layout = dataDirLayout(options.config.dataDir);
    this.#submitter = createSubmitter({
      raft: () => this.#raft,
      view: () => this.#state.view(),
      now: options.now ?? (() => new Date()),
      forward: (address, bytes) => this.#peers.submit(address, bytes),
      quorum: this.#quorum,
    });
  }

  /**
   * Creates the data dir, serves the socket and resumes raft when the node is a member.
   *
   * @throws {SocketInUseError} / {NotASocketError} when the socket path cannot be served
   */
  static async start(options: JacoNodeOptions): Promise<JacoNode> {
    const node = new JacoNode(options);
    await ensureDataDir(node.#layout);
    node.#dispatcher = createDispatcher(
      node.#table(),
      standardGates({
        isInitialized: () => node.initialized,
        authenticate: tokenAuthenticator(() => node.#state.view()),
        log: (message, attributes) => options.log.debug(message, attributes),
      }),
    );
    node.#local = await serveLocal(createLocalApp(node.#dispatcher), options.config.unixSocket);
    options.log.info("serving local control API", { socket: options.config.unixSocket });
    if (await isClusterMember(node.#layout)) {
      try {
        const tls = await readNodeTls(node.#layout, options.config.nodeName);
        const joined = await readJoinRecord(node.#layout);
        node.#raft = await node.#openRaft(tls, undefined, joined?.peers);
        node.#startVoters();
        await node.#serveGrpc(tls);
        options.log.info("resumed cluster membership from raft state", {
          raft_dir: node.#layout.raftDir,
        });
        node.#announceClusterOnceApplied();
      } catch (error) {
        options.log.warn("cannot resume raft state; staying uninitialized", {
          error: (error as Error).message,
        });
      }
    }
    return node;
  }

  /** True once raft runs on this node (after init, or resumed at boot). */
  get initialized(): boolean {
    return this.#raft !== undefined;
  }

  /** The bound gRPC port, once the TCP listener runs. */
  get grpcPort(): number | undefined {
    return this.#grpcPort;
  }

  /** Commits commands through raft from this node (apply-or-forward; see `submit.ts`). */
  get submitter(): CommandSubmitter {
    return this.#submitter;
  }

  /** `Cluster.Status` from local state. */
  status(): ClusterStatusResponse {
    return clusterStatus({
      nodes: this.#raft ? this.#state.view().nodes() : [],
      raft: this.#raft?.status(),
      meshMode: this.#meshMode,
    });
  }

  /**
   * `Cluster.Init` (cluster.md §2), single-flight.
   *
   * @throws {JacoError} `cluster_already_initialized`, `no_leader`, `raft_apply_failed`
   */
  init(): Promise<ClusterInitResponse> {
    const run = this.#initLock.then(() => this.#init());
    this.#initLock = run.catch(() => undefined);
    return run;
  }

  /**
   * `Cluster.Join` (cluster.md §3.2), single-flight with init: joins through `peer_addr`,
   * persists the node files and `node/join.json`, opens raft non-bootstrapped and serves gRPC.
   * A failure after the files were written removes them again (the token may be spent; the
   * operator issues a new one).
   *
   * @throws {JacoError} `cluster_already_initialized`, `validation_failed`, the peer's refusal
   */
  join(request: ClusterJoinRequest): Promise<ClusterJoinResponse> {
    const run = this.#initLock.then(() => this.#join(request));
    this.#initLock = run.catch(() => undefined);
    return run;
  }

  /** Stops the listeners (ending open streams), then raft. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stopping.abort();
    await this.#voters?.stop();
    await this.#loops?.stop();
    await Promise.allSettled([this.#local?.shutdown(), this.#grpc?.shutdown()]);
    this.#peers.close();
    this.#leaderRpc.close();
    this.#peerLogs.close();
    await this.#raft?.close();
  }

  async #init(): Promise<ClusterInitResponse> {
    const { config, addresses, log } = this.#o;
    if (this.initialized || await isClusterMember(this.#layout)) {
      throw new JacoError(
        "cluster_already_initialized",
        `node "${config.nodeName}" already belongs to a cluster (${this.#layout.logDb} exists)`,
        { log_db: this.#layout.logDb },
      );
    }
    const now = (this.#o.now ?? (() => new Date()))();
    const material = await createBootstrapMaterial({
      hostname: config.nodeName,
      ips: nodeCertificateIps({
        interfaces: this.#o.interfaces,
        grpcHost: addresses.listenAddr.host,
        raftHost: addresses.clusterAddr.host,
        hostname: config.nodeName,
      }),
      now,
      random: this.#o.random,
    });
    let raft: RaftDriver | undefined;
    try {
      await writeNodeTls(this.#layout, config.nodeName, material.node);
      await ensureRaftDir(this.#layout);
      raft = await this.#openRaft(material.node, { voters: [config.nodeName], learners: [] });
      await waitForLeadership(raft, { timeoutMs: this.#o.leaderWaitMs ?? 10_000, pollMs: 50 });
      const command = clusterInitCommand(material, {
        hostname: config.nodeName,
        raftAddress: formatHostPort(addresses.clusterAddr),
        now,
      });
      await raft.propose(Command.encode(command).finish());
    } catch (error) {
      await raft?.close();
      await Deno.remove(this.#layout.raftDir, { recursive: true }).catch(() => undefined);
      await Deno.remove(this.#layout.nodeDir, { recursive: true }).catch(() => undefined);
      log.error("cluster init failed; raft and node state removed", {
        error: (error as Error).message,
      });
      throw error;
    }
    this.#raft = raft;
    this.#startVoters();
    log.info("cluster initialized", { cluster_id: material.clusterId, node: config.nodeName });
    await this.#serveGrpc(material.node);
    this.#publishSelf();
    return ClusterInitResponse.fromPartial({
      clusterId: material.clusterId,
      operatorToken: material.operatorToken,
    });
  }

  /**
   * After a resume the log replays asynchronously; logs which cluster this node belongs to once
   * `ClusterMeta` is applied (polled every 50 ms, given up after 30 s or on stop).
   */
  #announceClusterOnceApplied(): void {
    const deadline = Date.now() + 30_000;
    const poll = () => {
      if (this.#stopped) return;
      const meta = this.#state.view().clusterMeta();
      if (meta) {
        this.#o.log.info("cluster state loaded", {
          cluster_id: meta.clusterId,
          applied_index: this.#state.appliedIndex,
        });
        this.#publishSelf();
        this.#completeRestore();
      } else if (Date.now() < deadline) setTimeout(poll, 50);
      else this.#o.log.warn("cluster metadata not applied 30 s after resuming raft");
    };
    poll();
  }

  async #join(request: ClusterJoinRequest): Promise<ClusterJoinResponse> {
    const { config, addresses, log } = this.#o;
    if (this.initialized || await isClusterMember(this.#layout)) {
      throw new JacoError(
        "cluster_already_initialized",
        `node "${config.nodeName}" already belongs to a cluster (${this.#layout.logDb} exists)`,
        { log_db: this.#layout.logDb },
      );
    }
    const result = await joinCluster({
      peerAddr: request.peerAddr,
      joinToken: request.joinToken,
      caFingerprint: request.caFingerprint,
      hostname: config.nodeName,
      ips: nodeCertificateIps({
        interfaces: this.#o.interfaces,
        grpcHost: addresses.listenAddr.host,
        raftHost: addresses.clusterAddr.host,
        hostname: config.nodeName,
      }),
      raftAddress: formatHostPort(addresses.clusterAddr),
      grpcAddress: formatHostPort(addresses.listenAddr),
    });
    let raft: RaftDriver | undefined;
    try {
      await writeNodeTls(this.#layout, config.nodeName, result.tls);
      await writeJoinRecord(this.#layout, {
        clusterId: result.clusterId,
        peerAddrs: result.peerAddrs,
        hostname: config.nodeName,
        advertise: formatHostPort(addresses.clusterAddr),
        peers: result.peers,
      });
      await ensureRaftDir(this.#layout);
      raft = await this.#openRaft(result.tls, undefined, result.peers);
    } catch (error) {
      await raft?.close();
      await Deno.remove(this.#layout.raftDir, { recursive: true }).catch(() => undefined);
      await Deno.remove(this.#layout.nodeDir, { recursive: true }).catch(() => undefined);
      log.error("cluster join failed after the leader admitted this node; local state removed", {
        error: (error as Error).message,
      });
      throw error;
    }
    this.#raft = raft;
    this.#startVoters();
    log.info("joined cluster", { cluster_id: result.clusterId, node: config.nodeName });
    await this.#serveGrpc(result.tls);
    return ClusterJoinResponse.fromPartial({});
  }

  /**
   * Runs on any member: the token is minted here and its one write is forwarded to the leader
   * when this member follows (see `leader_forward.ts`); the leader's address comes first.
   */
  #issueJoinToken(identity: string, ttlSeconds: number): Promise<IssueJoinTokenResponse> {
    const raft = this.#raft;
    if (!raft) return Promise.reject(new JacoError("raft_unavailable", "raft is not open"));
    const { leader } = raft.status();
    if (!leader) {
      return Promise.reject(
        new JacoError("no_leader", "no raft leader is known", { reason: "no_leader" }),
      );
    }
    return issueJoinToken({
      view: this.#state.view(),
      self: leader,
      submit: (payload, identity) => this.#submitter.submit(payload, identity),
      identity,
      now: (this.#o.now ?? (() => new Date()))(),
      random: this.#o.random,
      ttlSeconds,
    });
  }

  /**
   * `Cluster.NodeRemove` (`node_remove.ts`) on the leader; a follower re-invokes it there as the
   * caller. When the leader removes itself it hands leadership away and re-invokes the call on
   * its successor.
   */
  #nodeRemove(request: NodeRemoveRequest, call: CallContext): Promise<NodeRemoveResponse> {
    const path = "/jaco.v1.Cluster/NodeRemove";
    const options = {
      identity: call.identity,
      deadlineMs: NODE_REMOVE_CALL_DEADLINE_MS,
      signal: call.signal,
    };
    const view = () => this.#state.view();
    return onLeader({
      raft: () => this.#raft,
      view,
      call: (address, method, body, forward) =>
        this.#leaderRpc.call(address, method, body, forward),
    }, {
      path,
      request,
      origin: { fromMember: call.peerCertificate !== undefined, ...options },
    }, async () => {
      const outcome = await nodeRemove(
        {
          raft: this.#raft!,
          view,
          submit: (payload, identity) => this.#submitter.submit(payload, identity),
          kick: () => this.#voters?.kick(),
          now: () => Date.now(),
          sleep: abortableSleep,
        },
        request,
        call.identity,
        call.signal,
      );
      if ("done" in outcome) return outcome.done;
      const address = leaderGrpcAddress(outcome.handedOffTo, view());
      return await this.#leaderRpc.call<NodeRemoveResponse>(address, path, request, options);
    });
  }

  /**
   * Runs the voter reconciler on this member (it acts only while this member leads) and the
   * member loops of `member_loops.ts`.
   */
  #startVoters(): void {
    if (!this.#raft || this.#voters) return;
    this.#loops = startMemberLoops({
      nodeName: this.#o.config.nodeName,
      config: this.#o.config,
      raft: this.#raft,
      state: this.#state,
      submit: (payload, identity) => this.#submitter.submit(payload, identity),
      log: this.#o.log,
      now: this.#o.now ?? (() => new Date()),
      signal: this.#stopping.signal,
      ensureSubnet: (key) => this.#subnets.ensure(key),
      reportMeshMode: (mode) => this.#meshMode = mode,
    });
    this.#voters = startVoters({
      raft: this.#raft,
      addresses: () =>
        new Map(this.#state.view().nodes().map((node) => [node.hostname, node.address])),
      log: this.#o.log,
    });
  }

  /**
   * Publishes this node's gRPC address in the background so followers can forward to it when it
   * leads (see `self_publish.ts`); a no-op without a TCP listener or when state already has it.
   */
  #publishSelf(): void {
    const { config, addresses, log } = this.#o;
    if (!this.#grpc) return;
    const signal = this.#stopping.signal;
    publishGrpcAddress({
      hostname: config.nodeName,
      grpcAddress: formatHostPort(addresses.listenAddr),
      submitter: this.#submitter,
      view: () => this.#state.view(),
      stopped: () => this.#stopped,
      sleep: () =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 1000);
          signal.addEventListener("abort", () => {
            clearTimeout(timer);
            resolve();
          }, { once: true });
        }),
    }).then((published) => {
      if (!published && !this.#stopped) log.warn("gRPC address not published: no leader for 60 s");
    }).catch((error) => {
      log.warn("cannot publish this node's gRPC address", { error: (error as Error).message });
    });
  }

  /** Audits `restore_completed` when `restore.txt` is present (first boot after a restore). */
  #completeRestore(): void {
    const signal = this.#stopping.signal;
    completeRestore({
      markerPath: `${this.#layout.root}/${RESTORE_MARKER_FILE}`,
      submit: (payload, identity) => this.#submitter.submit(payload, identity),
      formerMembers: () =>
        this.#state.view().nodes().map((node) => node.hostname)
          .filter((hostname) => hostname !== this.#o.config.nodeName),
      self: {
        hostname: this.#o.config.nodeName,
        address: formatHostPort(this.#o.addresses.clusterAddr),
        grpcAddress: formatHostPort(this.#o.addresses.listenAddr),
        recorded: () => this.#state.view().node(this.#o.config.nodeName),
      },
      stopped: () => this.#stopped,
      sleep: () =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 1000);
          signal.addEventListener("abort", () => {
            clearTimeout(timer);
            resolve();
          }, { once: true });
        }),
      log: this.#o.log,
    }).catch((error) => {
      this.#o.log.warn("cannot complete restore", { error: (error as Error).message });
    });
  }

  #openRaft(
    tls: NodeTls,
    bootstrap?: { voters: string[]; learners: string[] },
    peers?: Record<string, string>,
  ) {
    const { config, addresses } = this.#o;
    return openRaftMember({
      peers,
      id: config.nodeName,
      raftDir: this.#layout.raftDir,
      clusterAddr: addresses.clusterAddr,
      tls,
      state: this.#state,
      bootstrap,
      tuning: this.#o.raftTuning,
    });
  }

  /**
   * Starts the TCP listener. A failure (port taken) is logged, not thrown: the node is a member
   * either way, the socket keeps serving, and after init the one-time operator token must still
   * reach the caller.
   */
  async #serveGrpc(tls: NodeTls): Promise<void> {
    this.#tls = tls;
    // The chain carries the cluster CA so a joiner can check a pinned CA fingerprint before it
    // sends its join token (cli/node_join_ca_check.ts).
    const server = createGrpcServer(this.#dispatcher!, {
      tls: { ...tls, certPem: tls.certPem + tls.caPem, requireClientCert: "optional" },
    });
    const address = formatHostPort(this.#o.addresses.listenAddr);
    try {
      this.#grpcPort = await server.listen(address);
    } catch (error) {
      this.#o.log.error("cannot serve gRPC over TLS; only the local socket serves", {
        listen_addr: address,
        error: (error as Error).message,
      });
      await server.shutdown();
      return;
    }
    this.#grpc = server;
    this.#o.log.info("serving gRPC over TLS", { listen_addr: address });
  }

  #table(): HandlerTable {
    const tokens: TokenDeps = {
      submitter: this.#submitter,
      view: () => this.#state.view(),
      now: this.#o.now ?? (() => new Date()),
      random: this.#o.random,
    };
    const registry = {
      view: () => this.#state.view(),
      submit: tokens.submitter.submit.bind(tokens.submitter),
      now: tokens.now,
    };
    return {
      "/jaco.v1.Cluster/Status": () => Promise.resolve(this.status()),
      "/jaco.v1.Cluster/Init": () => this.init(),
      "/jaco.v1.Cluster/Join": (request) => this.join(request),
      "/jaco.v1.Cluster/IssueJoinToken": (request, call) =>
        this.#issueJoinToken(call.identity, request.ttlSeconds),
      "/jaco.v1.Cluster/NodeJoin": (request, call) =>
        onLeader({
          raft: () => this.#raft,
          view: () => this.#state.view(),
          call: (address, path, body) => this.#leaderRpc.call(address, path, body),
        }, {
          path: "/jaco.v1.Cluster/NodeJoin",
          request,
          origin: { fromMember: call.peerCertificate !== undefined },
        }, () =>
          nodeJoin({
            raft: this.#raft && {
              isLeader: () => this.#raft?.status().role === "leader",
              addLearner: (id, address) => this.#raft!.addLearner(id, address),
            },
            view: () => this.#state.view(),
            self: this.#o.config.nodeName,
            submit: (payload, identity) => this.#submitter.submit(payload, identity),
            joined: () => this.#voters?.kick(),
            now: this.#o.now ?? (() => new Date()),
            random: this.#o.random,
          }, request)),
      "/jaco.v1.Cluster/Backup": (request, call) =>
        onLeaderStream({
          raft: () => this.#raft,
          view: () => this.#state.view(),
          stream: (address, path, body, options) =>
            this.#leaderRpc.stream(address, path, body, options),
        }, {
          path: "/jaco.v1.Cluster/Backup",
          request,
          origin: {
            fromMember: call.peerCertificate !== undefined,
            identity: call.identity,
            deadlineMs: backupForwardDeadlineMs,
          },
        }, () =>
          takeBackup({
            self: this.#o.config.nodeName,
            raftStatus: () => this.#raft?.status(),
            state: () => this.#state,
            raftAddress: formatHostPort(this.#o.addresses.clusterAddr),
            jacoVersion: denoConfig.version,
            submit: (payload, identity) => this.#submitter.submit(payload, identity),
            now: this.#o.now ?? (() => new Date()),
            warn: (message, attributes) => this.#o.log.warn(message, attributes),
          }, call.identity)),
      "/jaco.v1.Cluster/NodeRemove": (request, call) => this.#nodeRemove(request, call),
      "/jaco.v1.Cluster/NodeList": () => Promise.resolve(nodeList(this.#state.view())),
      "/jaco.v1.Tokens/Issue": (request, call) => issueToken(request, call.identity, tokens),
      "/jaco.v1.Tokens/Revoke": (request, call) => revokeToken(request, call.identity, tokens),
      "/jaco.v1.Tokens/List": () => Promise.resolve(listTokens(tokens)),
      "/jaco.v1.Audit/Query": auditQueryHandler(() => this.#state),
      ...deployHandlers({
        view: () => this.#state.view(),
        submit: (payload, identity) => this.#submitter.submit(payload, identity),
        defaultAcmeEmail: this.#o.config.acmeEmail,
        now: this.#o.now ?? (() => new Date()),
        self: this.#o.config.nodeName,
        peerLogs: (address, request, signal) => this.#peerLogs.logs(address, request, signal),
        readLogs: runtimeLogReader(),
      }),
      "/jaco.v1.RegistryCredentials/Add": (request, call) =>
        addRegistryCredential(request, call.identity, registry),
      "/jaco.v1.RegistryCredentials/Remove": (request, call) =>
        removeRegistryCredential(request, call.identity, registry),
      "/jaco.v1.RegistryCredentials/List": () => Promise.resolve(listRegistryCredentials(registry)),
      "/jaco.v1.Internal/EnsureSubnet": (request, call) =>
        this.#subnets.rpc(request, call.peerCertificate !== undefined),
      "/jaco.v1.Internal/Submit": async (request) =>
        SubmitResponse.fromPartial({
          raftIndex: await submitOnLeader(request.commandBytes, {
            raft: () => this.#raft,
            view: () => this.#state.view(),
            quorum: this.#quorum,
          }),
        }),
    };
  }
}
