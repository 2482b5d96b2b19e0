// Ingest benchmark: `npm run bench -- ingest`. Prints one JSON object. Sizes can be lowered for a quick run:
// BENCH_INGEST_MIB (mixed files, default 1024), BENCH_INGEST_SMALL (small files, default 10000),
// BENCH_INGEST_RECORDS (indexing records, default 170000).
import { execFile } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '../node/core/index.js';
import { embeddedContentStore } from '../node/content/index.js';
import { runIngest, type IngestSummary } from '../node/ingest/index.js';
import { openNode, type ShulianNode } from '../node/runtime/index.js';

const MiB = 1 << 20;
const totalMiB = Number(process.env.BENCH_INGEST_MIB ?? 1024);
const smallCount = Number(process.env.BENCH_INGEST_SMALL ?? 10_000);
const recordCount = Number(process.env.BENCH_INGEST_RECORDS ?? 170_000);
const concurrency = Number(process.env.SHULIAN_INGEST_CONCURRENCY ?? 4);
const run = promisify(execFile);
const log = (m: string): void => void process.stderr.write(`bench ingest: ${m}\n`);
const mbps = (bytes: number, s: number): number => Math.round((bytes / 1e6 / s) * 10) / 10;
const r2 = (x: number): number => Math.round(x * 100) / 100;

async function timed<T>(fn: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const t = process.hrtime.bigint();
  const value = await fn();
  return { seconds: Number(process.hrtime.bigint() - t) / 1e9, value };
}

/** Pseudo-random bytes (ChaCha20 keystream): incompressible, and the same on every run. */
async function writeRandom(path: string, size: number, seed: string): Promise<void> {
  const out = createWriteStream(path);
  const cipher = createCipheriv('chacha20', createHash('sha256').update(seed).digest(), Buffer.alloc(16));
  const zeros = Buffer.alloc(4 * MiB);
  for (let left = size; left > 0; left -= zeros.length) {
    if (!out.write(cipher.update(zeros.subarray(0, Math.min(left, zeros.length))))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** Mixed sizes: a quarter... of the bytes in large files, a quarter in medium, half in 1 MiB and smaller files. */
function mixedSizes(total: number): number[] {
  const sizes: number[] = [];
  let left = total;
  const take = (size: number, share: number): void => {
    for (let budget = total * share; budget >= size && left >= size; budget -= size, left -= size) sizes.push(size);
  };
  take(128 * MiB, 0.5);
  take(16 * MiB, 0.25);
  take(1 * MiB, 0.2);
  while (left > 0) {
    const size = Math.min(left, 64 * 1024 + ((sizes.length * 7919) % (192 * 1024)));
    sizes.push(size);
    left -= size;
  }
  return sizes;
}

async function pool<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

const work = await mkdtemp(join(tmpdir(), 'shulian-bench-ingest-'));
let node: ShulianNode | undefined;
try {
  node = await openNode({ config: loadConfig({ ...process.env, SHULIAN_HOME: join(work, 'home') }) });
  // As `shulian ingest` runs it: the job compares files with the heads of the index, caught up at its start
  // (not with two ledger queries a file), and the index is caught up again at its end, so that
  // show / search / history see the job at once.
  const ingest = async (source: string): Promise<IngestSummary> => {
    const summary = await runIngest(
      {
        ledger: node!.ledger,
        content: node!.content,
        index: node!.index,
        home: node!.home,
        catchUp: () => node!.catchUp(),
      },
      { source, concurrency },
    );
    await node!.catchUp();
    return summary;
  };
  const check = (s: IngestSummary, label: string): void => {
    if (s.failed > 0) throw new Error(`${label}: ${s.failed} failures, first: ${s.failures[0]?.reason}`);
  };

  // 1. mixed files, about 1 GiB
  const mixedDir = join(work, 'mixed');
  await mkdir(mixedDir, { recursive: true });
  const sizes = mixedSizes(totalMiB * MiB);
  const bytes = sizes.reduce((a, b) => a + b, 0);
  log(`writing ${sizes.length} mixed files, ${Math.round(bytes / MiB)} MiB`);
  const files: string[] = [];
  for (const [i, size] of sizes.entries()) {
    const name = `f${String(i).padStart(5, '0')}.bin`;
    await writeRandom(join(mixedDir, name), size, name);
    await writeFile(
      join(mixedDir, `${name}.meta.json`),
      JSON.stringify({ title: [`Mixed file ${i}`], class: 'dataset', language: ['zh'] }),
    );
    files.push(join(mixedDir, name));
  }
  await run('sh', ['-c', `cat '${mixedDir}'/* > /dev/null`]);
  log('sha256sum baseline');
  const sha256sum = await timed(() => run('sha256sum', files, { maxBuffer: 64 * MiB }));
  log(`content store put baseline (same files, concurrency ${concurrency}, fresh store)`);
  const reference = await embeddedContentStore({ dir: join(work, 'reference-store') });
  let storePut;
  try {
    storePut = await timed(() =>
      // the store's own fastest put of a file, the one ingest uses
      pool(files, concurrency, async (f) => void (await reference.putFile(f))),
    );
  } finally {
    await reference.close();
  }
  await rm(join(work, 'reference-store'), { recursive: true, force: true });
  log('ingest mixed files end to end');
  const mixed = await timed(() => ingest(mixedDir));
  check(mixed.value, 'mixed');
  const rssAfterMixed = Math.round(process.resourceUsage().maxRSS / 1024);
  const mixedMBps = mbps(bytes, mixed.seconds);
  const storeMBps = mbps(bytes, storePut.seconds);
  const sha256sumMBps = mbps(bytes, sha256sum.seconds);

  // 2. many small files
  const smallDir = join(work, 'small');
  log(`writing ${smallCount} small files`);
  for (let i = 0; i < smallCount; i++) {
    const dir = join(smallDir, `d${Math.floor(i / 1000)}`);
    if (i % 1000 === 0) await mkdir(dir, { recursive: true });
    const name = `s${i}.txt`;
    await writeFile(join(dir, name), `small file ${i} `.repeat(1 + (i % 200)));
    await writeFile(
      join(dir, `${name}.meta.json`),
      JSON.stringify({ title: [`小文件 ${i}`], class: 'ocr-text', language: ['zh'], subject: ['地方志'] }),
    );
  }
  log('ingest small files end to end');
  const small = await timed(() => ingest(smallDir));
  check(small.value, 'small');
  const rssAfterSmall = Math.round(process.resourceUsage().maxRSS / 1024);

  // 3. indexing records (parents ingested first, not timed)
  const recordsDir = join(work, 'records');
  const parents = 100;
  await mkdir(join(recordsDir, 'parents'), { recursive: true });
  for (let p = 0; p < parents; p++) {
    await writeFile(join(recordsDir, 'parents', `p${p}.txt`), `parent ${p}`);
    await writeFile(
      join(recordsDir, 'parents', `p${p}.txt.meta.json`),
      JSON.stringify({ id: `bench-parent-${p}`, title: [`卷 ${p}`], class: 'ocr-text' }),
    );
  }
  check(await ingest(join(recordsDir, 'parents')), 'parents');
  log(`writing ${recordCount} indexing records`);
  const recordsFile = join(recordsDir, 'units.records.jsonl');
  {
    const out = createWriteStream(recordsFile);
    for (let i = 0; i < recordCount; i++) {
      const p = i % parents;
      const line = JSON.stringify({
        id: `bench-parent-${p}:u${i}`,
        resource: `bench-parent-${p}`,
        path: [
          { level: 'chapter', n: 1 + (i % 40) },
          { level: 'section', n: 1 + (i % 7) },
          { level: 'paragraph', n: 1 + (i % 23) },
        ],
        title: `第${i}段`,
        textSpan: { start: i * 200, end: i * 200 + 180, page: 1 + (i % 500) },
        subjects: [{ term: '吉林地方史', scheme: 'CLC', code: 'K293.4' }],
        keywords: ['吉林', '通志', `词${i % 1000}`],
      });
      if (!out.write(`${line}\n`)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
  }
  log('ingest indexing records end to end (validate, anchor, store proofs, index)');
  const records = await timed(() => ingest(recordsFile));
  check(records.value, 'records');

  const result = {
    benchmark: 'ingest',
    concurrency,
    mixed: {
      files: sizes.length,
      bytes,
      seconds: r2(mixed.seconds),
      MBps: mixedMBps,
      sha256sumMBps,
      ratioToSha256sum: r2(mixedMBps / sha256sumMBps),
      storePutMBps: storeMBps,
      ratioToStorePut: r2(mixedMBps / storeMBps),
      target: 'ratioToStorePut >= 0.8',
      met: mixedMBps / storeMBps >= 0.8,
    },
    smallFiles: {
      files: smallCount,
      seconds: r2(small.seconds),
      filesPerSecond: Math.round(smallCount / small.seconds),
      target: '>= 500 files/s',
      met: smallCount / small.seconds >= 500,
    },
    indexingRecords: {
      records: recordCount,
      anchored: records.value.records.anchored,
      batches: records.value.records.batches,
      seconds: r2(records.seconds),
      target: '<= 15 s',
      met: records.seconds <= 15,
    },
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    peakRssMiBAfter: {
      mixed: rssAfterMixed,
      smallFiles: rssAfterSmall,
      indexingRecords: Math.round(process.resourceUsage().maxRSS / 1024),
    },
    loadAverage: (await import('node:os')).loadavg().map((x) => Math.round(x * 10) / 10),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  await node?.close();
  await rm(work, { recursive: true, force: true });
}
