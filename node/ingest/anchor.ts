import { canonicalize } from '../core/canonical.js';
import { sha256, sha256Once } from '../core/digest.js';
import { isShulianError } from '../core/errors.js';
import { MerkleTree } from '../core/merkle.js';
import { searchText } from '../index/text.js';
import type { AnchorBatchInput, VersionRef } from './chain.js';
import type { JobContext } from './context.js';
import { crashPoint } from './crash.js';
import { toFailure } from './sources/documents.js';
import { readRecordBatches } from './sources/records.js';
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
  /** RFC 9162 leaf hash, hex: SHA-256(0x00 || SHA-256(canonical)). */
  readonly leaf: string;
  /** What search sees of the record, worked out while it is parsed (not by parsing `canonical` again). */
  readonly title: string;
  readonly subjects: readonly string[];
  readonly keywords: readonly string[];
  readonly description: string;
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
  /** The leaves' hashes, 32 bytes each in leaf order (what the tree was built from). */
  readonly hashes: Buffer;
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
      const names = sortNames(Object.keys(value));
      const out: Record<string, unknown> = {};
      for (let i = 0; i < names.length; i++) {
        const name = names[i] as string;
        const member = (value as Record<string, unknown>)[name];
        if (member === undefined) continue;
        const first = name.charCodeAt(0);
        if ((first >= 0x30 && first <= 0x39 && INDEX_LIKE.test(name)) || !name.isWellFormed()) return NOT_PLAIN;
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

/**
 * Member names in UTF-16 code-unit order (what `<` compares, as Array#sort does by default), sorted in
 * place by insertion: records' objects have a handful of members, often in order already, and for those
 * this costs a fraction of the sort builtin (about 0.7 s of 170,000 records' canonical JSON).
 */
function sortNames(names: string[]): string[] {
  for (let i = 1; i < names.length; i++) {
    const name = names[i] as string;
    let j = i - 1;
    while (j >= 0 && (names[j] as string) > name) {
      names[j + 1] = names[j] as string;
      j--;
    }
    names[j + 1] = name;
  }
  return names;
}

/** 0x00 || SHA-256(json), rewritten for each leaf: no buffer is allocated to hash a leaf's input. */
const LEAF_INPUT = Buffer.alloc(33);

/**
 * RFC 9162 leaf hash of a record's canonical JSON, SHA-256(0x00 || SHA-256(json)), in hex: the same as
 * core's leafHash(recordDigest(record)), with one-shot hashing into strings, which costs a fraction of a
 * Hash object and a Buffer per digest when it is done 340,000 times a job.
 */
export function recordLeafHex(canonical: string): string {
  LEAF_INPUT.write(sha256Once(canonical, 'binary'), 1, 'binary');
  return sha256Once(LEAF_INPUT, 'hex');
}

/** recordLeafHex as bytes. */
export function recordLeaf(canonical: string): Uint8Array {
  return new Uint8Array(Buffer.from(recordLeafHex(canonical), 'hex'));
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
  catalog: Readonly<{ known: ReadonlyMap<string, string>; anchored: Map<string, string> }> = {
    known: new Map(),
    anchored: new Map(),
  },
): Promise<RecordsSummary> {
  let anchored = 0;
  let unchanged = 0;
  let failed = 0;
  let total = 0;
  // record id -> where it was first seen, as line * files.length + file index: a number, not a string a record
  const seen = new Map<string, number>();
  const place = (at: number): string => `${files[at % files.length]?.name}:${Math.floor(at / files.length)}`;
  // parent resource id -> version -> group: no key string made per record
  const groups = new Map<string, Map<number, Group>>();
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

  for (const [fileIndex, file] of files.entries()) {
    for await (const lines of readRecordBatches(file.path, file.name)) {
      for (const line of lines) {
        total++;
        if (total % 5000 === 0) progress();
        if (!line.ok) {
          failed++;
          ctx.fail(line.failure);
          continue;
        }
        const { record } = line;
        const other = seen.get(record.id);
        if (other !== undefined) {
          failed++;
          ctx.fail({
            file: line.file,
            line: line.line,
            pointer: '/id',
            code: 'VALIDATION',
            reason: `${line.file}:${line.line}: /id: expected a unique record id, ${record.id} is also at ${place(other)}`,
          });
          continue;
        }
        seen.set(record.id, line.line * files.length + fileIndex);
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
        // the parsed record is this loop's own: the head version goes into it rather than into a copy
        if (record.version === undefined) (record as { version?: number }).version = version;
        const canonical = canonicalJson(record);
        const leaf = recordLeafHex(canonical);
        // the index is asked only about records this source anchored before with this very leaf
        const before = catalog.known.get(record.id);
        const known = before !== undefined && before === leaf ? ctx.index?.getBatchRecord(record.id) : undefined;
        if (known && known.leafHash === leaf) {
          if (ctx.resume.anchorSubmitted.has(known.batchId)) anchored++;
          else unchanged++;
          catalog.anchored.set(record.id, leaf);
          continue;
        }
        let versions = groups.get(record.resource);
        if (!versions) groups.set(record.resource, (versions = new Map()));
        let group = versions.get(version);
        if (!group) {
          group = { parent: { resourceId: record.resource, version }, leaves: [], files: new Set() };
          versions.set(version, group);
        }
        const text = searchText(record);
        group.leaves.push({
          id: record.id,
          canonical,
          leaf,
          title: text.title,
          subjects: text.subjects,
          keywords: text.keywords,
          description: text.description,
        });
        group.files.add(line.file);
      }
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
  const sortedGroups = [...groups.values()].flatMap((versions) => [...versions.values()]);
  sortedGroups.sort((a, b) =>
    compare(`${a.parent.resourceId}@${a.parent.version}`, `${b.parent.resourceId}@${b.parent.version}`),
  );
  for (const group of sortedGroups) {
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
      const hashes = Buffer.allocUnsafe(leaves.length * 32);
      for (let i = 0; i < leaves.length; i++) hashes.write((leaves[i] as Leaf).leaf, i * 32, 'hex');
      const tree = MerkleTree.fromLeafHashBytes(hashes);
      const root = Buffer.from(tree.root).toString('hex');
      plannedBatches.push({
        input: { batchId: batchIdFor(root), root, count: leaves.length, parent: group.parent, kind: BATCH_KIND },
        leaves,
        tree,
        hashes,
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
      const { resourceId, version } = b.input.parent as VersionRef;
      ctx.index?.putBatchRecords(
        b.input.batchId,
        b.input.count,
        b.leaves.map((leaf, i) => ({
          recordId: leaf.id,
          leafIndex: i,
          leafHash: b.hashes.subarray(i * 32, i * 32 + 32),
          proof: b.tree.inclusionProofBytes(i),
          recordJson: leaf.canonical,
          searchDoc: {
            resourceId,
            version,
            title: leaf.title,
            subjects: leaf.subjects,
            keywords: leaf.keywords,
            description: leaf.description,
          },
        })),
      );
      for (const leaf of b.leaves) catalog.anchored.set(leaf.id, leaf.leaf);
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

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
