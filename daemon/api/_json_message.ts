/**
 * Strict proto3-JSON decoding for the local API. The generated `fromJSON` is lenient (it
 * coerces `{"dryRun": "yes"}` to `true` and ignores unknown keys), which would let a typo or a
 * wrong type through silently. Every field the caller sent is therefore compared with the
 * message's own normalized form (`toJSON(fromJSON(body))`): a value that changed type is
 * `validation_failed` naming the field. Accepted normalizations: numbers given as strings, enums
 * given by number, and any string rewriting (timestamps, base64); an unknown enum value is
 * refused. A key the
 * message does not know is refused unless its value is a proto3 default (then it is
 * indistinguishable from an omitted known field, which proto3 JSON allows).
 *
 * @module
 */
import { JacoError, type MessageCodec } from "../../proto/mod.ts";

function camelCase(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isDefaultValue(value: unknown): boolean {
  if (value === null || value === false || value === 0 || value === "" || value === "0") {
    return true;
  }
  if (Array.isArray(value)) return value.length === 0;
  return isPlainObject(value) && Object.keys(value).length === 0;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  return Array.isArray(value) ? "array" : typeof value;
}

function wrongType(field: string, sent: unknown, expected: unknown): JacoError {
  return new JacoError(
    "validation_failed",
    `field "${field}" has the wrong type: got ${describe(sent)}, want ${describe(expected)}`,
    { field, got: describe(sent), want: describe(expected) },
  );
}

const enumName = /^[A-Z][A-Z0-9_]*$/;

function compareValue(field: string, sent: unknown, normalized: unknown): void {
  if (sent === null) return;
  if (normalized === "UNRECOGNIZED" && sent !== "UNRECOGNIZED") {
    throw new JacoError("validation_failed", `field "${field}" has an unknown enum value`, {
      field,
      value: String(sent),
    });
  }
  if (typeof sent === "string" && typeof normalized === "string") return;
  if (typeof sent === "number" && typeof normalized === "string") {
    // Only an enum given by number comes back as a (different) name; a string field fed a
    // number comes back as the same digits and is a type error.
    if (Number.isInteger(sent) && enumName.test(normalized)) return;
    throw wrongType(field, sent, normalized);
  }
  if (typeof sent === "string" && typeof normalized === "number") {
    if (sent.trim() !== "" && Number(sent) === normalized) return;
    throw wrongType(field, sent, normalized);
  }
  if (typeof sent === "number" && typeof normalized === "number") {
    if (Object.is(sent, normalized)) return;
    throw wrongType(field, sent, normalized);
  }
  if (Array.isArray(sent) && Array.isArray(normalized) && sent.length === normalized.length) {
    sent.forEach((item, index) => compareValue(`${field}[${index}]`, item, normalized[index]));
    return;
  }
  if (isPlainObject(sent) && isPlainObject(normalized)) {
    compareObject(`${field}.`, sent, normalized);
    return;
  }
  if (typeof sent === typeof normalized && sent === normalized) return;
  throw wrongType(field, sent, normalized);
}

function compareObject(
  prefix: string,
  sent: Record<string, unknown>,
  normalized: Record<string, unknown>,
): void {
  for (const [key, value] of Object.entries(sent)) {
    const field = `${prefix}${key}`;
    const normalKey = Object.hasOwn(normalized, key) ? key : camelCase(key);
    if (Object.hasOwn(normalized, normalKey)) {
      compareValue(field, value, normalized[normalKey]);
    } else if (!isDefaultValue(value)) {
      throw new JacoError(
        "validation_failed",
        `field "${field}" is unknown or has the wrong type`,
        { field },
      );
    }
  }
}

/**
 * Decodes the proto3-JSON `body` into a message, refusing what the generated code would coerce.
 *
 * @throws {JacoError} `validation_failed` naming the offending field
 */
export function decodeJsonMessage<T>(codec: MessageCodec<T>, body: unknown): T {
  if (!isPlainObject(body)) {
    throw new JacoError(
      "validation_failed",
      `request body must be a JSON object, got ${describe(body)}`,
      { got: describe(body) },
    );
  }
  let message: T;
  let normalized: unknown;
  try {
    message = codec.fromJSON(body);
    normalized = codec.toJSON(message);
  } catch (error) {
    throw new JacoError("validation_failed", "request body is not a valid message", {
      reason: error instanceof Error ? error.message : String(error),
    });
  }
  compareObject("", body, isPlainObject(normalized) ? normalized : {});
  return message;
}
