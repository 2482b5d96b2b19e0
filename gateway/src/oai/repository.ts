import type { GatewayIndex, Position, ResourceView } from '../ports.js';
import { facetsOf, inSet, setSpecsOf } from './sets.js';

/** Before the first transaction of the chain. */
export const ORIGIN: Position = Object.freeze({ blockNumber: -1, txIndex: -1 });

export interface Selection {
  readonly set?: string;
  /** Inclusive bounds on commit time, as the index compares them (ISO with milliseconds). */
  readonly from?: string;
  readonly until?: string;
}

export interface ItemPage {
  readonly items: readonly ResourceView[];
  /** The last transaction examined: resume strictly after it. */
  readonly next: Position;
  /** True when nothing that matches lies beyond `next` (as of now). */
  readonly complete: boolean;
}

export type OaiIndex = Pick<GatewayIndex, 'changesSince' | 'getResource'>;

/**
 * The repository's items are resources, listed in chain order of their latest change (a new version or the
 * withdrawal), each once, with the datestamp of that change. The index's changes feed gives every change;
 * a change is an item only when it is still its resource's latest, so a resource that changed again later
 * is listed there instead. Pages end on whole transactions (what the resumption position can express).
 */
export class ItemLister {
  readonly #index: OaiIndex;
  readonly #scanBatch: number;

  constructor(index: OaiIndex, scanBatch = 500) {
    this.#index = index;
    this.#scanBatch = scanBatch;
  }

  /** Items after `after`: `size` of them, or more to finish a transaction, or fewer when the list ends. */
  page(after: Position, selection: Selection, size: number): ItemPage {
    const items: ResourceView[] = [];
    let pos = after;
    for (;;) {
      const batch = this.#batch(pos, selection);
      if (batch.changes === 0) return { items, next: pos, complete: true };
      for (const tx of batch.txs) {
        items.push(...tx.items);
        pos = tx.position;
        if (items.length >= size) return { items, next: pos, complete: !this.#anyAfter(pos, selection) };
      }
      pos = batch.next;
      if (batch.exhausted) return { items, next: pos, complete: true };
    }
  }

  /** How many items match, scanning at most `maxChanges` changes; undefined when the scan would go further. */
  count(selection: Selection, maxChanges: number): number | undefined {
    let n = 0;
    let scanned = 0;
    let pos = ORIGIN;
    for (;;) {
      const batch = this.#batch(pos, selection);
      scanned += batch.changes;
      n += batch.items.length;
      if (batch.exhausted || batch.changes === 0) return n;
      if (scanned >= maxChanges) return undefined;
      pos = batch.next;
    }
  }

  /** The earliest commit time on the chain (a lower bound of every datestamp), if any. */
  earliest(): string | undefined {
    return this.#index.changesSince(ORIGIN, 1).changes[0]?.committed;
  }

  /** Every current item (for ListSets). */
  *all(): Generator<ResourceView> {
    let pos = ORIGIN;
    for (;;) {
      const batch = this.#batch(pos, {});
      yield* batch.items;
      if (batch.exhausted || batch.changes === 0) return;
      pos = batch.next;
    }
  }

  #anyAfter(after: Position, selection: Selection): boolean {
    let pos = after;
    for (;;) {
      const batch = this.#batch(pos, selection);
      if (batch.items.length > 0) return true;
      if (batch.exhausted || batch.changes === 0) return false;
      pos = batch.next;
    }
  }

  #batch(
    after: Position,
    selection: Selection,
  ): {
    items: ResourceView[];
    txs: { position: Position; items: ResourceView[] }[];
    next: Position;
    changes: number;
    exhausted: boolean;
  } {
    const page = this.#index.changesSince(after, {
      limit: this.#scanBatch,
      ...(selection.from !== undefined ? { from: selection.from } : {}),
      ...(selection.until !== undefined ? { until: selection.until } : {}),
    });
    const items: ResourceView[] = [];
    const txs: { position: Position; items: ResourceView[] }[] = [];
    const seen = new Set<string>();
    for (const c of page.changes) {
      let tx = txs[txs.length - 1];
      if (!tx || tx.position.blockNumber !== c.blockNumber || tx.position.txIndex !== c.txIndex) {
        tx = { position: { blockNumber: c.blockNumber, txIndex: c.txIndex }, items: [] };
        txs.push(tx);
      }
      if (seen.has(c.resourceId)) continue;
      const resource = this.#index.getResource(c.resourceId);
      if (!resource || resource.changed.txId !== c.txId) continue;
      seen.add(c.resourceId);
      if (selection.set !== undefined && !inSet(setSpecsOf(facetsOf(resource)), selection.set)) continue;
      items.push(resource);
      tx.items.push(resource);
    }
    return {
      items,
      txs,
      next: page.next,
      changes: page.changes.length,
      exhausted: page.changes.length < this.#scanBatch,
    };
  }
}
