import assert from "node:assert/strict";
import { readHostInterfaces } from "./host_interfaces.ts";

Deno.test("readHostInterfaces() lists this host's addresses with an up flag", async () => {
  const interfaces = await readHostInterfaces();
  const loopback = interfaces.find((entry) => entry.address === "127.0.0.1");
  assert.ok(loopback, "the loopback address is listed");
  assert.equal(loopback.family, "IPv4");
  assert.equal(loopback.up, true);
  for (const entry of interfaces) assert.equal(typeof entry.up, "boolean");
});
