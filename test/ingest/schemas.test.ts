import { expect } from 'chai';
import { ValidationError } from '../../node/core/errors.js';
import { assertValid, isValidIsbn, loadSchema, schemaIssues, validateIndexingRecord } from '../../node/ingest/index.js';

const valid = {
  id: 'gz-1908',
  title: ['吉林通志'],
  creator: ['长顺'],
  date: ['1891', '1891-05/1900'],
  language: ['lzh', 'zh-Hans-CN'],
  class: 'document-scan',
  theme: ['local-culture', 'local:长白山'],
  rights: ['http://rightsstatements.org/vocab/NoC-OKLR/1.0/'],
  identifiers: { isbn: '978-7-5326-0000-7', callNumber: 'K293.4/12', cdoi: '10.12345/gz.1908' },
  toc: [
    { title: '序', page: 1 },
    { title: '第一集', time: 12.5, level: 2 },
  ],
  derivedFrom: ['scan-1@2', 'scan-2'],
};

describe('ingest: metadata schemas', () => {
  it('ship with stable $ids under one base', () => {
    expect(loadSchema('resource').$id).to.equal('https://shulian.example/schemas/v1/resource.schema.json');
    expect(loadSchema('indexingRecord').$id).to.equal('https://shulian.example/schemas/v1/indexing-record.schema.json');
  });

  it('accept a full resource record', () => {
    expect(schemaIssues('resource', valid)).to.deep.equal([]);
  });

  it('require a title and say where', () => {
    expect(schemaIssues('resource', { creator: ['x'] })).to.deep.include({
      pointer: '/title',
      expected: 'this required property',
    });
    expect(schemaIssues('resource', { title: [] })).to.deep.include({ pointer: '/title', expected: 'at least 1 item' });
  });

  it('name the pointer and the expectation of every bad field', () => {
    const issues = schemaIssues('resource', {
      ...valid,
      class: 'book',
      theme: ['folk'],
      language: ['english!'],
      rights: ['CC-BY'],
      identifiers: { isbn: '978-7-5326-0000-5' },
      toc: [{ title: 'x' }],
      derivedFrom: ['bad id'],
      extra: true,
    });
    const pointers = issues.map((i) => i.pointer);
    expect(pointers).to.include.members([
      '/class',
      '/theme/0',
      '/language/0',
      '/rights/0',
      '/identifiers/isbn',
      '/toc/0',
      '/derivedFrom/0',
      '/extra',
    ]);
    expect(issues.find((i) => i.pointer === '/identifiers/isbn')?.expected).to.match(/check digit/);
    expect(issues.find((i) => i.pointer === '/toc/0')?.expected).to.match(/page .* or a time offset/);
    expect(issues.find((i) => i.pointer === '/class')?.expected).to.match(/one of "document-scan"/);
  });

  it('throw a ValidationError naming file, line and pointer', () => {
    try {
      assertValid('resource', { title: ['x'], date: ['1891-13'] }, { file: 'm.csv', line: 7 });
      expect.fail('should throw');
    } catch (err) {
      expect(err).to.be.instanceOf(ValidationError);
      const e = err as ValidationError;
      expect(e.ids).to.include({ file: 'm.csv', line: 7, pointer: '/date/0' });
      expect(e.message).to.match(/^m\.csv:7: \/date\/0: expected a W3CDTF date/);
    }
  });

  it('check ISBN-10 and ISBN-13 check digits', () => {
    expect(isValidIsbn('0-306-40615-2')).to.equal(true);
    expect(isValidIsbn('0-306-40615-3')).to.equal(false);
    expect(isValidIsbn('080442957X')).to.equal(true);
    expect(isValidIsbn('978-0-306-40615-7')).to.equal(true);
    expect(isValidIsbn('978-0-306-40615-6')).to.equal(false);
    expect(isValidIsbn('ISBN 978-7-5326-0000-7')).to.equal(true);
    expect(isValidIsbn('12345')).to.equal(false);
  });

  it('check indexing records, spans included', () => {
    const record = {
      id: 'r1',
      resource: 'gz-1908',
      path: [{ level: 'chapter', n: 1 }],
      textSpan: { start: 10, end: 20 },
    };
    expect(schemaIssues('indexingRecord', record)).to.deep.equal([]);
    expect(schemaIssues('indexingRecord', { ...record, textSpan: undefined })).to.deep.equal([
      { pointer: '', expected: 'a record with a textSpan {start, end} or a timeSpan {start, end}' },
    ]);
    expect(
      schemaIssues('indexingRecord', { ...record, path: [{ level: 'verse', n: 0 }] }).map((i) => i.pointer),
    ).to.deep.equal(['/path/0/level', '/path/0/n']);
    expect(() =>
      validateIndexingRecord({ ...record, textSpan: { start: 30, end: 20 } }, { file: 'r.jsonl', line: 3 }),
    ).to.throw(ValidationError, /r\.jsonl:3: \/textSpan\/end: expected an offset >= start \(30\)/);
    expect(() =>
      validateIndexingRecord({ ...record, textSpan: undefined, timeSpan: { start: 5, end: 1 } }, {}),
    ).to.throw(ValidationError, /\/timeSpan\/end/);
  });
});
