/**
 * The node's composition root: one call that reads the configuration, initialises the home when it is
 * new, and opens the content store, the ledger and the local index as configuration says, returning them
 * with one `close()` that releases everything, in reverse order, even when something in between fails.
 *
 *   const node = await openNode();
 *   try { … node.ledger … node.index … } finally { await node.close(); }
 */
export { openNode } from './node.js';
export type { ShulianNode, OpenNodeOptions, NodeIdentities, NodePaths, IndexFollower } from './node.js';
export { withNode } from './with-node.js';
export type { WithNodeOptions } from './with-node.js';
