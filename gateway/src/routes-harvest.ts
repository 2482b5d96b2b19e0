import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NotFoundError } from 'shulian/core';
import type { RouteContext } from './context.js';
import { identityOf } from './identity-middleware.js';
import type { ResourceView, VersionView, Position } from './ports.js';
import { createManifestBuilder, sendJsonText, withdrawalView } from './manifest.js';

/** Before the first transaction of the chain: where a feed without a cursor starts. */
export const ORIGIN: Position = Object.freeze({ blockNumber: -1, txIndex: -1 });

const enc = encodeURIComponent;
export const versionHref = (id: string, v: number): string => `/v1/resources/${enc(id)}/versions/${v}`;

export function loadResource(ctx: RouteContext, id: string): ResourceView {
  const resource = ctx.deps.index.getResource(id);
  if (!resource) throw new NotFoundError(`no resource ${id}`, { resourceId: id });
  return resource;
}

export function loadVersion(
  ctx: RouteContext,
  id: string,
  v: number,
): { resource: ResourceView; version: VersionView } {
  const resource = loadResource(ctx, id);
  const version = ctx.deps.index.getVersion(id, v);
  if (!version)
    throw new NotFoundError(`resource ${id} has no version ${v} (head is ${resource.headVersion})`, {
      resourceId: id,
      version: v,
    });
  return { resource, version };
}

export function registerHarvestRoutes(ctx: RouteContext): void {
  ctx.route('get', '/v1/changes', (_req, res, { query }) => {
    const limit = (query.limit as number | undefined) ?? 100;
    const after = typeof query.cursor === 'string' ? shiftDown(ctx.cursors.decode(query.cursor)) : ORIGIN;
    const page = ctx.deps.index.changesSince(after, limit);
    res.json({
      changes: page.changes.map((c) => ({
        resourceId: c.resourceId,
        kind: c.kind,
        version: c.version,
        owner: c.owner,
        txId: c.txId,
        blockNumber: c.blockNumber,
        txIndex: c.txIndex,
        committed: c.committed,
        href: c.kind === 'version' ? versionHref(c.resourceId, c.version) : `/v1/resources/${enc(c.resourceId)}`,
      })),
      next: ctx.cursors.encode(shiftUp(page.next)),
      caughtUp: page.changes.length < limit,
    });
  });

  ctx.route('get', '/v1/resources/{id}', (_req, res, { path }) => {
    const resource = loadResource(ctx, path.id!);
    res.json({
      id: resource.id,
      owner: resource.owner,
      status: resource.status,
      headVersion: resource.headVersion,
      created: resource.created,
      updated: resource.updated,
      changed: pickPlacement(resource.changed),
      versions: resource.versions.map((v) => ({
        version: v.record.version,
        cid: v.record.cid,
        size: v.record.size,
        mediaType: v.record.mediaType,
        sha256: v.record.sha256,
        sm3: v.record.sm3,
        txId: v.txId,
        blockNumber: v.blockNumber,
        committed: v.committed,
        href: versionHref(resource.id, v.record.version),
      })),
      withdrawal: withdrawalView(resource),
      metadata: resource.metadata ?? null,
    });
  });

  const manifests = createManifestBuilder(ctx);
  ctx.route('get', '/v1/resources/{id}/versions/{v}', async (req, res, { path }) => {
    const id = path.id!;
    const v = Number(path.v);
    const org = identityOf(res).org;
    sendJsonText(req, res, await manifests.build(id, v, org, ctx.now().toISOString(), ctx.alerts.get(id, v)));
  });

  ctx.route('get', '/v1/schemas/{name}', async (_req, res, { path }) => {
    const base = path.name!.replace(/\.schema\.json$/, '');
    const dir = ctx.deps.schemasDir;
    if (!dir) throw new NotFoundError('this gateway serves no schemas');
    let text: string;
    try {
      // the name matched ^[a-z][a-z0-9-]*$, so it cannot leave the folder
      text = await readFile(join(dir, `${base}.schema.json`), 'utf8');
    } catch {
      throw new NotFoundError(`no schema "${base}"`);
    }
    res.type('application/schema+json').send(text);
  });
}

function pickPlacement(p: { txId: string; blockNumber: number; txIndex: number; committed: string }) {
  return { txId: p.txId, blockNumber: p.blockNumber, txIndex: p.txIndex, committed: p.committed };
}

// The cursor stores positions shifted by one so that the origin (-1, -1) fits unsigned fields.
function shiftUp(p: Position): Position {
  return { blockNumber: p.blockNumber + 1, txIndex: p.txIndex + 1 };
}
function shiftDown(p: Position): Position {
  return { blockNumber: p.blockNumber - 1, txIndex: p.txIndex - 1 };
}
