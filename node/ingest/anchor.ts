import { hash } from 'node:crypto';
import { canonicalize } from '../core/canonical.js';
import { sha256 } from '../core/digest.js';
import { isShulianError } from '../core/errors.js';
import { toHex } from '../core/hex.js';
import { MerkleTree } from '../core/merkle.js';
import type { AnchorBatchInput, VersionRef } from './chain.js';
import type { JobContext } from './context.js';
import { crashPoint } from './crash.js';
import { toFailure } from './sources/documents.js';
import { readRecords } from './sources/records.js';
import type { IndexingRecord } from './sources/types.js';
import type { RecordsSummary } from './types.js';

export const BATCH_KIND = 'indexing-records';
/** Leaves per batch: proofs stay short (17 hashes) and one batch's rows fit one index transaction. */
const MAX_LEAVES = 65_536;
/** Batches per AnchorBatches transaction. */
const BATCHES_PER_TX = 200;

interface Leaf {
  readonly id: string;
  /** The record's RFC 8785 canonical JSON: a string holds 170,000 records in far less memory than objects. */
  readonly canonical: string;
  /** RFC 9162 leaf hash: SHA-256(0x00 || SHA-256(canonical)). */
  readonly leaf: Uint8Array;
}

interface Group {
  readonly parent: VersionRef;
  readonly leaves: Leaf[];
  readonly files: Set<string>;
}

interface PlannedBatch {
  readonly input: AnchorBatchInput;
  readonly leaves: readonly Leaf[];
  readonly tree: MerkleTree;
  readonly files: readonly string[];
}

/** The leaf of an indexing record: its canonical JSON's SHA-256, as the Merkle data (hashed again as 0x00||data). */
export function recordDigest(record: unknown): Uint8Array {
  return sha256(Buffer.from(canonicalJson(record), 'utf8'));
}

/**
 * RFC 8785 text of a parsed JSON value, fast: JSON.stringify already writes strings and numbers exactly as
 * RFC 8785 says (it cites ECMAScript's serialisation), so only member order needs doing: a copy with the
 * members inserted sorted, without the per-member bookkeeping core's canonicalize keeps to name offending
 * fields. What JSON.stringify would not keep in that order (integer-like member names) or RFC 8785 refuses
 * (a lone surrogate, a non-finite number, undefined, a class instance) goes to core's canonicalize, which
 * writes it or names the offending place. test/ingest/canonical.test.ts holds the two equal.
 */
export function canonicalJson(value: unknown): string {
  const sorted = sortedCopy(value);
  return sorted === NOT_PLAIN ? canonicalize(value) : JSON.stringify(sorted);
}

const NOT_PLAIN = Symbol('not plain JSON');
/** Names an object would not keep in insertion order: integer-like keys come first, in numeric order. */
const INDEX_LIKE = /^(?:0|[1-9][0-9]*)$/;

/** A copy with every object's members inserted in RFC 8785 order, or NOT_PLAIN. */
function sortedCopy(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
      return value.isWellFormed() ? value : NOT_PLAIN;
    case 'number':
      return Number.isFinite(value) ? value : NOT_PLAIN;
    case 'boolean':
      return value;
    case 'object': {
      if (value === null) return null;
      if (Array.isArray(value)) {
        const out: unknown[] = new Array(value.length);
        for (let i = 0; i < value.length; i++) {
          const item = value[i] === undefined ? NOT_PLAIN : sortedCopy(value[i]);
          if (item === NOT_PLAIN) return NOT_PLAIN;
          out[i] = item;
        }
        return out;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype) return NOT_PLAIN;
      const out: Record<string, unknown> = {};
      for (const name of Object.keys(value).sort()) {
        const member = (value as Record<string, unknown>)[name];
        if (member === undefined) continue;
        if (INDEX_LIKE.test(name) || !name.isWellFormed()) return NOT_PLAIN;
        const copy = sortedCopy(member);
        if (copy === NOT_PLAIN) return NOT_PLAIN;
        out[name] = copy;
      }
      return out;
    }
    default:
      return NOT_PLAIN;
  }
}

/** 0x00 || SHA-256(json), rewritten for each leaf: no buffer is allocated to hash a leaf's input. */
const LEAF_INPUT = Buffer.alloc(33);

/**
 * RFC 9162 leaf hash of a record's canonical JSON, SHA-256(0x00 || SHA-256(json)): the same as core's
 * leafHash(recordDigest(record)), with one-shot hashing (crypto.hash), which costs a fraction of a
 * createHash object when it is done 340,000 times a job.
 */
export function recordLeaf(canonical: string): Uint8Array {
  hash('sha256', canonical, 'buffer').copy(LEAF_INPUT, 1);
  return hash('sha256', LEAF_INPUT, 'buffer');
}

/** Deterministic: the same records for the same parent always make the same batch id, so a re-run is a no-op. */
export function batchIdFor(root: string): string {
  return `ix-${root.slice(0, 48)}`;
}

/**
 * Indexing records -> Merkle batches per parent resource version -> AnchorBatches -> every record's
 * inclusion proof into the local index. A record without `version` is bound to its parent's head
 * version. Records whose leaf is already in the index (same id, same leaf hash) are unchanged.
 */
export async function anchorRecords(
  ctx: JobContext,
  files: readonly { path: string; name: string }[],
  catalog: Readonly<{ known: Readonly<Record<string, string>>; anchored: Map<string, string> }> = {
    known: {},
    anchored: new Map(),
  },
): Promise<RecordsSummary> {
  let anchored = 0;
  let unchanged = 0;
  let failed = 0;
  let total = 0;
  const seen = new Map<string, string>();
  const groups = new Map<string, Group>();
  const heads = new Map<string, Promise<number | undefined>>();
  // parents' head versions, asked of the ledger once each (records come 1,000s to a parent)
  const headVersions = new Map<string, number | undefined>();
  const headOf = async (id: string): Promise<number | undefined> => {
    let found = heads.get(id);
    if (!found) {
      found = ctx.chain.getResource(id).then((r) => (r && r.status === 'active' ? r.headVersion : undefined));
      heads.set(id, found);
    }
    const version = await found;
    headVersions.set(id, version);
    return version;
  };
  let said = '';
  const progress = (): void => {
    const now = `${anchored} ${unchanged} ${failed} ${total}`;
    if (now === said) return;
    said = now;
    ctx.emit({ type: 'records', anchored, unchanged, failed, total });
  };
  // resources this dry run would create: their records would be anchored too
  const planned = new Set(ctx.results.filter((r) => r.outcome === 'planned-create').map((r) => r.resourceId));
  let plannedForNew = 0;
  const orphans = new Map<string, { file: string; line: number; count: number }>();

  for (const file of files) {
    for await (const line of readRecords(file.path, file.name)) {
      total++;
      if (total % 5000 === 0) progress();
      if (!line.ok) {
        failed++;
        ctx.fail(line.failure);
        continue;
      }
      const { record } = line;
      const where = `${line.file}:${line.line}`;
      const other = seen.get(record.id);
      if (other !== undefined) {
        failed++;
        ctx.fail({
          file: line.file,
          line: line.line,
          pointer: '/id',
          code: 'VALIDATION',
          reason: `${where}: /id: expected a unique record id, ${record.id} is also at ${other}`,
        });
        continue;
      }
      seen.set(record.id, where);
      const version =
        record.version ??
        (headVersions.has(record.resource) ? headVersions.get(record.resource) : await headOf(record.resource));
      if (version === undefined && ctx.dryRun && planned.has(record.resource)) {
        // its parent is created by this job (dry run: not yet), so it would be anchored
        plannedForNew++;
        continue;
      }
      if (version === undefined) {
        // one failure per missing parent, not one per record: a missing scan can orphan 10,000 records
        failed++;
        const orphan = orphans.get(record.resource);
        if (orphan) orphan.count++;
        else orphans.set(record.resource, { file: line.file, line: line.line, count: 1 });
        continue;
      }
      const full = (record.version === undefined ? { ...record, version } : record) as IndexingRecord;
      const canonical = canonicalJson(full);
      const leaf = recordLeaf(canonical);
      // the index is asked only about records this source anchored before with this very leaf
      const before = catalog.known[record.id];
      const leafHex = before === undefined ? undefined : toHex(leaf);
      const known = before !== undefined && before === leafHex ? ctx.index?.getBatchRecord(record.id) : undefined;
      if (known && leafHex !== undefined && known.leafHash === leafHex) {
        if (ctx.resume.anchorSubmitted.has(known.batchId)) anchored++;
        else unchanged++;
        catalog.anchored.set(record.id, leafHex);
        continue;
      }
      const key = `${record.resource}@${version}`;
      let group = groups.get(key);
      if (!group) {
        group = { parent: { resourceId: record.resource, version }, leaves: [], files: new Set() };
        groups.set(key, group);
      }
      group.leaves.push({ id: record.id, canonical, leaf });
      group.files.add(line.file);
    }
  }

  for (const [parent, { file, line, count }] of orphans) {
    const more = count > 1 ? ` (${count} records, the first here)` : '';
    ctx.fail({
      file,
      line,
      pointer: '/resource',
      resourceId: parent,
      code: 'NOT_FOUND',
      reason: `${file}:${line}: /resource: expected an active resource on the chain, ${parent} is not${more}`,
    });
  }

  // The tree's leaf order is the record ids' order, so the same records always give the same root.
  const plannedBatches: PlannedBatch[] = [];
  for (const group of [...groups.values()].sort((a, b) =>
    compare(`${a.parent.resourceId}@${a.parent.version}`, `${b.parent.resourceId}@${b.parent.version}`),
  )) {
    if (versionMissing(await ctx.chain.getVersion(group.parent.resourceId, group.parent.version))) {
      failed += group.leaves.length;
      ctx.fail({
        file: [...group.files].join(', '),
        resourceId: group.parent.resourceId,
        code: 'NOT_FOUND',
        reason: `${group.leaves.length} indexing records name ${group.parent.resourceId} version ${group.parent.version}, which is not on the chain`,
      });
      continue;
    }
    group.leaves.sort((a, b) => compare(a.id, b.id));
    for (let start = 0; start < group.leaves.length; start += MAX_LEAVES) {
      const leaves = group.leaves.slice(start, start + MAX_LEAVES);
      const tree = MerkleTree.fromLeafHashes(leaves.map((l) => l.leaf));
      const root = toHex(tree.root);
      plannedBatches.push({
        input: { batchId: batchIdFor(root), root, count: leaves.length, parent: group.parent, kind: BATCH_KIND },
        leaves,
        tree,
        files: [...group.files],
      });
    }
  }

  if (ctx.dryRun) {
    anchored += plannedBatches.reduce((n, b) => n + b.leaves.length, 0) + plannedForNew;
    progress();
    return { anchored, unchanged, failed, batches: plannedBatches.length };
  }

  let batches = 0;
  const submit = async (chunk: readonly PlannedBatch[]): Promise<void> => {
    const journal = ctx.journal;
    if (!journal) throw new Error('anchor in a dry run');
    journal.append({
      t: 'anchor',
      batches: chunk.map((b) => ({
        batchId: b.input.batchId,
        root: b.input.root,
        count: b.input.count,
        parent: b.input.parent,
      })),
    });
    await journal.flush();
    crashPoint('anchor');
    let result;
    try {
      result = await ctx.chain.anchorBatches(chunk.map((b) => b.input));
    } catch (err) {
      if (chunk.length > 1 && isShulianError(err)) {
        for (const b of chunk) await submit([b]);
        return;
      }
      for (const b of chunk) {
        failed += b.leaves.length;
        const failure = toFailure(err, { file: b.files.join(', '), resourceId: b.input.parent?.resourceId ?? '' });
        ctx.fail({
          ...failure,
          reason: `${b.leaves.length} indexing records of ${b.input.parent?.resourceId}@${b.input.parent?.version}: ${failure.reason}`,
        });
      }
      return;
    }
    crashPoint('anchored');
    for (const b of chunk) {
      // one hex encoding for the batch's leaves, sliced per leaf
      const all = Buffer.concat(b.leaves.map((l) => l.leaf)).toString('hex');
      const hexes = b.leaves.map((_, i) => all.slice(i * 64, i * 64 + 64));
      ctx.index?.putBatchRecords(
        b.input.batchId,
        b.input.count,
        b.leaves.map((leaf, i) => ({
          recordId: leaf.id,
          leafIndex: i,
          leafHash: hexes[i] as string,
          proof: proofHex(b.tree.inclusionProof(i)),
          record: JSON.parse(leaf.canonical) as unknown,
          recordJson: leaf.canonical,
        })),
      );
      b.leaves.forEach((leaf, i) => catalog.anchored.set(leaf.id, hexes[i] as string));
      anchored += b.leaves.length;
      batches++;
    }
    crashPoint('proofs');
    journal.append({ t: 'anchored', txId: result.tx.txId, batchIds: chunk.map((b) => b.input.batchId) });
    progress();
  };
  for (let i = 0; i < plannedBatches.length; i += BATCHES_PER_TX)
    await submit(plannedBatches.slice(i, i + BATCHES_PER_TX));
  progress();
  return { anchored, unchanged, failed, batches };
}

function versionMissing(version: unknown): boolean {
  return version === undefined;
}

/** One hex encoding per proof instead of one per hash: 170,000 proofs of 17 hashes add up. */
function proofHex(path: readonly Uint8Array[]): string[] {
  const hex = Buffer.concat(path).toString('hex');
  const out: string[] = new Array<string>(path.length);
  for (let i = 0; i < path.length; i++) out[i] = hex.slice(i * 64, i * 64 + 64);
  return out;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
