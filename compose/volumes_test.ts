import assert from "node:assert/strict";
import { parseComposeProject } from "./compose_project.ts";
import { parseVolumeEntry, serviceMounts, VolumeSyntaxError } from "./volumes.ts";

Deno.test("parseVolumeEntry() tells named, bind and anonymous mounts apart", () => {
  assert.deepEqual(parseVolumeEntry("data:/var/data:ro"), {
    type: "volume",
    source: "data",
    target: "/var/data",
    readOnly: true,
  });
  assert.equal(parseVolumeEntry("/srv:/srv").type, "bind");
  assert.equal(parseVolumeEntry("./conf:/etc/conf:rw").type, "bind");
  assert.equal(parseVolumeEntry("~/x:/x").type, "bind");
  assert.deepEqual(parseVolumeEntry("/cache"), {
    type: "volume",
    source: "",
    target: "/cache",
    readOnly: false,
  });
  assert.deepEqual(parseVolumeEntry({ type: "tmpfs", target: "/tmp" }).source, "");
  for (const bad of ["", ":/x", "a:", "a:b:c:d", { source: "x" }, { type: "bind", target: "/x" }]) {
    assert.throws(() => parseVolumeEntry(bad), VolumeSyntaxError, JSON.stringify(bad));
  }
});

Deno.test("serviceMounts() names volumes jaco_<dep>_<key>, honours name: and external:", () => {
  const compose = parseComposeProject(`services:
  app:
    image: x
    volumes:
      - scoped:/a
      - named:/b
      - ext:/c
      - legacy:/d
      - /host:/e
      - /anon
      - {type: volume, source: scoped, target: /f, read_only: true}
volumes:
  scoped: {}
  named: {name: shared-literal}
  ext: {external: true}
  legacy: {external: {name: ignored}}
`);
  assert.deepEqual(
    serviceMounts("crm", compose, "app").map((m) => [m.source, m.target, m.readOnly]),
    [
      ["jaco_crm_scoped", "/a", false],
      ["shared-literal", "/b", false],
      ["ext", "/c", false],
      ["legacy", "/d", false],
      ["/host", "/e", false],
      ["", "/anon", false],
      ["jaco_crm_scoped", "/f", true],
    ],
  );
});
