/**
 * The material of `Cluster.Init` (cluster.md §2 steps 3–8, 10): cluster id, cluster CA, this
 * node's key and CA-signed certificate, the first operator token, and the `ClusterInit` raft
 * command that seeds the replicated state. Pure apart from the injected clock and randomness;
 * `node.ts` does the I/O (files, raft) around it. The X.509 code (`pki.ts`) is imported on first
 * use: an idle daemon never needs it, and it costs ~10 MB of memory once loaded.
 *
 * @module
 */
import { isIpv4, isIpv6, type LocalInterface, usableLocalIps } from "../local_ips.ts";
import type { CertAndKey } from "../pki.ts";
import { hashSecret, newSecretHex, type RandomSource } from "../secrets.ts";
import { ClusterInit, type Command } from "../../proto/mod.ts";
import type { NodeTls } from "./data_dir.ts";

/** Audit identity of the init command and of the first operator token. */
export const bootstrapIdentity = "bootstrap";

/** Everything `Cluster.Init` generates. */
export interface BootstrapMaterial {
  /** UUID v4. */
  clusterId: string;
  /** The cluster CA (its key goes only into replicated state). */
  ca: CertAndKey;
  /** This node's TLS material (written to `node/`). */
  node: NodeTls;
  /** The operator token secret, 64 lower-case hex; shown once, never stored. */
  operatorToken: string;
  /** SHA-256 of the token's hex text (raw 32 bytes), what state keeps. */
  operatorTokenHash: Uint8Array;
}

/** Inputs of {@link createBootstrapMaterial}. */
export interface BootstrapInputs {
  /** This node's name (raft id, certificate CN and DNS SAN). */
  hostname: string;
  /** IP SANs of the node certificate (see {@link nodeCertificateIps}). */
  ips: readonly string[];
  /** Clock for certificate validity. */
  now: Date;
  /** UUID v4 source (default `crypto.randomUUID`). */
  randomUUID?: () => string;
  /** Random bytes for serials and the token (default the CSPRNG). */
  random?: RandomSource;
}

/**
 * The node certificate's IP SANs (cluster.md §2 step 5): every usable local IPv4, the gRPC and
 * raft advertise hosts and the hostname when they are IP literals; de-duplicated, in that order.
 */
export function nodeCertificateIps(options: {
  interfaces: readonly LocalInterface[];
  grpcHost: string;
  raftHost: string;
  hostname: string;
}): string[] {
  const literal = (host: string) => isIpv4(host) || isIpv6(host) ? [host] : [];
  return [
    ...new Set([
      ...usableLocalIps(options.interfaces),
      ...literal(options.grpcHost),
      ...literal(options.raftHost),
      ...literal(options.hostname),
    ]),
  ];
}

function bytesOfHex(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let index = 0; index < bytes.length; index++) {
    bytes[index] = parseInt(hex.slice(index * 2, index * 2 + 2), 16);
  }
  return bytes;
}

/**
 * Generates the cluster id, CA, node certificate and operator token.
 *
 * @throws {JacoError} `validation_failed` for a hostname that cannot name a certificate,
 *   `rand_failed` when the random source fails
 */
export async function createBootstrapMaterial(inputs: BootstrapInputs): Promise<BootstrapMaterial> {
  const clusterId = (inputs.randomUUID ?? (() => crypto.randomUUID()))();
  const { createClusterCa, createNodeKeyAndCsr, signNodeCsr } = await import("../pki.ts");
  const ca = await createClusterCa({ now: inputs.now, random: inputs.random });
  const { keyPem, csrPem } = await createNodeKeyAndCsr({
    hostname: inputs.hostname,
    ips: inputs.ips,
  });
  const certPem = await signNodeCsr({
    caCertPem: ca.certPem,
    caKeyPem: ca.keyPem,
    csrPem,
    now: inputs.now,
    expectedHostname: inputs.hostname,
    random: inputs.random,
  });
  const operatorToken = newSecretHex(inputs.random);
  return {
    clusterId,
    ca,
    node: { caPem: ca.certPem, certPem, keyPem },
    operatorToken,
    operatorTokenHash: bytesOfHex(await hashSecret(operatorToken)),
  };
}

/**
 * The `ClusterInit` command (identity `bootstrap`): meta + CA, the bootstrap token hash and the
 * self node at its raft advertise address.
 */
export function clusterInitCommand(
  material: BootstrapMaterial,
  options: { hostname: string; raftAddress: string; now: Date },
): Command {
  const encoder = new TextEncoder();
  return {
    clusterId: material.clusterId,
    raftIndex: 0,
    ts: options.now,
    identity: bootstrapIdentity,
    payload: {
      $case: "clusterInit",
      value: ClusterInit.fromPartial({
        clusterId: material.clusterId,
        caCert: encoder.encode(material.ca.certPem),
        caKey: encoder.encode(material.ca.keyPem),
        operatorTokenHashedSecret: material.operatorTokenHash,
        selfHostname: options.hostname,
        selfAddress: options.raftAddress,
      }),
    },
  };
}
