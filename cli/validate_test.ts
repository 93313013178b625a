import assert from "node:assert/strict";
import { commands } from "./_commands.ts";
import { memoryIo } from "./_io.ts";
import { runCli } from "./_run.ts";
import { formatValidateOutcome, validateFiles } from "./validate.ts";

const jaco = "deployment: shop\nservices:\n  - name: web\n    replicas: 2\n";
const compose = "services:\n  web:\n    image: shop/web:${TAG}\n  db:\n    image: postgres:16\n";

async function validate(argv: string[], files: Record<string, string>) {
  const io = memoryIo(files);
  const code = await runCli({ argv: ["validate", ...argv], io, commands, version: "v0" });
  return { code, out: io.out, err: io.err };
}

Deno.test("jaco validate checks a pair and prints the OK line", async () => {
  const result = await validate(["--jaco", "s/jaco.yaml", "--compose", "s/c.yml"], {
    "s/jaco.yaml": jaco,
    "s/c.yml": compose,
  });
  assert.deepEqual(result, {
    code: 0,
    out: 'OK: s/jaco.yaml + s/c.yml valid (deployment "shop", 2 services)\n',
    err: "",
  });
});

Deno.test("jaco validate discovers compose next to jaco.yaml in the documented order", async () => {
  for (const name of ["compose.yml", "compose.yaml", "docker-compose.yml", "docker-compose.yaml"]) {
    const result = await validate(["--jaco", "d/jaco.yaml"], {
      "d/jaco.yaml": jaco,
      // A later candidate that would report 0 services if it were picked instead.
      "d/docker-compose.yaml": "services: {}\n",
      [`d/${name}`]: compose,
    });
    assert.equal(result.out, `OK: d/jaco.yaml + d/${name} valid (deployment "shop", 2 services)\n`);
  }
});

Deno.test("jaco validate checks jaco.yaml alone when no compose file is next to it", async () => {
  const result = await validate(["--jaco", "jaco.yaml"], { "jaco.yaml": jaco });
  assert.equal(result.code, 0);
  assert.equal(
    result.out,
    'OK: jaco.yaml valid (deployment "shop"; no compose file next to it, cross-checks skipped)\n',
  );
});

Deno.test("jaco validate checks a compose file alone, without interpolating", async () => {
  const result = await validate(["--compose", "c.yml"], { "c.yml": compose });
  assert.deepEqual(result, { code: 0, out: "OK: c.yml valid (2 services)\n", err: "" });
});

Deno.test("jaco validate cross-checks jaco services against compose", async () => {
  const result = await validate(["--jaco", "j.yaml", "--compose", "c.yml"], {
    "j.yaml": "deployment: shop\nservices:\n  - name: ghost\n",
    "c.yml": compose,
  });
  assert.equal(result.code, 1);
  assert.match(result.err, /^Error: unknown_service: jaco service "ghost" is not defined/);
});

Deno.test("jaco validate requires --jaco or --compose", async () => {
  const result = await validate([], {});
  assert.deepEqual(result, {
    code: 1,
    out: "",
    err: "at least one of --jaco or --compose is required\n",
  });
});

Deno.test("jaco validate reports a missing file as read <path>", async () => {
  const result = await validate(["--compose", "missing.yml"], {});
  assert.deepEqual(result, { code: 1, out: "", err: "read missing.yml: no such file\n" });
});

Deno.test("jaco validate -o json prints a report object", async () => {
  const result = await validate(["-o", "json", "--jaco", "j.yaml", "--compose", "c.yml"], {
    "j.yaml": jaco,
    "c.yml": compose,
  });
  assert.equal(result.code, 0);
  const report = JSON.parse(result.out);
  assert.equal(report.valid, true);
  assert.equal(report.jaco, "j.yaml");
  assert.equal(report.deployment, "shop");
  assert.deepEqual(report.services, ["db", "web"]);
  assert.equal(report.cross_checked, true);
});

Deno.test("validateFiles() surfaces an unreadable file with its reason", () => {
  const readTextFile = () => {
    throw new Error("permission denied");
  };
  assert.throws(() => validateFiles({ composePath: "c.yml" }, readTextFile), {
    message: "read c.yml: permission denied",
  });
});

Deno.test("formatValidateOutcome() says 1 service in the singular", async () => {
  const report = {
    services: ["a"],
    routes: 0,
    tcpRoutes: 0,
    networks: [],
    volumes: [],
    crossChecked: false,
    warnings: [],
  };
  assert.equal(
    await formatValidateOutcome({ composePath: "c", report }, "table"),
    "OK: c valid (1 service)\n",
  );
});

Deno.test("jaco validate prints manifest warnings on stderr and still succeeds", async () => {
  const result = await validate(["--compose", "c.yml"], {
    "c.yml": "services:\n  web:\n    image: shop/web:1\n    restart: always\n",
  });
  assert.equal(result.code, 0);
  assert.equal(result.out, "OK: c.yml valid (1 service)\n");
  assert.match(result.err, /^warning: .*restart/m);
});
