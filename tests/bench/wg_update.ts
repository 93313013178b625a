/**
 * `deno task bench wg_update [--packets=20000]`: what a WireGuard configuration update costs the
 * traffic crossing the mesh on wireguard-go (the reason net/wireguard_device.ts applies only the
 * difference with `wg set` instead of `wg syncconf`).
 *
 * Two wireguard-go devices in private network namespaces (`unshare --net --mount`, own `/run`;
 * nothing of this machine's network is touched) joined by a veth pair: A has peer B (which carries
 * the traffic) and an idle peer C. `--packets` numbered UDP datagrams go from A to an echo on B
 * across the tunnel (tests/bench/_wg_traffic.ts, ~5,000/s) while A's device is updated in a tight
 * loop, one way per run:
 *
 * - `idle`: no update (the baseline);
 * - `syncconf_unchanged`: `wg syncconf` of A's own `wg showconf` (the tick before commit 1c0f43e);
 * - `syncconf_other_peer`: `wg syncconf` adding a /24 to C (every allocation before `wg set`);
 * - `set_other_peer`: `wg set ... peer C allowed-ips <C's list + a /24>` (what `configure()` does
 *   now when another host gains a /24);
 * - `set_carrying_peer`: the same on B itself (a superset of B's allowed IPs: `allowed-ips`
 *   replaces the list, so B's own packets in flight are still exposed).
 *
 * Prints per way `wg_update_<way>_lost <n> packets`, `..._updates <n> count` and
 * `..._lost_per_1000_updates <x> packets`. A bench, not a test: it prints, it asserts no goal.
 *
 * @module
 */
import { figure, option } from "./_figures.ts";

const SCRIPT = String.raw`
set -e
mount -t tmpfs tmpfs /run
ip link set lo up
ip netns add a; ip netns add b
ip link add va type veth peer name vb
ip link set va netns a; ip link set vb netns b
ip -n a addr add 192.168.77.1/24 dev va; ip -n a link set va up; ip -n a link set lo up
ip -n b addr add 192.168.77.2/24 dev vb; ip -n b link set vb up; ip -n b link set lo up
LOG_LEVEL=silent ip netns exec a wireguard-go -f wga >/dev/null 2>&1 & A=$!
LOG_LEVEL=silent ip netns exec b wireguard-go -f wgb >/dev/null 2>&1 & B=$!
trap 'kill $A $B $E 2>/dev/null' EXIT
for i in $(seq 50); do wg show wga >/dev/null 2>&1 && wg show wgb >/dev/null 2>&1 && break; sleep 0.1; done
wg genkey > "$DIR/a.key"; wg genkey > "$DIR/b.key"
pa=$(wg pubkey < "$DIR/a.key"); pb=$(wg pubkey < "$DIR/b.key"); pc=$(wg genkey | wg pubkey)
wg set wga private-key "$DIR/a.key" listen-port 51001 \
  peer "$pb" endpoint 192.168.77.2:51002 allowed-ips 10.99.0.2/32 persistent-keepalive 25 \
  peer "$pc" allowed-ips 10.99.0.3/32
wg set wgb private-key "$DIR/b.key" listen-port 51002 \
  peer "$pa" endpoint 192.168.77.1:51001 allowed-ips 10.99.0.1/32 persistent-keepalive 25
ip -n a addr add 10.99.0.1/32 dev wga; ip -n a link set wga up; ip -n a route add 10.99.0.0/24 dev wga
ip -n b addr add 10.99.0.2/32 dev wgb; ip -n b link set wgb up; ip -n b route add 10.99.0.0/24 dev wgb
ip netns exec b "$DENO" run -A --unstable-net "$TRAFFIC" echo 9000 & E=$!
sleep 1
ip netns exec a "$DENO" run -A --unstable-net "$TRAFFIC" send 10.99.0.2 9000 20 >/dev/null
for way in idle syncconf_unchanged syncconf_other_peer set_other_peer set_carrying_peer; do
  ip netns exec a "$DENO" run -A --unstable-net "$TRAFFIC" send 10.99.0.2 9000 "$PACKETS" > "$DIR/out" &
  S=$!
  n=0
  while kill -0 $S 2>/dev/null; do
    n=$((n + 1))
    case $way in
      idle) sleep 0.01 ;;
      syncconf_unchanged) wg showconf wga > "$DIR/conf"; wg syncconf wga "$DIR/conf" ;;
      syncconf_other_peer)
        wg showconf wga | sed "s#^AllowedIPs = .*10\.99\.0\.3/32.*#AllowedIPs = 10.99.0.3/32, 10.244.$((n % 250)).0/24#" > "$DIR/conf"
        wg syncconf wga "$DIR/conf" ;;
      set_other_peer) wg set wga peer "$pc" allowed-ips "10.99.0.3/32,10.244.$((n % 250)).0/24" ;;
      set_carrying_peer) wg set wga peer "$pb" allowed-ips "10.99.0.2/32,10.244.$((n % 250)).0/24" ;;
    esac
  done
  wait $S
  echo "$way $n $(cat "$DIR/out")"
done
`;

/** Runs the benchmark. */
export async function run(args: string[]): Promise<void> {
  const packets = option(args, "packets", 20000);
  const dir = await Deno.makeTempDir({ prefix: "jaco-bench-wg-" });
  try {
    const out = await new Deno.Command("unshare", {
      args: ["--net", "--mount", "--fork", "sh", "-c", SCRIPT],
      env: {
        DIR: dir,
        DENO: Deno.execPath(),
        TRAFFIC: new URL("./_wg_traffic.ts", import.meta.url).pathname,
        PACKETS: String(packets),
      },
      stdin: "null",
    }).output();
    const text = new TextDecoder();
    if (out.code !== 0) throw new Error(`unshare: ${text.decode(out.stderr)}`);
    for (const line of text.decode(out.stdout).trim().split("\n")) {
      const [way, updates, sent, received, ms] = line.split(" ");
      const lost = Number(sent) - Number(received);
      figure(`wg_update_${way}_lost`, lost, "packets");
      figure(`wg_update_${way}_rate`, Number(sent) / (Number(ms) / 1000), "packets/s", 0);
      if (way === "idle") continue;
      figure(`wg_update_${way}_updates`, Number(updates), "count");
      figure(`wg_update_${way}_lost_per_1000_updates`, (lost * 1000) / Number(updates), "packets");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
