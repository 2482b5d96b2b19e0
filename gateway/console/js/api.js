// @ts-check
// Same-origin calls to the gateway's REST and audit API. The browser presents the auditor's client
// certificate (mTLS), so no token travels with these requests.

export class ApiError extends Error {
  /** @param {number} status @param {Record<string, unknown>} problem */
  constructor(status, problem) {
    super(String(problem.detail ?? problem.title ?? `HTTP ${status}`));
    this.status = status;
    this.problem = problem;
  }
}

/** @param {string} path @param {Record<string, string | number | boolean | undefined>} [query] */
export async function getJson(path, query = {}) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v));
  const url = params.size ? `${path}?${params}` : path;
  let res;
  try {
    res = await fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
  } catch (err) {
    throw new ApiError(0, { detail: `the gateway cannot be reached (${/** @type {Error} */ (err).message})` });
  }
  const type = res.headers.get('content-type') ?? '';
  const body = type.includes('json') ? await res.json().catch(() => null) : null;
  if (!res.ok)
    throw new ApiError(res.status, body && typeof body === 'object' ? body : { detail: `HTTP ${res.status}` });
  return body;
}

export const enc = encodeURIComponent;

/** @type {Promise<Set<string>> | undefined} */
let documented;
/** Routes this gateway documents, to use optional ones (e.g. a digest lookup) only where they exist. */
export function documentedPaths() {
  documented ??= getJson('/v1/openapi.json')
    .then((doc) => new Set(Object.keys(doc?.paths ?? {})))
    .catch(() => new Set());
  return documented;
}
