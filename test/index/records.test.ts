import { expect } from 'chai';
import * as contract from '../../chaincode/src/records.js';
import * as mirror from '../../node/index/records.js';

// Type-level: each record type of the index's mirror and of the chaincode's contract must be assignable
// both ways; `npx tsc -p .` fails here when they drift apart.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const same = <T extends true>(): T => true as T;
same<Same<contract.ResourceVersion, mirror.ResourceVersion>>();
same<Same<contract.Withdrawal, mirror.Withdrawal>>();
same<Same<contract.Batch, mirror.Batch>>();
same<Same<contract.Rights, mirror.Rights>>();
same<Same<contract.Receipt, mirror.Receipt>>();
same<Same<contract.Authorization, mirror.Authorization>>();
same<Same<contract.Action, mirror.Action>>();

describe('index: record types mirror the chaincode contract', () => {
  it('has the same event names and schema version', () => {
    expect(mirror.EVENTS).to.deep.equal(contract.EVENTS);
    expect(mirror.SCHEMA_VERSION).to.equal(contract.SCHEMA_VERSION);
  });
});
