import { createReadStream } from 'node:fs';
import { NotFoundError } from '../core/errors.js';
import { computeCid } from '../content/index.js';
import type { CidProfileName } from '../content/types.js';
import type { Chain, ResourceVersion } from './chain.js';

export interface FileCheck {
  readonly ok: boolean;
  readonly file: string;
  readonly resourceId: string;
  readonly version: number;
  readonly expected: Pick<ResourceVersion, 'cid' | 'cidProfile' | 'sha256' | 'sm3' | 'size'>;
  readonly actual: { readonly cid: string; readonly sha256: string; readonly sm3: string; readonly size: number };
  /** Names of the fields that differ (cid, sha256, sm3, size). */
  readonly mismatches: readonly string[];
  readonly txId: string;
}

/** "id" or "id@3". */
export function parseResourceRef(text: string): { resourceId: string; version?: number } {
  const at = text.lastIndexOf('@');
  if (at < 0) return { resourceId: text };
  const version = Number(text.slice(at + 1));
  return Number.isSafeInteger(version) && version >= 1
    ? { resourceId: text.slice(0, at), version }
    : { resourceId: text };
}

/**
 * Checks a file's bytes against a version on chain: the CID recomputed under the recorded profile, the
 * SHA-256, the SM3 and the size, in one streaming pass. `ok` only when all four match.
 */
export async function verifyFile(chain: Chain, file: string, resourceId: string, version?: number): Promise<FileCheck> {
  let record: ResourceVersion | undefined;
  if (version === undefined) record = (await chain.head(resourceId))?.version;
  else record = await chain.getVersion(resourceId, version);
  if (!record) {
    throw new NotFoundError(
      `resource ${resourceId}${version === undefined ? '' : ` version ${version}`} is not on the chain`,
      {
        resourceId,
        ...(version === undefined ? {} : { version }),
      },
    );
  }
  const actual = await computeCid(
    createReadStream(file, { highWaterMark: 1024 * 1024 }),
    record.cidProfile as CidProfileName,
  );
  const mismatches = (['cid', 'sha256', 'sm3', 'size'] as const).filter((field) => actual[field] !== record[field]);
  return {
    ok: mismatches.length === 0,
    file,
    resourceId,
    version: record.version,
    expected: {
      cid: record.cid,
      cidProfile: record.cidProfile,
      sha256: record.sha256,
      sm3: record.sm3,
      size: record.size,
    },
    actual: { cid: actual.cid, sha256: actual.sha256, sm3: actual.sm3, size: actual.size },
    mismatches,
    txId: record.txId,
  };
}
