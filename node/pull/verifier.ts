import { isCidProfileName } from '../content/index.js';
import { verifyProofBundle } from '../ledger/proof/index.js';
import { PullFailure } from './errors.js';
import type { ChainVerifier, VerifiedVersion, VersionManifest } from './types.js';

/**
 * Embedded mode's ChainVerifier: the manifest's proof bundle is checked offline against the pinned
 * consortium CA certificates (peer and creator certificates, block signature, inclusion under the block's
 * data hash, creator signature, VALID), and the version record is read from the transaction's own writes.
 * The manifest's convenience copy of the record must agree with it, or the manifest is lying.
 */
export function proofBundleVerifier(caCertsPem: readonly string[]): ChainVerifier {
  if (caCertsPem.length === 0) throw new RangeError('proofBundleVerifier needs at least one pinned CA certificate');
  return {
    async verifyVersion(manifest: Readonly<VersionManifest>): Promise<VerifiedVersion> {
      const ids = { resourceId: manifest.resourceId, version: manifest.version };
      const fail = (why: string): never => {
        throw new PullFailure('verification', `${manifest.resourceId}@${manifest.version}: ${why}`, ids);
      };
      const proof = manifest.proof;
      if (!proof || typeof proof !== 'object') fail('the manifest carries no proof bundle');
      const result = verifyProofBundle(proof, caCertsPem);
      if (!result.ok)
        fail(`the proof bundle does not verify against the pinned consortium CAs: ${result.reasons.join('; ')}`);
      if (result.txId !== manifest.placement?.txId)
        fail(`the proof is for transaction ${result.txId}, the manifest names ${String(manifest.placement?.txId)}`);
      let record: Record<string, unknown> | undefined;
      for (const r of result.records ?? []) {
        if (r.isDelete || r.value === undefined) continue;
        let value: unknown;
        try {
          value = JSON.parse(r.value);
        } catch {
          continue;
        }
        const v = value as Record<string, unknown>;
        if (v?.docType === 'version' && v.resourceId === manifest.resourceId && v.version === manifest.version)
          record = v;
      }
      if (!record) fail('the proven transaction did not write this version record');
      const r = record as Record<string, unknown>;
      for (const field of ['cid', 'cidProfile', 'sha256', 'sm3', 'size'] as const) {
        if (manifest.record?.[field] !== r[field])
          fail(`the manifest says ${field} ${String(manifest.record?.[field])}, the chain says ${String(r[field])}`);
      }
      const profile = r.cidProfile;
      if (typeof profile !== 'string' || !isCidProfileName(profile))
        return fail(`unknown CID profile ${String(profile)}`);
      if (
        typeof r.cid !== 'string' ||
        typeof r.sha256 !== 'string' ||
        typeof r.sm3 !== 'string' ||
        !Number.isSafeInteger(r.size)
      )
        fail('the chain record is malformed');
      return {
        resourceId: manifest.resourceId,
        version: manifest.version,
        cid: r.cid as string,
        cidProfile: profile,
        sha256: r.sha256 as string,
        sm3: r.sm3 as string,
        size: r.size as number,
        txId: result.txId,
        blockNumber: result.blockNumber,
        channel: proof.channel,
      };
    },
  };
}
