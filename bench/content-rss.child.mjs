// Child of bench/content.ts: puts BYTES pseudo-random bytes (generated on the fly, never held) into a
// fresh embedded store at DIR and prints {seconds, maxRssMiB} as JSON. Run in its own process so that its
// peak RSS is the put's alone, and from the build (node/dist), as in production: through tsx, the
// TypeScript loader's own thread and caches added 35-40 MiB to every figure.
import { createCipheriv, createHash } from 'node:crypto';
import { embeddedContentStore } from '../node/dist/content/index.js';

const [dir, bytesArg, profile] = process.argv.slice(2);
const total = Number(bytesArg);
async function* source() {
  const cipher = createCipheriv('chacha20', createHash('sha256').update('bench-4g').digest(), Buffer.alloc(16));
  const zeros = Buffer.alloc(1 << 20);
  for (let left = total; left > 0; left -= zeros.length)
    yield cipher.update(zeros.subarray(0, Math.min(left, zeros.length)));
}
const store = await embeddedContentStore({ dir });
const t = process.hrtime.bigint();
const result = await store.put(source(), { profile: profile ?? 'kubo-v1' });
const seconds = Number(process.hrtime.bigint() - t) / 1e9;
await store.close();
process.stdout.write(
  `${JSON.stringify({ cid: result.cid, size: result.size, seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`,
);
