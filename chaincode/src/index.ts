/**
 * Entry point that fabric-chaincode-node (and the embedded ledger) load: `contracts` lists the
 * contract classes; the records are re-exported for clients that import the compiled package.
 */
import { ShulianContract } from './contract';

export { ShulianContract } from './contract';
export * from './records';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the shape fabric-chaincode-node expects
export const contracts: any[] = [ShulianContract];
