/**
 * YAML decoding shared by both manifests: YAML 1.2 core schema (so `on`/`off`
 * stay strings), `<<` merge keys (compose files use them with `x-` anchors),
 * duplicate keys refused, and a cap on alias expansion so an alias bomb
 * fails fast instead of exhausting memory.
 *
 * @module
 */

import { LineCounter, parseDocument } from "yaml";

/** Aliases beyond this expansion budget are treated as a resource-exhaustion attack. */
const maxAliasCount = 10_000;

/** Why a YAML text could not be decoded: one line, with position when known. */
export class YamlDecodeError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "YamlDecodeError";
  }
}

/**
 * Decodes one YAML document into plain values (mappings with string keys,
 * lists, scalars). An empty document decodes to `null`.
 *
 * @throws {YamlDecodeError} on syntax errors, several documents, non-scalar
 * keys, unresolved aliases or excessive aliasing.
 */
export function decodeYaml(text: string): unknown {
  const lineCounter = new LineCounter();
  let doc;
  try {
    doc = parseDocument(text, {
      merge: true,
      prettyErrors: false,
      stringKeys: true,
      uniqueKeys: true,
      lineCounter,
    });
  } catch (error) {
    // The parser itself failing (e.g. stack exhaustion on absurd nesting) is still bad input.
    throw new YamlDecodeError(oneLine(String((error as Error)?.message ?? error)), {
      cause: error,
    });
  }
  const first = doc.errors[0];
  if (first) {
    const { line, col } = lineCounter.linePos(first.pos[0]);
    throw new YamlDecodeError(`line ${line} column ${col}: ${oneLine(first.message)}`);
  }
  try {
    return doc.toJS({ maxAliasCount });
  } catch (error) {
    throw new YamlDecodeError(oneLine(String((error as Error)?.message ?? error)), {
      cause: error,
    });
  }
}

function oneLine(message: string): string {
  const line = message.split("\n")[0].trim();
  return line.length > 0 ? line[0].toLowerCase() + line.slice(1) : "invalid YAML";
}
