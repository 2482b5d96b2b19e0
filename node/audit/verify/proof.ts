import { canonicalize } from '../../core/canonical.js';
import { checkRecordProof, type RecordProof } from '../../ingest/index.js';
import { verifyProofBundle, type ProofBundle, type ProofRecord } from '../../ledger/index.js';
import { Checks, type VerifyReport } from './report.js';

/**
 * Verifies, offline and with only the consortium's CA certificates, either a ledger proof bundle (`shulian
 * ledger proof`, the `proof` of a manifest or an audit answer) or an indexing record's proof (`shulian
 * proof RECORD_ID`): its Merkle audit path to the batch root, and that the batch record with that root is
 * one of the records the proven transaction wrote.
 */
export function verifyProofDocument(doc: unknown, caCertsPem: readonly string[]): VerifyReport {
  const checks = new Checks();
  const format = (doc as { format?: unknown } | null)?.format;
  if (format === 'shulian-record-proof-v1') {
    const proof = doc as RecordProof;
    const merkle = checkRecordProof(proof);
    checks.add(
      'record inclusion (RFC 9162 audit path to the batch root)',
      merkle.ok,
      merkle.ok
        ? `${proof.recordId} is leaf ${proof.leafIndex} of ${proof.treeSize}, root ${proof.root}`
        : merkle.reasons.join('; '),
    );
    if (!proof.ledger) {
      checks.add(
        'ledger proof of the batch transaction',
        false,
        'the proof carries no ledger proof bundle (written with --no-ledger?)',
      );
      return checks.report('record-proof', String(proof.recordId));
    }
    const ledger = verifyProofBundle(proof.ledger, caCertsPem);
    checks.addAll('ledger: ', ledger.checks);
    const written = onChainRecord(
      ledger.ok ? (ledger.records ?? []) : [],
      (r) => r.docType === 'batch' && r.batchId === proof.batch?.batchId,
    );
    checks.add(
      'batch record on chain',
      written !== undefined && canonicalize(written) === canonicalize(proof.batch),
      written === undefined
        ? `the proven transaction wrote no batch ${String(proof.batch?.batchId)}`
        : canonicalize(written) === canonicalize(proof.batch)
          ? `batch ${proof.batch.batchId} with root ${proof.batch.root} written in transaction ${ledger.txId}`
          : 'the batch in the proof differs from the one the transaction wrote',
    );
    return checks.report('record-proof', String(proof.recordId));
  }
  const result = verifyProofBundle(doc as ProofBundle, caCertsPem);
  checks.addAll('', result.checks);
  if (result.ok && result.creator)
    checks.add(
      'submitted',
      true,
      `by ${result.creator.subject} (${result.creator.mspId}) at ${result.submittedAt ?? '?'}: ${result.fn ?? '?'}`,
    );
  return checks.report('proof-bundle', `transaction ${result.txId || '?'} in block ${result.blockNumber}`);
}

/** The first record the transaction wrote that parses as JSON and matches. */
export function onChainRecord(
  records: readonly ProofRecord[],
  match: (r: Record<string, unknown>) => boolean,
): Record<string, unknown> | undefined {
  for (const r of records) {
    if (r.isDelete || r.value === undefined) continue;
    try {
      const parsed = JSON.parse(r.value) as unknown;
      if (parsed && typeof parsed === 'object' && match(parsed as Record<string, unknown>))
        return parsed as Record<string, unknown>;
    } catch {
      // not JSON: not a Shulian record
    }
  }
  return undefined;
}
