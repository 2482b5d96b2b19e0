import { expect } from 'chai';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { memoryAlerts, openIntegrityAlerts, type IntegrityAlert } from '../../gateway/index.js';

const alert = (resourceId: string, version: number, detail = 'block x is corrupt'): IntegrityAlert => ({
  resourceId,
  version,
  cid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
  kind: 'content',
  detail,
  at: '2026-11-22T05:00:00.000Z',
});

describe('gateway integrity alerts', () => {
  let dir: string;
  let file: string;
  let warnings: Record<string, unknown>[];
  const log = () =>
    pino(
      { level: 'warn' },
      new Writable({
        write(chunk: Buffer, _enc, done) {
          warnings.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
          done();
        },
      }),
    );

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shulian-alerts-'));
    file = join(dir, 'gateway', 'integrity-alerts.jsonl');
    warnings = [];
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('keep raised alerts across a restart, and forget cleared ones', async () => {
    const first = await openIntegrityAlerts(file, log());
    first.raise(alert('res-a', 1));
    first.raise(alert('res-b', 2));
    first.raise(alert('res-a', 1, 'block y is corrupt'));
    first.clear('res-b', 2, '2026-11-22T05:01:00.000Z');
    first.clear('res-c', 1, '2026-11-22T05:01:00.000Z'); // never raised: nothing is written
    await first.flush();
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    expect(lines).to.have.length(4);

    const second = await openIntegrityAlerts(file, log());
    expect([...second.current.keys()]).to.deep.equal(['res-a@1']);
    expect(second.get('res-a', 1)?.detail).to.equal('block y is corrupt');
    expect(second.get('res-b', 2)).to.equal(undefined);
    expect(warnings).to.deep.equal([]);
  });

  it('skip a torn last line with a warning, and append after it on a line of its own', async () => {
    const first = await openIntegrityAlerts(file, log());
    first.raise(alert('res-a', 1));
    await first.flush();
    await appendFile(file, '{"raise":{"resourceId":"res-b","vers');
    const second = await openIntegrityAlerts(file, log());
    expect([...second.current.keys()]).to.deep.equal(['res-a@1']);
    expect(warnings.map((w) => w.line)).to.deep.equal([2]);
    expect(String(warnings[0]!.msg)).to.match(/torn last line/);
    second.raise(alert('res-c', 3));
    await second.flush();
    warnings = [];
    const third = await openIntegrityAlerts(file, log());
    expect([...third.current.keys()].sort()).to.deep.equal(['res-a@1', 'res-c@3']);
    expect(warnings.map((w) => w.line)).to.deep.equal([2]);
  });

  it('name a line that is not a journal entry, and keep the others', async () => {
    const first = await openIntegrityAlerts(file, log());
    first.raise(alert('res-a', 1));
    await first.flush();
    await appendFile(file, '{"raise":{"resourceId":7}}\n');
    const second = await openIntegrityAlerts(file, log());
    second.raise(alert('res-b', 1));
    await second.flush();
    const third = await openIntegrityAlerts(file, log());
    expect([...third.current.keys()].sort()).to.deep.equal(['res-a@1', 'res-b@1']);
    expect(warnings.filter((w) => w.line === 2)).to.have.length(2);
  });

  it('in memory, work the same without a file', async () => {
    const alerts = memoryAlerts();
    alerts.raise(alert('res-a', 1));
    expect(alerts.get('res-a', 1)?.detail).to.equal('block x is corrupt');
    alerts.clear('res-a', 1, '2026-11-22T05:01:00.000Z');
    expect(alerts.current.size).to.equal(0);
    await alerts.flush();
  });
});
