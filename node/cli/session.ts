import { loadConfig } from '../core/config.js';
import { openNode, type ShulianNode } from '../runtime/index.js';

export interface NodeCommandOptions {
  readonly home?: string;
  readonly json?: boolean;
  /** Identity of the home to act as (operator, rights-admin, ...). */
  readonly as?: string;
}

/** Opens the node (SHULIAN_HOME, or --home), runs `work`, and closes everything whatever happens. */
export async function withNode<T>(options: NodeCommandOptions, work: (node: ShulianNode) => Promise<T>): Promise<T> {
  const config = loadConfig(options.home ? { ...process.env, SHULIAN_HOME: options.home } : process.env);
  const node = await openNode({ config, ...(options.as ? { identity: options.as } : {}) });
  try {
    return await work(node);
  } finally {
    await node.close();
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
