import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { loadConfig } from '../../node/core/index.js';
import { openIndex } from '../../node/index/index.js';
import { openNode } from '../../node/runtime/index.js';
import { dumpIndex } from './dump.js';
import { registerText, tempNode } from '../runtime/helpers.js';

const child = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'follow-child.ts');

/** Runs the follower; with `killAfter`, SIGKILLs it once it has printed that many lines. */
function follow(home: string, killAfter?: number): Promise<{ lines: string[]; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, home], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let err = '';
    let buffered = '';
    p.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      lines.push(...parts);
      if (killAfter !== undefined && lines.length >= killAfter) p.kill('SIGKILL');
    });
    p.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    p.on('error', reject);
    p.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve({ lines, killed: true });
      else if (code === 0) resolve({ lines, killed: false });
      else reject(new Error(`follower exited ${code}: ${err}`));
    });
  });
}

describe('index: kill -9 while following, restart: every event exactly once', function () {
  this.timeout(120_000);

  it('ends equal to an index built in one pass', async () => {
    const { node, home, cleanup } = await tempNode();
    let events = 0;
    try {
      for (let i = 0; i < 30; i++) {
        await registerText(node, `res-${i % 12}`, `第${i}版：学而时习之`, {
          title: [`资源 ${i % 12}`],
          description: [`第 ${i} 次修订`],
        });
        events++;
      }
      await node.close();

      const applied: string[] = [];
      for (const killAfter of [5, 13]) {
        const run = await follow(home, killAfter);
        applied.push(...run.lines.filter((l) => l.startsWith('applied ')));
      }
      const last = await follow(home);
      expect(last.killed).to.equal(false);
      expect(last.lines[last.lines.length - 1]).to.equal('caught-up');
      applied.push(...last.lines.filter((l) => l.startsWith('applied ')));
      // a killed run may have committed one more event than it printed, never fewer
      expect(new Set(applied).size).to.equal(applied.length);
      expect(applied.length).to.be.within(events - 3, events);

      const reopened = await openNode({ config: loadConfig({ SHULIAN_HOME: home }) });
      try {
        expect(reopened.index.status().eventsApplied).to.equal(events);
        const reference = openIndex({ path: join(home, 'reference.sqlite') });
        try {
          await reference.rebuild(reopened.ledger, { content: reopened.content });
        } finally {
          reference.close();
        }
        expect(dumpIndex(reopened.index.path)).to.deep.equal(dumpIndex(join(home, 'reference.sqlite')));
      } finally {
        await reopened.close();
      }
    } finally {
      await cleanup();
    }
  });
});
