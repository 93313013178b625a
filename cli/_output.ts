/**
 * Output rendering shared by every command (cli.md §1.3): the `-o` formats,
 * enum casing, aligned tables, and JSON/YAML documents.
 *
 * @module
 */

import { UsageError } from "./_usage_error.ts";

/** The `-o/--output` values. */
export const OutputFormat = { table: "table", json: "json", yaml: "yaml" } as const;

/** One `-o/--output` value. */
export type OutputFormat = typeof OutputFormat[keyof typeof OutputFormat];

/**
 * Parses an `-o` value.
 *
 * @throws {UsageError} for anything but `table`, `json`, `yaml`
 */
export function parseOutputFormat(value: string): OutputFormat {
  if (Object.hasOwn(OutputFormat, value)) return value as OutputFormat;
  throw new UsageError(`invalid output format "${value}": must be table, json or yaml`);
}

/**
 * A command's result in the asked format: `table` is the human text as is; json/yaml render
 * `document`, whose snake_case keys are that command's documented contract (commands with no
 * natural result describe what they did, e.g. `{ revoked: "alice" }`).
 */
export async function renderResult(
  format: OutputFormat,
  table: string,
  document: Record<string, unknown>,
): Promise<string> {
  return format === "table" ? table : await renderStructured(document, format);
}

/**
 * For commands that only print tables: refuses json/yaml before doing anything.
 *
 * @throws {UsageError} `output format "<fmt>" not implemented yet; only "table" is supported`
 */
export function requireTableOutput(format: OutputFormat): void {
  if (format !== "table") {
    throw new UsageError(
      `output format "${format}" not implemented yet; only "table" is supported`,
    );
  }
}

/**
 * An enum value as shown to humans or machines: table = UPPERCASE with the enum
 * prefix stripped (`REPLICA_STATE_RUNNING` → `RUNNING`); json/yaml = lowercase
 * snake_case (`running`).
 */
export function enumCase(value: string, format: OutputFormat, prefix = ""): string {
  const upper = value.toUpperCase();
  const stripped = prefix && upper.startsWith(prefix.toUpperCase())
    ? value.slice(prefix.length)
    : value;
  const snake = stripped.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/[-\s]+/g, "_");
  return format === "table" ? snake.toUpperCase() : snake.toLowerCase();
}

/**
 * Pretty JSON (2-space indent, trailing newline) or 2-space YAML of `value`.
 * The YAML library is imported on first use: it is the largest module the CLI
 * loads, and `jaco version`, help and table output should not pay for it.
 */
export async function renderStructured(value: unknown, format: "json" | "yaml"): Promise<string> {
  if (format === "json") return JSON.stringify(value, null, 2) + "\n";
  const { stringify } = await import("yaml");
  return stringify(value, { indent: 2 });
}

const maxCellLength = 40;

function cell(text: string): string {
  return text.length > maxCellLength ? text.slice(0, maxCellLength - 1) + "…" : text;
}

/**
 * A generic table: title line, header row, columns aligned and separated by
 * two spaces, cells over 40 characters cut to 39 + `…`, no trailing spaces.
 */
export function renderTable(title: string, headers: string[], rows: string[][]): string {
  const cells = [headers, ...rows].map((row) => row.map(cell));
  const widths = headers.map((_, column) =>
    Math.max(...cells.map((row) => (row[column] ?? "").length))
  );
  const lines = cells.map((row) =>
    row.map((text, column) => text.padEnd(widths[column])).join("  ").trimEnd()
  );
  return `${title}\n${lines.join("\n")}\n`;
}

/**
 * A timestamp as the CLI prints it: RFC 3339, UTC, second precision
 * (`2026-06-01T12:00:00Z`); `""` when unset — `undefined` or 0, the proto default — (tables show a blank cell,
 * json/yaml callers omit the field).
 */
export function formatTimestamp(at: Date | number | undefined): string {
  if (at === undefined) return "";
  const date = typeof at === "number" ? new Date(at) : at;
  if (Number.isNaN(date.getTime()) || date.getTime() === 0) return "";
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}
