// Child process for the memory test (started with --expose-gc): runs `argv[3]` puts of `argv[4]` bytes each
// into the store at argv[2], a fresh store per put as a short-lived caller would, some of them side by side,
// then collects garbage and prints how many ArrayBuffer bytes are still held, as JSON.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { embeddedContentStore } from '../../../node/content/index.js';

const [dir, count, size] = [process.argv[2]!, Number(process.argv[3]), Number(process.argv[4])];
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

async function settle(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc!();
    await sleep(10);
  }
  return process.memoryUsage().arrayBuffers;
}

async function putOnce(): Promise<void> {
  const store = await embeddedContentStore({ dir });
  try {
    await store.put(Readable.from([randomBytes(size)]));
  } finally {
    await store.close();
  }
}

const before = await settle();
for (let i = 0; i < count; i += 2) await Promise.all([putOnce(), putOnce()]);
const after = await settle();
process.stdout.write(`${JSON.stringify({ before, after, puts: count })}\n`);
