// Child process for the crash test: starts a put of an endless stream into the store at argv[2], says
// "writing" once blocks are on disk, and keeps going until it is killed.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { embeddedContentStore } from '../../../node/content/index.js';

const dir = process.argv[2]!;
const store = await embeddedContentStore({ dir });

async function* endless(): AsyncGenerator<Uint8Array> {
  for (let i = 0; ; i++) {
    yield Buffer.alloc(65536, i % 251);
    if (i % 8 === 7) await sleep(5);
  }
}

/** Bytes in the put's pack so far (its leaves go there). */
async function packed(): Promise<number> {
  let n = 0;
  for (const name of await readdir(join(dir, 'packs'))) n += (await stat(join(dir, 'packs', name))).size;
  return n;
}

void store.put(endless());
for (;;) {
  await sleep(20);
  if ((await packed()) >= 4 * 262144) {
    process.stdout.write('writing\n');
    break;
  }
}
await sleep(60_000);
