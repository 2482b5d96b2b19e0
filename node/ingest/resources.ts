import { createReadStream, type Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { hashFile, sha256Hex } from '../core/digest.js';
import { ValidationError, isShulianError } from '../core/errors.js';
import type { PutResult } from '../content/types.js';
import { canonicalJson } from './anchor.js';
import type { RegisterVersionInput, ResourceVersion, VersionRef } from './chain.js';
import type { JobContext, StoredEntry } from './context.js';
import { crashPoint } from './crash.js';
import { mediaTypeFor } from './media-types.js';
import { runPool } from './pool.js';
import { SMALL_FILE_BYTES, SmallPuts } from './small-puts.js';
import { toFailure } from './sources/documents.js';
import type { ResourceEntry } from './sources/types.js';
import type { ResourceResult } from './types.js';

/** Chaincode errors that concern one input of a batch: retry the others on their own. */
const INPUT_ERRORS = new Set(['VALIDATION', 'CONFLICT', 'ACCESS_DENIED', 'NOT_FOUND']);

interface Ref {
  readonly resourceId: string;
  readonly version?: number;
}

/** A file whose content is being stored in a batch of small files: its Prepared comes once that is durable. */
interface Deferred {
  readonly later: Promise<Prepared>;
}

interface Prepared {
  readonly entry: ResourceEntry;
  readonly put: Pick<PutResult, 'cid' | 'profile' | 'sha256' | 'sm3' | 'size'>;
  readonly metadataHash: string;
  readonly metadataCid: string;
  readonly refs: readonly Ref[];
}

/**
 * scan result -> store -> register. Each file: compare with the chain head (sha256 and metadataHash),
 * store what changed (content first, durable before any record names it), then register in batches of
 * RegisterVersions. Files derived from others in the same job wait until those are registered.
 */
export async function ingestResources(ctx: JobContext, entries: readonly ResourceEntry[]): Promise<void> {
  const batchSize = ctx.options.registerBatchSize ?? 100;
  const inJob = new Set(entries.map((e) => e.resourceId));
  const settledOk = new Set<string>();
  const settledFailed = new Set<string>();
  const pending: Prepared[] = [];
  let chainTail: Promise<void> = Promise.resolve();
  let seq = 0;

  const finish = (result: ResourceResult, ok: boolean): void => {
    (ok ? settledOk : settledFailed).add(result.resourceId);
    ctx.results.push(result);
    ctx.emit({
      type: 'resource',
      outcome: result.outcome,
      resourceId: result.resourceId,
      file: result.file,
      size: result.size ?? 0,
      ...(result.version === undefined ? {} : { version: result.version }),
    });
  };
  const failEntry = (entry: ResourceEntry, err: unknown): void => {
    const failure = toFailure(err, { file: entry.relPath, resourceId: entry.resourceId });
    ctx.fail({ ...failure, file: entry.relPath });
    settledFailed.add(entry.resourceId);
    ctx.results.push({ resourceId: entry.resourceId, file: entry.relPath, outcome: 'failed' });
    ctx.emit({
      type: 'resource',
      outcome: 'failed',
      resourceId: entry.resourceId,
      file: entry.relPath,
      size: entry.size,
      reason: failure.reason,
    });
  };

  const submittedHere = (id: string, version: ResourceVersion): boolean =>
    ctx.resume.submitted.get(id) === `${version.sha256} ${version.metadataHash}`;
  const outcomeOf = (version: ResourceVersion): 'created' | 'updated' =>
    version.version === 1 ? 'created' : 'updated';

  const blockedBy = (p: Prepared): string | undefined =>
    p.refs.find((r) => settledFailed.has(r.resourceId))?.resourceId;
  const isReady = (p: Prepared): boolean =>
    p.refs.every((r) => !inJob.has(r.resourceId) || r.resourceId === p.entry.resourceId || settledOk.has(r.resourceId));

  const buildInput = async (p: Prepared): Promise<RegisterVersionInput> => {
    const derivedFrom: VersionRef[] = [];
    for (const [i, ref] of p.refs.entries()) {
      let version = ref.version;
      if (version === undefined) {
        const head = await ctx.chain.getResource(ref.resourceId);
        if (!head) {
          throw new ValidationError(
            `${p.entry.origin.file}: /derivedFrom/${i}: expected an existing resource, ${ref.resourceId} is not on the chain`,
            {
              pointer: `/derivedFrom/${i}`,
              file: p.entry.origin.file,
              resourceId: p.entry.resourceId,
            },
          );
        }
        version = head.headVersion;
      }
      derivedFrom.push({ resourceId: ref.resourceId, version });
    }
    return {
      resourceId: p.entry.resourceId,
      cid: p.put.cid,
      cidProfile: p.put.profile as RegisterVersionInput['cidProfile'],
      sha256: p.put.sha256,
      sm3: p.put.sm3,
      size: p.put.size,
      mediaType: mediaTypeFor(p.entry.relPath, p.entry.metadata.format),
      metadataHash: p.metadataHash,
      metadataCid: p.metadataCid,
      ...(derivedFrom.length > 0 ? { derivedFrom } : {}),
    };
  };

  const submit = async (batch: readonly Prepared[]): Promise<void> => {
    const inputs: { p: Prepared; input: RegisterVersionInput }[] = [];
    for (const p of batch) {
      try {
        inputs.push({ p, input: await buildInput(p) });
      } catch (err) {
        failEntry(p.entry, err);
      }
    }
    if (inputs.length === 0) return;
    const journal = ctx.journal;
    if (!journal) throw new Error('submit in a dry run');
    const refused = putMetadata(
      ctx,
      inputs.map(({ p }) => p),
    );
    for (const { prepared, err } of refused) {
      inputs.splice(
        inputs.findIndex(({ p }) => p === prepared),
        1,
      );
      failEntry(prepared.entry, err);
    }
    if (inputs.length === 0) return;
    const n = ++seq;
    journal.append({
      t: 'submit',
      seq: n,
      items: inputs.map(({ input }) => ({
        resourceId: input.resourceId,
        sha256: input.sha256,
        metadataHash: input.metadataHash,
        cid: input.cid,
      })),
    });
    await journal.flush();
    crashPoint('submit');
    let result;
    try {
      result = await ctx.chain.registerVersions(inputs.map(({ input }) => input));
    } catch (err) {
      if (inputs.length > 1 && isShulianError(err) && INPUT_ERRORS.has(err.code)) {
        for (const { p } of inputs) await submit([p]);
        return;
      }
      for (const { p } of inputs) failEntry(p.entry, err);
      return;
    }
    crashPoint('submitted');
    journal.append({
      t: 'registered',
      seq: n,
      txId: result.tx.txId,
      items: result.versions.map((v) => ({ resourceId: v.resourceId, version: v.version })),
    });
    result.versions.forEach((version, i) => {
      const { p } = inputs[i] as { p: Prepared };
      const fresh = version.txId === result.tx.txId || submittedHere(version.resourceId, version);
      finish(
        {
          resourceId: version.resourceId,
          file: p.entry.relPath,
          outcome: fresh ? outcomeOf(version) : 'unchanged',
          version: version.version,
          txId: version.txId,
          cid: version.cid,
          size: version.size,
        },
        true,
      );
    });
  };

  /** Submits every ready batch; with `all`, also the last partial one and whatever became ready after it. */
  const flush = (all: boolean): Promise<void> => {
    chainTail = chainTail.then(async () => {
      for (;;) {
        for (let i = pending.length - 1; i >= 0; i--) {
          const p = pending[i] as Prepared;
          const blocker = blockedBy(p);
          if (blocker !== undefined) {
            pending.splice(i, 1);
            failEntry(
              p.entry,
              new ValidationError(`${p.entry.relPath}: derived from ${blocker}, which could not be registered`, {
                resourceId: p.entry.resourceId,
                file: p.entry.relPath,
              }),
            );
          }
        }
        const ready = pending.filter(isReady).slice(0, batchSize);
        if (ready.length === 0 || (!all && ready.length < batchSize)) return;
        for (const p of ready) pending.splice(pending.indexOf(p), 1);
        await submit(ready);
      }
    });
    return chainTail;
  };

  const accept = (prepared: Prepared): void => {
    pending.push(prepared);
    if (pending.length >= batchSize) void flush(false).catch(() => undefined);
  };
  const smallPuts = ctx.dryRun
    ? undefined
    : SmallPuts.for(ctx.content, ctx.options.profile ? { profile: ctx.options.profile } : {});
  // small files stored in batches: the pool goes on to the next file while its batch fills
  const deferred = new Set<Promise<void>>();
  try {
    await runPool(
      entries,
      ctx.options.concurrency ?? 4,
      async (entry) => {
        try {
          const prepared = await prepare(ctx, entry, finish, smallPuts);
          if (!prepared) return;
          if (!('later' in prepared)) return accept(prepared);
          const task = prepared.later.then(accept, (err: unknown) => failEntry(entry, err));
          deferred.add(task);
          void task.finally(() => deferred.delete(task));
        } catch (err) {
          failEntry(entry, err);
        }
      },
      ctx.options.signal,
    );
  } finally {
    await smallPuts?.drain();
    while (deferred.size > 0) await Promise.all([...deferred]);
  }
  await flush(true);
  for (const p of pending.splice(0)) {
    failEntry(
      p.entry,
      new ValidationError(`${p.entry.relPath}: its derivedFrom resources form a cycle in this source`, {
        resourceId: p.entry.resourceId,
        file: p.entry.relPath,
        pointer: '/derivedFrom',
      }),
    );
  }
}

/** Compares one file with the chain head and, when it changed, stores it. Undefined: nothing to register. */
async function prepare(
  ctx: JobContext,
  entry: ResourceEntry,
  finish: (result: ResourceResult, ok: boolean) => void,
  smallPuts: SmallPuts | undefined,
): Promise<Prepared | Deferred | undefined> {
  // the fast RFC 8785 writer (held equal to core's canonicalize by test/ingest/canonical.test.ts)
  const metadataBytes = Buffer.from(canonicalJson(entry.metadata), 'utf8');
  const metadataHash = sha256Hex(metadataBytes);
  const head = await ctx.head(entry.resourceId);
  const info = await stat(entry.path);
  const earlier = ctx.resume.stored.get(entry.resourceId);
  const reusable =
    earlier &&
    earlier.relPath === entry.relPath &&
    earlier.size === info.size &&
    earlier.mtimeMs === info.mtimeMs &&
    earlier.metadataHash === metadataHash &&
    (ctx.dryRun || ((await ctx.content.has(earlier.cid)) && (await ctx.content.has(earlier.metadataCid))))
      ? earlier
      : undefined;

  if (head) {
    const sha256 = reusable?.sha256 ?? (await hashFile(entry.path, ['sha256'])).sha256;
    if (sha256 === head.version.sha256 && metadataHash === head.version.metadataHash) {
      const fresh = ctx.resume.submitted.get(entry.resourceId) === `${sha256} ${metadataHash}`;
      finish(
        {
          resourceId: entry.resourceId,
          file: entry.relPath,
          outcome: fresh ? (head.version.version === 1 ? 'created' : 'updated') : 'unchanged',
          version: head.version.version,
          txId: head.version.txId,
          cid: head.version.cid,
          size: head.version.size,
        },
        true,
      );
      return undefined;
    }
    if (head.resource.status === 'withdrawn') {
      throw new ValidationError(
        `${entry.relPath}: resource ${entry.resourceId} is withdrawn and takes no new versions (give the file a new id)`,
        {
          resourceId: entry.resourceId,
          file: entry.relPath,
        },
      );
    }
  }
  const refs = parseRefs(entry.metadata.derivedFrom);
  if (ctx.dryRun) {
    finish(
      {
        resourceId: entry.resourceId,
        file: entry.relPath,
        outcome: head ? 'planned-update' : 'planned-create',
        size: info.size,
      },
      true,
    );
    return undefined;
  }
  if (reusable) {
    ctx.emit({ type: 'bytes', bytes: reusable.size });
    const put = {
      cid: reusable.cid,
      profile: reusable.profile as PutResult['profile'],
      sha256: reusable.sha256,
      sm3: reusable.sm3,
      size: reusable.size,
    };
    return { entry, put, metadataHash, metadataCid: reusable.metadataCid, refs };
  }
  if (smallPuts && info.size <= SMALL_FILE_BYTES) {
    await smallPuts.room();
    const bytes = await readFile(entry.path);
    ctx.emit({ type: 'bytes', bytes: bytes.byteLength });
    // durable, with the batch, before anything names them
    const later = smallPuts
      .put([bytes, metadataBytes])
      .then(([payload, metadataPut]) =>
        stored(ctx, entry, info, payload as PutResult, metadataPut as PutResult, metadataHash, refs),
      );
    later.catch(() => undefined); // handled by the caller
    return { later };
  }
  const putOptions = ctx.options.profile ? { profile: ctx.options.profile } : {};
  // side by side: their fsyncs overlap; both are durable before anything names them
  const [payload, metadataPut] = await Promise.all([
    // by path where the store can (reused buffers, no garbage per read), else as a stream
    ctx.content.putFile
      ? ctx.content.putFile(entry.path, { ...putOptions, onRead: (bytes) => ctx.emit({ type: 'bytes', bytes }) })
      : ctx.content.put(countBytes(ctx, entry.path), putOptions),
    ctx.content.put(once(metadataBytes), putOptions),
  ]);
  return stored(ctx, entry, info, payload, metadataPut, metadataHash, refs);
}

/** A file's content and metadata are durable: journal it, so that a re-run reuses them. */
function stored(
  ctx: JobContext,
  entry: ResourceEntry,
  info: Stats,
  put: PutResult,
  metadataPut: PutResult,
  metadataHash: string,
  refs: readonly Ref[],
): Prepared {
  const metadataCid = metadataPut.cid;
  ctx.counters.bytes += put.size;
  const done: StoredEntry = {
    resourceId: entry.resourceId,
    relPath: entry.relPath,
    size: info.size,
    mtimeMs: info.mtimeMs,
    cid: put.cid,
    profile: put.profile,
    sha256: put.sha256,
    sm3: put.sm3,
    metadataHash,
    metadataCid,
  };
  ctx.journal?.append({ t: 'stored', ...done });
  crashPoint('stored');
  return { entry, put, metadataHash, metadataCid, refs };
}

/**
 * The batch's metadata documents into the local index, in one transaction when the index can; when that
 * fails, one by one, so that only the files whose metadata the index refuses fail.
 */
function putMetadata(ctx: JobContext, batch: readonly Prepared[]): { prepared: Prepared; err: unknown }[] {
  const index = ctx.index;
  if (!index) return [];
  if (index.putMetadataMany) {
    try {
      index.putMetadataMany(batch.map((p) => ({ metadataHash: p.metadataHash, metadata: p.entry.metadata })));
      return [];
    } catch {
      // fall through: find the ones at fault
    }
  }
  const failed: { prepared: Prepared; err: unknown }[] = [];
  for (const prepared of batch) {
    try {
      index.putMetadata(prepared.metadataHash, prepared.entry.metadata);
    } catch (err) {
      failed.push({ prepared, err });
    }
  }
  return failed;
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

async function* countBytes(ctx: JobContext, path: string): AsyncGenerator<Uint8Array> {
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
    ctx.emit({ type: 'bytes', bytes: (chunk as Buffer).byteLength });
    yield chunk as Buffer;
  }
}

/** "id@3" -> {resourceId: id, version: 3}; "id" -> the head version, resolved when registering. */
export function parseRefs(value: unknown): Ref[] {
  if (!Array.isArray(value)) return [];
  return value.map((text: string) => {
    const at = text.lastIndexOf('@');
    return at < 0 ? { resourceId: text } : { resourceId: text.slice(0, at), version: Number(text.slice(at + 1)) };
  });
}
