import * as dagPb from '@ipld/dag-pb';
import { expect } from 'chai';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { checkDag } from '../../node/content/dag.js';

async function block(code: number, bytes: Uint8Array): Promise<{ cid: CID; bytes: Uint8Array }> {
  return { cid: CID.create(code === raw.code ? 1 : 0, code, await sha256.digest(bytes)), bytes };
}

describe('content: checking a DAG', () => {
  it('checks blocks several at a time and reports missing and corrupt ones in depth-first order', async () => {
    // root -> 3 inner nodes -> 4 raw leaves each
    const leaves = await Promise.all(Array.from({ length: 12 }, (_, i) => block(raw.code, Buffer.from(`leaf ${i}`))));
    const inner = await Promise.all(
      [0, 1, 2].map((n) =>
        block(
          dagPb.code,
          dagPb.encode({ Links: leaves.slice(n * 4, n * 4 + 4).map((l, i) => ({ Hash: l.cid, Name: `${i}` })) }),
        ),
      ),
    );
    const root = await block(dagPb.code, dagPb.encode({ Links: inner.map((b, i) => ({ Hash: b.cid, Name: `${i}` })) }));
    const stored = new Map<string, Uint8Array>();
    for (const b of [root, ...inner, ...leaves]) stored.set(b.cid.toString(), b.bytes);
    stored.delete(leaves[2]!.cid.toString());
    stored.delete(leaves[9]!.cid.toString());
    for (const b of [leaves[0]!, inner[1]!, leaves[11]!]) stored.set(b.cid.toString(), Buffer.from('not these bytes'));

    let inFlight = 0;
    let mostInFlight = 0;
    for (let run = 0; run < 5; run++) {
      const report = await checkDag(async (cid) => {
        inFlight++;
        mostInFlight = Math.max(mostInFlight, inFlight);
        // Answers come back in a random order, as reads and hashes on other threads would.
        await new Promise((r) => setTimeout(r, Math.random() * 4));
        inFlight--;
        return stored.get(cid.toString());
      }, root.cid);
      expect(report.missing).to.deep.equal([leaves[2]!.cid.toString(), leaves[9]!.cid.toString()]);
      expect(report.corrupt).to.deep.equal([
        leaves[0]!.cid.toString(),
        inner[1]!.cid.toString(),
        leaves[11]!.cid.toString(),
      ]);
      // root, 3 inner nodes, and the leaves under the two intact ones (a corrupt node's links are not followed)
      expect(report.blocks).to.equal(1 + 3 + 8);
    }
    expect(mostInFlight).to.be.greaterThan(1);
  });

  it('stops at the first error of the loader and reports it', async () => {
    const leaf = await block(raw.code, Buffer.from('x'));
    const root = await block(dagPb.code, dagPb.encode({ Links: [{ Hash: leaf.cid, Name: '0' }] }));
    const failure = new Error('disk on fire');
    let caught: unknown;
    try {
      await checkDag(async (cid) => {
        if (cid.equals(leaf.cid)) throw failure;
        return root.bytes;
      }, root.cid);
    } catch (err) {
      caught = err;
    }
    expect(caught).to.equal(failure);
  });
});
