import { expect } from 'chai';
import { loadConfig } from '../../node/core/index.js';
import {
  openFixityStore,
  resumeFixityRun,
  startFixitySchedule,
  type FixityRunReport,
  type FixityStore,
} from '../../node/fixity/index.js';
import type { ShulianNode } from '../../node/runtime/index.js';
import { registerText, tempNode } from '../runtime/helpers.js';

describe('fixity: settings, schedule, resume', function () {
  this.timeout(60_000);
  let node: ShulianNode;
  let cleanup: () => Promise<void>;
  let store: FixityStore;

  before(async () => {
    ({ node, cleanup } = await tempNode());
    for (const id of ['s-a', 's-b', 's-c']) await registerText(node, id, `内容 ${id}`, { title: [id] });
    await node.catchUp();
    store = openFixityStore({ home: node.home });
  });
  after(async () => {
    store?.close();
    await cleanup?.();
  });

  it('reads SHULIAN_FIXITY_INTERVAL and SHULIAN_FIXITY_SAMPLE, naming what is wrong', () => {
    const c = loadConfig({ SHULIAN_FIXITY_INTERVAL: '90m', SHULIAN_FIXITY_SAMPLE: '.25' });
    expect(c.fixityInterval).to.equal(90 * 60_000);
    expect(c.fixitySample).to.equal(0.25);
    expect(loadConfig({}).fixityInterval).to.equal(24 * 3_600_000);
    expect(loadConfig({ SHULIAN_FIXITY_INTERVAL: '0' }).fixityInterval).to.equal(0);
    expect(() => loadConfig({ SHULIAN_FIXITY_INTERVAL: '24', SHULIAN_FIXITY_SAMPLE: '0' })).to.throw(
      /SHULIAN_FIXITY_INTERVAL: expected 0 \(off\) or a duration.*got "24"; SHULIAN_FIXITY_SAMPLE: expected a fraction greater than 0 and at most 1/,
    );
    expect(() => loadConfig({ SHULIAN_FIXITY_SAMPLE: '1.01' })).to.throw(/SHULIAN_FIXITY_SAMPLE/);
  });

  it('the schedule runs audits of the configured sample and stops cleanly; interval 0 schedules nothing', async () => {
    const parts = { content: node.content, index: node.index, ledger: node.ledger, store };
    const off = startFixitySchedule(parts, { intervalMs: 0, sample: 1 });
    expect(off.next).to.equal(null);
    await off.stop();

    const reports: FixityRunReport[] = [];
    let resolveTwo: () => void = () => undefined;
    const two = new Promise<void>((resolve) => (resolveTwo = resolve));
    const schedule = startFixitySchedule(parts, {
      intervalMs: 20,
      sample: 0.5,
      firstDelayMs: 0,
      onRun: (report) => {
        reports.push(report);
        if (reports.length === 2) resolveTwo();
      },
      onError: (err) => {
        throw err;
      },
    });
    await two;
    await schedule.stop();
    expect(schedule.next).to.equal(null);
    for (const { run } of reports) {
      expect(run).to.include({ trigger: 'schedule', mode: 'sample', fraction: 0.5, population: 3, selected: 2 });
      expect(run.status).to.equal('anchored');
    }
    expect(reports[0]?.run.seed).to.not.equal(reports[1]?.run.seed);
  });

  it('an interrupted run is finished and anchored by resume', async () => {
    const run = store.beginRun({
      runId: 'fx-interrupted-1',
      started: new Date().toISOString(),
      mode: 'all',
      fraction: 1,
      seed: '00',
      population: 3,
      agent: 'test',
      trigger: 'test',
      picks: [
        { resourceId: 's-a', version: 1 },
        { resourceId: 's-b', version: 1 },
        { resourceId: 's-c', version: 1 },
      ],
    });
    expect(run).to.include({ status: 'running', selected: 3, checked: 0 });
    expect(store.unfinishedRuns().map((r) => r.runId)).to.include('fx-interrupted-1');
    const { run: done } = await resumeFixityRun(
      { content: node.content, index: node.index, ledger: node.ledger, store },
      'fx-interrupted-1',
    );
    expect(done).to.include({ status: 'anchored', checked: 3, passed: 3, failed: 0 });
    expect(done.anchor?.batchId).to.equal('fixity-audit.fx-interrupted-1');
  });
});
