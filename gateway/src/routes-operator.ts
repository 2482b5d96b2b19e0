import { Transform, type TransformCallback } from 'node:stream';
import { canonicalize, sha256Hex, ValidationError } from 'shulian/core';
import type { Request, Response } from 'express';
import { requireRole } from './authorize.js';
import type { RouteContext } from './context.js';
import { HttpProblem } from './problem.js';
import { versionHref } from './routes-harvest.js';
import type { CidProfileName } from './ports.js';

const MEDIA_TYPE =
  /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}(\s*;\s*[A-Za-z0-9!#$&^_.+-]+=("[^"\\\r\n]*"|[A-Za-z0-9!#$&^_.+-]+))*$/;

/** Counts bytes as they stream and fails the upload as soon as it passes the limit. */
class LimitBytes extends Transform {
  seen = 0;
  constructor(readonly limit: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.limit)
      return done(new HttpProblem('PAYLOAD_TOO_LARGE', `the upload exceeds the ${this.limit}-byte maximum`));
    done(null, chunk);
  }
}

function decodeMetadata(header: string | undefined, max: number): unknown {
  if (header === undefined || header === '')
    throw new ValidationError('/header/Shulian-Metadata: is required (base64url of the metadata JSON)', {
      pointer: '/header/Shulian-Metadata',
    });
  if (header.length > max)
    throw new HttpProblem('HEADERS_TOO_LARGE', `Shulian-Metadata is longer than ${max} characters`);
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(header))
    throw new ValidationError('/header/Shulian-Metadata: must be base64url', { pointer: '/header/Shulian-Metadata' });
  try {
    return JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as unknown;
  } catch {
    throw new ValidationError('/header/Shulian-Metadata: must be base64url of a JSON object', {
      pointer: '/header/Shulian-Metadata',
    });
  }
}

function submitted(
  res: Response,
  status: number,
  result: { txId: string; blockNumber: number; result: Uint8Array },
  location?: string,
): void {
  let record: unknown;
  try {
    record = JSON.parse(Buffer.from(result.result).toString('utf8'));
  } catch {
    record = {};
  }
  if (location) res.setHeader('Location', location);
  res.status(status).json({ txId: result.txId, blockNumber: result.blockNumber, record });
}

export function registerOperatorRoutes(ctx: RouteContext): void {
  ctx.route('post', '/v1/resources/{id}/versions', async (req: Request, res: Response, { path, query }) => {
    requireRole(ctx, res, ['operator']);
    const id = path.id!;
    const mediaType = req.get('content-type') ?? '';
    if (!MEDIA_TYPE.test(mediaType))
      throw new HttpProblem(
        'UNSUPPORTED_MEDIA_TYPE',
        'Content-Type must be the media type of the payload (type/subtype)',
      );
    const declared = req.get('content-length');
    if (declared !== undefined && Number(declared) > ctx.limits.maxUploadBytes) {
      throw new HttpProblem(
        'PAYLOAD_TOO_LARGE',
        `the upload declares ${declared} bytes; the maximum is ${ctx.limits.maxUploadBytes}`,
      );
    }
    const metadata = decodeMetadata(req.get('shulian-metadata'), ctx.limits.maxMetadataHeader);
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
      throw new ValidationError('/header/Shulian-Metadata: must be a JSON object', {
        pointer: '/header/Shulian-Metadata',
      });
    }
    ctx.deps.validateMetadata?.(metadata);
    const canonical = canonicalize(metadata);
    const metadataHash = sha256Hex(canonical);

    const limiter = new LimitBytes(ctx.limits.maxUploadBytes);
    req.pipe(limiter);
    req.once('error', (err) => limiter.destroy(err));
    const profile = query.profile as CidProfileName | undefined;
    // durable content first: the record must never point at bytes that are not there
    let stored: Awaited<ReturnType<typeof ctx.deps.content.put>>;
    try {
      stored = await ctx.deps.content.put(limiter, profile ? { profile } : {});
    } catch (err) {
      // the store wraps the source's failure; the limit is what the client needs to hear about
      if (limiter.seen > limiter.limit)
        throw new HttpProblem('PAYLOAD_TOO_LARGE', `the upload exceeds the ${limiter.limit}-byte maximum`, {
          cause: err,
        });
      throw err;
    }
    const metaStored = await ctx.deps.content.put(
      (async function* () {
        yield new TextEncoder().encode(canonical);
      })(),
    );
    const head = ctx.deps.index.getResource(id);
    const headVersion = head?.versions.find((v) => v.record.version === head.headVersion)?.record;
    if (
      headVersion &&
      headVersion.cid === stored.cid &&
      headVersion.metadataHash === metadataHash &&
      headVersion.mediaType === mediaType
    ) {
      res.setHeader('Location', versionHref(id, headVersion.version));
      res.status(200).json({
        txId: headVersion.txId,
        blockNumber: head!.versions.find((v) => v.record.version === headVersion.version)!.blockNumber,
        record: headVersion,
      });
      return;
    }
    const input = {
      resourceId: id,
      cid: stored.cid,
      cidProfile: stored.profile,
      sha256: stored.sha256,
      sm3: stored.sm3,
      size: stored.size,
      mediaType,
      metadataHash,
      metadataCid: metaStored.cid,
    };
    const result = await ctx.deps.ledger.submit({ fn: 'RegisterVersion', args: [JSON.stringify(input)] });
    let version: number | undefined;
    try {
      version = (JSON.parse(Buffer.from(result.result).toString('utf8')) as { version?: number }).version;
    } catch {
      version = undefined;
    }
    (req as { log?: RouteContext['log'] }).log?.info(
      { event: 'version-registered', resourceId: id, version, cid: stored.cid, txId: result.txId },
      'version registered',
    );
    submitted(res, 201, result, version ? versionHref(id, version) : undefined);
  });

  ctx.route('post', '/v1/rights', async (req, res) => {
    requireRole(ctx, res, ['operator', 'rights-admin']);
    const input = req.body as { rightsId: string };
    const result = await ctx.deps.ledger.submit({ fn: 'GrantRights', args: [JSON.stringify(input)] });
    (req as { log?: RouteContext['log'] }).log?.info(
      { event: 'rights-granted', rightsId: input.rightsId, txId: result.txId },
      'rights granted',
    );
    submitted(res, 201, result);
  });

  ctx.route('post', '/v1/rights/{id}/revoke', async (req, res, { path }) => {
    requireRole(ctx, res, ['operator', 'rights-admin']);
    const { reason } = req.body as { reason: string };
    const result = await ctx.deps.ledger.submit({ fn: 'RevokeRights', args: [path.id!, reason] });
    (req as { log?: RouteContext['log'] }).log?.info(
      { event: 'rights-revoked', rightsId: path.id, txId: result.txId },
      'rights revoked',
    );
    submitted(res, 200, result);
  });

  ctx.route('post', '/v1/resources/{id}/withdraw', async (req, res, { path }) => {
    requireRole(ctx, res, ['operator']);
    const { reasonCode, note } = req.body as { reasonCode: string; note?: string };
    const result = await ctx.deps.ledger.submit({ fn: 'WithdrawResource', args: [path.id!, reasonCode, note ?? ''] });
    (req as { log?: RouteContext['log'] }).log?.info(
      { event: 'resource-withdrawn', resourceId: path.id, txId: result.txId },
      'resource withdrawn',
    );
    submitted(res, 200, result);
  });
}
