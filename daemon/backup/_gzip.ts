/**
 * gzip through the web `CompressionStream`/`DecompressionStream`, with a cap on the
 * decompressed size so a hostile archive cannot exhaust memory.
 *
 * @module
 */

/** The stream ended or failed before producing valid gzip output. */
export class GzipError extends Error {
  override name = "GzipError";
}

/** Decompressed output exceeded the caller's cap. */
export class GzipTooLargeError extends Error {
  override name = "GzipTooLargeError";
}

/** The two magic bytes every gzip member starts with (RFC 1952). */
export function hasGzipMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

async function collect(
  stream: ReadableStream<Uint8Array>,
  maxBytes: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel();
      throw new GzipTooLargeError(`decompressed size exceeds ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/** gzip-compresses `bytes` (deterministic: the header carries no mtime or name). */
export function gzip(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"));
  return collect(stream, Number.POSITIVE_INFINITY);
}

/**
 * Decompresses one gzip member, verifying its CRC and length trailer.
 *
 * @throws {GzipError} on a corrupt, truncated or trailing-garbage stream
 * @throws {GzipTooLargeError} when the output would exceed `maxBytes`
 */
export async function gunzip(
  bytes: Uint8Array,
  maxBytes: number,
): Promise<Uint8Array<ArrayBuffer>> {
  // Blob wants an ArrayBuffer-backed view; only a shared-memory view needs copying.
  const owned = bytes.buffer instanceof ArrayBuffer
    ? bytes as Uint8Array<ArrayBuffer>
    : new Uint8Array(bytes);
  const stream = new Blob([owned]).stream().pipeThrough(new DecompressionStream("gzip"));
  try {
    return await collect(stream, maxBytes);
  } catch (cause) {
    if (cause instanceof GzipTooLargeError) throw cause;
    throw new GzipError(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}
