// Types of the console's browser module, for the Node tests that import it.
import type { Hasher } from './sha256.js';
export function createSm3(): Hasher;
