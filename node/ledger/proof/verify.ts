import { verify as verifySignature } from 'node:crypto';
import { canonicalBytes } from '../../core/canonical.js';
import { verifyInclusion } from '../../core/merkle.js';
import { verifyCertChain } from '../../identity/index.js';
import { BLOCK_FORMAT, computeTxId, sha256Hex, type BlockHeader, type TxEnvelope } from '../embedded/block.js';
import type { ProofBundle } from '../types.js';
import { verifyFabricProofBundle } from './fabric.js';
import type { EmbeddedProofBundle, ProofCheck, ProofVerification } from './types.js';
import { oneLine, parseCert, safe } from './helpers.js';

/**
 * Verifies an embedded-ledger proof bundle offline, with nothing but the consortium's CA certificates:
 *   1. the peer's and the creator's certificates chain to one of the CAs (at block and proposal time),
 *   2. the header names the peer's certificate and the peer's signature over the header verifies,
 *   3. the transaction envelope is included under the header's dataHash (RFC 9162 audit path),
 *   4. the txId is derived from the proposal's nonce and creator, and the creator's signature over the
 *      proposal verifies with the creator's certificate,
 *   5. the records in the bundle are exactly the writes of the transaction, and the transaction is VALID.
 * Never throws for a bad bundle: each check says what holds and why not.
 */
export function verifyProofBundle(bundle: ProofBundle, caCertsPem: readonly string[]): ProofVerification {
  // Fabric blocks carry their own evidence (orderer signature, endorsements): see ./fabric.ts
  if ((bundle as Partial<ProofBundle> | null)?.format === 'fabric-block-v1')
    return verifyFabricProofBundle(bundle, caCertsPem);
  const checks: ProofCheck[] = [];
  const check = (name: string, ok: boolean, detail?: string) => {
    checks.push(detail === undefined ? { name, ok } : { name, ok, detail });
    return ok;
  };
  const txId = typeof bundle?.txId === 'string' ? bundle.txId : '';
  const blockNumber = typeof bundle?.blockNumber === 'number' ? bundle.blockNumber : -1;
  const done = (extra: Partial<ProofVerification> = {}): ProofVerification => {
    const reasons = checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail ?? 'failed'}`);
    return { ok: reasons.length === 0 && checks.length > 0, txId, blockNumber, checks, reasons, ...extra };
  };

  const shape = shapeProblem(bundle);
  if (!check('format', shape === undefined, shape)) return done();
  const b = bundle as EmbeddedProofBundle;
  const header: BlockHeader = b.header;
  const envelope: TxEnvelope = b.envelope;
  const proposal = envelope.proposal;
  let extra: Partial<ProofVerification> = {
    validationCode: envelope.validationCode,
    committedAt: header.timestamp,
    fn: proposal.fn,
    records: b.records,
  };

  // 1. certificates
  const blockTime = new Date(header.timestamp);
  const peerChain = verifyCertChain(b.peer.certPem, caCertsPem, blockTime);
  check('peer certificate', peerChain.ok, peerChain.ok ? `issued by ${peerChain.issuer ?? '?'}` : peerChain.reason);
  const txTime = new Date(proposal.timestamp.seconds * 1000 + Math.floor(proposal.timestamp.nanos / 1e6));
  extra = { ...extra, submittedAt: txTime.toISOString() };
  const creatorChain = verifyCertChain(proposal.creator.certPem, caCertsPem, txTime);
  check(
    'creator certificate',
    creatorChain.ok,
    creatorChain.ok ? `issued by ${creatorChain.issuer ?? '?'}` : creatorChain.reason,
  );
  const peerCert = parseCert(b.peer.certPem);
  const creatorCert = parseCert(proposal.creator.certPem);
  if (peerCert) extra = { ...extra, peer: { mspId: b.peer.mspId, subject: oneLine(peerCert.subject) } };
  if (creatorCert)
    extra = { ...extra, creator: { mspId: proposal.creator.mspId, subject: oneLine(creatorCert.subject) } };

  // 2. block header and its signature
  check(
    'block header',
    header.number === b.blockNumber && header.channel === b.channel && proposal.channel === b.channel,
    header.number !== b.blockNumber
      ? `header is block ${header.number}, bundle says ${b.blockNumber}`
      : header.channel !== b.channel || proposal.channel !== b.channel
        ? 'channel differs between bundle, header and proposal'
        : undefined,
  );
  const signerMatches = header.signer.certSha256 === sha256Hex(b.peer.certPem) && header.signer.mspId === b.peer.mspId;
  check(
    'block signer',
    signerMatches,
    signerMatches ? undefined : 'the header names a different peer certificate or MSP',
  );
  const headerBytes = safe(() => canonicalBytes(header));
  const blockSigOk =
    peerCert !== undefined &&
    headerBytes !== undefined &&
    safe(() => verifySignature('sha256', headerBytes, peerCert.publicKey, Buffer.from(b.blockSignature, 'base64'))) ===
      true;
  check(
    'block signature',
    blockSigOk,
    blockSigOk ? undefined : "the peer's signature over the block header does not verify",
  );

  // 3. inclusion of the transaction under dataHash
  const leaf = safe(() => canonicalBytes(envelope));
  const included =
    leaf !== undefined &&
    b.inclusion.treeSize === header.txCount &&
    b.inclusion.index === b.txIndex &&
    verifyInclusion({ data: leaf }, b.inclusion.index, b.inclusion.treeSize, b.inclusion.path, header.dataHash);
  check(
    'inclusion',
    included,
    included
      ? `leaf ${b.inclusion.index} of ${b.inclusion.treeSize}`
      : 'the transaction is not included under the block header dataHash',
  );

  // 4. transaction id and creator signature
  const derived = safe(() => computeTxId(Buffer.from(proposal.nonce, 'base64'), proposal.creator));
  check(
    'transaction id',
    envelope.txId === txId && derived === txId,
    derived === txId ? undefined : 'txId is not SHA-256(nonce || creator)',
  );
  const proposalBytes = safe(() => canonicalBytes(proposal));
  const creatorSigOk =
    creatorCert !== undefined &&
    proposalBytes !== undefined &&
    safe(() =>
      verifySignature('sha256', proposalBytes, creatorCert.publicKey, Buffer.from(envelope.signature, 'base64')),
    ) === true;
  check(
    'creator signature',
    creatorSigOk,
    creatorSigOk ? undefined : "the creator's signature over the proposal does not verify",
  );

  // 5. records and validity
  const recordProblem = recordsProblem(b);
  check('records', recordProblem === undefined, recordProblem);
  check(
    'validation code',
    envelope.validationCode === 'VALID',
    envelope.validationCode === 'VALID' ? undefined : `the transaction was invalidated (${envelope.validationCode})`,
  );
  return done(extra);
}

function recordsProblem(b: EmbeddedProofBundle): string | undefined {
  const writes = b.envelope.rwset.writes;
  if (b.records.length !== writes.length)
    return `the bundle has ${b.records.length} records, the transaction wrote ${writes.length}`;
  for (let i = 0; i < writes.length; i++) {
    const w = writes[i] as TxEnvelope['rwset']['writes'][number];
    const r = b.records[i] as EmbeddedProofBundle['records'][number];
    if (r.key !== w.key || r.isDelete !== w.isDelete)
      return `record ${i} names a different key or operation than the transaction's write`;
    if (!w.isDelete && !Buffer.from(r.value ?? '', 'utf8').equals(Buffer.from(w.value ?? '', 'base64'))) {
      return `record ${i} (${printable(r.key)}) differs from the value the transaction wrote`;
    }
  }
  return undefined;
}

function shapeProblem(bundle: unknown): string | undefined {
  const b = bundle as Partial<EmbeddedProofBundle> | null;
  if (!b || typeof b !== 'object') return 'not an object';
  if (b.format !== BLOCK_FORMAT) return `format ${JSON.stringify(b.format)} is not ${BLOCK_FORMAT}`;
  const missing = [
    'channel',
    'txId',
    'blockNumber',
    'txIndex',
    'header',
    'blockSignature',
    'peer',
    'envelope',
    'inclusion',
    'records',
  ].filter((k) => (b as Record<string, unknown>)[k] === undefined);
  if (missing.length > 0) return `missing ${missing.join(', ')}`;
  const e = b.envelope as Partial<TxEnvelope>;
  if (!e.proposal?.creator || !e.proposal.timestamp || !e.rwset?.writes || typeof e.signature !== 'string')
    return 'envelope is incomplete';
  if (!b.header?.signer || !b.peer?.certPem || !Array.isArray(b.inclusion?.path) || !Array.isArray(b.records))
    return 'header, peer or inclusion is incomplete';
  return undefined;
}

function printable(key: string): string {
  return JSON.stringify(key).slice(1, -1);
}
