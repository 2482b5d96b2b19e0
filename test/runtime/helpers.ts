import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { canonicalize, loadConfig, sha256Hex } from '../../node/core/index.js';
import { openNode, type ShulianNode } from '../../node/runtime/index.js';
import type { Ledger } from '../../node/ledger/types.js';

/** A node in a fresh temporary home; `cleanup` closes it and removes the home. */
export async function tempNode(
  env: Record<string, string> = {},
): Promise<{ node: ShulianNode; home: string; cleanup: () => Promise<void> }> {
  const home = await mkdtemp(join(tmpdir(), 'shulian-node-'));
  const node = await openNode({ config: loadConfig({ SHULIAN_HOME: home, SHULIAN_BLOCK_TIMEOUT_MS: '1', ...env }) });
  return {
    node,
    home,
    cleanup: async () => {
      await node.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}

export function json<T>(bytes: Uint8Array): T {
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
}

/** Stores bytes and metadata and registers the version on chain, as the ingest pipeline does. */
export async function registerText(
  node: ShulianNode,
  resourceId: string,
  text: string,
  metadata: unknown,
  ledger: Ledger = node.ledger,
): Promise<{ txId: string; metadataHash: string }> {
  const put = await node.content.put(Readable.from([Buffer.from(text, 'utf8')]));
  const canonical = canonicalize(metadata);
  const meta = await node.content.put(Readable.from([Buffer.from(canonical, 'utf8')]));
  const metadataHash = sha256Hex(canonical);
  const { txId } = await ledger.submit({
    fn: 'RegisterVersion',
    args: [
      JSON.stringify({
        resourceId,
        cid: put.cid,
        cidProfile: put.profile,
        sha256: put.sha256,
        sm3: put.sm3,
        size: put.size,
        mediaType: 'text/plain; charset=utf-8',
        metadataHash,
        metadataCid: meta.cid,
      }),
    ],
  });
  return { txId, metadataHash };
}
