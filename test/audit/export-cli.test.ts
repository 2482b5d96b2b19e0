import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { openFixityStore, runFixityAudit } from '../../node/fixity/index.js';
import { tempNode } from '../runtime/helpers.js';
import { assertValidXml, ensureXmllint } from '../helpers/xmllint.js';
import { grant, register } from './fixture.js';
import { PREMIS_XSD, provValidator } from './schemas.js';

const CLI = join('test', 'ingest', 'cli-entry.ts');

function shulian(home: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', CLI, ...args],
      { env: { ...process.env, SHULIAN_HOME: home }, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('shulian audit export (CLI)', function () {
  this.timeout(60_000);
  let home: string;

  before(async () => {
    ensureXmllint();
    const t = await tempNode();
    home = t.home;
    try {
      await register(t.node, 'doc-1', 'scan');
      await register(t.node, 'doc-2', 'OCR text of the scan', [{ resourceId: 'doc-1', version: 1 }]);
      await grant(t.node.ledger, 'g-1', { type: 'resource', id: 'doc-1' }, 'NLCMSP', null);
      await t.node.catchUp();
      // a real fixity run, whose checks the exports must carry
      const store = openFixityStore({ home: t.home });
      try {
        await runFixityAudit({ ...t.node, store }, { trigger: 'test' });
      } finally {
        store.close();
      }
    } finally {
      await t.node.close(); // the CLI opens the home itself
    }
  });
  after(async () => {
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('writes PREMIS 3 of the collection to a file, and PROV-JSON of a resource to stdout, both schema-valid', async () => {
    const out = join(home, 'collection.premis.xml');
    const premis = await shulian(home, 'audit', 'export', '--format', 'premis', '-o', out);
    expect(premis.code, premis.stderr).to.equal(0);
    const xml = await readFile(out, 'utf8');
    assertValidXml(xml, PREMIS_XSD);
    expect(xml)
      .to.contain('doc-1/v1')
      .and.to.contain('doc-2/v1')
      .and.to.contain('<rightsStatementIdentifierValue>g-1<');
    const prov = await shulian(home, 'audit', 'export', '--format', 'prov', '--resource', 'doc-2');
    expect(prov.code, prov.stderr).to.equal(0);
    const doc = JSON.parse(prov.stdout) as { entity: Record<string, unknown> };
    provValidator().validate(doc);
    expect(Object.keys(doc.entity)).to.deep.equal(['shulian:version/doc-2/1']);
  });

  it('names a bad format or an unknown resource, and writes nothing', async () => {
    const bad = await shulian(home, 'audit', 'export', '--format', 'mets');
    expect(bad.code).to.not.equal(0);
    expect(bad.stderr).to.contain('--format');
    const out = join(home, 'none.json');
    const missing = await shulian(home, 'audit', 'export', '--format', 'prov', '--resource', 'nope', '-o', out);
    expect(missing.code).to.not.equal(0);
    expect(missing.stderr).to.contain('nope');
    await readFile(out).then(
      () => expect.fail('no file expected'),
      (err: NodeJS.ErrnoException) => expect(err.code).to.equal('ENOENT'),
    );
  });
});
