import { Context } from 'fabric-contract-api';

/**
 * The transaction context. A Fabric transaction does not read its own writes (getState returns the
 * committed value), yet one RegisterVersions call may append several versions to one resource; the
 * chaincode therefore remembers what it wrote in this transaction and reads through that first.
 */
export class ShulianContext extends Context {
  readonly written = new Map<string, Uint8Array>();
}
