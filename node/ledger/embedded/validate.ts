import type { KeyRead, RangeRead, RwSet, ValidationCode, Version } from './block.js';
import type { StateView } from './store.js';

/**
 * MVCC validation of one transaction against the state as of its place in the block: the committed
 * state (read through the writer's connection, inside the block's write transaction) overlaid with the
 * writes of the valid transactions before it in the same block. As Fabric's validator: every key read
 * must still be at the version read, and every range read re-executed must give the same keys at the
 * same versions (phantom protection).
 */
export interface OverlayEntry {
  readonly version: Version;
  /** null: deleted */
  readonly value: Buffer | null;
}

/**
 * By key (the chaincode's string: keys are well-formed, so a string names exactly one UTF-8 key); each
 * entry keeps the key's bytes so the overlay can be merged with SQLite's byte-ordered ranges.
 */
export type Overlay = Map<string, OverlayEntry & { readonly key: Buffer }>;

export interface PrivateReadKey {
  readonly collection: string;
  readonly key: Buffer;
  readonly version: Version | null;
}

function sameVersion(a: Version | null | undefined, b: Version | null | undefined): boolean {
  if (!a || !b) return !a && !b;
  return a[0] === b[0] && a[1] === b[1];
}

function currentVersion(view: StateView, overlay: Overlay, key: string): Version | null {
  const o = overlay.get(key);
  if (o) return o.value === null ? null : o.version;
  const row = view.get(Buffer.from(key, 'utf8'));
  return row ? [row.block, row.tx] : null;
}

export function validateRwSet(
  view: StateView,
  overlay: Overlay,
  rwset: RwSet,
  privateReads: readonly PrivateReadKey[],
  privateOverlay: Map<string, Version | null>,
): ValidationCode {
  for (const read of rwset.reads) {
    if (!sameVersion(read.version, currentVersion(view, overlay, read.key))) return 'MVCC_READ_CONFLICT';
  }
  for (const read of privateReads) {
    const id = `${read.collection}\u0000${read.key.toString('hex')}`;
    const current = privateOverlay.has(id)
      ? privateOverlay.get(id)
      : versionOf(view.getPrivate(read.collection, read.key));
    if (!sameVersion(read.version, current)) return 'MVCC_READ_CONFLICT';
  }
  for (const range of rwset.ranges) {
    if (!rangeUnchanged(view, overlay, range)) return 'PHANTOM_READ_CONFLICT';
  }
  return 'VALID';
}

function versionOf(row: { block: number; tx: number } | undefined): Version | null {
  return row ? [row.block, row.tx] : null;
}

/** Re-runs the range and compares what the chaincode consumed; an exhausted scan must find nothing more. */
function rangeUnchanged(view: StateView, overlay: Overlay, range: RangeRead): boolean {
  const expected: readonly KeyRead[] = range.reads;
  const limit = range.exhausted ? expected.length + 1 : expected.length;
  const actual = scanMerged(
    view,
    overlay,
    Buffer.from(range.start, 'utf8'),
    range.end === '' ? null : Buffer.from(range.end, 'utf8'),
    limit,
  );
  if (range.exhausted ? actual.length !== expected.length : actual.length < expected.length) return false;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i] as KeyRead;
    const a = actual[i] as { key: Buffer; version: Version };
    if (!a.key.equals(Buffer.from(e.key, 'utf8')) || !sameVersion(a.version, e.version)) return false;
  }
  return true;
}

/** Up to `limit` live keys in [start, end) of committed state merged with the block overlay. */
export function scanMerged(
  view: StateView,
  overlay: Overlay,
  start: Buffer,
  end: Buffer | null,
  limit: number,
): { key: Buffer; version: Version }[] {
  const inRange = (k: Buffer) => Buffer.compare(k, start) >= 0 && (end === null || Buffer.compare(k, end) < 0);
  const pending = [...overlay.values()].filter((o) => inRange(o.key)).sort((a, b) => Buffer.compare(a.key, b.key));
  const out: { key: Buffer; version: Version }[] = [];
  let from = start;
  let p = 0;
  const PAGE = 256;
  for (;;) {
    const rows = out.length >= limit ? [] : view.range(from, end, PAGE);
    for (const row of rows) {
      while (p < pending.length && Buffer.compare((pending[p] as { key: Buffer }).key, row.key) < 0) {
        const o = pending[p++] as OverlayEntry & { key: Buffer };
        if (o.value !== null) out.push({ key: o.key, version: o.version });
      }
      const o = pending[p];
      if (o && o.key.equals(row.key)) {
        p++;
        if (o.value !== null) out.push({ key: o.key, version: o.version });
      } else {
        out.push({ key: row.key, version: [row.block, row.tx] });
      }
      if (out.length >= limit) return out.slice(0, limit);
    }
    if (rows.length < PAGE) break;
    from = Buffer.concat([(rows[rows.length - 1] as { key: Buffer }).key, Buffer.from([0])]);
  }
  while (p < pending.length && out.length < limit) {
    const o = pending[p++] as OverlayEntry & { key: Buffer };
    if (o.value !== null) out.push({ key: o.key, version: o.version });
  }
  return out.slice(0, limit);
}
