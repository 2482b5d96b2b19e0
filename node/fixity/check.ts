import type { ContentStore } from '../content/types.js';
import { MultiHasher } from '../core/digest.js';
import type { ResourceVersion } from '../index/records.js';
import type { ExpectedFixity, FixityOutcome, ObservedFixity } from './types.js';

export interface VersionCheck {
  readonly expected: ExpectedFixity;
  readonly observed: ObservedFixity;
  readonly outcome: FixityOutcome;
  readonly detail: string;
}

/**
 * Re-reads one stored version and compares it with its chain record: every block against its CID (the
 * store's verify), then the bytes, streamed (lent, where the store lends), against the recorded SHA-256,
 * SM3 and size. A block the store cannot find or read is a failure, never an error of the run: the run
 * goes on and records what it saw.
 */
export async function checkVersion(
  content: Pick<ContentStore, 'verify' | 'get' | 'lend'>,
  record: Pick<ResourceVersion, 'cid' | 'sha256' | 'sm3' | 'size'>,
  signal?: AbortSignal,
): Promise<VersionCheck> {
  const expected: ExpectedFixity = { cid: record.cid, sha256: record.sha256, sm3: record.sm3, size: record.size };
  const problems: string[] = [];
  let cidIntact = false;
  let blocks = 0;
  let missingBlocks: readonly string[] = [];
  let corruptBlocks: readonly string[] = [];
  try {
    const report = await content.verify(record.cid);
    cidIntact = report.ok;
    blocks = report.blocks;
    missingBlocks = [...report.missing];
    corruptBlocks = [...report.corrupt];
    if (missingBlocks.length > 0) problems.push(`${missingBlocks.length} missing block(s)`);
    if (corruptBlocks.length > 0) problems.push(`${corruptBlocks.length} corrupt block(s)`);
  } catch (err) {
    problems.push(`content unreadable: ${message(err)}`);
  }

  let digests: { sha256: string; sm3: string; size: number } | null = null;
  if (cidIntact) {
    const hasher = new MultiHasher(['sha256', 'sm3']);
    try {
      // Every byte read is hashed into the file's digests, which are checked against the chain, and every
      // block was just re-hashed against its CID (verify above): the store need not check blocks again.
      const options = { verify: false, ...(signal ? { signal } : {}) };
      if (content.lend) {
        for await (const chunk of content.lend(record.cid, options)) {
          hasher.update(chunk.bytes);
          chunk.release();
        }
      } else for await (const chunk of content.get(record.cid, options)) hasher.update(chunk);
      digests = hasher.digest();
    } catch (err) {
      if (signal?.aborted) throw err;
      problems.push(`bytes unreadable: ${message(err)}`);
    }
  }
  if (digests) {
    if (digests.sha256 !== expected.sha256) problems.push('sha256 differs');
    if (digests.sm3 !== expected.sm3) problems.push('sm3 differs');
    if (digests.size !== expected.size)
      problems.push(`size differs (${digests.size} bytes, expected ${expected.size})`);
  }
  const observed: ObservedFixity = {
    cidIntact,
    blocks,
    missingBlocks,
    corruptBlocks,
    sha256: digests?.sha256 ?? null,
    sm3: digests?.sm3 ?? null,
    size: digests?.size ?? null,
  };
  return { expected, observed, outcome: problems.length === 0 ? 'pass' : 'fail', detail: problems.join('; ') };
}

function message(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
