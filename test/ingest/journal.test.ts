import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { appendFile, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConflictError } from '../../node/core/errors.js';
import { Journal, jobIdFor } from '../../node/ingest/index.js';
import { tempDir } from './helpers.js';

describe('ingest: journal', () => {
  let home: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir: home, cleanup } = await tempDir()));
  afterEach(() => cleanup());

  it('maps one source to one job id', () => {
    expect(jobIdFor('/data/src')).to.equal(jobIdFor('/data/src'));
    expect(jobIdFor('/data/Café'.normalize('NFD'))).to.equal(jobIdFor('/data/Café'.normalize('NFC')));
    expect(jobIdFor('/data/a')).to.not.equal(jobIdFor('/data/b'));
  });

  it('writes only on flush, and a reopened job sees what was flushed', async () => {
    const { journal, previous } = await Journal.open(home, 'job-1');
    expect(previous).to.deep.equal([]);
    journal.append({ t: 'start' });
    expect(await readFile(journal.path, 'utf8')).to.equal('');
    await journal.flush();
    await journal.record({ t: 'submit', items: [{ resourceId: 'a' }] });
    await journal.close();
    const again = await Journal.open(home, 'job-1');
    expect(again.previous).to.deep.equal([{ t: 'start' }, { t: 'submit', items: [{ resourceId: 'a' }] }]);
    await again.journal.close();
  });

  it('drops a line torn by a crash and appends after the last whole line', async () => {
    const { journal } = await Journal.open(home, 'job-2');
    await journal.record({ t: 'start' });
    await journal.close();
    await appendFile(journal.path, '{"t":"sto');
    const again = await Journal.open(home, 'job-2');
    expect(again.previous).to.deep.equal([{ t: 'start' }]);
    await again.journal.record({ t: 'stored', n: 1 });
    await again.journal.close();
    expect(await readFile(journal.path, 'utf8')).to.equal('{"t":"start"}\n{"t":"stored","n":1}\n');
  });

  it('moves a completed journal to done/, so the next run starts fresh', async () => {
    const { journal } = await Journal.open(home, 'job-3');
    await journal.record({ t: 'start' });
    const done = await journal.complete({ t: 'done' });
    expect(done).to.match(/journal\/done\/job-3-.*\.jsonl$/);
    expect((await readFile(done, 'utf8')).trim().split('\n')).to.have.length(2);
    const again = await Journal.open(home, 'job-3');
    expect(again.previous).to.deep.equal([]);
    await again.journal.close();
    expect((await readdir(join(home, 'journal'))).filter((n) => n.endsWith('.lock'))).to.deep.equal([]);
  });

  it('keeps a second run of a running job out, and takes over the lock of a killed one', async () => {
    const { journal } = await Journal.open(home, 'job-4');
    try {
      await Journal.open(home, 'job-4');
      expect.fail('should throw');
    } catch (err) {
      expect(err).to.be.instanceOf(ConflictError);
    }
    await journal.close();
    // a lock left by a process that no longer exists
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    await writeFile(join(home, 'journal', 'job-4.lock'), dead);
    const again = await Journal.open(home, 'job-4');
    await again.journal.close();
    // a lock held by a live process (this test's parent shell stands in for one)
    await writeFile(join(home, 'journal', 'job-4.lock'), String(process.ppid));
    try {
      await Journal.open(home, 'job-4');
      expect.fail('should throw');
    } catch (err) {
      expect(err).to.be.instanceOf(ConflictError);
      expect((err as Error).message).to.match(/already running/);
    }
  });
});
