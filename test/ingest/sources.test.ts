import { expect } from 'chai';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ValidationError } from '../../node/core/errors.js';
import { deriveResourceId, detectSource, parseCsv, readRecords, scanSource } from '../../node/ingest/index.js';
import { readRecordBatches, type RecordLine } from '../../node/ingest/sources/records.js';
import { jsonl, meta, record, tempDir, writeFiles } from './helpers.js';

describe('ingest: sources', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(() => cleanup());

  describe('directory with sidecars', () => {
    it('pairs files with X.meta.json, takes *.records.jsonl as records and reports what it cannot use', async () => {
      await writeFiles(dir, {
        'scans/a.pdf': 'A',
        'scans/a.pdf.meta.json': meta('A', { id: 'res-a' }),
        'b.txt': 'B',
        'b.txt.meta.json': meta('B', { identifier: ['https://example.org/b', 'local-b'] }),
        'c.txt': 'C',
        'orphan.txt.meta.json': meta('orphan'),
        'bad.txt': 'X',
        'bad.txt.meta.json': '{"title": ["x"], "class": "book"}',
        'broken.txt': 'Y',
        'broken.txt.meta.json': '{\n"title": [\n',
        'units.records.jsonl': jsonl([record('r1', 'res-a', 1)]),
        '.DS_Store': 'junk',
      });
      const scan = await scanSource(dir);
      expect(scan.kind).to.equal('directory');
      expect(scan.resources.map((r) => [r.relPath, r.resourceId])).to.deep.equal([
        ['b.txt', 'local-b'],
        ['scans/a.pdf', 'res-a'],
      ]);
      expect(scan.recordFiles).to.deep.equal([join(dir, 'units.records.jsonl')]);
      const reasons = scan.failures.map((f) => f.reason);
      expect(reasons.some((r) => /^c\.txt: no metadata/.test(r))).to.equal(true);
      expect(reasons.some((r) => /orphan\.txt\.meta\.json: a sidecar without its file/.test(r))).to.equal(true);
      const bad = scan.failures.find((f) => f.file === 'bad.txt.meta.json');
      expect(bad).to.include({ pointer: '/class', code: 'VALIDATION' });
      const broken = scan.failures.find((f) => f.file === 'broken.txt.meta.json');
      expect(broken?.reason).to.match(/well-formed JSON/);
    });

    it('normalises file names to NFC, so NFD names on disk get the same id and path', async () => {
      const name = `${'Café'.normalize('NFD')}.txt`;
      expect(name).to.not.equal(name.normalize('NFC'));
      await writeFiles(dir, { [name]: 'x', [`${name}.meta.json`]: meta('café') });
      const scan = await scanSource(dir);
      expect(scan.resources).to.have.length(1);
      expect(scan.resources[0]?.relPath).to.equal('Café.txt'.normalize('NFC'));
      expect(scan.resources[0]?.resourceId).to.equal(deriveResourceId('Café.txt'.normalize('NFC')));
      expect(scan.resources[0]?.path).to.equal(join(dir, name));
    });

    it('refuses two names that normalise to the same NFC name', async () => {
      const nfc = 'Café.txt'.normalize('NFC');
      const nfd = 'Café.txt'.normalize('NFD');
      await writeFiles(dir, { [nfc]: '1', [nfd]: '2', [`${nfc}.meta.json`]: meta('c') });
      const scan = await scanSource(dir);
      expect(scan.resources).to.have.length(0);
      expect(scan.failures.some((f) => /normalise to the same Unicode NFC name/.test(f.reason))).to.equal(true);
    });

    it('derives ids deterministically and keeps them valid chaincode ids', () => {
      const a = deriveResourceId('地方志/吉林通志 卷一.pdf');
      expect(a).to.equal(deriveResourceId('地方志/吉林通志 卷一.pdf'.normalize('NFD')));
      expect(a).to.match(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/);
      expect(deriveResourceId('地方志/吉林通志 卷二.pdf')).to.not.equal(a);
      expect(deriveResourceId('scans/Vol 1.pdf')).to.match(/^scans-Vol-1\.pdf-[0-9a-f]{12}$/);
      expect(deriveResourceId(`${'x'.repeat(300)}.pdf`).length).to.be.at.most(128);
    });

    it('rejects the same resource id used twice (the first keeps it)', async () => {
      await writeFiles(dir, {
        'a.txt': 'a',
        'a.txt.meta.json': meta('a', { id: 'same' }),
        'b.txt': 'b',
        'b.txt.meta.json': meta('b', { id: 'same' }),
      });
      const { rejectDuplicateIds } = await import('../../node/ingest/sources/index.js');
      const result = rejectDuplicateIds((await scanSource(dir)).resources);
      expect(result.resources.map((r) => r.relPath)).to.deep.equal(['a.txt']);
      expect(result.failures[0]?.reason).to.match(/b\.txt: resource id same is already used by a\.txt/);
    });
  });

  describe('manifests', () => {
    it('reads CSV with quoted cells, list values and nested columns, reporting row lines', async () => {
      await writeFiles(dir, {
        'files/a.pdf': 'A',
        'files/b.mp4': 'B',
        'manifest.csv': [
          'file,id,title,creator,language,class,identifiers.isbn,toc',
          'files/a.pdf,gz-1,"吉林通志, 卷一",长顺|李桂林,lzh,document-scan,978-0-306-40615-7,"[{""title"":""序"",""page"":1}]"',
          '"files/b.mp4",mooc-1,"A ""quoted""',
          'title",,zh,mooc,,',
          'files/missing.pdf,m-1,Missing,,,,,',
          'files/a.pdf,gz-2,Bad ISBN,,,,978-0-306-40615-6,',
          '../etc/passwd,x-1,Escape,,,,,',
        ].join('\r\n'),
      });
      const scan = await scanSource(join(dir, 'manifest.csv'));
      expect(scan.kind).to.equal('manifest');
      expect(scan.resources.map((r) => r.resourceId)).to.deep.equal(['gz-1', 'mooc-1']);
      expect(scan.resources[0]?.metadata).to.deep.equal({
        id: 'gz-1',
        title: ['吉林通志, 卷一'],
        creator: ['长顺', '李桂林'],
        language: ['lzh'],
        class: 'document-scan',
        identifiers: { isbn: '978-0-306-40615-7' },
        toc: [{ title: '序', page: 1 }],
      });
      expect(scan.resources[1]?.metadata.title).to.deep.equal(['A "quoted"\r\ntitle']);
      expect(scan.resources[1]?.origin).to.deep.equal({ file: 'manifest.csv', line: 3 });
      const byLine = Object.fromEntries(scan.failures.map((f) => [f.line, f]));
      expect(byLine[5]).to.include({ pointer: '/file' });
      expect(byLine[5]?.reason).to.match(/missing\.pdf not found/);
      expect(byLine[6]).to.include({ pointer: '/identifiers/isbn', file: 'manifest.csv' });
      expect(byLine[7]?.reason).to.match(/relative path inside the manifest directory/);
    });

    it('refuses an unknown CSV column at the header line', async () => {
      await writeFiles(dir, { 'm.csv': 'file,title,colour\na,b,c\n' });
      try {
        await scanSource(join(dir, 'm.csv'));
        expect.fail('should throw');
      } catch (err) {
        expect(err).to.be.instanceOf(ValidationError);
        expect((err as ValidationError).ids).to.include({ file: 'm.csv', line: 1, pointer: '/colour' });
      }
    });

    it('reads JSON Lines manifests with pointers under /metadata', async () => {
      await writeFiles(dir, {
        'a.txt': 'a',
        'list.jsonl': jsonl([
          { file: 'a.txt', metadata: meta('A', { id: 'a-1' }) },
          '',
          { file: 'a.txt', metadata: { title: ['x'], language: ['??'] } },
          'not json',
          { file: 'a.txt' },
        ]),
      });
      expect(await detectSource(join(dir, 'list.jsonl'))).to.equal('manifest');
      const scan = await scanSource(join(dir, 'list.jsonl'));
      expect(scan.resources.map((r) => r.resourceId)).to.deep.equal(['a-1']);
      expect(scan.failures.map((f) => [f.line, f.pointer])).to.deep.equal([
        [3, '/metadata/language/0'],
        [4, ''],
        [5, '/metadata'],
      ]);
    });

    it('parses RFC 4180 CSV', () => {
      expect(parseCsv('a,b\n"x, y","say ""hi"""\n\n"multi\nline",z', 'f.csv')).to.deep.equal([
        { line: 1, cells: ['a', 'b'] },
        { line: 2, cells: ['x, y', 'say "hi"'] },
        { line: 4, cells: ['multi\nline', 'z'] },
      ]);
      expect(() => parseCsv('a,"open\n', 'f.csv')).to.throw(ValidationError, /f\.csv:1: expected a closing quote/);
    });
  });

  describe('indexing records', () => {
    it('stream line by line, one failure per bad line, the rest still read', async () => {
      await writeFiles(dir, {
        'x.records.jsonl': jsonl([
          record('r1', 'gz', 1),
          '{oops',
          record('r2', 'gz', 2, { keywords: [1] }),
          record('r3', 'gz', 3),
        ]),
      });
      expect(await detectSource(join(dir, 'x.records.jsonl'))).to.equal('records');
      const lines = [];
      for await (const line of readRecords(join(dir, 'x.records.jsonl'), 'x.records.jsonl')) lines.push(line);
      expect(lines.map((l) => (l.ok ? l.record.id : `${l.failure.line}${l.failure.pointer}`))).to.deep.equal([
        'r1',
        '2',
        '3/keywords/0',
        'r3',
      ]);
    });
  });

  it('reads records in chunks with the line breaks and line numbers of readline (LF, CR LF, lone CR)', async () => {
    const good = (i: number): string => JSON.stringify(record(`c${i}`, 'gz', i));
    const text = `\ufeff${good(1)}\r\n\r\n${good(2)}\r${good(3)}\n  \n{bad\r\r\n${good(4)}\n${good(5)}\r\n${good(6)}`;
    await writeFiles(dir, { 'y.records.jsonl': text });
    const path = join(dir, 'y.records.jsonl');
    const expected: string[] = [];
    let n = 0;
    for await (const line of createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity })) {
      n++;
      if (line.replace(/^\ufeff/, '').trim() !== '') expected.push(`${n}:${line.replace(/^\ufeff/, '').slice(0, 12)}`);
    }
    const shown = (l: RecordLine): string =>
      l.ok ? `${l.line}:${JSON.stringify(l.record).slice(0, 12)}` : `${l.failure.line}:{bad`;
    // every chunk size puts the chunk boundaries somewhere else, CR LF split across two chunks included
    for (const size of [1, 2, 3, 5, 7, 64, 1 << 20]) {
      const got: string[] = [];
      for await (const lines of readRecordBatches(path, 'y.records.jsonl', size)) got.push(...lines.map(shown));
      expect(got, `chunks of ${size}`).to.deep.equal(expected);
    }
  });

  it('says what a source must be when it is none of them', async () => {
    await writeFiles(dir, { 'notes.txt': 'x' });
    try {
      await detectSource(join(dir, 'notes.txt'));
      expect.fail('should throw');
    } catch (err) {
      expect((err as Error).message).to.match(/expected a directory, a BagIt bag, a \.csv or \.jsonl manifest/);
    }
    try {
      await detectSource(join(dir, 'nothing'));
      expect.fail('should throw');
    } catch (err) {
      expect((err as Error).message).to.match(/no such file or directory/);
    }
  });
});
