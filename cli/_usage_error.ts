/**
 * The one local failure kind every command shares.
 *
 * @module
 */

/** Wrong invocation: unknown command or flag, missing flag value, bad argument count. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
