import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { MerkleTree, toHex, canonicalize } from '../../node/core/index.js';
import {
  fixityAuditReader,
  openFixityStore,
  runFixityAudit,
  selectVersions,
  verifyFixityEvent,
  FIXITY_BATCH_KIND,
  type FixityStore,
  type FixityParts,
} from '../../node/fixity/index.js';
import { Registry, registerFixityMetrics } from '../../gateway/src/metrics.js';
import type { ShulianNode } from '../../node/runtime/index.js';
import { registerText, tempNode, json } from '../runtime/helpers.js';

/** Every block file of the embedded store whose bytes are exactly `bytes`. */
async function blockFilesHolding(contentDir: string, bytes: Buffer): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.name.endsWith('.data') && (await readFile(path)).equals(bytes)) found.push(path);
    }
  };
  await walk(join(contentDir, 'blocks'));
  return found;
}

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('fixity audits', function () {
  this.timeout(60_000);
  let node: ShulianNode;
  let cleanup: () => Promise<void>;
  let store: FixityStore;
  let parts: FixityParts;
  const texts = new Map<string, string>();

  before(async () => {
    ({ node, cleanup } = await tempNode());
    for (let i = 0; i < 10; i++) {
      const id = `fx-res-${String(i).padStart(2, '0')}`;
      const text = `第${i}卷 fixity sample text ${i} ${'书'.repeat(i + 1)}`;
      texts.set(id, text);
      await registerText(node, id, text, { title: [`样本 ${i}`], class: 'ocr-text' });
    }
    await registerText(node, 'fx-res-00', '第0卷 second version', { title: ['样本 0'] });
    await node.catchUp();
    store = openFixityStore({ home: node.home });
    parts = { content: node.content, index: node.index, ledger: node.ledger, store, log: silent };
  });
  after(async () => {
    store?.close();
    await cleanup?.();
  });

  it('a clean run over everything passes, is anchored, and the root on chain is the recomputed one', async () => {
    const { run, failures } = await runFixityAudit(parts, { trigger: 'test' });
    expect(failures).to.deep.equal([]);
    expect(run).to.include({ status: 'anchored', mode: 'all', fraction: 1, population: 11, selected: 11 });
    expect(run).to.include({ checked: 11, passed: 11, failed: 0 });
    const events = store.eventsOfRun(run.runId);
    expect(events.map((e) => e.result.outcome)).to.deep.equal(Array(11).fill('pass'));
    expect(events[0]?.result).to.include({ eventType: 'fixity check', resourceId: 'fx-res-00', version: 1 });
    expect(events[0]?.result.observed.sha256).to.equal(events[0]?.result.expected.sha256);

    // recompute the root from the stored results alone, and read the batch from the chain
    const tree = MerkleTree.fromLeaves(events.map((e) => Buffer.from(canonicalize(e.result), 'utf8')));
    const batch = json<{ root: string; count: number; kind: string; txId: string }>(
      await node.ledger.evaluate({ fn: 'GetBatch', args: [run.anchor!.batchId] }),
    );
    expect(batch).to.include({ root: toHex(tree.root), count: 11, kind: FIXITY_BATCH_KIND, txId: run.anchor!.txId });
    for (const event of events) expect(verifyFixityEvent(event, batch.root).ok).to.equal(true);
    // a tampered result no longer proves against the chain's root
    const tampered = { ...events[3]!, result: { ...events[3]!.result, outcome: 'fail' as const } };
    tampered.canonical = canonicalize(tampered.result);
    expect(verifyFixityEvent(tampered, batch.root).ok).to.equal(false);
  });

  it('a sample checks ceil(F × n) versions, chosen reproducibly from the recorded seed', async () => {
    const { run } = await runFixityAudit(parts, { sample: 0.3, seed: 'a1b2c3', trigger: 'test' });
    expect(run).to.include({ mode: 'sample', fraction: 0.3, seed: 'a1b2c3', population: 11, selected: 4, checked: 4 });
    const checked = store
      .eventsOfRun(run.runId)
      .map((e) => ({ resourceId: e.result.resourceId, version: e.result.version }));
    const population = [...texts.keys()].map((resourceId) => ({ resourceId, version: 1 }));
    population.push({ resourceId: 'fx-res-00', version: 2 });
    expect(checked).to.deep.equal(selectVersions(population, 0.3, 'a1b2c3'));
    // another seed picks another set (with 330 possible sets, these two differ)
    expect(selectVersions(population, 0.3, 'ffee00')).to.not.deep.equal(checked);
    expect(selectVersions(population, 0.05, 'a1b2c3')).to.have.length(1);
  });

  it('a corrupted block on disk is a failure: recorded, anchored, logged and counted in /metrics', async () => {
    const victim = 'fx-res-07';
    const bytes = Buffer.from(texts.get(victim)!, 'utf8');
    const files = await blockFilesHolding(join(node.home, 'content'), bytes);
    expect(files).to.have.length(1);
    const corrupted = Buffer.from(bytes);
    corrupted[0] = corrupted[0]! ^ 0xff;
    await writeFile(files[0]!, corrupted);

    const logged: string[] = [];
    const log = { ...silent, error: (_o: object, msg: string) => void logged.push(msg) };
    const { run, failures } = await runFixityAudit({ ...parts, log }, { trigger: 'test' });
    expect(run).to.include({ status: 'anchored', checked: 11, passed: 10, failed: 1 });
    expect(failures).to.have.length(1);
    const failure = failures[0]!;
    expect(failure).to.include({ resourceId: victim, version: 1, outcome: 'fail' });
    expect(failure.observed.cidIntact).to.equal(false);
    expect(failure.observed.corruptBlocks).to.have.length(1);
    expect(failure.detail).to.match(/corrupt block/);
    expect(logged.some((m) => m.includes(victim))).to.equal(true);

    // the failure is part of what went on chain
    const events = store.eventsFor(victim);
    expect(events[0]?.result.outcome).to.equal('fail');
    const batch = json<{ root: string }>(await node.ledger.evaluate({ fn: 'GetBatch', args: [run.anchor!.batchId] }));
    expect(verifyFixityEvent(events[0]!, batch.root).ok).to.equal(true);

    // the console and the audit API read it
    const reader = fixityAuditReader(store);
    const page = reader.listFixityEvents({ outcome: 'fail' });
    expect(page.total).to.equal(1);
    expect(page.items[0]).to.include({ resourceId: victim, outcome: 'fail', eventId: `${run.runId}.${failure.index}` });
    expect(page.items[0]?.anchor?.root).to.equal(run.anchor!.root);
    expect(reader.getFixityRun(run.runId)).to.include({ failed: 1, txId: run.anchor!.txId });
    expect(reader.listFixityRuns().total).to.equal(3);

    const registry = new Registry();
    registerFixityMetrics(registry, store);
    const text = registry.render();
    expect(text).to.match(/^shulian_fixity_failures_total 1$/m);
    expect(text).to.match(/^shulian_fixity_checks_total 26$/m);
    expect(text).to.match(/^shulian_fixity_last_run_failures 1$/m);
    expect(text).to.match(/^# TYPE shulian_fixity_failures_total counter$/m);
  });

  it('a run the ledger cannot anchor keeps its results and is anchored by the next run', async () => {
    const refusing = {
      ...parts,
      ledger: {
        ...parts.ledger,
        identity: node.ledger.identity,
        submit: () => Promise.reject(new Error('ledger down')),
        proof: node.ledger.proof.bind(node.ledger),
      },
    };
    let error: unknown;
    await runFixityAudit(refusing, { sample: 0.1, seed: '01', trigger: 'test' }).catch((err: unknown) => (error = err));
    expect((error as Error).message).to.equal('ledger down');
    const [stuck] = store.unfinishedRuns();
    expect(stuck).to.include({ status: 'checked', anchorError: 'ledger down', selected: 2 });
    const { run } = await runFixityAudit(parts, { sample: 0.1, seed: '02', trigger: 'test' });
    expect(run.status).to.equal('anchored');
    expect(store.getRun(stuck!.runId)?.status).to.equal('anchored');
    expect(store.unfinishedRuns()).to.deep.equal([]);
  });
});
