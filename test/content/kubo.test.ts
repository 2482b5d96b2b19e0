import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { computeCid, kuboContentStore } from '../../node/content/index.js';
import { contentStoreContract } from './contract.js';
import { startKuboDouble, type KuboDouble } from './kubo-double.js';
import { chunked, collect, kuboDeterministicBytes } from './fixtures.js';

describe('content: Kubo adapter against an RPC double on 127.0.0.1', function () {
  this.timeout(60_000);

  describe('ContentStore contract', () => {
    contentStoreContract(async () => {
      const double = await startKuboDouble();
      return { store: kuboContentStore({ url: double.url }), cleanup: () => double.close() };
    });
  });

  describe('what it sends and refuses', () => {
    let double: KuboDouble;
    beforeEach(async () => {
      double = await startKuboDouble();
    });
    afterEach(async () => {
      await double.close();
    });
    const bytes = kuboDeterministicBytes('kubo-adapter', 600_000);

    it("adds with the profile's exact options, unpinned, then pins the checked CID", async () => {
      const store = kuboContentStore({ url: double.url });
      for (const [profile, expected] of [
        [
          'kubo-v1',
          {
            'cid-version': '1',
            'raw-leaves': 'true',
            chunker: 'size-262144',
            trickle: 'false',
            hash: 'sha2-256',
            pin: 'false',
          },
        ],
        [
          'kubo-legacy',
          {
            'cid-version': '0',
            'raw-leaves': 'false',
            chunker: 'size-262144',
            trickle: 'false',
            hash: 'sha2-256',
            pin: 'false',
          },
        ],
        [
          'unixfs-v1-2025',
          {
            'cid-version': '1',
            'raw-leaves': 'true',
            chunker: 'size-1048576',
            trickle: 'false',
            'max-file-links': '1024',
            pin: 'false',
          },
        ],
      ] as const) {
        double.requests.length = 0;
        const result = await store.put(chunked(bytes), { profile });
        expect(result.cid).to.equal((await computeCid([bytes], profile)).cid);
        const add = double.requests.find((r) => r.path === '/api/v0/add')!;
        for (const [k, v] of Object.entries(expected)) expect(add.query.get(k), k).to.equal(v);
        if (profile !== 'unixfs-v1-2025') expect(add.query.has('max-file-links')).to.equal(false);
        expect(double.requests.map((r) => r.path)).to.include('/api/v0/pin/add');
        expect([...double.pins]).to.include(result.cid);
      }
    });

    it("refuses Kubo's CID when it differs from the profile's, and pins nothing", async () => {
      const store = kuboContentStore({ url: double.url });
      const wrong = (await computeCid([Buffer.from('something else')], 'kubo-v1')).cid;
      double.lieAboutAdd = wrong;
      const expected = (await computeCid([bytes], 'kubo-v1')).cid;
      const err = await store.put(chunked(bytes)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.have.property('code', 'INTEGRITY');
      expect((err as Error).message)
        .to.contain(wrong)
        .and.contain(expected)
        .and.contain('kubo-v1');
      expect(double.pins.size).to.equal(0);
      expect(double.requests.map((r) => r.path)).not.to.include('/api/v0/pin/add');
    });

    it('pins through IPFS Cluster with the replication factor and basic auth, and unpins on remove', async () => {
      const store = kuboContentStore({
        url: double.url,
        cluster: { url: double.url, replication: 3, basicAuth: 'shulian:s3cret' },
      });
      const { cid } = await store.put(chunked(bytes));
      const q = double.clusterPins.get(cid)!;
      expect(q.get('replication-min')).to.equal('3');
      expect(q.get('replication-max')).to.equal('3');
      const call = double.requests.find((r) => r.path === `/pins/${cid}`)!;
      expect(call.headers.authorization).to.equal(`Basic ${Buffer.from('shulian:s3cret').toString('base64')}`);
      await store.remove(cid);
      expect(double.clusterPins.has(cid)).to.equal(false);
      expect(double.requests.some((r) => r.method === 'DELETE' && r.path === `/pins/${cid}`)).to.equal(true);
    });

    it('reads ranges with cat offset/length and stays offline', async () => {
      const store = kuboContentStore({ url: double.url });
      const { cid } = await store.put(chunked(bytes));
      double.requests.length = 0;
      expect(
        (await collect(store.get(cid, { offset: 262_000, length: 1000 }))).equals(bytes.subarray(262_000, 263_000)),
      ).to.equal(true);
      const cat = double.requests.find((r) => r.path === '/api/v0/cat')!;
      expect(cat.query.get('offset')).to.equal('262000');
      expect(cat.query.get('length')).to.equal('1000');
      expect(cat.query.get('offline')).to.equal('true');
    });

    it('reports a corrupt block found on Kubo', async () => {
      const store = kuboContentStore({ url: double.url });
      const { cid } = await store.put(chunked(bytes));
      const [key, block] = [...double.blocks].find(([, b]) => b.cid.toString() !== cid)!;
      double.blocks.set(key, { cid: block.cid, bytes: randomBytes(block.bytes.byteLength) });
      const report = await store.verify(cid);
      expect(report.ok).to.equal(false);
      expect(report.corrupt).to.deep.equal([block.cid.toString()]);
    });

    it('says plainly when Kubo is unreachable, and validates its options', async () => {
      await double.close();
      const store = kuboContentStore({ url: double.url });
      const err = await store.has((await computeCid([Buffer.from('x')])).cid).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.have.property('code', 'UNAVAILABLE');
      expect((err as Error).message).to.contain(double.url);
      double = await startKuboDouble();
      expect(() => kuboContentStore({ url: 'ftp://x' })).to.throw(/\/url/);
      expect(() => kuboContentStore({ url: double.url, cluster: { url: double.url, replication: 0 } })).to.throw(
        /replication/,
      );
    });
  });
});

const kuboApi = process.env.KUBO_API;
describe(
  kuboApi
    ? `content: Kubo adapter against a real Kubo at ${kuboApi}`
    : 'content: Kubo adapter against a real Kubo: SKIPPED (set KUBO_API to run the contract against a real Kubo)',
  function () {
    this.timeout(120_000);
    if (!kuboApi) {
      it('needs KUBO_API', function () {
        this.skip();
      });
      return;
    }
    contentStoreContract(async () => {
      const store = kuboContentStore({ url: kuboApi });
      return { store, cleanup: () => store.close() };
    });
  },
);
