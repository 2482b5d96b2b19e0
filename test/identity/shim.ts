import { createRequire } from 'node:module';

/** fabric-shim's own ClientIdentity, loaded from the chaincode package exactly as a peer would run it. */
export interface ShimClientIdentity {
  getID(): string;
  getMSPID(): string;
  getIDBytes(): Uint8Array;
  getAttributeValue(name: string): string | null;
  assertAttributeValue(name: string, value: string): boolean;
}

const requireFromChaincode = createRequire(new URL('../../chaincode/package.json', import.meta.url));
const { ClientIdentity } = requireFromChaincode('fabric-shim/lib/chaincode.js') as {
  ClientIdentity: new (stub: unknown) => ShimClientIdentity;
};

export function shimClientIdentity(mspid: string, certPem: string): ShimClientIdentity {
  return new ClientIdentity({
    getChannelID: () => 'smartlibrary',
    getTxID: () => 'test-tx',
    getCreator: () => ({ mspid, idBytes: Buffer.from(certPem) }),
  });
}
