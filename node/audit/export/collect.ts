import { NotFoundError } from '../../core/errors.js';
import type { ReceiptView, ResourceView, RightsView } from '../../index/index.js';
import { fixityOf } from '../timeline.js';
import type { AuditSources, FixityEvent } from '../types.js';

const PAGE = 500;

/** What an export says about one resource. */
export interface ResourceFacts {
  readonly resource: ResourceView;
  readonly receipts: readonly ReceiptView[];
  readonly fixity: readonly FixityEvent[];
}

export interface ExportScope {
  /** One resource, or (undefined) the node's whole collection. */
  readonly resourceId?: string;
}

/**
 * The resources of the scope, one at a time (exports walk them several times, once per section of the
 * document, so a whole collection is never held in memory).
 */
export function* resources(sources: Readonly<AuditSources>, scope: Readonly<ExportScope>): Generator<ResourceFacts> {
  const facts = (resource: ResourceView): ResourceFacts => ({
    resource,
    receipts: sources.index.receipts(resource.id),
    fixity: fixityOf(sources, resource.id),
  });
  if (scope.resourceId !== undefined) {
    const resource = sources.index.getResource(scope.resourceId);
    if (!resource)
      throw new NotFoundError(`resource ${scope.resourceId} does not exist`, { resourceId: scope.resourceId });
    yield facts(resource);
    return;
  }
  for (let offset = 0; ; offset += PAGE) {
    const page = sources.index.listResources({ limit: PAGE, offset });
    for (const r of page.items) yield facts(r);
    if (page.items.length < PAGE) break;
  }
}

/** The rights records of the scope: those covering the resource, or every record of the node. */
export function* rightsOf(sources: Readonly<AuditSources>, scope: Readonly<ExportScope>): Generator<RightsView> {
  for (let offset = 0; ; offset += 1000) {
    const page = sources.index.listRights({
      ...(scope.resourceId === undefined ? {} : { resourceId: scope.resourceId }),
      limit: 1000,
      offset,
    });
    yield* page.items;
    if (page.items.length < 1000) break;
  }
}

/** Checks the scope before a response starts, so a missing resource is a 404, not a cut stream. */
export function checkScope(sources: Readonly<AuditSources>, scope: Readonly<ExportScope>): void {
  if (scope.resourceId !== undefined && !sources.index.getResource(scope.resourceId))
    throw new NotFoundError(`resource ${scope.resourceId} does not exist`, { resourceId: scope.resourceId });
  // PREMIS needs at least one object: an empty collection has nothing to describe
  if (scope.resourceId === undefined && sources.index.listResources({ limit: 1 }).total === 0)
    throw new NotFoundError('the collection has no resources yet: nothing to export');
}

export const versionId = (resourceId: string, version: number): string => `${resourceId}/v${version}`;
