import type { Request, Response } from 'express';
import { NotFoundError } from 'shulian/core';
import { decideAuthorization } from 'shulian/index';
import type { Action, Authorization, ResourceView, RightsView, VersionView } from './ports.js';
import type { RouteContext } from './context.js';

/**
 * The version manifest (`GET /v1/resources/{id}/versions/{v}`), built from three kinds of parts:
 *
 * - what a committed version can never change — its record, chain placement, digests, proof bundle and
 *   metadata (addressed by its hash): serialised once, kept in a bounded LRU (versions are append-only on
 *   chain; a proof bundle describes a committed block);
 * - what any block can change — the resource's status and tombstone, and its rights records: read from
 *   the index, and reused only while the index has not changed since (`deps.indexVersion`, which moves
 *   with every commit to the index, whoever makes it); without `indexVersion`, read on every request;
 * - the access decisions, which also depend on the moment of the request: decided on every request, by
 *   the chaincode's IsAuthorized rules (node/index's decideAuthorization) over the rights records the
 *   manifest lists, so the decision and the list always agree.
 */
export interface ManifestBuilder {
  /** The manifest as JSON text; NotFoundError when the index has no such resource or version. */
  build(
    id: string,
    v: number,
    org: string,
    at: string,
    alert?: Readonly<{ at: string; detail: string }>,
  ): Promise<string>;
}

interface Frozen {
  readonly head: string; // ,"record":…,"placement":…,"digests":…
  readonly proof: string;
  readonly metadataHash: string;
  metadata?: string; // set once the index holds the metadata (it may be stored after the version)
  readonly links: string;
  bytes: number;
}

/** A resource's state and rights as of one version of the index. */
interface Current {
  readonly indexVersion: number;
  readonly resource: ResourceView;
  readonly rightsJson: string;
  readonly withdrawalJson: string;
  /** Grants in IsAuthorized's order, or undefined when they did not fit in one page (the index decides). */
  readonly ordered: readonly RightsRecord[] | undefined;
  readonly withdrawal: { readonly timestamp: string; readonly reasonCode: string } | null;
}

type RightsRecord = RightsView['record'];

const enc = encodeURIComponent;

/** Rights listed per manifest: what listRights returns in one page (its maximum). */
const RIGHTS_PAGE = 1000;

export function createManifestBuilder(
  ctx: Pick<RouteContext, 'deps' | 'proof'>,
  options: Readonly<{ maxEntries?: number; maxBytes?: number }> = {},
): ManifestBuilder {
  const maxEntries = options.maxEntries ?? 1024;
  const maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
  const { index, indexVersion } = ctx.deps;
  const frozen = new Lru<Frozen>(maxEntries, maxBytes);
  const current = new Lru<Current>(maxEntries, maxBytes);

  const freeze = async (version: VersionView, id: string, v: number): Promise<Frozen> => {
    const rec = version.record;
    const proof = JSON.stringify(await ctx.proof(version.txId));
    const placement = {
      txId: version.txId,
      blockNumber: version.blockNumber,
      txIndex: version.txIndex,
      committed: version.committed,
    };
    const digests = { cid: rec.cid, cidProfile: rec.cidProfile, sha256: rec.sha256, sm3: rec.sm3, size: rec.size };
    const head = `,"record":${JSON.stringify(rec)},"placement":${JSON.stringify(placement)},"digests":${JSON.stringify(digests)}`;
    const self = `/v1/resources/${enc(id)}/versions/${v}`;
    const links = JSON.stringify({ self, content: `${self}/content`, car: `${self}/car`, bag: `${self}/bag` });
    return {
      head,
      proof,
      metadataHash: rec.metadataHash,
      links,
      bytes: 2 * (head.length + proof.length + links.length),
    };
  };

  const read = (id: string): Current => {
    // read before the rows: a commit in between makes the next request read again, never the reverse
    const at = indexVersion?.() ?? NaN;
    const resource = index.getResource(id);
    if (!resource) throw new NotFoundError(`no resource ${id}`, { resourceId: id });
    const page = index.listRights({ resourceId: id, limit: RIGHTS_PAGE });
    const rights = page.items.map((r) => r.record);
    const w = resource.withdrawal;
    const state: Current = {
      indexVersion: at,
      resource,
      rightsJson: JSON.stringify(rights),
      withdrawalJson: JSON.stringify(withdrawalView(resource)),
      ordered: page.total > page.items.length ? undefined : orderForDecision(rights),
      withdrawal: w ? { timestamp: w.record.timestamp, reasonCode: w.record.reasonCode } : null,
    };
    return state;
  };

  const currentOf = (id: string): Current => {
    if (indexVersion === undefined) return read(id);
    const now = indexVersion();
    const hit = current.get(id);
    if (hit && hit.indexVersion === now) return hit;
    const state = read(id);
    current.set(id, state, 2 * (state.rightsJson.length + state.withdrawalJson.length) + 4096);
    return state;
  };

  const frozenOf = async (state: Current, id: string, v: number): Promise<Frozen> => {
    const key = `${id}\u0000${v}`;
    const hit = frozen.get(key);
    if (hit) return hit;
    const version = state.resource.versions.find((x) => x.record.version === v) ?? index.getVersion(id, v);
    if (!version)
      throw new NotFoundError(`resource ${id} has no version ${v} (head is ${state.resource.headVersion})`, {
        resourceId: id,
        version: v,
      });
    const entry = await freeze(version, id, v);
    frozen.set(key, entry, entry.bytes);
    return entry;
  };

  const metadataOf = (entry: Frozen, id: string, v: number): string => {
    if (entry.metadata !== undefined) return entry.metadata;
    const metadata = index.getMetadata(entry.metadataHash);
    if (metadata === undefined || metadata === null) return 'null';
    // stored metadata is addressed by its hash: once there, it never changes
    entry.metadata = JSON.stringify(metadata);
    entry.bytes += 2 * entry.metadata.length;
    frozen.set(`${id}\u0000${v}`, entry, entry.bytes);
    return entry.metadata;
  };

  return {
    async build(id, v, org, at, alert) {
      const state = currentOf(id);
      const entry = await frozenOf(state, id, v);
      const decide = (action: Action): Pick<Authorization, 'authorized' | 'rightsId' | 'reason'> => {
        const d =
          state.ordered === undefined
            ? index.isAuthorized({ resourceId: id, org, action, at })
            : decideAuthorization({
                resourceId: id,
                org,
                action,
                atIso: at,
                withdrawal: state.withdrawal,
                rights: state.ordered,
              });
        return { authorized: d.authorized, rightsId: d.rightsId, reason: d.reason };
      };
      const access = { org, at, reproduce: decide('reproduce'), display: decide('display') };
      return (
        `{"resourceId":${JSON.stringify(id)},"version":${v},"status":${JSON.stringify(state.resource.status)}${entry.head}` +
        `,"rights":${state.rightsJson},"proof":${entry.proof},"access":${JSON.stringify(access)}` +
        `,"metadata":${metadataOf(entry, id, v)},"withdrawal":${state.withdrawalJson}` +
        `${alert ? `,"integrityAlert":${JSON.stringify({ at: alert.at, detail: alert.detail })}` : ''},"links":${entry.links}}`
      );
    },
  };
}

/** IsAuthorized's order: grants on the resource itself, then on its owner's collection, each by rightsId. */
function orderForDecision(rights: readonly RightsRecord[]): RightsRecord[] {
  // listRights returns them by rightsId: keep that order within each group
  return [...rights.filter((r) => r.target.type === 'resource'), ...rights.filter((r) => r.target.type !== 'resource')];
}

/** Least recently used first; bounded by entries and by (approximate) bytes. */
class Lru<T> {
  readonly #map = new Map<string, { value: T; bytes: number }>();
  #bytes = 0;
  constructor(
    readonly maxEntries: number,
    readonly maxBytes: number,
  ) {}
  get(key: string): T | undefined {
    const hit = this.#map.get(key);
    if (!hit) return undefined;
    this.#map.delete(key);
    this.#map.set(key, hit);
    return hit.value;
  }
  set(key: string, value: T, bytes: number): void {
    const old = this.#map.get(key);
    if (old) {
      this.#map.delete(key);
      this.#bytes -= old.bytes;
    }
    this.#map.set(key, { value, bytes });
    this.#bytes += bytes;
    for (const [k, e] of this.#map) {
      if (this.#map.size <= this.maxEntries && this.#bytes <= this.maxBytes) break;
      this.#map.delete(k);
      this.#bytes -= e.bytes;
    }
  }
}

/** A resource's tombstone as the manifests show it (null while it is active). */
export function withdrawalView(resource: ResourceView) {
  const w = resource.withdrawal;
  if (!w) return null;
  return {
    reasonCode: w.record.reasonCode,
    note: w.record.note,
    headVersion: w.record.headVersion,
    txId: w.txId,
    blockNumber: w.blockNumber,
    committed: w.committed,
    timestamp: w.record.timestamp,
  };
}

/**
 * What express's res.json does for a body that is already JSON text, without its per-call machinery. The
 * text goes to `end` as a string: node writes it in one piece with the head instead of a copy of it next
 * to the head.
 */
export function sendJsonText(req: Request, res: Response, text: string): void {
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text, 'utf8'));
  if (req.method === 'HEAD') res.end();
  else res.end(text, 'utf8');
}
