/**
 * `jacod` entry point (`deno task jacod [--config p] [--log-level l] [--version]`,
 * auth-and-config.md §9.3, architecture.md §12): parses flags, loads the config, resolves
 * addresses and starts a {@link JacoNode}. SIGTERM/SIGINT stop it gracefully within 10 s; a
 * second signal (or the budget running out) exits 130 at once. Logs are human text on stderr.
 *
 * Startup failures (bad config, no usable address, socket in use) print one line
 * `jacod: <message>` and exit 1.
 *
 * @module
 */
import { parseArgs } from "node:util";
import denoConfig from "../deno.json" with { type: "json" };
import { isJacoError } from "../proto/errors.ts";
import { resolveAddresses } from "./addresses.ts";
import { readTextFileIfExists } from "./config_file.ts";
import { loadDaemonConfig } from "./config_load.ts";
import { readHostInterfaces } from "./host_interfaces.ts";
import { formatHostPort } from "./host_port.ts";
import { JacoNode, textLogger } from "./node/mod.ts";

const usage = `Usage: jacod [--config <path>] [--log-level debug|info|warn|error] [--version]
`;
const stopBudgetMs = 10_000;

function fail(message: string): never {
  console.error(`jacod: ${message}`);
  Deno.exit(1);
}

async function main(): Promise<void> {
  let values: { config?: string; "log-level"?: string; version?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: Deno.args,
      options: {
        config: { type: "string" },
        "log-level": { type: "string" },
        version: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    fail(`${(error as Error).message}\n${usage}`);
  }
  if (values.help) {
    console.log(usage);
    return;
  }
  if (values.version) {
    console.log(`v${denoConfig.version}`);
    return;
  }
  const loaded = await loadDaemonConfig({
    path: values.config,
    logLevelFlag: values["log-level"],
    env: Deno.env.toObject(),
    readFile: readTextFileIfExists,
    hostname: Deno.hostname(),
  });
  const log = textLogger({ level: loaded.logLevel, write: (line) => console.error(line) });
  for (const warning of loaded.warnings) log.warn(warning);
  if (!loaded.fileFound) log.info("config file not found; using defaults", { path: loaded.path });
  const interfaces = await readHostInterfaces();
  const addresses = resolveAddresses(loaded.config, interfaces);
  log.info("starting jacod", {
    node: loaded.config.nodeName,
    listen_addr: formatHostPort(addresses.listenAddr),
    cluster_addr: formatHostPort(addresses.clusterAddr),
    data_dir: loaded.config.dataDir,
  });
  const node = await JacoNode.start({ config: loaded.config, addresses, interfaces, log });

  let stopping = false;
  const onSignal = (signal: Deno.Signal) => () => {
    if (stopping) Deno.exit(130);
    stopping = true;
    log.info("stopping", { signal });
    const budget = setTimeout(() => {
      log.warn("graceful stop exceeded its budget; exiting", { budget_ms: stopBudgetMs });
      Deno.exit(130);
    }, stopBudgetMs);
    node.stop().then(
      () => {
        clearTimeout(budget);
        log.info("stopped");
        Deno.exit(0);
      },
      (error) => {
        log.error("stop failed", { error: (error as Error).message });
        Deno.exit(1);
      },
    );
  };
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    Deno.addSignalListener(signal, onSignal(signal));
  }
}

try {
  await main();
} catch (error) {
  fail(isJacoError(error) ? error.message : (error as Error).message);
}
