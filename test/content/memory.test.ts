import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';

const run = promisify(execFile);
const MiB = 1 << 20;

/** ArrayBuffer bytes still held, after a GC, by a child process that made `count` puts of `size` bytes. */
async function retainedAfterPuts(dir: string, count: number, size: number): Promise<number> {
  const helper = join(import.meta.dirname, 'helpers', 'retained-buffers.ts');
  const { stdout } = await run(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', helper, dir, String(count), String(size)],
    { maxBuffer: MiB },
  );
  const { before, after } = JSON.parse(stdout) as { before: number; after: number };
  return after - before;
}

describe('content: memory held after puts', function () {
  this.timeout(60_000);
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shulian-content-mem-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // Two rings are allocated once per process and kept: the SM3 worker's (4 MiB) and the block writers'
  // (4 slots of 1 MiB + 64 KiB for each of its two threads). Anything beyond them and a little slack is a leak.
  const WRITER_RING = 2 * 4 * (MiB + 64 * 1024);
  const SM3_RING = 4 * MiB;

  it('puts of 1 MiB and more (SM3 on the worker) leave only the two fixed rings behind', async () => {
    // Each put pushes 1 MiB through both workers; a leak of a buffer per put would show as 40 MiB or more.
    const retained = await retainedAfterPuts(dir, 40, MiB);
    expect(retained, `${(retained / MiB).toFixed(1)} MiB retained`).to.be.below(SM3_RING + WRITER_RING + 2 * MiB);
  });

  it('small puts (SM3 inline, one block each) leave only the block writer ring behind', async () => {
    // 100 kB blocks go to the writer thread; a leak per put would show as 4 MB or more on top of its ring.
    const retained = await retainedAfterPuts(dir, 40, 100_000);
    expect(retained, `${(retained / MiB).toFixed(1)} MiB retained`).to.be.below(WRITER_RING + 2 * MiB);
  });
});
