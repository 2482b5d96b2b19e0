import { createHash } from 'node:crypto';
import { ValidationError } from '../core/errors.js';
import type { LocalIndex } from '../index/types.js';

export interface VersionPick {
  readonly resourceId: string;
  readonly version: number;
}

const PAGE = 500;

/**
 * The versions a fixity run may check: every version of every active resource, in (resource, version)
 * order. Withdrawn resources are left out: a takedown may have removed their content on purpose.
 */
export function fixityPopulation(index: Pick<LocalIndex, 'listResources'>): VersionPick[] {
  const picks: VersionPick[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = index.listResources({ status: 'active', limit: PAGE, offset });
    for (const resource of page.items)
      for (const v of resource.versions) picks.push({ resourceId: resource.id, version: v.record.version });
    if (page.items.length < PAGE) break;
  }
  return picks.sort(compareVersions);
}

/**
 * The run's selection: everything for a fraction of 1; otherwise the ceil(fraction × n) versions whose
 * sampling key (SHA-256 of seed, resource id and version) is smallest. Anyone holding the seed and the
 * population reproduces it exactly; without the seed, nobody can predict which versions a run will read.
 * Returned in (resource, version) order, which is the run's leaf order.
 */
export function selectVersions(population: readonly VersionPick[], fraction: number, seed: string): VersionPick[] {
  if (!(fraction > 0 && fraction <= 1))
    throw new ValidationError(`sample: expected a fraction greater than 0 and at most 1, got ${String(fraction)}`, {
      pointer: '/sample',
    });
  const sorted = [...population].sort(compareVersions);
  if (fraction === 1) return sorted;
  const k = Math.min(sorted.length, Math.ceil(fraction * sorted.length - 1e-9));
  return sorted
    .map((pick) => ({ pick, key: sampleKey(seed, pick) }))
    .sort((a, b) => Buffer.compare(a.key, b.key))
    .slice(0, k)
    .map((x) => x.pick)
    .sort(compareVersions);
}

export function sampleKey(seed: string, pick: VersionPick): Buffer {
  return createHash('sha256').update(`${seed}\n${pick.resourceId}\n${pick.version}`, 'utf8').digest();
}

export function compareVersions(a: VersionPick, b: VersionPick): number {
  return a.resourceId < b.resourceId ? -1 : a.resourceId > b.resourceId ? 1 : a.version - b.version;
}
