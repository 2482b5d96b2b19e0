import { pack as createPack } from 'tar-stream';
import { canonicalize, IntegrityError } from 'shulian/core';
import type { Request, Response } from 'express';
import { authorizeContent } from './authorize.js';
import type { RouteContext } from './context.js';
import type { IntegrityAlert } from './deps.js';
import { identityOf } from './identity-middleware.js';
import { writeBag } from './bag.js';
import { HttpProblem, isShulianLike } from './problem.js';
import { ifNoneMatchHits, ifRangeAllows, parseRange } from './range.js';
import { loadVersion } from './routes-harvest.js';
import type { ResourceView, VersionView } from './ports.js';
import { clientGone, LentBytes, pump } from './pump.js';
import { reprDigest, verifiedStream, type DigestTrailer } from './verify-stream.js';

function refuseWithdrawn(resource: ResourceView, v: number): void {
  if (resource.status === 'withdrawn') {
    const w = resource.withdrawal;
    throw new HttpProblem(
      'GONE',
      `resource ${resource.id} was withdrawn${w ? ` (${w.record.reasonCode}, transaction ${w.txId})` : ''}; its metadata remains at /v1/resources/${encodeURIComponent(resource.id)}`,
      {
        resourceId: resource.id,
        version: v,
        ...(w ? { txId: w.txId } : {}),
      },
    );
  }
}

/** Read-ahead per stream: the gateway serves many at once, so each holds at most about 1 MiB of blocks. */
const STREAM_READ_AHEAD = 1 << 20;

const EXTENSIONS: Readonly<Record<string, string>> = {
  'application/pdf': '.pdf',
  'application/epub+zip': '.epub',
  'application/json': '.json',
  'application/xml': '.xml',
  'text/xml': '.xml',
  'text/plain': '.txt',
  'text/html': '.html',
  'image/jpeg': '.jpg',
  'image/png': '.png',
  'image/tiff': '.tif',
  'image/jp2': '.jp2',
  'video/mp4': '.mp4',
  'audio/mpeg': '.mp3',
  'model/gltf-binary': '.glb',
  'application/zip': '.zip',
};

/** A file name for the payload: the resource id with only safe characters, the version and an extension. */
export function payloadFileName(resourceId: string, version: number, mediaType: string): string {
  const base = resourceId.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  const ext = EXTENSIONS[mediaType.split(';')[0]!.trim().toLowerCase()] ?? '.bin';
  return `${base}-v${version}${ext}`;
}

export function registerContentRoutes(ctx: RouteContext): void {
  const flag = (req: Request, version: VersionView, kind: IntegrityAlert['kind'], err: unknown): void => {
    const alert: IntegrityAlert = {
      resourceId: version.record.resourceId,
      version: version.record.version,
      cid: version.record.cid,
      kind,
      detail: err instanceof Error ? err.message : String(err),
      at: ctx.now().toISOString(),
    };
    ctx.alerts.raise(alert);
    ctx.metrics.verificationFailures.inc({ kind });
    (req as { log?: RouteContext['log'] }).log?.error(
      { event: 'integrity-failure', ...alert },
      'stored content failed verification; stream cut',
    );
    try {
      ctx.deps.onIntegrityFailure?.(alert);
    } catch (hookErr) {
      ctx.log.error({ err: hookErr }, 'integrity hook failed');
    }
  };

  /** Sends `source` as the body; on a source error after the headers went out, cuts the connection. */
  const stream = async (
    req: Request,
    res: Response,
    version: VersionView,
    kind: IntegrityAlert['kind'],
    source: AsyncIterable<Uint8Array>,
    lent?: LentBytes,
  ): Promise<void> => {
    try {
      const complete = await pump(source, res, (n) => ctx.metrics.bytesOut.inc({ kind }, n), lent);
      if (complete) {
        res.end();
        // Every byte of the whole payload verified: whatever was flagged before has been repaired.
        if (kind === 'content')
          ctx.alerts.clear(version.record.resourceId, version.record.version, ctx.now().toISOString());
      }
    } catch (err) {
      const integrity = isShulianLike(err) && err.code === 'INTEGRITY';
      if (integrity) flag(req, version, kind, err);
      else
        (req as { log?: RouteContext['log'] }).log?.error(
          { err, resourceId: version.record.resourceId, version: version.record.version },
          'stream failed',
        );
      if (res.headersSent) {
        res.destroy(err as Error);
        return;
      }
      throw err;
    }
  };

  const common = (res: Response, version: VersionView): void => {
    res.setHeader('ETag', `"${version.record.cid}"`);
    res.setHeader('Repr-Digest', reprDigest(version.record.sha256));
    res.setHeader('Cache-Control', 'private, no-transform');
    res.setHeader('X-Shulian-Transaction', version.txId);
  };

  ctx.route('get', '/v1/resources/{id}/versions/{v}/content', async (req, res, { path, query }) => {
    const id = path.id!;
    const v = Number(path.v);
    const { resource, version } = loadVersion(ctx, id, v);
    refuseWithdrawn(resource, v);
    const action = query.intent === 'display' ? 'display' : 'reproduce';
    authorizeContent(ctx, res, id, v, action);
    const rec = version.record;
    const etag = `"${rec.cid}"`;
    common(res, version);
    res.setHeader('Accept-Ranges', 'bytes');
    const fileName = payloadFileName(id, v, rec.mediaType);
    if (action === 'display') {
      res.setHeader('Cache-Control', 'private, no-store, no-transform');
      res.setHeader('Content-Disposition', `inline; filename="${fileName}"`);
    } else {
      res.setHeader('Content-Disposition', `attachment; filename="${fileName}"`);
    }
    if (ifNoneMatchHits(req.get('if-none-match'), etag)) {
      res.status(304).end();
      return;
    }
    const range = ifRangeAllows(req.get('if-range'), etag) ? parseRange(req.get('range'), rec.size) : undefined;
    res.type(rec.mediaType);
    const signal = clientGone(res);
    if (range) {
      // A part cannot be checked against whole-file digests. The store's reads re-hash every block they
      // load against its CID (the embedded store's verifyReads), so a corrupt block still fails the
      // request; for a store that cannot promise that (Kubo), or with rangeVerification 'full-dag', the
      // whole DAG is verified first.
      if (ctx.deps.rangeVerification === 'full-dag' || !ctx.deps.content.verifiesReads) {
        const report = await ctx.deps.content.verify(rec.cid);
        if (!report.ok) {
          const err = new IntegrityError(
            `stored DAG ${rec.cid} failed verification (${report.corrupt.length} corrupt, ${report.missing.length} missing blocks)`,
            {
              resourceId: id,
              version: v,
              cid: rec.cid,
            },
          );
          flag(req, version, 'range', err);
          throw err;
        }
      }
      const length = range.end - range.start + 1;
      res.status(206);
      res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${rec.size}`);
      res.setHeader('Content-Length', String(length));
      if (req.method === 'HEAD') return void res.end();
      await stream(
        req,
        res,
        version,
        'range',
        ctx.deps.content.get(rec.cid, { offset: range.start, length, signal, readAhead: STREAM_READ_AHEAD }),
      );
      return;
    }
    res.status(200);
    res.setHeader('Content-Length', String(rec.size));
    if (req.method === 'HEAD') return void res.end();
    // A store that verifies its reads lends them where it can (its buffers are reused once written, not
    // left to the garbage collector); a payload hashed here again, for SM3 on a worker, is read owned.
    const content = ctx.deps.content;
    const verifiesReads = content.verifiesReads;
    const lent = content.lend && verifiesReads ? new LentBytes() : undefined;
    const options = { signal, readAhead: STREAM_READ_AHEAD };
    const source = verifiedStream(
      lent && content.lend ? lent.unwrap(content.lend(rec.cid, options)) : content.get(rec.cid, options),
      { resourceId: id, version: v, cid: rec.cid, sha256: rec.sha256, sm3: rec.sm3, size: rec.size },
      undefined,
      verifiesReads,
    );
    await stream(req, res, version, 'content', source, lent);
  });

  ctx.route('get', '/v1/resources/{id}/versions/{v}/car', async (req, res, { path }) => {
    const id = path.id!;
    const v = Number(path.v);
    const { resource, version } = loadVersion(ctx, id, v);
    refuseWithdrawn(resource, v);
    authorizeContent(ctx, res, id, v, 'reproduce');
    common(res, version);
    res.status(200).type('application/vnd.ipld.car; version=1');
    res.setHeader(
      'Content-Disposition',
      `attachment; filename="${payloadFileName(id, v, 'application/vnd.ipld.car').replace(/\.bin$/, '.car')}"`,
    );
    if (req.method === 'HEAD') return void res.end();
    await stream(req, res, version, 'car', ctx.deps.content.exportCar(version.record.cid));
  });

  ctx.route('get', '/v1/resources/{id}/versions/{v}/bag', async (req, res, { path }) => {
    const id = path.id!;
    const v = Number(path.v);
    const { resource, version } = loadVersion(ctx, id, v);
    refuseWithdrawn(resource, v);
    const decision = authorizeContent(ctx, res, id, v, 'reproduce');
    const rec = version.record;
    const identity = identityOf(res);
    const proof = await ctx.proof(version.txId);
    const rights = ctx.deps.index.listRights({ resourceId: id, limit: 1000 }).items.map((r) => r.record);
    const metadata = ctx.deps.index.getMetadata(rec.metadataHash);
    const now = ctx.now();
    const baseName = payloadFileName(id, v, '').replace(/\.bin$/, '');
    common(res, version);
    res.status(200).type('application/x-tar');
    res.setHeader('Content-Disposition', `attachment; filename="${baseName}.tar"`);
    if (req.method === 'HEAD') return void res.end();

    let digests: DigestTrailer | undefined;
    const signal = clientGone(res);
    const payload = verifiedStream(
      ctx.deps.content.get(rec.cid, { signal, readAhead: STREAM_READ_AHEAD }),
      { resourceId: id, version: v, cid: rec.cid, sha256: rec.sha256, sm3: rec.sm3, size: rec.size },
      (d) => (digests = d),
      ctx.deps.content.verifiesReads,
    );
    const tar = createPack();
    const json = (value: unknown) => JSON.stringify(value, null, 2) + '\n';
    const writing = writeBag(tar, {
      baseName,
      payloadName: payloadFileName(id, v, rec.mediaType),
      payloadSize: rec.size,
      payload,
      digests: () => {
        if (!digests) throw new IntegrityError('payload digests unavailable', { resourceId: id, version: v });
        return digests;
      },
      info: [
        ['Source-Organization', rec.owner],
        ['External-Identifier', `${id} version ${v}`],
        [
          'External-Description',
          `Shulian resource ${id}, version ${v}, registered in transaction ${version.txId} (block ${version.blockNumber})`,
        ],
        ['Shulian-CID', rec.cid],
        ['Shulian-CID-Profile', rec.cidProfile],
        ['Shulian-Transaction', version.txId],
        ['Shulian-Block', String(version.blockNumber)],
        ['Shulian-Committed', version.committed],
        ['Shulian-Rights', decision.rightsId ?? ''],
        ['Shulian-Recipient', identity.org],
        ['Bag-Software-Agent', 'shulian-gateway'],
      ],
      baggingDate: now.toISOString().slice(0, 10),
      mtime: new Date(version.committed),
      tagFiles: [
        { path: 'shulian/version.json', content: json(rec) },
        { path: 'shulian/proof.json', content: json(proof) },
        { path: 'shulian/rights.json', content: json(rights) },
        ...(metadata !== undefined && metadata !== null
          ? [{ path: 'shulian/metadata.json', content: canonicalize(metadata) + '\n' }]
          : []),
      ],
    }).then(
      () => tar.finalize(),
      (err: unknown) => tar.destroy(err as Error),
    );
    try {
      await stream(req, res, version, 'bag', tar as unknown as AsyncIterable<Uint8Array>);
    } finally {
      // a client that went away leaves the writer waiting on back-pressure: end it
      if (!res.writableFinished) tar.destroy();
      await writing;
    }
  });
}
