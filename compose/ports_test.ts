import assert from "node:assert/strict";
import { isJacoError } from "../proto/errors.ts";
import { parseComposeProject } from "./compose_project.ts";
import { parsePortEntry, PortSyntaxError, reservedPortOf, tcpRoutesOf } from "./ports.ts";

Deno.test("parsePortEntry() reads every short form", () => {
  assert.deepEqual(parsePortEntry("3000"), {
    hostIp: "",
    published: undefined,
    target: [3000, 3000],
    protocol: "tcp",
    entry: "3000",
  });
  assert.deepEqual(parsePortEntry(8080).target, [8080, 8080]);
  assert.deepEqual(parsePortEntry("8080:80").published, [8080, 8080]);
  const scoped = parsePortEntry("127.0.0.1:5432:5432/tcp");
  assert.equal(scoped.hostIp, "127.0.0.1");
  assert.deepEqual(parsePortEntry("9000-9002:8000-8002/udp").published, [9000, 9002]);
  assert.equal(parsePortEntry("53:53/udp").protocol, "udp");
  assert.equal(parsePortEntry("[::1]:8080:80").hostIp, "::1");
  assert.equal(parsePortEntry("::1:8080:80").hostIp, "::1");
  assert.equal(parsePortEntry("10.0.0.1::80").published, undefined);
});

Deno.test("parsePortEntry() reads the long form and renders it as published: <v>", () => {
  const mapping = parsePortEntry({ target: 80, published: "8000-8001", protocol: "tcp" });
  assert.deepEqual(mapping.published, [8000, 8001]);
  assert.equal(mapping.entry, "published: 8000-8001");
  assert.equal(parsePortEntry({ target: "80" }).published, undefined);
});

Deno.test("parsePortEntry() refuses malformed entries", () => {
  for (
    const bad of ["", "a:80", "1:2:3:4", "8080:0", "80-70:80-70", "8000-8002:80-81", "80/icmp", {}]
  ) {
    assert.throws(() => parsePortEntry(bad), PortSyntaxError, JSON.stringify(bad));
  }
});

Deno.test("reservedPortOf() finds 80 or 443 in the published side only", () => {
  assert.equal(reservedPortOf(parsePortEntry("80")), undefined);
  assert.equal(reservedPortOf(parsePortEntry("8080:80")), undefined);
  assert.equal(reservedPortOf(parsePortEntry("0.0.0.0:443:8443")), 443);
  assert.equal(reservedPortOf(parsePortEntry("1-1000:1-1000")), 80);
});

Deno.test("tcpRoutesOf() keeps tcp, all-interface, numeric published ports and expands ranges", () => {
  const compose = parseComposeProject(`services:
  pg:
    image: x
    ports: ["5432:5432", "127.0.0.1:6000:6000", "53:53/udp", "3000", "0.0.0.0:7000-7001:9000-9001"]
  web:
    image: x
    ports: [{target: 8080, published: 18080}, "0:5000", "8100-8101:81"]
`);
  assert.deepEqual(tcpRoutesOf("crm", compose), [
    { publishedPort: 5432, deployment: "crm", service: "pg", containerPort: 5432 },
    { publishedPort: 7000, deployment: "crm", service: "pg", containerPort: 9000 },
    { publishedPort: 7001, deployment: "crm", service: "pg", containerPort: 9001 },
    { publishedPort: 8100, deployment: "crm", service: "web", containerPort: 81 },
    { publishedPort: 8101, deployment: "crm", service: "web", containerPort: 81 },
    { publishedPort: 18080, deployment: "crm", service: "web", containerPort: 8080 },
  ]);
});

Deno.test("tcpRoutesOf() reports two services publishing one host port as port_conflict", () => {
  const compose = parseComposeProject(
    'services:\n  b: {image: x, ports: ["9000:1"]}\n  a: {image: x, ports: ["8990-9010:8990-9010"]}\n',
  );
  assert.throws(
    () => tcpRoutesOf("d", compose),
    (e: unknown) =>
      isJacoError(e) && e.code === "port_conflict" &&
      e.message === 'services "a" and "b" both publish host port 9000 in this deployment' &&
      e.details.services === "a,b" && e.details.port === "9000",
  );
});

Deno.test("tcpRoutesOf() reports one service publishing a port twice, but not tcp next to udp", () => {
  const twice = parseComposeProject('services:\n  a: {image: x, ports: ["9000:1", "9000:2"]}\n');
  assert.throws(() => tcpRoutesOf("d", twice), {
    message: 'service "a" publishes host port 9000 more than once',
  });
  const mixed = parseComposeProject('services:\n  a: {image: x, ports: ["53:53", "53:53/udp"]}\n');
  assert.equal(tcpRoutesOf("d", mixed).length, 1);
});
