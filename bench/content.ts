// Content store benchmark: `npm run bench -- content`. Prints one JSON object. Sizes can be lowered for a
// quick run: BENCH_CONTENT_MIB (default 1024) and BENCH_CONTENT_BIG_MIB (the RSS run, default 4096).
import { execFile, spawn } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { computeCid, embeddedContentStore, type CidProfileName } from '../node/content/index.js';

const MiB = 1 << 20;
const size = Number(process.env.BENCH_CONTENT_MIB ?? 1024) * MiB;
const bigSize = Number(process.env.BENCH_CONTENT_BIG_MIB ?? 4096) * MiB;
const run = promisify(execFile);
const log = (m: string): void => void process.stderr.write(`bench content: ${m}\n`);
const mbps = (bytes: number, s: number): number => Math.round((bytes / 1e6 / s) * 10) / 10;
const r2 = (x: number): number => Math.round(x * 100) / 100;

async function timed<T>(fn: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const t = process.hrtime.bigint();
  const value = await fn();
  return { seconds: Number(process.hrtime.bigint() - t) / 1e9, value };
}

const work = await mkdtemp(join(tmpdir(), 'shulian-bench-content-'));
try {
  const file = join(work, 'payload.bin');
  log(`writing ${size / MiB} MiB of pseudo-random bytes`);
  {
    const out = createWriteStream(file);
    const cipher = createCipheriv('chacha20', createHash('sha256').update('bench').digest(), Buffer.alloc(16));
    const zeros = Buffer.alloc(4 * MiB);
    for (let left = size; left > 0; left -= zeros.length) {
      if (!out.write(cipher.update(zeros.subarray(0, Math.min(left, zeros.length))))) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
  }
  // Warm the page cache so that every reader below starts equal.
  await run('sh', ['-c', `cat '${file}' > /dev/null`]);

  log('sha256sum, cat, SM3 baselines');
  const sha256sum = await timed(() => run('sha256sum', [file]));
  const cat = await timed(() => run('sh', ['-c', `cat '${file}' > /dev/null`]));
  const opensslSm3 = await timed(() => run('openssl', ['dgst', '-sm3', file])).catch(() => undefined);
  const nodeSm3 = await timed(async () => {
    const h = createHash('sm3');
    for await (const c of createReadStream(file, { highWaterMark: MiB })) h.update(c as Buffer);
    return h.digest('hex');
  });
  const sm3Single = Math.max(mbps(size, nodeSm3.seconds), opensslSm3 ? mbps(size, opensslSm3.seconds) : 0);
  const sha256sumMBps = mbps(size, sha256sum.seconds);

  const put = async (profile: CidProfileName, sm3: 'auto' | 'inline' | 'off') => {
    const dir = join(work, `store-${profile}-${sm3}`);
    const store = await embeddedContentStore({ dir, sm3 });
    try {
      const { seconds, value } = await timed(() =>
        store.put(createReadStream(file, { highWaterMark: MiB }), { profile }),
      );
      return { profile, sm3, seconds, result: value, store, dir };
    } catch (err) {
      await store.close();
      throw err;
    }
  };

  const puts: Record<string, unknown> = {};
  let kept: Awaited<ReturnType<typeof put>> | undefined;
  for (const profile of ['kubo-v1', 'kubo-legacy', 'unixfs-v1-2025'] as const) {
    log(`put ${profile}`);
    const p = await put(profile, 'auto');
    puts[profile] = {
      cid: p.result.cid,
      MBps: mbps(size, p.seconds),
      ratioToSha256sum: r2(mbps(size, p.seconds) / sha256sumMBps),
      ratioToSingleCoreSm3: r2(mbps(size, p.seconds) / sm3Single),
    };
    if (profile === 'kubo-v1') kept = p;
    else {
      await p.store.close();
      await rm(p.dir, { recursive: true, force: true });
    }
  }
  const variants: Record<string, unknown> = {};
  for (const sm3 of ['inline', 'off'] as const) {
    log(`put kubo-v1 with SM3 ${sm3}`);
    const p = await put('kubo-v1', sm3);
    variants[`kubo-v1, SM3 ${sm3}`] = {
      MBps: mbps(size, p.seconds),
      ratioToSha256sum: r2(mbps(size, p.seconds) / sha256sumMBps),
    };
    await p.store.close();
    await rm(p.dir, { recursive: true, force: true });
  }
  log('computeCid only (no store)');
  const cidOnly = await timed(() => computeCid(createReadStream(file, { highWaterMark: MiB }), 'kubo-v1'));

  log('get');
  const store = kept!.store;
  const cid = kept!.result.cid;
  const drain = async (src: AsyncIterable<Uint8Array>): Promise<number> => {
    let n = 0;
    for await (const c of src) n += c.byteLength;
    return n;
  };
  const getVerified = await timed(() => drain(store.get(cid)));
  const plain = await embeddedContentStore({ dir: kept!.dir, verifyReads: false });
  const getPlain = await timed(() => drain(plain.get(cid)));
  await plain.close();
  const catMBps = mbps(size, cat.seconds);

  log('10,000 puts of 4 KiB');
  const smallStore = await embeddedContentStore({ dir: join(work, 'small') });
  const small = (i: number): Uint8Array[] => {
    const b = Buffer.alloc(4096);
    b.writeUInt32BE(i, 0);
    b.writeUInt32BE(0x5348554c, 4);
    return [b];
  };
  const sequential = await timed(async () => {
    for (let i = 0; i < 10_000; i++) await smallStore.put(small(i));
  });
  const concurrent = await timed(async () => {
    let next = 10_000;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < 20_000) await smallStore.put(small(next++));
      }),
    );
  });
  await smallStore.close();
  await store.close();
  await rm(join(work, 'small'), { recursive: true, force: true });
  await rm(kept!.dir, { recursive: true, force: true });
  await rm(file, { force: true });

  log(`put of ${bigSize / MiB} MiB in a child process (peak RSS)`);
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(import.meta.dirname, 'content-rss.child.ts'),
      join(work, 'big'),
      String(bigSize),
      'kubo-v1',
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let childOut = '';
  child.stdout.on('data', (d: Buffer) => (childOut += d.toString()));
  const [code] = (await once(child, 'exit')) as [number];
  const big = code === 0 ? (JSON.parse(childOut) as { seconds: number; maxRssMiB: number; cid: string }) : undefined;

  const figures = {
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
    payloadMiB: size / MiB,
    baselines: {
      sha256sumMBps,
      catWarmMBps: catMBps,
      sm3SingleCore: {
        nodeCryptoMBps: mbps(size, nodeSm3.seconds),
        opensslMBps: opensslSm3 ? mbps(size, opensslSm3.seconds) : null,
      },
    },
    put: puts,
    putVariants: variants,
    computeCidOnlyMBps: mbps(size, cidOnly.seconds),
    get: {
      verifiedMBps: mbps(size, getVerified.seconds),
      verifiedRatioToCat: r2(mbps(size, getVerified.seconds) / catMBps),
      unverifiedMBps: mbps(size, getPlain.seconds),
      unverifiedRatioToCat: r2(mbps(size, getPlain.seconds) / catMBps),
    },
    smallPuts4KiB: {
      count: 10_000,
      sequentialPerSecond: Math.round(10_000 / sequential.seconds),
      concurrency16PerSecond: Math.round(10_000 / concurrent.seconds),
    },
    peakRssMiB: { thisProcess: Math.round(process.resourceUsage().maxRSS / 1024) },
    bigPut: big
      ? {
          sizeMiB: bigSize / MiB,
          MBps: mbps(bigSize, big.seconds),
          peakRssMiB: Math.round(big.maxRssMiB),
          cid: big.cid,
        }
      : { sizeMiB: bigSize / MiB, error: `child exited with ${code}` },
    targets: {
      putAllDigestsVsSm3: '>= 0.75 (put.*.ratioToSingleCoreSm3)',
      putSm3OffVsSha256sum: '>= 0.3 (putVariants["kubo-v1, SM3 off"].ratioToSha256sum)',
      getVsCat: '>= 0.5 (get.*RatioToCat)',
      bigPutPeakRss: '< 200 MiB (bigPut.peakRssMiB)',
    },
  };
  process.stdout.write(`${JSON.stringify({ content: figures }, null, 2)}\n`);
} finally {
  await rm(work, { recursive: true, force: true });
}
