/**
 * UDP traffic for the `wg_update` benchmark, run by it inside its namespaces (needs
 * `--unstable-net`): `echo <port>` answers every datagram; `send <host> <port> <count>` sends
 * `count` numbered datagrams at about 5,000 a second and prints `<sent> <received> <ms spent
 * sending>` (echoes back within 1 s of the last send).
 *
 * @module
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function echo(port: number): Promise<void> {
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "0.0.0.0", port });
  for await (const [data, from] of socket) await socket.send(data, from);
}

async function send(hostname: string, port: number, count: number): Promise<void> {
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "0.0.0.0", port: 0 });
  const received = new Set<number>();
  const receiving = (async () => {
    try {
      for await (const [data] of socket) received.add(new DataView(data.buffer).getUint32(0));
    } catch {
      // Closed at the end.
    }
  })();
  const datagram = new Uint8Array(4);
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    new DataView(datagram.buffer).setUint32(0, i);
    await socket.send(datagram, { transport: "udp", hostname, port });
    if (i % 10 === 9) await sleep(1);
  }
  const elapsed = performance.now() - started;
  await sleep(1000);
  socket.close();
  await receiving;
  console.log(`${count} ${received.size} ${Math.round(elapsed)}`);
}

if (import.meta.main) {
  const [mode, ...args] = Deno.args;
  if (mode === "echo") await echo(Number(args[0]));
  else await send(args[0], Number(args[1]), Number(args[2]));
}
