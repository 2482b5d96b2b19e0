import { expect } from 'chai';
import { createDevCa, signingIdentity } from '../../node/identity/index.js';
import {
  openEmbeddedRuntime,
  verifyProofBundle,
  type EmbeddedProofBundle,
  type EmbeddedRuntime,
  type ProofRecord,
} from '../../node/ledger/index.js';
import type { Runtime } from '../../node/ledger/embedded/runtime.js';
import { KV_CONTRACT_DIR, tempDir, testConsortium, type TestConsortium } from './helpers.js';

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('embedded ledger proof bundles (offline verification)', () => {
  let c: TestConsortium;
  let dir: string;
  let cleanup: () => Promise<void>;
  let runtime: EmbeddedRuntime;
  let bundle: EmbeddedProofBundle;

  before(async () => {
    c = await testConsortium();
    ({ dir, cleanup } = await tempDir());
    runtime = await openEmbeddedRuntime({ dir, peer: c.peer, chaincodeDir: KV_CONTRACT_DIR, blockTimeoutMs: 20 });
    const ledger = runtime.connect(c.operator);
    await ledger.submit({ fn: 'Put', args: ['first', 'block'] });
    // several transactions in one block so the proof carries a real audit path
    const results = await Promise.all(
      Array.from({ length: 7 }, (_, i) =>
        ledger.submit({
          fn: 'PutMany',
          args: [
            JSON.stringify([
              [`rec-${i}`, JSON.stringify({ n: i, title: '书链' })],
              [`idx-${i}`, 'x'],
            ]),
          ],
        }),
      ),
    );
    const target = results[5];
    if (!target) throw new Error('no result');
    // serialised and parsed, as a third party receives it
    bundle = JSON.parse(JSON.stringify(await ledger.proof(target.txId))) as EmbeddedProofBundle;
  });
  after(async () => {
    await runtime.close();
    await cleanup();
  });

  it('verifies with only the consortium CA certificates', () => {
    const result = verifyProofBundle(bundle, c.caCertsPem);
    expect(result.ok, result.reasons.join('; ')).to.equal(true);
    expect(result.checks.map((ch) => ch.name)).to.include.members([
      'peer certificate',
      'creator certificate',
      'block signature',
      'inclusion',
      'creator signature',
      'records',
    ]);
    expect(result.creator?.mspId).to.equal('JilinLibraryMSP');
    expect(result.creator?.subject).to.contain('operator.jilin');
    expect(result.peer?.subject).to.contain('peer0.jilin');
    expect(result.fn).to.equal('PutMany');
    expect(bundle.header.txCount).to.be.greaterThan(1);
    expect(bundle.inclusion.path.length).to.be.at.most(Math.ceil(Math.log2(bundle.header.txCount)));
    expect(result.records?.map((r) => r.key)).to.deep.equal(['idx-5', 'rec-5']);
    expect(JSON.parse(result.records?.[1]?.value ?? '')).to.deep.equal({ n: 5, title: '书链' });
  });

  it('fails when a record is altered', () => {
    const b = clone(bundle);
    (b.records as unknown as ProofRecord[])[1] = {
      ...(b.records[1] as ProofRecord),
      value: JSON.stringify({ n: 6, title: '书链' }),
    };
    const result = verifyProofBundle(b, c.caCertsPem);
    expect(result.ok).to.equal(false);
    expect(result.reasons.join('; ')).to.match(/records: record 1 \(rec-5\) differs/);
  });

  it('fails when the written value in the transaction is altered (inclusion no longer holds)', () => {
    const b = clone(bundle);
    const writes = b.envelope.rwset.writes as { key: string; isDelete: boolean; value?: string }[];
    writes[1] = {
      ...(writes[1] as { key: string; isDelete: boolean }),
      value: Buffer.from('{"n":6}').toString('base64'),
    };
    (b.records as unknown as ProofRecord[])[1] = { ...(b.records[1] as ProofRecord), value: '{"n":6}' };
    const result = verifyProofBundle(b, c.caCertsPem);
    expect(result.ok).to.equal(false);
    expect(result.reasons.join('; ')).to.contain(
      'inclusion: the transaction is not included under the block header dataHash',
    );
  });

  it("fails when the creator's or the peer's signature is altered", () => {
    const b = clone(bundle);
    const sig = Buffer.from(b.envelope.signature, 'base64');
    sig[sig.length - 2] = (sig[sig.length - 2] as number) ^ 0xff;
    (b.envelope as { signature: string }).signature = sig.toString('base64');
    const r1 = verifyProofBundle(b, c.caCertsPem);
    expect(r1.ok).to.equal(false);
    expect(r1.reasons.join('; ')).to.contain(
      "creator signature: the creator's signature over the proposal does not verify",
    );

    const b2 = clone(bundle);
    const bsig = Buffer.from(b2.blockSignature, 'base64');
    bsig[bsig.length - 2] = (bsig[bsig.length - 2] as number) ^ 0xff;
    (b2 as { blockSignature: string }).blockSignature = bsig.toString('base64');
    const r2 = verifyProofBundle(b2, c.caCertsPem);
    expect(r2.ok).to.equal(false);
    expect(r2.reasons.join('; ')).to.contain(
      "block signature: the peer's signature over the block header does not verify",
    );
  });

  it('fails when the header is altered', () => {
    const b = clone(bundle);
    (b.header as { timestamp: string }).timestamp = '2020-01-01T00:00:00.000Z';
    const result = verifyProofBundle(b, c.caCertsPem);
    expect(result.ok).to.equal(false);
    expect(result.reasons.join('; ')).to.contain('block signature');
  });

  it('fails against a foreign CA, naming the untrusted certificates', async () => {
    const foreign = await createDevCa({ mspId: 'ForeignMSP' });
    const result = verifyProofBundle(bundle, [foreign.certPem]);
    expect(result.ok).to.equal(false);
    expect(result.reasons.join('; ')).to.match(/peer certificate: .*not a trusted CA/);
    expect(result.reasons.join('; ')).to.match(/creator certificate: .*not a trusted CA/);
  });

  it('fails when a foreign identity re-signs the transaction as someone else', async () => {
    const foreign = await createDevCa({ mspId: 'JilinLibraryMSP', commonName: 'ca.JilinLibraryMSP' });
    const impostor = await foreign.issue({ commonName: 'operator.jilin', kind: 'client', role: 'operator' });
    const b = clone(bundle);
    (b.envelope.proposal.creator as { certPem: string }).certPem = impostor.certPem;
    const signer = signingIdentity('JilinLibraryMSP', impostor.certPem, impostor.keyPem);
    const { canonicalBytes } = await import('../../node/core/index.js');
    const { createHash } = await import('node:crypto');
    const sig = await signer.signer(createHash('sha256').update(canonicalBytes(b.envelope.proposal)).digest());
    (b.envelope as { signature: string }).signature = Buffer.from(sig).toString('base64');
    const result = verifyProofBundle(b, c.caCertsPem);
    expect(result.ok).to.equal(false);
    expect(result.reasons.join('; ')).to.match(/creator certificate/);
    expect(result.reasons.join('; ')).to.match(/transaction id|inclusion/);
  });

  it('reports an invalidated transaction as not proven', async () => {
    const ledger = runtime.connect(c.operator);
    const rt = runtime as unknown as Runtime;
    const first = await rt.simulate(c.operator, 'Incr', ['p'], new Map());
    const second = await rt.simulate(c.operator, 'Incr', ['p'], new Map());
    await Promise.all([rt.order(first), rt.order(second)]);
    const txId = second.txId;
    const result = verifyProofBundle(await ledger.proof(txId), c.caCertsPem);
    expect(result.ok).to.equal(false);
    expect(result.reasons).to.deep.equal(['validation code: the transaction was invalidated (MVCC_READ_CONFLICT)']);
  });

  it('rejects what is not a bundle', () => {
    expect(
      verifyProofBundle({ format: 'shulian-embedded-v1', channel: 'x', txId: 'y', blockNumber: 0 }, c.caCertsPem)
        .reasons[0],
    ).to.match(/^format: missing/);
    expect(verifyProofBundle(null as never, c.caCertsPem).ok).to.equal(false);
  });
});
