import { createHash } from 'node:crypto';
import { extract } from 'tar-stream';
import { Readable } from 'node:stream';

/** A BagIt (RFC 8493) checker for tests: unpacks a tar of one bag and recomputes every manifest. */
export interface CheckedBag {
  readonly baseName: string;
  readonly files: ReadonlyMap<string, Buffer>;
  readonly info: ReadonlyMap<string, string>;
}

export async function readTar(bytes: Uint8Array): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const ex = extract();
  const done = (async () => {
    for await (const entry of ex) {
      const parts: Buffer[] = [];
      for await (const chunk of entry) parts.push(chunk as Buffer);
      files.set(entry.header.name, Buffer.concat(parts));
    }
  })();
  Readable.from([Buffer.from(bytes)]).pipe(ex);
  await done;
  return files;
}

export async function checkBag(bytes: Uint8Array): Promise<CheckedBag> {
  const all = await readTar(bytes);
  const bases = new Set([...all.keys()].map((k) => k.split('/')[0]!));
  if (bases.size !== 1) throw new Error(`expected one bag directory, got ${[...bases].join(', ')}`);
  const baseName = [...bases][0]!;
  const files = new Map([...all].map(([k, v]) => [k.slice(baseName.length + 1), v]));
  const text = (p: string): string => {
    const f = files.get(p);
    if (!f) throw new Error(`missing ${p}`);
    return f.toString('utf8');
  };
  if (text('bagit.txt') !== 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n')
    throw new Error('bad bagit.txt');
  const info = new Map<string, string>();
  for (const line of text('bag-info.txt').split('\n')) {
    const m = /^([^:\s][^:]*): (.*)$/.exec(line);
    if (m) info.set(m[1]!, m[2]!);
  }
  const payload = [...files.keys()].filter((k) => k.startsWith('data/'));
  const oxumBytes = payload.reduce((n, k) => n + files.get(k)!.length, 0);
  if (info.get('Payload-Oxum') !== `${oxumBytes}.${payload.length}`)
    throw new Error(`Payload-Oxum ${info.get('Payload-Oxum')} != ${oxumBytes}.${payload.length}`);
  for (const alg of ['sha256', 'sm3'] as const) {
    const listed = parseManifest(text(`manifest-${alg}.txt`));
    if (listed.size !== payload.length)
      throw new Error(`manifest-${alg} lists ${listed.size} files, payload has ${payload.length}`);
    for (const [path, digest] of listed) {
      const f = files.get(path);
      if (!f) throw new Error(`manifest-${alg} names missing ${path}`);
      if (createHash(alg).update(f).digest('hex') !== digest)
        throw new Error(`manifest-${alg}: ${path} does not match`);
    }
    const tags = parseManifest(text(`tagmanifest-${alg}.txt`));
    const tagFiles = [...files.keys()].filter((k) => !k.startsWith('data/') && !k.startsWith('tagmanifest-'));
    for (const t of tagFiles) if (!tags.has(t)) throw new Error(`tagmanifest-${alg} misses ${t}`);
    for (const [path, digest] of tags) {
      if (
        createHash(alg)
          .update(files.get(path) ?? Buffer.alloc(0))
          .digest('hex') !== digest
      )
        throw new Error(`tagmanifest-${alg}: ${path} does not match`);
    }
  }
  return { baseName, files, info };
}

function parseManifest(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const m = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
    if (!m) throw new Error(`bad manifest line ${JSON.stringify(line)}`);
    out.set(m[2]!, m[1]!);
  }
  return out;
}
