import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { extract } from 'tar-stream';
import { canonicalize } from '../../core/canonical.js';
import { MultiHasher, sha256Hex, sm3Hex } from '../../core/digest.js';
import { NotFoundError, ValidationError } from '../../core/errors.js';
import { computeCid, isCidProfileName } from '../../content/index.js';
import { verifyProofBundle, type ProofBundle } from '../../ledger/index.js';
import { onChainRecord } from './proof.js';
import { Checks, type VerifyReport } from './report.js';

/** Tag files are small; anything bigger is not a tag file this verifier will hold in memory. */
const MAX_TAG_FILE = 64 * 1024 * 1024;

interface PayloadDigests {
  readonly sha256: string;
  readonly sm3: string;
  readonly size: number;
  /** CID under the bag's declared profile (bag-info Shulian-CID-Profile), when it was known in time. */
  readonly cid?: string;
}

interface BagContent {
  /** Tag files (everything outside data/), by path relative to the bag root. */
  readonly tags: Map<string, Buffer>;
  /** Payload files by path relative to the bag root (`data/…`), hashed as they streamed by. */
  readonly payload: Map<string, PayloadDigests>;
}

/**
 * Verifies a BagIt bag (RFC 8493; a directory or a tar of one bag, as `GET …/bag` writes) offline against
 * the chain records inside it: bagit.txt, Payload-Oxum, the SHA-256 and SM3 payload and tag manifests, the
 * proof bundle (shulian/proof.json) with the consortium CA certificates, that shulian/version.json is the
 * version record the proven transaction wrote, and that the payload's digests, size and CID are that
 * record's. Payload files are streamed, never held in memory.
 */
export async function verifyBag(path: string, caCertsPem: readonly string[]): Promise<VerifyReport> {
  const info = await lstat(path).catch((cause: unknown) => {
    throw new NotFoundError(`cannot read the bag ${path} (${(cause as NodeJS.ErrnoException).code ?? 'error'})`, {
      cause,
    });
  });
  const bag = info.isDirectory() ? await readBagDir(path) : await readBagTar(path);
  return checkBag(bag, caCertsPem, path);
}

function checkBag(bag: BagContent, caCertsPem: readonly string[], subject: string): VerifyReport {
  const checks = new Checks();
  const text = (p: string) => bag.tags.get(p)?.toString('utf8');

  const declaration = text('bagit.txt');
  checks.add(
    'bagit.txt',
    declaration !== undefined &&
      /^BagIt-Version: \d+\.\d+\r?\nTag-File-Character-Encoding: UTF-8\r?\n?$/.test(declaration),
    declaration === undefined ? 'missing' : undefined,
  );
  const bagInfo = parseBagInfo(text('bag-info.txt') ?? '');
  const oxum = bagInfo.get('Payload-Oxum');
  const bytes = [...bag.payload.values()].reduce((n, d) => n + d.size, 0);
  checks.add(
    'Payload-Oxum',
    oxum === `${bytes}.${bag.payload.size}`,
    oxum === undefined
      ? 'bag-info.txt has no Payload-Oxum'
      : `declared ${oxum}, payload is ${bytes}.${bag.payload.size}`,
  );

  for (const alg of ['sha256', 'sm3'] as const) {
    const name = `manifest-${alg}.txt`;
    const manifest = parseManifest(text(name));
    if (!manifest.ok) {
      checks.add(name, false, manifest.problem);
    } else {
      const problems: string[] = [];
      for (const [p, digest] of manifest.entries) {
        const d = bag.payload.get(p);
        if (!d) problems.push(`${p} is listed but not in the bag`);
        else if (d[alg] !== digest) problems.push(`${p} does not match (manifest ${digest}, file ${d[alg]})`);
      }
      for (const p of bag.payload.keys()) if (!manifest.entries.has(p)) problems.push(`${p} is not listed`);
      checks.add(
        name,
        problems.length === 0,
        problems.length === 0 ? `${manifest.entries.size} payload file(s) match` : problems.join('; '),
      );
    }
    const tagName = `tagmanifest-${alg}.txt`;
    const tagManifest = parseManifest(text(tagName));
    if (!tagManifest.ok) {
      checks.add(tagName, false, tagManifest.problem);
    } else {
      const problems: string[] = [];
      const hash = alg === 'sha256' ? sha256Hex : sm3Hex;
      for (const [p, digest] of tagManifest.entries) {
        const f = bag.tags.get(p);
        if (!f) problems.push(`${p} is listed but not in the bag`);
        else if (hash(f) !== digest) problems.push(`${p} does not match`);
      }
      for (const p of bag.tags.keys())
        if (!p.startsWith('tagmanifest-') && !tagManifest.entries.has(p)) problems.push(`${p} is not listed`);
      checks.add(
        tagName,
        problems.length === 0,
        problems.length === 0 ? `${tagManifest.entries.size} tag file(s) match` : problems.join('; '),
      );
    }
  }

  // the chain records inside the bag
  const proofText = text('shulian/proof.json');
  const versionText = text('shulian/version.json');
  if (proofText === undefined || versionText === undefined) {
    checks.add(
      'chain records',
      false,
      'the bag has no shulian/proof.json and shulian/version.json to check its payload against',
    );
    return checks.report('bag', subject);
  }
  let bundle: unknown;
  let version: Record<string, unknown> | undefined;
  try {
    bundle = JSON.parse(proofText);
    version = JSON.parse(versionText) as Record<string, unknown>;
  } catch {
    checks.add('chain records', false, 'shulian/proof.json or shulian/version.json is not JSON');
    return checks.report('bag', subject);
  }
  const proof = verifyProofBundle(bundle as ProofBundle, caCertsPem);
  checks.addAll('proof: ', proof.checks);
  const written = onChainRecord(
    proof.ok ? (proof.records ?? []) : [],
    (r) => r.docType === 'version' && r.resourceId === version?.resourceId && r.version === version?.version,
  );
  const same = written !== undefined && canonicalize(written) === canonicalize(version);
  checks.add(
    'version record on chain',
    same,
    written === undefined
      ? `the proven transaction wrote no version ${String(version.resourceId)} v${String(version.version)}`
      : same
        ? `${String(version.resourceId)} v${String(version.version)} written in transaction ${proof.txId}, block ${proof.blockNumber}`
        : 'shulian/version.json differs from the record the transaction wrote',
  );
  const tx = bagInfo.get('Shulian-Transaction');
  if (tx !== undefined)
    checks.add(
      'bag-info Shulian-Transaction',
      tx === proof.txId,
      tx === proof.txId ? undefined : `${tx} is not the proven ${proof.txId}`,
    );

  // the payload is the registered version's bytes
  const rec = (same ? written : version) as { sha256?: string; sm3?: string; size?: number; cid?: string };
  const files = [...bag.payload.entries()];
  if (files.length !== 1) {
    checks.add('payload', false, `a Shulian bag holds one payload file, this one ${files.length}`);
    return checks.report('bag', subject);
  }
  const [file, d] = files[0]!;
  checks.add(
    'payload SHA-256 = chain record',
    d.sha256 === rec.sha256,
    `${file}: ${d.sha256}${d.sha256 === rec.sha256 ? '' : `, chain ${String(rec.sha256)}`}`,
  );
  checks.add(
    'payload SM3 = chain record',
    d.sm3 === rec.sm3,
    `${file}: ${d.sm3}${d.sm3 === rec.sm3 ? '' : `, chain ${String(rec.sm3)}`}`,
  );
  checks.add(
    'payload size = chain record',
    d.size === rec.size,
    `${d.size} bytes${d.size === rec.size ? '' : `, chain ${String(rec.size)}`}`,
  );
  if (d.cid !== undefined)
    checks.add(
      'payload CID = chain record',
      d.cid === rec.cid,
      `${d.cid}${d.cid === rec.cid ? '' : `, chain ${String(rec.cid)}`}`,
    );
  return checks.report('bag', subject);
}

function parseBagInfo(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let last: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (/^\s/.test(line) && last !== undefined) {
      out.set(last, `${out.get(last) ?? ''}\n${line.trim()}`);
      continue;
    }
    const m = /^([^:\s][^:]*):\s?(.*)$/.exec(line);
    if (m) out.set((last = m[1]!.trim()), m[2]!);
  }
  return out;
}

type Manifest = { ok: true; entries: Map<string, string> } | { ok: false; problem: string };

function parseManifest(text: string | undefined): Manifest {
  if (text === undefined) return { ok: false, problem: 'missing' };
  const entries = new Map<string, string>();
  for (const [i, line] of text.split(/\r?\n/).entries()) {
    if (line === '') continue;
    const m = /^([0-9a-fA-F]+)\s+(.+)$/.exec(line);
    if (!m) return { ok: false, problem: `line ${i + 1} is not "digest path"` };
    // RFC 8493 2.1.3: CR, LF and % in paths are percent-encoded
    entries.set(m[2]!.replace(/%0A/gi, '\n').replace(/%0D/gi, '\r').replace(/%25/g, '%'), m[1]!.toLowerCase());
  }
  return { ok: true, entries };
}

async function digestsOf(source: AsyncIterable<Uint8Array>, profile: string | undefined): Promise<PayloadDigests> {
  if (profile !== undefined && isCidProfileName(profile)) {
    const r = await computeCid(source, profile);
    return { sha256: r.sha256, sm3: r.sm3, size: r.size, cid: r.cid };
  }
  const hasher = new MultiHasher(['sha256', 'sm3']);
  for await (const chunk of source) hasher.update(chunk);
  const d = hasher.digest();
  return { sha256: d.sha256, sm3: d.sm3, size: d.size };
}

async function readBagDir(root: string): Promise<BagContent> {
  const tags = new Map<string, Buffer>();
  const payload = new Map<string, PayloadDigests>();
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) files.push(relative(root, full).split(sep).join('/'));
    }
  };
  await walk(root);
  for (const p of files.filter((f) => !f.startsWith('data/'))) {
    const st = await lstat(join(root, p));
    if (st.size > MAX_TAG_FILE)
      throw new ValidationError(`${p}: a tag file larger than ${MAX_TAG_FILE} bytes`, { file: p });
    tags.set(p, await readFile(join(root, p)));
  }
  const profile = parseBagInfo(tags.get('bag-info.txt')?.toString('utf8') ?? '').get('Shulian-CID-Profile');
  for (const p of files.filter((f) => f.startsWith('data/')))
    payload.set(p, await digestsOf(createReadStream(join(root, p)), profile));
  return { tags, payload };
}

async function readBagTar(file: string): Promise<BagContent> {
  const tags = new Map<string, Buffer>();
  const payload = new Map<string, PayloadDigests>();
  const ex = extract();
  let base: string | undefined;
  let profile: string | undefined;
  const input = createReadStream(file);
  input.on('error', (err) => ex.destroy(err));
  input.pipe(ex);
  try {
    for await (const entry of ex) {
      const name = entry.header.name.replace(/^\.\//, '');
      if (entry.header.type !== 'file') {
        entry.resume();
        continue;
      }
      const slash = name.indexOf('/');
      const top = slash < 0 ? '' : name.slice(0, slash);
      if (base === undefined) base = top;
      if (slash < 0 || top !== base)
        throw new ValidationError(`${file}: expected one bag directory in the tar, found ${name} outside ${base}/`, {
          file,
        });
      const p = name.slice(slash + 1);
      if (p.startsWith('data/')) {
        payload.set(p, await digestsOf(entry as AsyncIterable<Uint8Array>, profile));
      } else {
        const parts: Buffer[] = [];
        let size = 0;
        for await (const chunk of entry) {
          size += (chunk as Buffer).length;
          if (size > MAX_TAG_FILE)
            throw new ValidationError(`${p}: a tag file larger than ${MAX_TAG_FILE} bytes`, { file: p });
          parts.push(chunk as Buffer);
        }
        tags.set(p, Buffer.concat(parts));
        if (p === 'bag-info.txt') profile = parseBagInfo(tags.get(p)!.toString('utf8')).get('Shulian-CID-Profile');
      }
    }
  } catch (err) {
    if (err instanceof ValidationError) throw err;
    throw new ValidationError(`${file} is not a readable tar of a bag: ${(err as Error).message}`, {
      file,
      cause: err,
    });
  } finally {
    input.destroy();
  }
  return { tags, payload };
}
