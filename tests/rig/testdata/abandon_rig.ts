/**
 * Fixture for the sweeper test: builds a rig, prints what it built as one
 * JSON line, then idles until killed, so the rig is left behind by a dead
 * owner exactly as after a crashed test run.
 */

import { Rig } from "../mod.ts";

const rig = await Rig.create({
  hosts: 1,
  name: Deno.args[0] ?? "abandoned",
  docker: true,
  image: false,
});
console.log(JSON.stringify({
  id: rig.id,
  stateDir: rig.stateDir,
  pids: rig.hosts.flatMap((host) => host.processes()),
  cgroupRoots: JSON.parse(await Deno.readTextFile(`${rig.stateDir}/rig.json`)).cgroupRoots,
}));
// Idle until the test kills this process; the interval keeps Deno running.
setInterval(() => {}, 60_000);
