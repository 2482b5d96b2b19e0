import { verify as verifySignature } from 'node:crypto';
import { verifyCertChain } from '../../identity/index.js';
import {
  blockDataHash,
  blockSignatures,
  computeFabricTxId,
  decodeBlockBytes,
  decodeTx,
  ENDORSER_TRANSACTION,
  type DecodedBlock,
  type DecodedTx,
} from '../fabric/block.js';
import { validationCodeName } from '../fabric/errors.js';
import type { FabricProofBundle } from '../fabric/proof.js';
import type { ProofBundle } from '../types.js';
import type { ProofCheck, ProofRecord, ProofVerification } from './types.js';
import { oneLine, parseCert, safe } from './helpers.js';

/**
 * Verifies a `fabric-block-v1` bundle offline with nothing but the channel orgs' CA certificates
 * (the orderer org's included):
 *   1. the block's dataHash is SHA-256 over its envelopes, and the header is signed by an orderer whose
 *      certificate chains to one of the CAs (the block metadata SIGNATURES);
 *   2. the transaction at `txIndex` has the bundle's txId, channel and type, its txId is
 *      SHA-256(nonce || creator), and the creator's signature over the payload verifies with a
 *      certificate that chains to one of the CAs;
 *   3. every endorsement's signature over (proposal response payload || endorser) verifies and every
 *      endorser chains to one of the CAs;
 *   4. the records in the bundle are exactly the transaction's public writes to the chaincode;
 *   5. the committing peer flagged the transaction VALID. (That flag sits in metadata the orderer does
 *      not sign — Fabric's design; checks 1–3 are what a third party can establish cryptographically.)
 * Never throws for a bad bundle: each check says what holds and why not.
 */
export function verifyFabricProofBundle(bundle: ProofBundle, caCertsPem: readonly string[]): ProofVerification {
  const checks: ProofCheck[] = [];
  const check = (name: string, ok: boolean, detail?: string) => {
    checks.push(detail === undefined ? { name, ok } : { name, ok, detail });
    return ok;
  };
  const txId = typeof bundle?.txId === 'string' ? bundle.txId : '';
  const blockNumber = typeof bundle?.blockNumber === 'number' ? bundle.blockNumber : -1;
  let extra: Partial<ProofVerification> = {};
  const done = (): ProofVerification => {
    const reasons = checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail ?? 'failed'}`);
    return { ok: reasons.length === 0 && checks.length > 0, txId, blockNumber, checks, reasons, ...extra };
  };

  const shape = shapeProblem(bundle);
  if (!check('format', shape === undefined, shape)) return done();
  const b = bundle as FabricProofBundle;
  let block: DecodedBlock;
  let tx: DecodedTx;
  try {
    block = decodeBlockBytes(Buffer.from(b.block, 'base64'));
    tx = decodeTx(block, b.txIndex);
  } catch (err) {
    check('block', false, `the block cannot be decoded: ${(err as Error).message}`);
    return done();
  }
  const txTime = new Date(tx.timestamp);
  extra = {
    validationCode: validationCodeName(tx.validationCode),
    submittedAt: tx.timestamp,
    committedAt: tx.timestamp,
    ...(tx.action ? { fn: tx.action.fn } : {}),
    records: b.records,
  };

  // 1. block
  check(
    'block header',
    block.number === b.blockNumber,
    block.number === b.blockNumber
      ? undefined
      : `the block is number ${block.number}, the bundle says ${b.blockNumber}`,
  );
  const dataOk = Buffer.from(blockDataHash(block.data)).equals(Buffer.from(block.dataHash));
  check(
    'data hash',
    dataOk,
    dataOk ? `${block.data.length} transactions` : "the header's dataHash is not SHA-256 of the block's transactions",
  );
  const sigs = blockSignatures(block);
  const goodSigners: string[] = [];
  const sigProblems: string[] = [];
  for (const s of sigs) {
    if (!s.signer) {
      sigProblems.push('a signature without a signature header (consenter id) cannot be checked offline');
      continue;
    }
    const chain = verifyCertChain(s.signer.certPem, caCertsPem, txTime);
    const cert = parseCert(s.signer.certPem);
    const sigOk =
      cert !== undefined && safe(() => verifySignature('sha256', s.signedBytes, cert.publicKey, s.signature)) === true;
    if (chain.ok && sigOk) goodSigners.push(`${s.signer.mspId}${cert ? ` (${oneLine(cert.subject)})` : ''}`);
    else sigProblems.push(`${s.signer.mspId}: ${!chain.ok ? chain.reason : 'signature does not verify'}`);
  }
  check(
    'block signature',
    goodSigners.length > 0,
    goodSigners.length > 0
      ? `signed by ${goodSigners.join(', ')}`
      : sigs.length === 0
        ? 'the block carries no orderer signature'
        : sigProblems.join('; '),
  );

  // 2. transaction and creator
  const headerOk = tx.txId === txId && tx.channel === b.channel && tx.type === ENDORSER_TRANSACTION;
  check(
    'transaction',
    headerOk,
    headerOk
      ? `transaction ${b.txIndex} of ${block.data.length}`
      : tx.txId !== txId
        ? `transaction ${b.txIndex} is ${tx.txId}`
        : tx.channel !== b.channel
          ? `channel is ${tx.channel}`
          : 'not an endorser transaction',
  );
  const creator = tx.creator;
  const derived = creator && tx.nonce ? computeFabricTxId(tx.nonce, creator.bytes) : undefined;
  check('transaction id', derived === txId, derived === txId ? undefined : 'txId is not SHA-256(nonce || creator)');
  if (creator) {
    const chain = verifyCertChain(creator.certPem, caCertsPem, txTime);
    check('creator certificate', chain.ok, chain.ok ? `issued by ${chain.issuer ?? '?'}` : chain.reason);
    const cert = parseCert(creator.certPem);
    if (cert) extra = { ...extra, creator: { mspId: creator.mspId, subject: oneLine(cert.subject) } };
    const sigOk =
      cert !== undefined &&
      safe(() => verifySignature('sha256', tx.envelope.payload, cert.publicKey, tx.envelope.signature)) === true;
    check(
      'creator signature',
      sigOk,
      sigOk ? undefined : "the creator's signature over the transaction does not verify",
    );
  } else {
    check('creator certificate', false, 'the transaction has no creator');
  }

  // 3. endorsements
  const endorsements = tx.action?.endorsements ?? [];
  const endorsers: string[] = [];
  const endorseProblems: string[] = [];
  for (const e of endorsements) {
    const chain = verifyCertChain(e.endorser.certPem, caCertsPem, txTime);
    const cert = parseCert(e.endorser.certPem);
    const signed = Buffer.concat([tx.action?.proposalResponsePayload ?? new Uint8Array(), e.endorser.bytes]);
    const sigOk =
      cert !== undefined && safe(() => verifySignature('sha256', signed, cert.publicKey, e.signature)) === true;
    if (chain.ok && sigOk) {
      endorsers.push(e.endorser.mspId);
      if (!extra.peer && cert) extra = { ...extra, peer: { mspId: e.endorser.mspId, subject: oneLine(cert.subject) } };
    } else endorseProblems.push(`${e.endorser.mspId}: ${!chain.ok ? chain.reason : 'signature does not verify'}`);
  }
  check(
    'endorsements',
    endorsements.length > 0 && endorseProblems.length === 0,
    endorsements.length === 0
      ? 'the transaction has no endorsements'
      : endorseProblems.length > 0
        ? endorseProblems.join('; ')
        : `endorsed by ${endorsers.join(', ')}`,
  );

  // 4. records, 5. validity
  const recordProblem = recordsProblem(b, tx);
  check('records', recordProblem === undefined, recordProblem);
  check(
    'validation code',
    tx.validationCode === 0,
    tx.validationCode === 0 ? undefined : `the transaction was invalidated (${validationCodeName(tx.validationCode)})`,
  );
  return done();
}

function recordsProblem(b: FabricProofBundle, tx: DecodedTx): string | undefined {
  const writes = tx.action?.writes.get(b.chaincode) ?? [];
  if (b.records.length !== writes.length)
    return `the bundle has ${b.records.length} records, the transaction wrote ${writes.length} keys of ${b.chaincode}`;
  for (let i = 0; i < writes.length; i++) {
    const w = writes[i] as (typeof writes)[number];
    const r = b.records[i] as ProofRecord;
    if (r.key !== w.key || r.isDelete !== w.isDelete)
      return `record ${i} names a different key or operation than the transaction's write`;
    if (!w.isDelete && !Buffer.from(r.value ?? '', 'utf8').equals(Buffer.from(w.value)))
      return `record ${i} (${JSON.stringify(r.key).slice(1, -1)}) differs from the value the transaction wrote`;
  }
  return undefined;
}

function shapeProblem(bundle: unknown): string | undefined {
  const b = bundle as Partial<FabricProofBundle> | null;
  if (!b || typeof b !== 'object') return 'not an object';
  if (b.format !== 'fabric-block-v1') return `format ${JSON.stringify(b.format)} is not fabric-block-v1`;
  const missing = ['channel', 'txId', 'blockNumber', 'txIndex', 'chaincode', 'block', 'records'].filter(
    (k) => (b as Record<string, unknown>)[k] === undefined,
  );
  if (missing.length > 0) return `missing ${missing.join(', ')}`;
  if (typeof b.block !== 'string' || !Array.isArray(b.records) || !Number.isSafeInteger(b.txIndex))
    return 'block, records or txIndex has the wrong type';
  return undefined;
}
