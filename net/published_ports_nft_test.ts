import assert from "node:assert/strict";
import { renderNatRuleset } from "./published_ports.ts";
import { PublishedPortsNft, runCommand } from "./published_ports_nft.ts";

async function has(program: string): Promise<boolean> {
  try {
    return (await runCommand("sh", ["-c", `command -v ${program}`])).code === 0;
  } catch {
    return false;
  }
}

const canNft = Deno.uid?.() === 0 && await has("nft") && await has("ip");
if (!canNft) console.log("skipped nft apply test: needs root, nft and ip");

Deno.test({
  name:
    "PublishedPortsNft.apply() loads the rendered ruleset in a private netns, replaces it atomically and deletes it (cold host too)",
  ignore: !canNft,
  async fn() {
    const ns = `jaco-n4-${Deno.pid}`;
    assert.equal((await runCommand("ip", ["netns", "add", ns])).code, 0);
    try {
      const nft = new PublishedPortsNft((program, args, stdin) =>
        runCommand("ip", ["netns", "exec", ns, program, ...args], stdin)
      );
      await nft.apply(renderNatRuleset([])); // cold host: nothing to delete
      assert.equal(await nft.list(), undefined);
      const served = {
        port: 8080,
        containerPort: 80,
        deployment: "w",
        service: "api",
        targets: ["10.244.1.2", "10.244.1.3"],
        local: true,
      };
      const idle = { ...served, port: 5432, targets: [], local: false };
      await nft.apply(renderNatRuleset([idle, served]));
      const listed = await nft.list();
      assert.match(listed ?? "", /8080 : jump port_8080/);
      assert.match(listed ?? "", /elements = \{ 5432 \}/);
      assert.match(
        listed ?? "",
        /dnat to numgen random mod 2 map \{ 0 : 10\.244\.1\.2, 1 : 10\.244\.1\.3 \}:80/,
      );
      await nft.apply(renderNatRuleset([{ ...served, targets: ["10.244.9.9"], local: false }]));
      const replaced = await nft.list() ?? "";
      assert.match(replaced, /dnat to 10\.244\.9\.9:80/);
      assert.doesNotMatch(replaced, /10\.244\.1\.2|5432/, "old generation gone");
      await nft.apply(renderNatRuleset([]));
      assert.equal(await nft.list(), undefined);
    } finally {
      await runCommand("ip", ["netns", "del", ns]);
    }
  },
});

Deno.test("PublishedPortsNft.apply() reports nft's refusal", async () => {
  const nft = new PublishedPortsNft(() => Promise.resolve({ code: 1, output: "Error: syntax" }));
  await assert.rejects(() => nft.apply("x"), /nft -f failed \(exit 1\): Error: syntax/);
});

Deno.test("PublishedPortsNft.ensureDockerUser() is a no-op when the rule is first, else moves it to the top", async () => {
  const calls: string[] = [];
  const script = (first: string, copies: number) => {
    let left = copies;
    return new PublishedPortsNft((program, args) => {
      calls.push(`${program} ${args.join(" ")}`);
      if (args[0] === "-S") {
        return Promise.resolve({
          code: 0,
          output: `-N DOCKER-USER\n${first}\n-A DOCKER-USER -j RETURN`,
        });
      }
      if (args[0] === "-D") return Promise.resolve({ code: left-- > 0 ? 0 : 1, output: "" });
      return Promise.resolve({ code: 0, output: "" });
    });
  };
  await script("-A DOCKER-USER -m connmark --mark 0x6a610000/0xfffffffc -j ACCEPT", 1)
    .ensureDockerUser();
  assert.deepEqual(calls, ["iptables -S DOCKER-USER"]);
  calls.length = 0;
  await script("-A DOCKER-USER -s 10.0.0.0/8 -j DROP", 2).ensureDockerUser();
  assert.deepEqual(calls.map((call) => call.split(" ").slice(0, 3).join(" ")), [
    "iptables -S DOCKER-USER",
    "iptables -D DOCKER-USER",
    "iptables -D DOCKER-USER",
    "iptables -D DOCKER-USER",
    "iptables -I DOCKER-USER",
  ]);
  assert.equal(
    calls.at(-1),
    "iptables -I DOCKER-USER 1 -m connmark --mark 0x6a610000/0xfffffffc -j ACCEPT",
  );
  const missing = new PublishedPortsNft(() =>
    Promise.resolve({ code: 1, output: "iptables: No chain/target/match by that name." })
  );
  await assert.rejects(() => missing.ensureDockerUser(), /No chain/);
});
