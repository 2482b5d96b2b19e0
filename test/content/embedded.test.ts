import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { embeddedContentStore } from '../../node/content/index.js';
import { contentStoreContract } from './contract.js';

describe('content: embedded store (ContentStore contract)', function () {
  this.timeout(60_000);
  contentStoreContract(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'shulian-content-'));
    const store = await embeddedContentStore({ dir });
    return {
      store,
      cleanup: async () => {
        await store.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  });
});
