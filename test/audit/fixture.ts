import { Readable } from 'node:stream';
import { canonicalize, sha256Hex } from '../../node/core/index.js';
import type { Ledger } from '../../node/ledger/types.js';
import type { ShulianNode } from '../../node/runtime/index.js';

/** Stores bytes and metadata and registers a version on chain (as ingest does), optionally derived from others. */
export async function register(
  node: ShulianNode,
  resourceId: string,
  text: string,
  derivedFrom: readonly { resourceId: string; version: number }[] = [],
): Promise<{ txId: string; cid: string; sha256: string; sm3: string; size: number }> {
  const put = await node.content.put(Readable.from([Buffer.from(text, 'utf8')]));
  const metadata = { title: [`Title of ${resourceId}`] };
  const canonical = canonicalize(metadata);
  const meta = await node.content.put(Readable.from([Buffer.from(canonical, 'utf8')]));
  const { txId } = await node.ledger.submit({
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
        metadataHash: sha256Hex(canonical),
        metadataCid: meta.cid,
        ...(derivedFrom.length > 0 ? { derivedFrom } : {}),
      }),
    ],
  });
  return { txId, cid: put.cid, sha256: put.sha256, sm3: put.sm3, size: put.size };
}

export async function grant(
  ledger: Ledger,
  rightsId: string,
  target: { type: 'resource' | 'collection'; id: string },
  assignee: string,
  notAfter: string | null,
  actions: string[] = ['reproduce', 'display'],
  basis = 'licence',
): Promise<string> {
  const r = await ledger.submit({
    fn: 'GrantRights',
    args: [
      JSON.stringify({
        rightsId,
        target,
        rightsholder: 'Jilin Provincial Library',
        assignee,
        actions,
        constraints: { notBefore: '2020-01-01T00:00:00Z', notAfter, territory: 'CN' },
        basis,
        ...(basis === 'licence' ? { licenceDigest: 'ab'.repeat(32) } : {}),
      }),
    ],
  });
  return r.txId;
}

export async function eventually<T>(fn: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}
