import type { Readable } from 'node:stream';
import { create, type KuboRPCClient } from 'kubo-rpc-client';
import type { CID } from 'multiformats/cid';
import {
  ContentError,
  IntegrityError,
  NotFoundError,
  UnavailableError,
  ValidationError,
  isShulianError,
} from '../../core/errors.js';
import { verifyCar } from '../car.js';
import { Channel, teeInto } from '../channel.js';
import { checkDag, parseCid, resolveRange } from '../dag.js';
import { asContentError, importPayload, toPutResult } from '../importing.js';
import { assertExpected, checkExpectOption } from '../expect.js';
import { cidProfile } from '../profiles.js';
import type { ContentStat, ContentStore, GetOptions, PutOptions, PutResult, VerifyReport } from '../types.js';
import { clusterPinner, type ClusterOptions, type ClusterPinner } from './cluster.js';

export interface KuboContentStoreOptions {
  /** Kubo RPC API, e.g. http://127.0.0.1:5001 (KUBO_API). */
  readonly url: string;
  /** Also pin through IPFS Cluster with this replication factor. */
  readonly cluster?: Readonly<ClusterOptions> | undefined;
  /** Per-request timeout in ms (default 120000). */
  readonly timeoutMs?: number;
}

/** Blocks we discard locally: the CIDs are what we want from the local pass, the blocks go to Kubo. */
const discard = { put: async (cid: CID): Promise<CID> => cid };

/**
 * The content store on a Kubo node (optionally replicated by IPFS Cluster). Every put is also computed
 * locally in the same pass, and Kubo's CID is refused unless it equals the local one: a CID recorded on
 * chain must be what the profile gives, whatever Kubo's import settings are.
 */
export function kuboContentStore(options: Readonly<KuboContentStoreOptions>): ContentStore {
  let url: URL;
  try {
    url = new URL(options?.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    throw new ValidationError(
      `kuboContentStore: /url: expected an http(s) URL of Kubo's RPC API, got ${JSON.stringify(options?.url)}`,
      { pointer: '/url' },
    );
  }
  if (
    options.cluster !== undefined &&
    (!Number.isSafeInteger(options.cluster.replication) || options.cluster.replication < 1)
  ) {
    throw new ValidationError('kuboContentStore: /cluster/replication: expected an integer ≥ 1', {
      pointer: '/cluster/replication',
    });
  }
  const client = create({ url: url.toString().replace(/\/+$/, ''), timeout: options.timeoutMs ?? 120_000 });
  return new Kubo(client, url.origin, options.cluster ? clusterPinner(options.cluster) : undefined);
}

class Kubo implements ContentStore {
  /** `cat` returns what Kubo has without our re-hashing it (Kubo's HashOnRead is off by default). */
  readonly verifiesReads = false;
  readonly #client: KuboRPCClient;
  readonly #origin: string;
  readonly #cluster: ClusterPinner | undefined;

  constructor(client: KuboRPCClient, origin: string, cluster: ClusterPinner | undefined) {
    this.#client = client;
    this.#origin = origin;
    this.#cluster = cluster;
  }

  async put(source: AsyncIterable<Uint8Array> | Readable, options: Readonly<PutOptions> = {}): Promise<PutResult> {
    const profile = cidProfile(options.profile);
    checkExpectOption(options.expect);
    const abort = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, abort.signal]) : abort.signal;
    const channel = new Channel<Uint8Array>(16);
    const addOptions = { ...profile.kuboAddOptions(), pin: false, signal };
    if (profile.maxLinks === 174) delete (addOptions as Record<string, unknown>).maxFileLinks; // Kubo's default; older Kubo lacks the flag
    const upload = (async () => {
      let root: CID | undefined;
      for await (const added of this.#client.addAll([{ content: channel }], addOptions)) root = added.cid;
      if (!root) throw new ContentError('KUBO_ADD', 'Kubo answered the add without a CID');
      return root;
    })();
    const local = importPayload(teeInto(source as AsyncIterable<Uint8Array>, channel), profile, discard, { signal });
    let results: [Awaited<typeof local>, CID];
    try {
      results = await Promise.all([local, upload]);
    } catch (err) {
      abort.abort();
      await Promise.allSettled([local, upload]);
      throw this.#error(asContentError(err, options.signal), 'add');
    }
    const [imported, kuboRoot] = results;
    if (kuboRoot.toString() !== imported.root.toString()) {
      throw new IntegrityError(
        `Kubo computed ${kuboRoot} but profile ${profile.name} gives ${imported.root}: Kubo's import settings differ from the profile ` +
          `(${profile.name}: CIDv${profile.cidVersion}, ${profile.rawLeaves ? 'raw' : 'dag-pb'} leaves, ${profile.chunkSize}-byte chunks, ${profile.maxLinks} links); nothing was pinned`,
        { cid: imported.root.toString(), details: { kubo: kuboRoot.toString(), expected: imported.root.toString() } },
      );
    }
    const cid = imported.root.toString();
    const result = toPutResult(imported, profile);
    // Unpinned, the added blocks of wrong bytes go with Kubo's next repo gc.
    assertExpected(result, options.expect);
    await this.#call('pin/add', () => this.#client.pin.add(imported.root, { recursive: true }));
    await this.#cluster?.pin(cid, `shulian:${imported.sha256.slice(0, 16)}`);
    return result;
  }

  async *get(cid: string, options: Readonly<GetOptions> = {}): AsyncIterable<Uint8Array> {
    const root = parseCid(cid);
    const size = (await this.stat(cid)).size;
    const { start, end } = resolveRange(size, options);
    if (end <= start) return;
    const stream = this.#client.cat(root, {
      offset: start,
      length: end - start,
      offline: true,
      signal: options.signal,
    } as never);
    try {
      yield* stream;
    } catch (err) {
      throw this.#error(err, 'cat', root);
    }
  }

  async has(cid: string): Promise<boolean> {
    const root = parseCid(cid);
    try {
      for await (const pin of this.#client.pin.ls({ paths: [root], type: 'recursive' })) {
        if (pin.cid.multihash.bytes.length > 0) return true;
      }
      return false;
    } catch (err) {
      if (/not pinned/i.test(message(err))) return false;
      throw this.#error(err, 'pin/ls', root);
    }
  }

  async stat(cid: string): Promise<ContentStat> {
    const root = parseCid(cid);
    await this.#mustHave(root);
    const file = await this.#call(
      'files/stat',
      () => this.#client.files.stat(`/ipfs/${root}`, { offline: true } as never),
      root,
    );
    let blocks = 1;
    await this.#call(
      'refs',
      async () => {
        for await (const ref of this.#client.refs(root.toString(), {
          recursive: true,
          unique: true,
          offline: true,
        } as never)) {
          if (ref.err) throw new Error(String(ref.err));
          blocks++;
        }
      },
      root,
    );
    return { cid: cid.trim(), size: Number(file.size), blocks };
  }

  async verify(cid: string): Promise<VerifyReport> {
    const root = parseCid(cid);
    await this.#mustHave(root);
    const load = async (c: CID): Promise<Uint8Array | undefined> => {
      try {
        return await this.#client.block.get(c, { offline: true } as never);
      } catch (err) {
        if (/not found|could not find|no such block/i.test(message(err))) return undefined;
        throw this.#error(err, 'block/get', c);
      }
    };
    const check = await checkDag(load, root);
    return { cid: cid.trim(), ok: check.missing.length === 0 && check.corrupt.length === 0, ...check };
  }

  async remove(cid: string): Promise<void> {
    const root = parseCid(cid);
    if (!(await this.has(cid))) {
      await this.#cluster?.unpin(root.toString());
      return;
    }
    const blocks: CID[] = [root];
    await this.#call(
      'refs',
      async () => {
        const { CID: CIDClass } = await import('multiformats/cid');
        for await (const ref of this.#client.refs(root.toString(), {
          recursive: true,
          unique: true,
          offline: true,
        } as never)) {
          if (!ref.err) blocks.push(CIDClass.parse(ref.ref));
        }
      },
      root,
    );
    await this.#cluster?.unpin(root.toString());
    try {
      await this.#client.pin.rm(root, { recursive: true });
    } catch (err) {
      if (!/not pinned/i.test(message(err))) throw this.#error(err, 'pin/rm', root);
    }
    // Kubo refuses to delete blocks another pin still uses: exactly the takedown we want.
    await this.#call(
      'block/rm',
      async () => {
        for await (const _ of this.#client.block.rm(blocks, { force: false, quiet: false })) {
          /* per-block errors are blocks still pinned by other DAGs */
        }
      },
      root,
    );
  }

  async *exportCar(cid: string): AsyncIterable<Uint8Array> {
    const root = parseCid(cid);
    await this.#mustHave(root);
    try {
      yield* this.#client.dag.export(root, { offline: true } as never);
    } catch (err) {
      throw this.#error(err, 'dag/export', root);
    }
  }

  async importCar(source: AsyncIterable<Uint8Array>): Promise<{ readonly root: string; readonly blocks: number }> {
    const abort = new AbortController();
    const channel = new Channel<Uint8Array>(16);
    const upload = (async () => {
      for await (const _ of this.#client.dag.import(channel, { pinRoots: false, signal: abort.signal })) {
        /* roots are pinned below, after our own verification */
      }
    })();
    const verified = verifyCar(teeInto(source, channel), async () => undefined);
    let car: Awaited<typeof verified>;
    try {
      [car] = await Promise.all([verified, upload]);
    } catch (err) {
      abort.abort();
      await Promise.allSettled([verified, upload]);
      // Our verdict on the CAR comes first; Kubo's only when ours had nothing to say.
      const ours = await verified.then(
        () => undefined,
        (e: unknown) => e,
      );
      throw this.#error(ours ?? err, 'dag/import');
    }
    await this.#call('pin/add', () => this.#client.pin.add(car.root, { recursive: true }), car.root);
    await this.#cluster?.pin(car.root.toString());
    return { root: car.root.toString(), blocks: car.blocks };
  }

  async close(): Promise<void> {}

  async #mustHave(root: CID): Promise<void> {
    if (!(await this.has(root.toString()))) {
      throw new NotFoundError(`no content with CID ${root} is pinned on Kubo at ${this.#origin}`, {
        cid: root.toString(),
      });
    }
  }

  async #call<T>(what: string, fn: () => Promise<T>, cid?: CID): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw this.#error(err, what, cid);
    }
  }

  #error(err: unknown, what: string, cid?: CID): unknown {
    if (isShulianError(err)) return err;
    if (err instanceof Error && err.name === 'AbortError') return err;
    const text = message(err);
    const ids = cid ? { cid: cid.toString() } : {};
    if (/ECONNREFUSED|ECONNRESET|fetch failed|ENOTFOUND|EHOSTUNREACH|socket hang up|timed? ?out/i.test(text)) {
      return new UnavailableError(`Kubo at ${this.#origin} is unreachable (${what}): ${text}`, { ...ids, cause: err });
    }
    return new ContentError('KUBO', `Kubo ${what} failed: ${text}`, { ...ids, cause: err });
  }
}

function message(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message} (${cause.message})` : err.message;
  }
  return String(err);
}
