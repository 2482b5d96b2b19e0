import { UnavailableError } from '../../core/errors.js';

export interface ClusterOptions {
  /** IPFS Cluster REST API, e.g. http://127.0.0.1:9094 (CLUSTER_API). */
  readonly url: string;
  /** Peers that must hold each pin (replication-min = replication-max). */
  readonly replication: number;
  /** `user:password` for the REST API's basic auth, if enabled. */
  readonly basicAuth?: string | undefined;
}

/** The two IPFS Cluster REST calls the store needs: pin with a replication factor, and unpin. */
export interface ClusterPinner {
  pin(cid: string, name?: string): Promise<void>;
  unpin(cid: string): Promise<void>;
}

export function clusterPinner(options: Readonly<ClusterOptions>): ClusterPinner {
  const base = options.url.replace(/\/+$/, '');
  const headers: Record<string, string> = {};
  if (options.basicAuth) headers.authorization = `Basic ${Buffer.from(options.basicAuth).toString('base64')}`;
  const call = async (
    method: string,
    path: string,
    query: URLSearchParams | undefined,
    cid: string,
    allow404: boolean,
  ): Promise<void> => {
    const url = `${base}${path}${query ? `?${query}` : ''}`;
    let res: Response;
    try {
      res = await fetch(url, { method, headers });
    } catch (err) {
      throw new UnavailableError(`IPFS Cluster at ${base} is unreachable: ${(err as Error).message}`, {
        cid,
        cause: err,
      });
    }
    if (res.ok || (allow404 && res.status === 404)) {
      await res.body?.cancel();
      return;
    }
    const text = (await res.text()).slice(0, 500);
    throw new UnavailableError(`IPFS Cluster ${method} ${path} failed: HTTP ${res.status} ${text}`, {
      cid,
      details: { status: res.status },
    });
  };
  return {
    async pin(cid, name) {
      const r = String(options.replication);
      const query = new URLSearchParams({ 'replication-min': r, 'replication-max': r, mode: 'recursive' });
      if (name) query.set('name', name);
      await call('POST', `/pins/${encodeURIComponent(cid)}`, query, cid, false);
    },
    async unpin(cid) {
      await call('DELETE', `/pins/${encodeURIComponent(cid)}`, undefined, cid, true);
    },
  };
}
