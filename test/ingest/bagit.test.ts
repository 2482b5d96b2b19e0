import { expect } from 'chai';
import { appendFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ValidationError } from '../../node/core/errors.js';
import { scanSource, validateBag } from '../../node/ingest/index.js';
import { meta, tempDir, writeBag } from './helpers.js';

describe('ingest: BagIt bags (RFC 8493)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    await writeBag(dir, {
      'scan/a.pdf': 'AAAA',
      'scan/a.pdf.meta.json': meta('A', { id: 'bag-a' }),
      'b.txt': 'BB',
      'b.txt.meta.json': meta('B'),
    });
  });
  afterEach(() => cleanup());

  const problems = async (): Promise<{ file: string; line?: number; reason: string }[]> => {
    try {
      await validateBag(dir);
    } catch (err) {
      expect(err).to.be.instanceOf(ValidationError);
      return ((err as ValidationError).details?.problems ?? []) as { file: string; line?: number; reason: string }[];
    }
    return [];
  };

  it('validates a good bag and reads data/ as a directory with sidecars', async () => {
    const report = await validateBag(dir);
    expect(report).to.include({ version: '1.0', files: 4 });
    expect(report.algorithms).to.deep.equal(['sha256', 'sha512']);
    const scan = await scanSource(dir);
    expect(scan.kind).to.equal('bag');
    expect(scan.resources.map((r) => [r.relPath, r.resourceId])).to.deep.equal([
      ['b.txt', scan.resources[0]?.resourceId],
      ['scan/a.pdf', 'bag-a'],
    ]);
    expect(scan.failures).to.deep.equal([]);
  });

  it('refuses a payload file whose bytes changed, naming the manifest line', async () => {
    await appendFile(join(dir, 'data/b.txt'), 'tampered');
    const found = await problems();
    expect(found.some((p) => p.reason.includes('Payload-Oxum'))).to.equal(true);
    // fix the Oxum: then the checksum is what fails
    await rm(join(dir, 'data/b.txt'));
    await writeFile(join(dir, 'data/b.txt'), 'XY');
    const again = await problems();
    expect(again.map((p) => p.file)).to.include.members(['manifest-sha256.txt', 'manifest-sha512.txt']);
    expect(again.find((p) => p.file === 'manifest-sha256.txt')?.reason).to.match(/data\/b\.txt: sha256 mismatch/);
    expect(again.find((p) => p.file === 'manifest-sha256.txt')?.line).to.be.a('number');
  });

  it('refuses files missing from the payload or from a manifest', async () => {
    await writeFile(join(dir, 'data/extra.txt'), '');
    const found = await problems();
    expect(found.some((p) => /does not list payload file data\/extra\.txt/.test(p.reason))).to.equal(true);
    await rm(join(dir, 'data/extra.txt'));
    await rm(join(dir, 'data/b.txt'));
    const again = await problems();
    expect(again.some((p) => /lists data\/b\.txt, which is not in the payload/.test(p.reason))).to.equal(true);
  });

  it('refuses a bag without a valid declaration or any manifest, and one that needs fetching', async () => {
    await writeFile(join(dir, 'bagit.txt'), 'BagIt-Version: one\n');
    expect((await problems()).map((p) => p.reason)).to.include.members([
      'expected "BagIt-Version: M.N"',
      'expected "Tag-File-Character-Encoding: UTF-8"',
    ]);
    await writeFile(join(dir, 'bagit.txt'), 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n');
    await writeFile(join(dir, 'fetch.txt'), 'https://example.org/x 10 data/x\n');
    expect((await problems()).some((p) => p.file === 'fetch.txt')).to.equal(true);
    await rm(join(dir, 'fetch.txt'));
    await rm(join(dir, 'manifest-sha256.txt'));
    await rm(join(dir, 'manifest-sha512.txt'));
    expect((await problems()).some((p) => /no payload manifest/.test(p.reason))).to.equal(true);
  });

  it('checks tag manifests', async () => {
    await appendFile(join(dir, 'bag-info.txt'), 'Contact-Name: someone\n');
    expect(
      (await problems()).some(
        (p) => p.file === 'tagmanifest-sha256.txt' && /bag-info\.txt: sha256 mismatch/.test(p.reason),
      ),
    ).to.equal(true);
  });

  it('is validated before anything in it is scanned', async () => {
    await rm(join(dir, 'data/b.txt'));
    try {
      await scanSource(dir);
      expect.fail('should throw');
    } catch (err) {
      expect((err as Error).message).to.match(/^invalid BagIt bag .*: manifest-sha256\.txt:\d+: lists data\/b\.txt/);
    }
  });
});
