import { loadConfig } from '../core/config.js';
import { openNode, type OpenNodeOptions, type ShulianNode } from './node.js';

export interface WithNodeOptions extends OpenNodeOptions {
  /** Overrides SHULIAN_HOME (the CLI's --home). */
  readonly home?: string;
  /** Bring the index up to the ledger's height before `fn` runs (default true). */
  readonly catchUp?: boolean;
}

/** Opens the node, runs `fn`, and closes the node whatever happens: what every CLI command does. */
export async function withNode<T>(
  options: Readonly<WithNodeOptions>,
  fn: (node: ShulianNode) => Promise<T>,
): Promise<T> {
  const config =
    options.config ??
    loadConfig(options.home === undefined ? process.env : { ...process.env, SHULIAN_HOME: options.home });
  const node = await openNode({ config, ...(options.identity === undefined ? {} : { identity: options.identity }) });
  try {
    if (options.catchUp ?? true) await node.catchUp();
    return await fn(node);
  } finally {
    await node.close();
  }
}
