import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { importer } from 'ipfs-unixfs-importer';
import { fixedSize } from 'ipfs-unixfs-importer/chunker';
import { balanced } from 'ipfs-unixfs-importer/layout';
import { CID } from 'multiformats/cid';
import { exportCarFrom, verifyCar } from '../../node/content/car.js';
import { blockKey, blockLinks, fileSizeOf } from '../../node/content/dag.js';
import { owning, readFile } from '../../node/content/dag-read.js';

/**
 * A test double of Kubo's RPC API (the calls the Kubo adapter makes), served over real HTTP on 127.0.0.1.
 * It imports with the parameters it is sent (cid-version, raw-leaves, chunker, max-file-links), keeps
 * blocks in memory, and answers errors the way Kubo does (HTTP 500, {"Message", "Code", "Type"}).
 * Also doubles IPFS Cluster's /pins endpoints.
 */
export interface KuboDouble {
  readonly url: string;
  readonly blocks: Map<string, { cid: CID; bytes: Uint8Array }>;
  readonly pins: Set<string>;
  /** Every request: method, path and query, for asserting on what the adapter sent. */
  readonly requests: { method: string; path: string; query: URLSearchParams; headers: IncomingMessage['headers'] }[];
  readonly clusterPins: Map<string, URLSearchParams>;
  /** When set, `add` answers this CID instead of the one it computed (a misconfigured Kubo). */
  lieAboutAdd: string | undefined;
  close(): Promise<void>;
}

export async function startKuboDouble(): Promise<KuboDouble> {
  const blocks = new Map<string, { cid: CID; bytes: Uint8Array }>();
  const pins = new Set<string>();
  const requests: KuboDouble['requests'] = [];
  const clusterPins = new Map<string, URLSearchParams>();
  const load = async (cid: CID) => blocks.get(blockKey(cid))?.bytes;
  const put = (cid: CID, bytes: Uint8Array): void => {
    blocks.set(blockKey(cid), { cid, bytes });
  };

  function dagKeys(root: CID): Set<string> {
    const out = new Set<string>();
    const stack = [root];
    while (stack.length) {
      const c = stack.pop()!;
      const k = blockKey(c);
      if (out.has(k)) continue;
      out.add(k);
      const b = blocks.get(k);
      if (b) stack.push(...blockLinks(c, b.bytes));
    }
    return out;
  }

  const double: KuboDouble = {
    url: '',
    blocks,
    pins,
    requests,
    clusterPins,
    lieAboutAdd: undefined,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const q = url.searchParams;
    requests.push({ method: req.method ?? '', path: url.pathname, query: q, headers: req.headers });
    const args = q.getAll('arg');
    const fail = (message: string): void => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ Message: message, Code: 0, Type: 'error' }));
    };
    const ndjson = (lines: unknown[]): void => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-chunked-output': '1' });
      res.end(lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    };
    const json = (value: unknown): void => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    const cidArg = (): CID => CID.parse(args[0]!.replace(/^\/ipfs\//, ''));
    const pinnedCover = (): Set<string> => {
      const all = new Set<string>();
      for (const p of pins) for (const k of dagKeys(CID.parse(p))) all.add(k);
      return all;
    };

    if (url.pathname.startsWith('/pins/')) {
      const cid = decodeURIComponent(url.pathname.slice('/pins/'.length));
      if (req.method === 'POST') clusterPins.set(cid, q);
      else if (req.method === 'DELETE') clusterPins.delete(cid);
      return json({ cid });
    }

    switch (url.pathname) {
      case '/api/v0/add': {
        const content = await multipartContent(req);
        const cidVersion = Number(q.get('cid-version') ?? '0') as 0 | 1;
        const rawLeaves = q.has('raw-leaves') ? q.get('raw-leaves') === 'true' : cidVersion === 1;
        const chunkSize = Number((q.get('chunker') ?? 'size-262144').replace('size-', ''));
        const maxChildrenPerNode = Number(q.get('max-file-links') ?? '174');
        if (q.get('trickle') === 'true' || q.get('hash') !== 'sha2-256')
          return fail('double: only balanced sha2-256 imports');
        let root: CID | undefined;
        const sink = { put: async (cid: CID, bytes: Uint8Array) => (put(cid, bytes), cid) };
        for await (const e of importer([{ content: [content] }], sink, {
          cidVersion,
          rawLeaves,
          leafType: 'file',
          reduceSingleLeafToSelf: true,
          chunker: fixedSize({ chunkSize }),
          layout: balanced({ maxChildrenPerNode }),
        }))
          root = e.cid;
        const hash = double.lieAboutAdd ?? root!.toString();
        if (q.get('pin') !== 'false') pins.add(hash);
        return ndjson([{ Name: hash, Hash: hash, Size: String(content.byteLength) }]);
      }
      case '/api/v0/pin/add': {
        const cid = cidArg();
        for (const k of dagKeys(cid)) if (!blocks.has(k)) return fail(`pin: block ${k} not found (double is offline)`);
        pins.add(cid.toString());
        return json({ Pins: [cid.toString()] });
      }
      case '/api/v0/pin/rm': {
        const cid = cidArg().toString();
        if (!pins.delete(cid)) return fail('not pinned or pinned indirectly');
        return json({ Pins: [cid] });
      }
      case '/api/v0/pin/ls': {
        const cid = cidArg().toString();
        if (!pins.has(cid)) return fail(`path '${cid}' is not pinned`);
        return ndjson([{ Cid: cid, Type: 'recursive' }]);
      }
      case '/api/v0/cat': {
        const cid = cidArg();
        const offset = Number(q.get('offset') ?? '0');
        const length = q.has('length') ? Number(q.get('length')) : undefined;
        const root = await load(cid);
        if (!root) return fail('block was not found locally (offline)');
        if (offset > fileSizeOf(cid, root)) return fail('offset was past the end of file');
        res.writeHead(200, { 'content-type': 'text/plain', 'x-stream-output': '1' });
        try {
          for await (const chunk of readFile(owning(load), cid, { offset, length }, { verify: false }))
            res.write(chunk);
        } catch (err) {
          res.destroy(err as Error);
          return;
        }
        res.end();
        return;
      }
      case '/api/v0/files/stat': {
        const cid = cidArg();
        const bytes = await load(cid);
        if (!bytes) return fail('block was not found locally (offline)');
        const size = fileSizeOf(cid, bytes);
        return json({
          Hash: cid.toString(),
          Size: size,
          CumulativeSize: size,
          Blocks: blockLinks(cid, bytes).length,
          Type: 'file',
        });
      }
      case '/api/v0/refs': {
        const root = cidArg();
        const seen = new Set<string>([blockKey(root)]);
        const lines: unknown[] = [];
        const stack = [root];
        while (stack.length) {
          const c = stack.pop()!;
          const b = await load(c);
          if (!b) return fail(`block was not found locally (offline): ${c}`);
          for (const child of blockLinks(c, b).reverse()) {
            if (seen.has(blockKey(child))) continue;
            seen.add(blockKey(child));
            lines.push({ Ref: child.toString(), Err: '' });
            stack.push(child);
          }
        }
        return ndjson(lines);
      }
      case '/api/v0/block/get': {
        const bytes = await load(cidArg());
        if (!bytes) return fail(`block was not found locally (offline): ipld: could not find ${args[0]}`);
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        return void res.end(bytes);
      }
      case '/api/v0/block/rm': {
        const cover = pinnedCover();
        const lines = args.map((a) => {
          const k = blockKey(CID.parse(a));
          if (cover.has(k)) return { Hash: a, Error: 'pinned: indirect' };
          blocks.delete(k);
          return { Hash: a };
        });
        return ndjson(lines);
      }
      case '/api/v0/dag/export': {
        res.writeHead(200, { 'content-type': 'application/vnd.ipld.car', 'x-stream-output': '1' });
        for await (const chunk of exportCarFrom(load, cidArg())) res.write(chunk);
        return void res.end();
      }
      case '/api/v0/dag/import': {
        const car = await multipartContent(req);
        // Kubo stores what it is given; only the adapter's own check decides what is acceptable.
        await verifyCar([car], async ({ cid, bytes }) => put(cid, bytes)).catch(() => undefined);
        return ndjson([]);
      }
      default:
        return fail(`double: unsupported ${url.pathname}`);
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ Message: err.message, Code: 0, Type: 'error' }));
      } else res.destroy(err);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (double as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return double;
}

/** The first file part of a multipart/form-data body (the double buffers: test payloads are small). */
async function multipartContent(req: IncomingMessage): Promise<Buffer> {
  const type = req.headers['content-type'] ?? '';
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(type);
  const parts: Buffer[] = [];
  for await (const chunk of req) parts.push(chunk as Buffer);
  const body = Buffer.concat(parts);
  if (!boundary) throw new Error('double: not multipart');
  const b = `--${boundary[1] ?? boundary[2]}`;
  const first = body.indexOf(b);
  const headersEnd = body.indexOf('\r\n\r\n', first);
  const end = body.indexOf(`\r\n${b}`, headersEnd + 4);
  return body.subarray(headersEnd + 4, end < 0 ? body.length : end);
}
