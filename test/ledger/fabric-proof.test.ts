import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { common } from '@hyperledger/fabric-protos';
import {
  blockHeaderHash,
  decodeBlockBytes,
  splitPemBundle,
  verifyProofBundle,
  type FabricProofBundle,
} from '../../node/ledger/index.js';
import { KV_CONTRACT_DIR, testConsortium } from './helpers.js';

// A GrantRights (with confidential terms in terms-JilinLibraryMSP-NLCMSP) committed by network.sh on Fabric 2.5.6,
// and the four orgs' CA certificates: a golden vector of what a real peer returns from qscc GetBlockByTxID.
const FIXTURES = join(KV_CONTRACT_DIR, '..', 'fabric');
const golden = JSON.parse(readFileSync(join(FIXTURES, 'proof-grant.json'), 'utf8')) as FabricProofBundle;
const cas = splitPemBundle(readFileSync(join(FIXTURES, 'ca-bundle.pem'), 'utf8'));
const blocks = JSON.parse(readFileSync(join(FIXTURES, 'blocks.json'), 'utf8')) as { blocks: Record<string, string> };

const failed = (bundle: unknown, caCerts: readonly string[] = cas) => {
  const v = verifyProofBundle(bundle as FabricProofBundle, caCerts);
  return v.checks.filter((c) => !c.ok).map((c) => c.name);
};

function withBlock(edit: (b: common.Block) => void): FabricProofBundle {
  const block = common.Block.deserializeBinary(Buffer.from(golden.block, 'base64'));
  edit(block);
  return { ...golden, block: Buffer.from(block.serializeBinary()).toString('base64') };
}

describe('fabric-block-v1 proofs (offline verification of real Fabric blocks)', () => {
  it('verifies a real block: orderer signature, data hash, creator, endorsements, writes, validity', () => {
    const v = verifyProofBundle(golden, cas);
    expect(v.reasons).to.deep.equal([]);
    expect(v.ok).to.equal(true);
    expect(v.checks.map((c) => c.name)).to.deep.equal([
      'format',
      'block header',
      'data hash',
      'block signature',
      'transaction',
      'transaction id',
      'creator certificate',
      'creator signature',
      'endorsements',
      'records',
      'validation code',
    ]);
    expect(v.checks.find((c) => c.name === 'block signature')?.detail).to.include('NLCOrdererMSP');
    expect(v.checks.find((c) => c.name === 'endorsements')?.detail).to.equal('endorsed by JilinLibraryMSP, NLCMSP');
    expect(v.creator?.mspId).to.equal('JilinLibraryMSP');
    expect(v.fn).to.equal('GrantRights');
    expect(v.validationCode).to.equal('VALID');
    const rights = v.records?.find((r) => r.value?.includes('"docType":"rights"'));
    expect(JSON.parse(rights?.value ?? '{}').termsDigest).to.match(/^[0-9a-f]{64}$/);
  });

  it('chains headers as Fabric does (previousHash of block n+1 = hash of header n)', () => {
    const b13 = decodeBlockBytes(Buffer.from(blocks.blocks['13'] as string, 'base64'));
    const b14 = decodeBlockBytes(Buffer.from(blocks.blocks['14'] as string, 'base64'));
    expect(Buffer.from(b14.previousHash).toString('hex')).to.equal(Buffer.from(blockHeaderHash(b13)).toString('hex'));
  });

  it('refuses records that differ from the write set', () => {
    const records = golden.records.map((r) =>
      r.value?.includes('"archive"') ? { ...r, value: r.value.replace('"archive"', '"distribute"') } : r,
    );
    expect(records).to.not.deep.equal(golden.records);
    expect(failed({ ...golden, records })).to.deep.equal(['records']);
    expect(failed({ ...golden, records: golden.records.slice(1) })).to.deep.equal(['records']);
  });

  it('refuses a changed transaction (data hash), a changed header (orderer signature) and a changed validation flag', () => {
    const data = withBlock((b) => {
      const list = b.getData()?.getDataList_asU8() ?? [];
      const tx = new Uint8Array(list[0] as Uint8Array);
      tx[tx.length - 80] = (tx[tx.length - 80] as number) ^ 1;
      list[0] = tx;
      b.getData()?.setDataList(list);
    });
    expect(failed(data)).to.include('data hash');
    const header = withBlock((b) => b.getHeader()?.setPreviousHash(new Uint8Array(32)));
    expect(failed(header)).to.deep.equal(['block signature']);
    const flag = withBlock((b) => {
      const md = b.getMetadata()?.getMetadataList_asU8() ?? [];
      md[2] = new Uint8Array([11]);
      b.getMetadata()?.setMetadataList(md);
    });
    expect(failed(flag)).to.deep.equal(['validation code']);
  });

  it('refuses certificates outside the given CAs, and the wrong transaction', async () => {
    const c = await testConsortium();
    const names = failed(golden, c.caCertsPem);
    expect(names).to.include.members(['block signature', 'creator certificate', 'endorsements']);
    expect(failed({ ...golden, txId: 'f'.repeat(64) })).to.include.members(['transaction', 'transaction id']);
    expect(failed({ ...golden, blockNumber: golden.blockNumber + 1 })).to.deep.equal(['block header']);
    expect(failed({ ...golden, block: 'bm90IGEgYmxvY2s=' })).to.deep.equal(['block']);
    expect(failed({ ...golden, block: undefined })).to.deep.equal(['format']);
  });
});
