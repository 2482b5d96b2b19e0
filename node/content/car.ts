import { CarBlockIterator, CarWriter } from '@ipld/car';
import * as dagPb from '@ipld/dag-pb';
import type { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { ContentError, IntegrityError, isShulianError } from '../core/errors.js';
import { blockKey, blockLinks, blockMatches, dagBlocks, fileSizeOf, type BlockLoader } from './dag.js';

/** CARv1 of the DAG at `root`, every block once, depth first (as `ipfs dag export` writes it). */
export async function* exportCarFrom(load: BlockLoader, root: CID, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  const { writer, out } = CarWriter.create([root]);
  let failure: unknown;
  const pump = (async () => {
    try {
      for await (const block of dagBlocks(load, root, signal)) await writer.put(block);
    } catch (err) {
      failure = err;
    } finally {
      await writer.close();
    }
  })();
  for await (const chunk of out) yield chunk;
  await pump;
  if (failure !== undefined) throw failure;
}

export interface VerifiedCar {
  readonly root: CID;
  readonly blocks: number;
  /** Keys (see blockKey) of every block, all reachable from the root. */
  readonly keys: ReadonlySet<string>;
  /** Size of the UnixFS file the root describes. */
  readonly size: number;
}

/**
 * Reads a CARv1 with exactly one root and checks, block by block, that the bytes hash to the CID they are
 * filed under; passes every verified block to `accept` as it streams (so that a store can write it).
 * At the end it checks that the blocks form exactly the DAG of the root: none missing, none extra.
 */
export async function verifyCar(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  accept: (block: { cid: CID; bytes: Uint8Array; key: string }) => Promise<void>,
  signal?: AbortSignal,
): Promise<VerifiedCar> {
  let reader: CarBlockIterator;
  try {
    reader = await CarBlockIterator.fromIterable(toAsync(source));
  } catch (err) {
    throw carError(err);
  }
  const roots = await reader.getRoots();
  if (roots.length !== 1) {
    throw new ContentError('CAR_ROOTS', `a content CAR must have exactly one root, this one has ${roots.length}`);
  }
  const root = roots[0]!;
  const rootKey = blockKey(root);
  const links = new Map<string, string[]>();
  const names = new Map<string, string>();
  let size = -1;
  try {
    for await (const { cid, bytes } of reader) {
      signal?.throwIfAborted();
      const key = blockKey(cid);
      if (cid.code !== dagPb.code && cid.code !== raw.code) {
        throw new ContentError(
          'CAR_UNSUPPORTED',
          `CAR block ${cid} has codec 0x${cid.code.toString(16)}: expected dag-pb or raw`,
          { cid: cid.toString() },
        );
      }
      if (!(await blockMatches(cid, bytes))) {
        throw new IntegrityError(`CAR block ${cid} does not match its CID: its bytes hash to something else`, {
          cid: cid.toString(),
        });
      }
      if (links.has(key)) continue; // a repeated block: harmless
      let children: CID[];
      try {
        children = blockLinks(cid, bytes);
        if (key === rootKey) size = fileSizeOf(cid, bytes);
      } catch (err) {
        if (isShulianError(err)) throw err;
        throw new ContentError('CAR_INVALID', `CAR block ${cid} does not decode: ${(err as Error).message}`, {
          cid: cid.toString(),
          cause: err,
        });
      }
      links.set(
        key,
        children.map((c) => {
          const k = blockKey(c);
          if (!names.has(k)) names.set(k, c.toString());
          return k;
        }),
      );
      names.set(key, cid.toString());
      await accept({ cid, bytes, key });
    }
  } catch (err) {
    throw carError(err);
  }
  // Walk the DAG from the root over the blocks received.
  const reachable = new Set<string>();
  const missing: string[] = [];
  const stack = [rootKey];
  while (stack.length > 0) {
    const key = stack.pop()!;
    if (reachable.has(key)) continue;
    const children = links.get(key);
    if (!children) {
      missing.push(key === rootKey ? root.toString() : (names.get(key) ?? key));
      reachable.add(key);
      continue;
    }
    reachable.add(key);
    for (const child of children) stack.push(child);
  }
  if (missing.length > 0) {
    throw new ContentError(
      'CAR_MISSING_BLOCKS',
      `the CAR lacks ${missing.length} block(s) of ${root}: ${list(missing)}`,
      {
        cid: missing[0],
        details: { root: root.toString(), missing: missing.slice(0, 100) },
      },
    );
  }
  const extra = [...links.keys()].filter((k) => !reachable.has(k)).map((k) => names.get(k) ?? k);
  if (extra.length > 0) {
    throw new ContentError(
      'CAR_EXTRA_BLOCKS',
      `the CAR holds ${extra.length} block(s) not in the DAG of ${root}: ${list(extra)}`,
      {
        cid: extra[0],
        details: { root: root.toString(), extra: extra.slice(0, 100) },
      },
    );
  }
  return { root, blocks: reachable.size, keys: reachable, size };
}

async function* toAsync<T>(source: AsyncIterable<T> | Iterable<T>): AsyncGenerator<T> {
  yield* source;
}

function list(cids: readonly string[]): string {
  return cids.length <= 5 ? cids.join(', ') : `${cids.slice(0, 5).join(', ')} and ${cids.length - 5} more`;
}

function carError(err: unknown): unknown {
  if (isShulianError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (/unexpected end|end of data|truncated/i.test(message)) {
    return new ContentError('CAR_TRUNCATED', `the CAR is truncated: ${message}`, { cause: err });
  }
  if (err instanceof Error && err.name === 'AbortError') return err;
  return new ContentError('CAR_INVALID', `not a valid CARv1: ${message}`, { cause: err });
}
