import type { Ledger } from '../ledger/types.js';
import { isCidProfileName } from '../content/profiles.js';
import { PullFailure } from './errors.js';
import type { ChainVerifier, VerifiedVersion, VersionManifest } from './types.js';

/**
 * Consortium mode's ChainVerifier: the warehouse asks the chain itself, through its own peer (its own
 * ledger connection), for the version record, and ignores the gateway's proof bundle. The manifest's
 * copy of the record must agree with the peer's.
 */
export function peerVerifier(ledger: Pick<Ledger, 'evaluate'>, channel: string): ChainVerifier {
  return {
    async verifyVersion(manifest: Readonly<VersionManifest>): Promise<VerifiedVersion> {
      const ids = { resourceId: manifest.resourceId, version: manifest.version };
      const fail = (why: string): never => {
        throw new PullFailure('verification', `${manifest.resourceId}@${manifest.version}: ${why}`, ids);
      };
      let r: Record<string, unknown>;
      try {
        const bytes = await ledger.evaluate({
          fn: 'GetVersion',
          args: [manifest.resourceId, String(manifest.version)],
        });
        r = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (code === 'NOT_FOUND') return fail('the peer has no such version on the channel');
        throw new PullFailure(
          'transport',
          `asking the peer for ${manifest.resourceId}@${manifest.version}: ${(err as Error).message}`,
          { ...ids, cause: err },
        );
      }
      for (const field of ['cid', 'cidProfile', 'sha256', 'sm3', 'size'] as const) {
        if (manifest.record?.[field] !== r[field])
          fail(`the manifest says ${field} ${String(manifest.record?.[field])}, the peer says ${String(r[field])}`);
      }
      if (r.txId !== manifest.placement?.txId)
        fail(`the peer records transaction ${String(r.txId)}, the manifest names ${String(manifest.placement?.txId)}`);
      const profile = r.cidProfile;
      if (typeof profile !== 'string' || !isCidProfileName(profile))
        return fail(`unknown CID profile ${String(profile)}`);
      return {
        resourceId: manifest.resourceId,
        version: manifest.version,
        cid: String(r.cid),
        cidProfile: profile,
        sha256: String(r.sha256),
        sm3: String(r.sm3),
        size: Number(r.size),
        txId: String(r.txId),
        blockNumber: manifest.placement.blockNumber,
        channel,
      };
    },
  };
}
