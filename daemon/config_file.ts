/**
 * The edge that reads `jacod.yaml` (and other small host files such as
 * `/etc/resolv.conf`) for `loadDaemonConfig` and `resolverForwarders`.
 *
 * @module
 */

/**
 * Reads a text file; resolves `undefined` when it does not exist. Any other
 * failure (permissions, a directory) rejects: running on defaults because
 * the file was unreadable would hide the operator's settings.
 */
export async function readTextFileIfExists(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}
