import { randomBytes } from 'node:crypto';
import { canonicalize } from '../../core/canonical.js';
import { ValidationError } from '../../core/errors.js';
import { signMessage } from '../../identity/signer.js';
import type { SigningIdentity } from '../../identity/types.js';
import type { SubmitResult } from '../types.js';
import { CHAINCODE_NAME, computeTxId, type ProposalBody } from './block.js';

/**
 * A transaction proposal built and signed by its creator, to be executed by a ledger the creator does not
 * run. The national warehouse acknowledges receipt on the province's chain this way: it signs
 * RecordReceipt with its own key (the receipt is its own statement, and nobody else holds that key), and
 * the province's gateway relays the signed proposal to its embedded ledger, which checks the signature and
 * the creator's certificate exactly as for a local submit. (In a consortium the warehouse submits through
 * its own Fabric peer instead and needs no relay.)
 */
export interface SignedProposal {
  /** The proposal as RFC 8785 canonical JSON: exactly the bytes that were signed. */
  readonly proposal: string;
  /** base64 DER ECDSA signature over SHA-256(proposal). */
  readonly signature: string;
}

/** A ledger that executes proposals signed elsewhere (the embedded ledger does). */
export interface SignedProposalRelay {
  submitSigned(signed: Readonly<SignedProposal>): Promise<SubmitResult>;
}

export function isSignedProposalRelay(value: unknown): value is SignedProposalRelay {
  return typeof (value as { submitSigned?: unknown } | null)?.submitSigned === 'function';
}

/** How far a relayed proposal's timestamp may be from the ledger's clock. */
export const RELAY_MAX_SKEW_MS = 5 * 60_000;

/** Builds and signs a proposal for `channel` with the creator's own key (client side of the relay). */
export async function signProposal(
  signing: SigningIdentity,
  input: Readonly<{ channel: string; fn: string; args: readonly string[] }>,
): Promise<SignedProposal & { readonly txId: string }> {
  const creator = {
    mspId: signing.identity.mspId,
    certPem: Buffer.from(signing.identity.credentials).toString('utf8'),
  };
  const nonce = randomBytes(24);
  const ms = Date.now();
  const proposal: ProposalBody = {
    channel: input.channel,
    chaincode: CHAINCODE_NAME,
    fn: input.fn,
    args: [...input.args],
    transient: {},
    creator,
    nonce: nonce.toString('base64'),
    timestamp: { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 },
  };
  const json = canonicalize(proposal);
  const signature = await signMessage(signing, Buffer.from(json, 'utf8'));
  return { proposal: json, signature: Buffer.from(signature).toString('base64'), txId: computeTxId(nonce, creator) };
}

/**
 * Checks the form of a relayed proposal (not its signature or creator: the runtime does that as for any
 * submit). Every failure names the field.
 */
export function parseSignedProposal(
  signed: unknown,
  expect: Readonly<{ channel: string; now: number }>,
): { proposal: ProposalBody; proposalJson: string; signature: Uint8Array; txId: string } {
  const bad = (pointer: string, what: string): never => {
    throw new ValidationError(`signed proposal ${pointer}: ${what}`, { pointer });
  };
  if (typeof signed !== 'object' || signed === null) bad('', 'expected an object {proposal, signature}');
  const { proposal: json, signature } = signed as Record<string, unknown>;
  if (typeof json !== 'string' || json.length === 0 || json.length > 64 * 1024)
    bad('/proposal', 'expected the canonical JSON of the proposal (at most 64 KiB)');
  if (typeof signature !== 'string' || !/^[A-Za-z0-9+/]{16,200}={0,2}$/.test(signature))
    bad('/signature', 'expected a base64 signature');
  let parsed: unknown;
  try {
    parsed = JSON.parse(json as string);
  } catch {
    return bad('/proposal', 'is not JSON');
  }
  if (canonicalize(parsed) !== json)
    bad('/proposal', 'is not in RFC 8785 canonical form (the signed bytes must be exactly what is recorded)');
  const p = parsed as Record<string, unknown>;
  const keys = Object.keys(p).sort().join(',');
  if (keys !== 'args,chaincode,channel,creator,fn,nonce,timestamp,transient')
    bad('/proposal', 'expected exactly args, chaincode, channel, creator, fn, nonce, timestamp, transient');
  if (p.channel !== expect.channel) bad('/proposal/channel', `expected ${expect.channel}`);
  if (p.chaincode !== CHAINCODE_NAME) bad('/proposal/chaincode', `expected ${CHAINCODE_NAME}`);
  if (typeof p.fn !== 'string' || !/^[A-Za-z][A-Za-z0-9:]{0,63}$/.test(p.fn))
    bad('/proposal/fn', 'expected a transaction name');
  if (!Array.isArray(p.args) || p.args.some((a) => typeof a !== 'string'))
    bad('/proposal/args', 'expected an array of strings');
  if (typeof p.transient !== 'object' || p.transient === null || Object.keys(p.transient).length > 0)
    bad('/proposal/transient', 'relayed proposals carry no transient data');
  const creator = p.creator as Record<string, unknown> | null;
  if (
    typeof creator !== 'object' ||
    creator === null ||
    typeof creator.mspId !== 'string' ||
    typeof creator.certPem !== 'string' ||
    Object.keys(creator).length !== 2
  ) {
    bad('/proposal/creator', 'expected {mspId, certPem}');
  }
  const nonce = typeof p.nonce === 'string' ? Buffer.from(p.nonce, 'base64') : Buffer.alloc(0);
  if (nonce.length !== 24 || nonce.toString('base64') !== p.nonce)
    bad('/proposal/nonce', 'expected 24 random bytes, base64');
  const ts = p.timestamp as Record<string, unknown> | null;
  if (
    typeof ts !== 'object' ||
    ts === null ||
    !Number.isSafeInteger(ts.seconds) ||
    !Number.isInteger(ts.nanos) ||
    (ts.nanos as number) < 0 ||
    (ts.nanos as number) > 999_999_999
  ) {
    bad('/proposal/timestamp', 'expected {seconds, nanos}');
  }
  const at = (ts as { seconds: number }).seconds * 1000;
  if (Math.abs(at - expect.now) > RELAY_MAX_SKEW_MS)
    bad('/proposal/timestamp', `more than ${RELAY_MAX_SKEW_MS / 60_000} minutes from the ledger's clock`);
  const proposal = p as unknown as ProposalBody;
  return {
    proposal,
    proposalJson: json as string,
    signature: new Uint8Array(Buffer.from(signature as string, 'base64')),
    txId: computeTxId(nonce, proposal.creator),
  };
}
