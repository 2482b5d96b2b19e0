// Types of the console's browser module, for the Node tests that import it.
export interface Hasher {
  update(data: Uint8Array): Hasher;
  /** Finishes the hash: call once. */
  hex(): string;
}
export function createSha256(): Hasher;
