import assert from "node:assert/strict";
import type { Command, CommandContext, CommandEntry } from "./_command.ts";
import { memoryIo } from "./_io.ts";
import { runCli } from "./_run.ts";
import { JacoError } from "../proto/errors.ts";

function fakeCommand(run: (context: CommandContext) => number, extra: Partial<Command> = {}) {
  const command: Command = {
    usage: "jaco thing [--name <n>]",
    help: "does a thing\n",
    flags: { name: { type: "string" }, force: { type: "boolean" } },
    args: { min: 0, max: 1 },
    run,
    ...extra,
  };
  return command;
}

function table(command: Command): CommandEntry[] {
  return [
    { path: ["thing"], summary: "a thing", load: () => Promise.resolve(command) },
    { path: ["group", "sub"], summary: "a subcommand", load: () => Promise.resolve(command) },
  ];
}

async function run(argv: string[], command: Command, env: Record<string, string> = {}) {
  const io = memoryIo({}, env);
  const code = await runCli({ argv, io, commands: table(command), version: "v9.9.9" });
  return { code, out: io.out, err: io.err };
}

Deno.test("runCli() passes command flags, positionals and global flags to the command", async () => {
  let seen: CommandContext | undefined;
  const command = fakeCommand((context) => {
    seen = context;
    return 0;
  });
  const result = await run(["-o", "json", "thing", "--name", "x", "pos", "--force", "-q"], command);
  assert.equal(result.code, 0);
  assert.deepEqual(seen?.args, ["pos"]);
  assert.deepEqual(seen?.flags, { name: "x", force: true });
  assert.equal(seen?.globals.output, "json");
  assert.equal(seen?.globals.quiet, true);
});

Deno.test("runCli() selects the longest matching command path", async () => {
  let args: string[] = [];
  const command = fakeCommand((context) => {
    args = context.args;
    return 0;
  });
  assert.equal((await run(["group", "sub", "a"], command)).code, 0);
  assert.deepEqual(args, ["a"]);
});

const usageCases: Array<[argv: string[], message: string]> = [
  [["nope"], 'unknown command "nope" for "jaco"; run "jaco --help" for usage'],
  [["group"], '"jaco group" needs a subcommand (sub); run "jaco --help" for usage'],
  [["thing", "--bogus"], 'unknown flag --bogus for "jaco thing"; run "jaco thing --help"'],
  [["thing", "--name"], 'flag --name needs a value for "jaco thing"; run "jaco thing --help"'],
  [["thing", "a", "b"], '"jaco thing" takes 0 to 1 argument(s), got 2: jaco thing [--name <n>]'],
  [["-o", "xml", "thing"], 'invalid output format "xml": must be table, json or yaml'],
  [
    ["thing", "--log-level", "loud"],
    'invalid log level "loud": must be debug, info, warn or error',
  ],
];

for (const [argv, message] of usageCases) {
  Deno.test(`runCli() fails ${JSON.stringify(argv)} as a usage error, exit 1`, async () => {
    let ran = false;
    const result = await run(argv, fakeCommand(() => (ran = true, 0)));
    assert.equal(result.code, 1);
    assert.equal(result.err, `${message}\n`);
    assert.equal(result.out, "");
    assert.equal(ran, false);
  });
}

Deno.test("runCli() prints the bare version for --version", async () => {
  const result = await run(["--version"], fakeCommand(() => 0));
  assert.deepEqual(result, { code: 0, out: "v9.9.9\n", err: "" });
});

Deno.test("runCli() prints root help listing every command without loading them", async () => {
  const command = fakeCommand(() => 0);
  const io = memoryIo();
  let loads = 0;
  const commands = table(command).map((entry) => ({
    ...entry,
    load: () => (loads++, Promise.resolve(command)),
  }));
  assert.equal(await runCli({ argv: ["--help"], io, commands, version: "v" }), 0);
  assert.match(io.out, /^ {2}thing {6}a thing$/m);
  assert.match(io.out, /^ {2}group sub {2}a subcommand$/m);
  assert.equal(loads, 0);
});

Deno.test("runCli() prints command help for <command> --help", async () => {
  const result = await run(["thing", "-h"], fakeCommand(() => 1));
  assert.equal(result.code, 0);
  assert.ok(result.out.startsWith("Usage: jaco thing [--name <n>]\n\ndoes a thing\n"));
});

Deno.test("runCli() renders a JacoError as Error: <code>: <message>, exit 1", async () => {
  const command = fakeCommand(() => {
    throw new JacoError("unknown_service", 'jaco service "x" is not defined', { service: "x" });
  });
  const result = await run(["thing"], command);
  assert.deepEqual(result, {
    code: 1,
    out: "",
    err: 'Error: unknown_service: jaco service "x" is not defined\n',
  });
});

Deno.test("runCli() adds sorted details lines with -v", async () => {
  const command = fakeCommand(() => {
    throw new JacoError("validation_failed", "bad", { z: "1", a: "2" });
  });
  const result = await run(["thing", "-v"], command);
  assert.equal(result.err, "Error: validation_failed: bad\n  a=2\n  z=1\n");
});

Deno.test("runCli() prints the error envelope on stdout with -o json", async () => {
  const command = fakeCommand(() => {
    throw new JacoError("reserved_port", "port 443", { port: "443" });
  });
  const result = await run(["thing", "--output=json"], command);
  assert.equal(result.code, 1);
  assert.equal(
    result.out,
    '{\n  "code": "reserved_port",\n  "message": "port 443",\n  "details": {\n    "port": "443"\n  }\n}\n',
  );
  assert.equal(result.err, "");
});

Deno.test("runCli() prints a plain local failure as its message", async () => {
  const command = fakeCommand(() => {
    throw new Error("read x.yaml: no such file");
  });
  assert.deepEqual(await run(["thing", "-o", "json"], command), {
    code: 1,
    out: "",
    err: "read x.yaml: no such file\n",
  });
});

Deno.test("runCli() logs at debug level with -v and honours JACO_LOG", async () => {
  const command = fakeCommand(({ log }) => {
    log.debug("d");
    log.info("i");
    log.warn("w");
    return 0;
  });
  assert.equal((await run(["thing", "-v"], command)).err, "debug: d\ninfo: i\nwarn: w\n");
  assert.equal((await run(["thing"], command)).err, "warn: w\n");
  assert.equal((await run(["thing"], command, { JACO_LOG: "info" })).err, "info: i\nwarn: w\n");
  assert.equal(
    (await run(["thing", "-v", "--log-level", "warn"], command, { JACO_LOG: "debug" })).err,
    "warn: w\n",
  );
});

Deno.test("runCli() names missing required flags, exit 1", async () => {
  let ran = false;
  const command = fakeCommand(() => (ran = true, 0), {
    flags: { token: { type: "string", required: true }, peer: { type: "string", required: true } },
  });
  const result = await run(["thing", "--peer", "x"], command);
  assert.deepEqual(result, { code: 1, out: "", err: 'required flag(s) "token" not set\n' });
  assert.equal(ran, false);
  assert.equal((await run(["thing", "--peer", "x", "--token", "t"], command)).code, 0);
});
