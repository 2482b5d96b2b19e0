import { createReadStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isShulianError } from '../core/errors.js';
import { assertExpected, type Mismatch } from '../content/expect.js';
import type { ContentStore } from '../content/types.js';
import { PullFailure } from './errors.js';
import { download, Withdrawn } from './download.js';
import { describeProblem, type GatewayClient } from './http.js';
import { PullJournal } from './journal.js';
import { quarantine, safe } from './quarantine.js';
import type { ReceiptSink } from './receipts.js';
import { rateLimiter } from './rate.js';
import type {
  ChainVerifier,
  FailedItem,
  PullEvent,
  PulledItem,
  PullReport,
  SkippedItem,
  VerifiedVersion,
  VersionManifest,
} from './types.js';

export interface PullOptions {
  /** The gateway's base URL (https://host:port). */
  readonly from: string;
  /** The warehouse's home: journal, partial files and quarantine live under it. */
  readonly home: string;
  readonly client: GatewayClient;
  readonly verifier: ChainVerifier;
  /** The warehouse's own content store: only verified bytes are put in it. */
  readonly content: ContentStore;
  readonly receipts: ReceiptSink;
  /** Versions downloaded at once (default 4). */
  readonly parallel?: number;
  /** Cap on the bytes per second received, over all downloads (default: none). */
  readonly maxBytesPerSecond?: number;
  /** Changes per feed page (default 100). */
  readonly pageSize?: number;
  readonly onEvent?: (event: PullEvent) => void;
  readonly signal?: AbortSignal;
}

/** Files of the pull under the warehouse's home. */
export function pullPaths(home: string) {
  return {
    journal: join(home, 'pull', 'journal.json'),
    partial: join(home, 'pull', 'partial'),
    quarantine: join(home, 'quarantine'),
  };
}

interface ChangeEntry {
  readonly resourceId: string;
  readonly kind: 'version' | 'withdrawal';
  readonly version: number;
  readonly href: string;
}

/**
 * Harvests the gateway's changes feed from the checkpoint in the home and, for each new version: fetches
 * the manifest, has the chain verifier establish what the chain records (proof bundle against the pinned
 * CAs in embedded mode), downloads the bytes (bounded parallelism, resumable partial files), recomputes
 * CID (for the recorded profile), SHA-256 and SM3 and compares them with the chain's, and only then puts
 * the bytes in the warehouse's store and records a receipt. Bytes that fail go to the quarantine with a
 * reason file. Versions that could not be pulled stay pending and are retried by the next run.
 */
export async function pull(options: Readonly<PullOptions>): Promise<PullReport> {
  const paths = pullPaths(options.home);
  await mkdir(paths.partial, { recursive: true });
  const journal = await PullJournal.open(paths.journal);
  const source = journal.source(options.from);
  const pulled: PulledItem[] = [];
  const skipped: SkippedItem[] = [];
  const failed: FailedItem[] = [];
  let bytes = 0;
  let changes = 0;
  const emit = (e: PullEvent) => options.onEvent?.(e);
  const client = options.client;
  const rate = rateLimiter(options.maxBytesPerSecond);

  const settle = async (key: string, outcome: { pending?: string }) => {
    if (outcome.pending === undefined) delete source.pending[key];
    else
      source.pending[key] = {
        resourceId: key.slice(0, key.lastIndexOf('@')),
        version: Number(key.slice(key.lastIndexOf('@') + 1)),
        reason: outcome.pending,
      };
    await journal.save();
  };

  const one = async (resourceId: string, version: number): Promise<void> => {
    const key = `${resourceId}@${version}`;
    const ids = { resourceId, version };
    const partPath = join(paths.partial, `${safe(resourceId)}@${version}.part`);
    const skip = async (reason: SkippedItem['reason'], detail: string, pending?: string) => {
      skipped.push({ resourceId, version, reason, detail });
      emit({ type: 'item', outcome: 'skipped', resourceId, version, detail: `${reason}: ${detail}` });
      await settle(key, pending === undefined ? {} : { pending });
    };
    let verified: VerifiedVersion | undefined;
    try {
      const done = journal.received(key);
      if (done && (await options.content.has(done.cid)))
        return await skip('already-received', `receipt ${done.receiptTxId}`);
      const manifestPath = `/v1/resources/${encodeURIComponent(resourceId)}/versions/${version}`;
      const m = await client.json<VersionManifest & { integrityAlert?: { detail: string } }>('GET', manifestPath);
      if (m.status === 403) throw new PullFailure('refused', `manifest: ${describeProblem(m.status, m.problem)}`, ids);
      if (!m.body) throw new PullFailure('transport', `manifest: ${describeProblem(m.status, m.problem)}`, ids);
      const manifest = m.body;
      if (manifest.status === 'withdrawn') {
        await rm(partPath, { force: true });
        return await skip('withdrawn', 'the resource was withdrawn; its content is gone (410)');
      }
      verified = await options.verifier.verifyVersion(manifest);
      const access = manifest.access?.reproduce;
      if (!access?.authorized) {
        return await skip(
          'not-authorized',
          access?.reason ?? 'no rights grant in force for this org',
          `not authorised: ${access?.reason ?? ''}`,
        );
      }
      let resumedFrom = 0;
      let received = 0;
      if (!(await options.content.has(verified.cid))) {
        try {
          ({ resumedFrom, received } = await download(client, {
            href: manifest.links.content,
            partPath,
            size: verified.size,
            cid: verified.cid,
            ids,
            onBytes: (n) => {
              bytes += n;
              emit({ type: 'bytes', bytes: n });
            },
            rate,
            ...(options.signal ? { signal: options.signal } : {}),
          }));
        } catch (err) {
          if (err instanceof Withdrawn) {
            await rm(partPath, { force: true });
            return await skip('withdrawn', err.message);
          }
          // a cut stream after which the gateway flags the version: its stored bytes failed verification
          if (err instanceof PullFailure && err.kind === 'transport' && err.details?.cut === true) {
            const again = await client
              .json<{ integrityAlert?: { detail: string } }>('GET', manifestPath)
              .catch(() => undefined);
            const alert = again?.body?.integrityAlert;
            if (alert)
              throw new PullFailure(
                'verification',
                `the province's stored bytes fail verification (gateway: ${alert.detail}); ${err.message}`,
                ids,
              );
          }
          throw err;
        }
        // One pass: the store computes CID, SHA-256 and SM3 as it stores, and keeps nothing unless all four
        // are the chain's (checking first with computeCid and then putting hashed every byte twice).
        const expected = { cid: verified.cid, sha256: verified.sha256, sm3: verified.sm3, size: verified.size };
        await options.content
          .put(createReadStream(partPath, { highWaterMark: 1 << 20 }), {
            profile: verified.cidProfile,
            expect: expected,
          })
          // The port promises this check; a store that ignored `expect` still could not pass wrong bytes on.
          .then((put) => assertExpected(put, expected))
          .catch((err: unknown) => {
            const mismatches = mismatchesOf(err);
            if (!mismatches) throw err;
            throw new PullFailure('verification', `the received bytes do not match the chain: ${mismatches}`, ids);
          });
        await rm(partPath, { force: true });
      }
      const receiptTxId = await options.receipts.record(verified);
      await journal.markReceived(key, { cid: verified.cid, receiptTxId, at: new Date().toISOString() });
      pulled.push({
        resourceId,
        version,
        cid: verified.cid,
        size: verified.size,
        bytesDownloaded: received,
        resumedFrom,
        receiptTxId,
      });
      emit({
        type: 'item',
        outcome: 'pulled',
        resourceId,
        version,
        detail: `${verified.cid} (${verified.size} bytes), receipt ${receiptTxId}`,
      });
      await settle(key, {});
    } catch (err) {
      const failure =
        err instanceof PullFailure
          ? err
          : new PullFailure('transport', err instanceof Error ? err.message : String(err), { ...ids, cause: err });
      let quarantined: string | undefined;
      if (failure.kind === 'verification') {
        quarantined = await quarantine(paths.quarantine, partPath, {
          resourceId,
          version,
          reason: failure.message,
          expected: verified ?? null,
          source: options.from,
        });
      }
      failed.push({
        resourceId,
        version,
        kind: failure.kind,
        reason: failure.message,
        ...(quarantined ? { quarantined } : {}),
      });
      emit({ type: 'item', outcome: 'failed', resourceId, version, detail: `${failure.kind}: ${failure.message}` });
      await settle(key, { pending: `${failure.kind}: ${failure.message}` });
    }
  };

  const limit = Math.max(1, options.parallel ?? 4);
  const runAll = async (items: readonly { resourceId: string; version: number }[]) => {
    let next = 0;
    const worker = async () => {
      while (next < items.length && !options.signal?.aborted) {
        const item = items[next++]!;
        await one(item.resourceId, item.version);
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  };

  // versions left over from earlier runs first
  await runAll(Object.values(source.pending));

  const pageSize = options.pageSize ?? 100;
  for (;;) {
    if (options.signal?.aborted) break;
    const q = `/v1/changes?limit=${pageSize}${source.cursor ? `&cursor=${encodeURIComponent(source.cursor)}` : ''}`;
    const page = await client.json<{ changes: ChangeEntry[]; next: string; caughtUp: boolean }>('GET', q);
    if (!page.body) throw new PullFailure('transport', `changes feed: ${describeProblem(page.status, page.problem)}`);
    const entries = page.body.changes;
    changes += entries.length;
    const versions = entries.filter((c) => c.kind === 'version' && !source.pending[`${c.resourceId}@${c.version}`]);
    for (const w of entries.filter((c) => c.kind === 'withdrawal'))
      skipped.push({
        resourceId: w.resourceId,
        version: w.version,
        reason: 'withdrawn',
        detail: 'withdrawal on chain',
      });
    emit({ type: 'page', versions: versions.length, bytes: 0 });
    await runAll(versions);
    if (options.signal?.aborted) break;
    source.cursor = page.body.next;
    await journal.save();
    if (page.body.caughtUp || entries.length === 0) break;
  }
  return { from: options.from, pulled, skipped, failed, bytes, changes, cursor: source.cursor };
}

/** The fields a put with expected digests found different, as `field got ≠ expected, ...`; else undefined. */
function mismatchesOf(err: unknown): string | undefined {
  if (!isShulianError(err) || err.code !== 'INTEGRITY') return undefined;
  const mismatches = err.details?.mismatches as readonly Mismatch[] | undefined;
  if (!Array.isArray(mismatches) || mismatches.length === 0) return undefined;
  return mismatches.map((m) => `${m.field} ${String(m.got)} ≠ ${String(m.expected)}`).join(', ');
}
