import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { pack as createPack } from 'tar-stream';
import {
  createCursorCodec,
  toProblem,
  HttpProblem,
  parseRange,
  ifNoneMatchHits,
  Counter,
  Histogram,
  Registry,
  writeBag,
  verifiedStream,
  reprDigest,
  identityFromCertificate,
  parseRevocationList,
  createRevocationList,
  PROBLEM_TYPE_PREFIX,
  watchIndex,
} from '../../gateway/index.js';
import { ValidationError, NotFoundError, LedgerError, IntegrityError } from '../../node/core/index.js';
import { createDevCa } from '../../node/identity/index.js';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { checkBag } from './bag-check.js';
import { makeCrl } from './crl.js';

const KEY = Buffer.alloc(32, 7);

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of source) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

describe('gateway units', () => {
  describe('changes cursor', () => {
    const codec = createCursorCodec(KEY);
    it('round-trips positions, including large block numbers', () => {
      for (const p of [
        { blockNumber: 0, txIndex: 0 },
        { blockNumber: 12345, txIndex: 7 },
        { blockNumber: Number.MAX_SAFE_INTEGER, txIndex: 0xffffffff },
      ]) {
        expect(codec.decode(codec.encode(p))).to.deep.equal(p);
      }
    });
    it('is opaque base64url', () => {
      expect(codec.encode({ blockNumber: 3, txIndex: 1 })).to.match(/^[A-Za-z0-9_-]{39}$/);
    });
    it('detects tampering of any character', () => {
      const c = codec.encode({ blockNumber: 42, txIndex: 3 });
      for (let i = 0; i < c.length; i++) {
        const ch = c[i] === 'A' ? 'B' : 'A';
        const bad = c.slice(0, i) + ch + c.slice(i + 1);
        expect(() => codec.decode(bad), `position ${i}`)
          .to.throw(HttpProblem)
          .with.property('code', 'INVALID_CURSOR');
      }
    });
    it('refuses cursors of another key, and garbage', () => {
      const other = createCursorCodec(Buffer.alloc(32, 8)).encode({ blockNumber: 1, txIndex: 1 });
      expect(() => codec.decode(other)).to.throw(/another gateway|integrity/);
      for (const bad of ['', 'x', '../../etc/passwd', 'A'.repeat(39), 'A'.repeat(400)])
        expect(() => codec.decode(bad)).to.throw(HttpProblem);
    });
  });

  describe('problem mapping', () => {
    it('maps node/core codes to stable types and statuses with ids', () => {
      const p = toProblem(
        new ValidationError('/limit: must be <= 1000', { pointer: '/query/limit' }),
        '/v1/changes?limit=5000',
        'r1',
      );
      expect(p).to.include({
        type: `${PROBLEM_TYPE_PREFIX}validation`,
        status: 400,
        code: 'VALIDATION',
        pointer: '/query/limit',
        requestId: 'r1',
      });
      expect(toProblem(new NotFoundError('no resource x', { resourceId: 'x' }), '/').status).to.equal(404);
      expect(toProblem(new HttpProblem('GONE', 'withdrawn', { resourceId: 'x', txId: 't' }), '/')).to.include({
        status: 410,
        type: `${PROBLEM_TYPE_PREFIX}withdrawn`,
        txId: 't',
      });
      expect(toProblem(new LedgerError('MVCC_READ_CONFLICT', 'conflict'), '/')).to.include({
        status: 502,
        code: 'MVCC_READ_CONFLICT',
        type: `${PROBLEM_TYPE_PREFIX}ledger`,
      });
    });
    it('never leaks internals of unknown or internal errors', () => {
      const err = new Error('ENOENT /secret/path/blocks/xyz');
      const p = toProblem(err, '/v1/x');
      expect(p.status).to.equal(500);
      expect(JSON.stringify(p)).not.to.match(/secret|ENOENT|at /);
      const i = toProblem(new IntegrityError('sha256 abc != def at /data/blocks'), '/');
      expect(i.status).to.equal(500);
      expect(i.detail).not.to.contain('/data/blocks');
    });
  });

  describe('Range', () => {
    it('parses the three single-range forms and clamps the end', () => {
      expect(parseRange('bytes=0-9', 100)).to.deep.equal({ start: 0, end: 9 });
      expect(parseRange('bytes=90-', 100)).to.deep.equal({ start: 90, end: 99 });
      expect(parseRange('bytes=-10', 100)).to.deep.equal({ start: 90, end: 99 });
      expect(parseRange('bytes=-1000', 100)).to.deep.equal({ start: 0, end: 99 });
      expect(parseRange('bytes=50-1000', 100)).to.deep.equal({ start: 50, end: 99 });
    });
    it('ignores what RFC 9110 says to ignore', () => {
      for (const h of [undefined, 'items=0-1', 'bytes=0-1,5-6', 'bytes=9-3', 'bytes=abc', 'bytes=-'])
        expect(parseRange(h, 100), String(h)).to.equal(undefined);
    });
    it('refuses unsatisfiable ranges with 416', () => {
      for (const h of ['bytes=100-', 'bytes=-0', 'bytes=1000000000000000000-']) {
        expect(() => parseRange(h, 100))
          .to.throw(HttpProblem)
          .with.property('code', 'RANGE_NOT_SATISFIABLE');
      }
      expect(() => parseRange('bytes=0-', 0)).to.throw(HttpProblem);
    });
    it('matches If-None-Match lists and *', () => {
      expect(ifNoneMatchHits('"a", "bafy"', '"bafy"')).to.equal(true);
      expect(ifNoneMatchHits('W/"bafy"', '"bafy"')).to.equal(true);
      expect(ifNoneMatchHits('*', '"bafy"')).to.equal(true);
      expect(ifNoneMatchHits('"other"', '"bafy"')).to.equal(false);
    });
  });

  describe('metrics', () => {
    it('renders Prometheus text with escaped labels and cumulative buckets', () => {
      const r = new Registry();
      const c = r.register(new Counter('x_total', 'Things.'));
      c.inc({ route: '/v1/a"b\\c\n', status: 200 });
      c.inc({ route: '/v1/a"b\\c\n', status: 200 }, 2);
      const h = r.register(new Histogram('d_seconds', 'Durations.', [0.1, 1]));
      h.observe(0.05, { route: 'r' });
      h.observe(0.5, { route: 'r' });
      h.observe(5, { route: 'r' });
      expect(r.render()).to.equal(
        [
          '# HELP x_total Things.',
          '# TYPE x_total counter',
          'x_total{route="/v1/a\\"b\\\\c\\n",status="200"} 3',
          '# HELP d_seconds Durations.',
          '# TYPE d_seconds histogram',
          'd_seconds_bucket{route="r",le="0.1"} 1',
          'd_seconds_bucket{route="r",le="1"} 2',
          'd_seconds_bucket{route="r",le="+Inf"} 3',
          'd_seconds_sum{route="r"} 5.55',
          'd_seconds_count{route="r"} 3',
        ].join('\n') + '\n',
      );
      expect(() => c.inc({}, -1)).to.throw(RangeError);
    });
  });

  describe('verified stream', () => {
    const bytes = Buffer.from('the quick brown fox jumps over the lazy dog '.repeat(1000));
    const expected = {
      resourceId: 'r',
      version: 1,
      cid: 'bafy',
      sha256: createHash('sha256').update(bytes).digest('hex'),
      sm3: createHash('sm3').update(bytes).digest('hex'),
      size: bytes.length,
    };
    const chunks = (b: Buffer) =>
      (async function* () {
        for (let i = 0; i < b.length; i += 4096) yield b.subarray(i, i + 4096);
      })();
    it('passes intact bytes through', async () => {
      expect((await collect(verifiedStream(chunks(bytes), expected))).equals(bytes)).to.equal(true);
    });
    it('withholds the last chunk and throws on a single flipped byte', async () => {
      const bad = Buffer.from(bytes);
      bad[bad.length - 1]! ^= 1;
      const got: Buffer[] = [];
      let error: unknown;
      try {
        for await (const c of verifiedStream(chunks(bad), expected)) got.push(Buffer.from(c));
      } catch (err) {
        error = err;
      }
      expect(error).to.have.property('code', 'INTEGRITY');
      expect(Buffer.concat(got).length).to.be.lessThan(bytes.length);
    });
    it('throws as soon as the store yields more bytes than recorded', async () => {
      const long = Buffer.concat([bytes, Buffer.from('x')]);
      let error: unknown;
      try {
        await collect(verifiedStream(chunks(long), expected));
      } catch (err) {
        error = err;
      }
      expect(error).to.have.property('code', 'INTEGRITY');
    });
    it('over a store that verifies every block: counts the size only, and still withholds the last chunk', async () => {
      let trailer: unknown;
      // Digests are not recomputed: the block checks against the CID already covered every byte.
      const other = { ...expected, sha256: 'a'.repeat(64), sm3: 'b'.repeat(64) };
      const out = await collect(verifiedStream(chunks(bytes), other, (d) => (trailer = d), true));
      expect(out.equals(bytes)).to.equal(true);
      expect(trailer).to.deep.equal({ sha256: other.sha256, sm3: other.sm3, size: bytes.length });
      for (const wrong of [bytes.subarray(0, bytes.length - 1), Buffer.concat([bytes, Buffer.from('x')])]) {
        const got: Buffer[] = [];
        let error: unknown;
        try {
          for await (const c of verifiedStream(chunks(wrong), expected, undefined, true)) got.push(Buffer.from(c));
        } catch (err) {
          error = err;
        }
        expect(error).to.have.property('code', 'INTEGRITY');
        expect(Buffer.concat(got).length).to.be.lessThan(wrong.length);
      }
    });
    it('checks SM3 on a worker thread for large payloads, with the same verdicts', async () => {
      const big = Buffer.alloc(3 << 20);
      for (let i = 0; i < big.length; i++) big[i] = (i * 7 + (i >> 11)) & 0xff;
      const exp = {
        ...expected,
        size: big.length,
        sha256: createHash('sha256').update(big).digest('hex'),
        sm3: createHash('sm3').update(big).digest('hex'),
      };
      let trailer: unknown;
      expect((await collect(verifiedStream(chunks(big), exp, (d) => (trailer = d)))).equals(big)).to.equal(true);
      expect(trailer).to.deep.equal({ sha256: exp.sha256, sm3: exp.sm3, size: big.length });
      // SHA-256 right, SM3 wrong: only the worker's digest can catch it
      let error: unknown;
      try {
        await collect(verifiedStream(chunks(big), { ...exp, sm3: '0'.repeat(64) }));
      } catch (err) {
        error = err;
      }
      expect(String(error)).to.match(/sm3 [0-9a-f]{64} != 0{64}/);
    });
    it('shares the SM3 ring between many streams, whatever their chunk sizes, each with its own digest', async () => {
      // more bytes in flight than the ring holds (16 x 256 KiB per worker), chunks below, at and above a slot
      const sizes = [4096, 65537, 256 * 1024, 256 * 1024 + 1, 1 << 20, 3 * 1024 * 1024 - 5];
      const streams = Array.from({ length: 12 }, (_, n) => {
        const big = Buffer.alloc((2 << 20) + n * 4099);
        for (let i = 0; i < big.length; i++) big[i] = (i * (n + 3) + (i >> 9)) & 0xff;
        const step = sizes[n % sizes.length]!;
        const source = (async function* () {
          for (let i = 0; i < big.length; i += step) yield big.subarray(i, i + step);
        })();
        const exp = {
          ...expected,
          size: big.length,
          sha256: createHash('sha256').update(big).digest('hex'),
          sm3: createHash('sm3').update(big).digest('hex'),
        };
        // every third stream is told a wrong SM3: only its own verdict may fail
        const wrong = n % 3 === 2;
        return collect(verifiedStream(source, wrong ? { ...exp, sm3: 'f'.repeat(64) } : exp)).then(
          (got) => (wrong ? 'passed a wrong SM3' : got.equals(big) ? 'ok' : 'bytes differ'),
          (err: unknown) => (wrong && /sm3 [0-9a-f]{64} != f{64}/.test(String(err)) ? 'ok' : String(err)),
        );
      });
      expect(await Promise.all(streams)).to.deep.equal(streams.map(() => 'ok'));
    });
    it('writes RFC 9530 Repr-Digest', () => {
      expect(reprDigest(createHash('sha256').update('hello').digest('hex'))).to.equal(
        'sha-256=:LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=:',
      );
    });
  });

  describe('BagIt writer', () => {
    it('writes a bag whose manifests and tag manifests check out (RFC 8493)', async () => {
      const payload = Buffer.alloc(300_000);
      for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) % 251;
      const sha256 = createHash('sha256').update(payload).digest('hex');
      const sm3 = createHash('sm3').update(payload).digest('hex');
      const tar = createPack();
      const writing = writeBag(tar, {
        baseName: 'res-1-v1',
        payloadName: 'res-1-v1.pdf',
        payloadSize: payload.length,
        payload: (async function* () {
          for (let i = 0; i < payload.length; i += 65536) yield payload.subarray(i, i + 65536);
        })(),
        digests: () => ({ sha256, sm3 }),
        info: [
          ['Source-Organization', 'JilinLibraryMSP'],
          ['External-Identifier', 'res-1 version 1'],
        ],
        baggingDate: '2026-11-21',
        mtime: new Date('2026-11-21T00:00:00Z'),
        tagFiles: [{ path: 'shulian/version.json', content: '{"version":1}\n' }],
      }).then(() => tar.finalize());
      const bytes = await collect(tar as unknown as AsyncIterable<Uint8Array>);
      await writing;
      const bag = await checkBag(bytes);
      expect(bag.baseName).to.equal('res-1-v1');
      expect(bag.files.get('data/res-1-v1.pdf')!.equals(payload)).to.equal(true);
      expect(bag.info.get('Payload-Oxum')).to.equal(`${payload.length}.1`);
      expect(bag.info.get('Bagging-Date')).to.equal('2026-11-21');
      expect(bag.info.get('Source-Organization')).to.equal('JilinLibraryMSP');
      expect(bag.files.get('shulian/version.json')!.toString()).to.equal('{"version":1}\n');
      expect(bag.files.has('manifest-sm3.txt')).to.equal(true);
    });
    it('the checker catches a wrong manifest', async () => {
      const tar = createPack();
      const writing = writeBag(tar, {
        baseName: 'b',
        payloadName: 'p.bin',
        payloadSize: 3,
        payload: (async function* () {
          yield Buffer.from('abc');
        })(),
        digests: () => ({ sha256: '0'.repeat(64), sm3: '0'.repeat(64) }),
        info: [],
        baggingDate: '2026-11-21',
        mtime: new Date(0),
        tagFiles: [],
      }).then(() => tar.finalize());
      const bytes = await collect(tar as unknown as AsyncIterable<Uint8Array>);
      await writing;
      let error: unknown;
      try {
        await checkBag(bytes);
      } catch (err) {
        error = err;
      }
      expect(String(error)).to.match(/manifest-sha256: data\/p.bin does not match/);
    });
    it('refuses unsafe paths', async () => {
      const tar = createPack();
      let error: unknown;
      try {
        await writeBag(tar, {
          baseName: '../x',
          payloadName: 'p',
          payloadSize: 0,
          payload: (async function* () {})(),
          digests: () => ({ sha256: '', sm3: '' }),
          info: [],
          baggingDate: '',
          mtime: new Date(0),
          tagFiles: [],
        });
      } catch (err) {
        error = err;
      }
      expect(error).to.be.instanceOf(RangeError);
    });
  });

  describe('client certificate identity', () => {
    it('reads org, role and CN from a dev-CA TLS client certificate', async () => {
      const ca = await createDevCa({ mspId: 'NLCMSP' });
      const issued = await ca.issue({ commonName: 'warehouse@NLCMSP', kind: 'tls-client', role: 'warehouse' });
      const der = new X509Certificate(issued.certPem).raw;
      const id = identityFromCertificate(der);
      expect(id).to.include({ org: 'NLCMSP', role: 'warehouse', commonName: 'warehouse@NLCMSP' });
      expect(id.fingerprint256).to.match(/^[0-9a-f]{64}$/);
      expect(id.serialNumber).to.match(/^[0-9a-f]+$/);
    });
    it('names the org of the issuing CA, and no role when the attribute is absent', async () => {
      const ca = await createDevCa({ mspId: 'RogueMSP' });
      // a CA of org RogueMSP issuing for O=NLCMSP: simulate with a CA whose organization differs from the subject
      const other = await createDevCa({ mspId: 'NLCMSP', organization: 'RogueMSP' });
      const issued = await other.issue({ commonName: 'x', kind: 'tls-client', role: 'warehouse' });
      const id = identityFromCertificate(new X509Certificate(issued.certPem).raw);
      expect(id.org).to.equal('RogueMSP'); // the subject O follows the CA: the org a cert names is its CA's
      const own = await ca.issue({ commonName: 'y', kind: 'tls-client' });
      expect(identityFromCertificate(new X509Certificate(own.certPem).raw).role).to.equal(undefined);
    });
  });

  describe('revocation list', () => {
    it('parses serials (optionally per org) and fingerprints, refusing junk', () => {
      const parsed = parseRevocationList(
        '# comment\nserial 00:AB:cd\nserial ff NLCMSP # narrowed\nsha256 ' + 'a'.repeat(64) + '\n\n',
      );
      expect([...parsed.serials.keys()]).to.deep.equal(['abcd', 'ff|NLCMSP']);
      expect(parsed.fingerprints.has('a'.repeat(64))).to.equal(true);
      expect(() => parseRevocationList('serial xyz')).to.throw(/line 1/);
      expect(() => parseRevocationList('crl 00')).to.throw(/line 1/);
    });
    it("applies X.509 CRLs signed by a trusted CA to that CA's certificates only, and fails closed on an untrusted CRL", async () => {
      const dir = await mkdtemp(join(tmpdir(), 'shulian-crl-'));
      try {
        const ca = await createDevCa({ mspId: 'NLCMSP' });
        const other = await createDevCa({ mspId: 'NLCMSP' });
        const revoked = await ca.issue({ commonName: 'w1', kind: 'tls-client', role: 'warehouse' });
        const kept = await ca.issue({ commonName: 'w2', kind: 'tls-client', role: 'warehouse' });
        const der = (pem: string) => new X509Certificate(pem).raw;
        const idOf = (pem: string) => identityFromCertificate(der(pem));
        const path = join(dir, 'revoked.txt');
        await writeFile(
          path,
          `# CRL of the NLCMSP TLS CA\n${await makeCrl(ca, [new X509Certificate(revoked.certPem).serialNumber])}`,
        );
        const list = createRevocationList(path, { trustedCas: ca.certPem + other.certPem });
        expect(
          await list.check(idOf(revoked.certPem), der(revoked.certPem)),
          String(await list.check(idOf(revoked.certPem), der(revoked.certPem))),
        ).to.match(/revoked by the CRL/);
        expect(await list.check(idOf(kept.certPem), der(kept.certPem))).to.equal(undefined);
        // another CA's certificate with the same serial number is not touched by this CA's CRL
        const sameSerial = { ...idOf(revoked.certPem) };
        const foreign = await other.issue({ commonName: 'w1', kind: 'tls-client' });
        expect(
          await list.check({ ...idOf(foreign.certPem), serialNumber: sameSerial.serialNumber }, der(foreign.certPem)),
        ).to.equal(undefined);
        // a CRL signed by a CA that is not trusted: everybody is refused until the file is fixed
        const untrusted = createRevocationList(path, { trustedCas: other.certPem });
        expect(await untrusted.check(idOf(kept.certPem), der(kept.certPem))).to.match(/not signed by a trusted CA/);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
    it('is re-read when the file changes, and fails closed when unreadable', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'shulian-revocation-'));
      try {
        const path = join(dir, 'revoked.txt');
        const list = createRevocationList(path);
        const who = {
          org: 'NLCMSP',
          role: 'warehouse',
          commonName: 'w',
          serialNumber: 'abcd',
          fingerprint256: 'f'.repeat(64),
          issuer: '',
          notAfter: '',
        };
        expect(await list.check(who)).to.equal(undefined);
        await writeFile(path, 'serial abcd\n');
        expect(await list.check(who)).to.match(/serial/);
        await writeFile(path, 'serial abcd OtherMSP\nsha256 ' + 'e'.repeat(64) + '\n');
        expect(await list.check(who)).to.equal(undefined);
        await writeFile(path, 'garbage here\n');
        expect(await list.check(who)).to.match(/cannot be read/);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe('watchIndex', () => {
    it('moves with every commit another connection makes to the index file, and not otherwise', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'shulian-watch-'));
      const file = join(dir, 'index.sqlite');
      const db = new Database(file);
      try {
        db.pragma('journal_mode = WAL');
        db.exec('CREATE TABLE t (x INTEGER)');
        const watch = watchIndex(file)!;
        try {
          const v0 = watch.version();
          expect(watch.version()).to.equal(v0);
          db.prepare('INSERT INTO t VALUES (1)').run();
          const v1 = watch.version();
          expect(v1).to.not.equal(v0);
          expect(watch.version()).to.equal(v1);
          db.transaction(() => db.prepare('UPDATE t SET x = 2').run())();
          expect(watch.version()).to.not.equal(v1);
        } finally {
          watch.close();
        }
        expect(watchIndex(':memory:')).to.equal(undefined);
      } finally {
        db.close();
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});
