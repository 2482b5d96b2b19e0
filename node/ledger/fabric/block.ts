import { createHash } from 'node:crypto';
import { common, ledger, msp, peer } from '@hyperledger/fabric-protos';

/**
 * Decoding of Fabric blocks, shared by the adapter (events, proofs) and the offline verifier. Only what
 * Shulian needs: endorser transactions, their creator, endorsements, chaincode event, the public writes
 * of one namespace, and the peer's validation flags. Everything keeps the original bytes, because every
 * signature in a block is over bytes, never over a re-encoding.
 */

/** Fabric's BlockMetadataIndex. */
export const METADATA = { signatures: 0, transactionsFilter: 2 } as const;
/** common.HeaderType.ENDORSER_TRANSACTION */
export const ENDORSER_TRANSACTION = 3;

export interface SerializedIdentity {
  readonly mspId: string;
  readonly certPem: string;
  /** The serialized msp.SerializedIdentity bytes, as signed over. */
  readonly bytes: Uint8Array;
}

export interface Endorsement {
  readonly endorser: SerializedIdentity;
  readonly signature: Uint8Array;
}

export interface KvWrite {
  readonly key: string;
  readonly isDelete: boolean;
  readonly value: Uint8Array;
}

export interface DecodedTx {
  readonly index: number;
  readonly type: number;
  readonly channel: string;
  readonly txId: string;
  /** Proposal time (ISO-8601) from the channel header. */
  readonly timestamp: string;
  /** Validation code from the block's TRANSACTIONS_FILTER (0 = VALID), set by the committing peer. */
  readonly validationCode: number;
  readonly envelope: { readonly payload: Uint8Array; readonly signature: Uint8Array };
  readonly creator?: SerializedIdentity;
  readonly nonce?: Uint8Array;
  /** Present for endorser transactions. */
  readonly action?: {
    readonly chaincodeId: string;
    /** The invoked function: the first argument of the chaincode input. */
    readonly fn: string;
    readonly proposalResponsePayload: Uint8Array;
    readonly endorsements: readonly Endorsement[];
    readonly event?: { readonly chaincodeId: string; readonly name: string; readonly payload: Uint8Array };
    /** Public writes per namespace. */
    readonly writes: ReadonlyMap<string, readonly KvWrite[]>;
  };
}

export interface DecodedBlock {
  readonly number: number;
  readonly previousHash: Uint8Array;
  readonly dataHash: Uint8Array;
  readonly data: readonly Uint8Array[];
  readonly metadata: readonly Uint8Array[];
}

export function decodeBlockBytes(bytes: Uint8Array): DecodedBlock {
  return fromBlock(common.Block.deserializeBinary(bytes));
}

export function fromBlock(block: common.Block): DecodedBlock {
  const header = block.getHeader();
  if (!header) throw new Error('block has no header');
  return {
    number: Number(header.getNumber()),
    previousHash: header.getPreviousHash_asU8(),
    dataHash: header.getDataHash_asU8(),
    data: block.getData()?.getDataList_asU8() ?? [],
    metadata: block.getMetadata()?.getMetadataList_asU8() ?? [],
  };
}

/** Fabric's BlockHeaderBytes: DER SEQUENCE { INTEGER number, OCTET STRING previousHash, OCTET STRING dataHash }. */
export function blockHeaderBytes(b: Pick<DecodedBlock, 'number' | 'previousHash' | 'dataHash'>): Uint8Array {
  return der(
    0x30,
    Buffer.concat([der(0x02, derUnsigned(BigInt(b.number))), der(0x04, b.previousHash), der(0x04, b.dataHash)]),
  );
}

export function blockHeaderHash(b: Pick<DecodedBlock, 'number' | 'previousHash' | 'dataHash'>): Uint8Array {
  return sha256(blockHeaderBytes(b));
}

/** Fabric 2.x BlockDataHash: SHA-256 over the concatenated envelopes. */
export function blockDataHash(data: readonly Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const d of data) h.update(d);
  return new Uint8Array(h.digest());
}

/** The transaction id Fabric derives: hex SHA-256(nonce || serialized creator). */
export function computeFabricTxId(nonce: Uint8Array, creator: Uint8Array): string {
  return createHash('sha256').update(nonce).update(creator).digest('hex');
}

export function validationCodes(b: DecodedBlock): Uint8Array {
  return b.metadata[METADATA.transactionsFilter] ?? new Uint8Array();
}

/** The orderers' signatures over the block header (metadata SIGNATURES). */
export function blockSignatures(
  b: DecodedBlock,
): { signer?: SerializedIdentity; signature: Uint8Array; signedBytes: Uint8Array }[] {
  const raw = b.metadata[METADATA.signatures];
  if (!raw || raw.length === 0) return [];
  const md = common.Metadata.deserializeBinary(raw);
  const headerBytes = blockHeaderBytes(b);
  return md.getSignaturesList().map((s) => {
    const sigHeader = s.getSignatureHeader_asU8();
    const signedBytes = Buffer.concat([
      md.getValue_asU8(),
      sigHeader.length > 0 ? sigHeader : s.getIdentifierHeader_asU8(),
      headerBytes,
    ]);
    let signer: SerializedIdentity | undefined;
    if (sigHeader.length > 0)
      signer = decodeIdentity(common.SignatureHeader.deserializeBinary(sigHeader).getCreator_asU8());
    return signer
      ? { signer, signature: s.getSignature_asU8(), signedBytes }
      : { signature: s.getSignature_asU8(), signedBytes };
  });
}

export function decodeIdentity(bytes: Uint8Array): SerializedIdentity {
  const id = msp.SerializedIdentity.deserializeBinary(bytes);
  return { mspId: id.getMspid(), certPem: Buffer.from(id.getIdBytes_asU8()).toString('utf8'), bytes };
}

/** Decodes transaction `index` of the block. Throws on malformed protobuf. */
export function decodeTx(b: DecodedBlock, index: number): DecodedTx {
  const raw = b.data[index];
  if (!raw) throw new Error(`block ${b.number} has no transaction ${index}`);
  const env = common.Envelope.deserializeBinary(raw);
  const payloadBytes = env.getPayload_asU8();
  const payload = common.Payload.deserializeBinary(payloadBytes);
  const header = payload.getHeader();
  if (!header) throw new Error(`transaction ${index} of block ${b.number} has no header`);
  const ch = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
  const sh = common.SignatureHeader.deserializeBinary(header.getSignatureHeader_asU8());
  const ts = ch.getTimestamp();
  const timestamp = new Date(ts ? ts.getSeconds() * 1000 + Math.floor(ts.getNanos() / 1e6) : 0).toISOString();
  const creatorBytes = sh.getCreator_asU8();
  const base = {
    index,
    type: ch.getType(),
    channel: ch.getChannelId(),
    txId: ch.getTxId(),
    timestamp,
    validationCode: validationCodes(b)[index] ?? 254,
    envelope: { payload: payloadBytes, signature: env.getSignature_asU8() },
    ...(creatorBytes.length > 0 ? { creator: decodeIdentity(creatorBytes), nonce: sh.getNonce_asU8() } : {}),
  };
  if (ch.getType() !== ENDORSER_TRANSACTION) return base;
  const tx = peer.Transaction.deserializeBinary(payload.getData_asU8());
  const first = tx.getActionsList()[0];
  if (!first) return base;
  const cap = peer.ChaincodeActionPayload.deserializeBinary(first.getPayload_asU8());
  const endorsed = cap.getAction();
  if (!endorsed) return base;
  const prpBytes = endorsed.getProposalResponsePayload_asU8();
  const prp = peer.ProposalResponsePayload.deserializeBinary(prpBytes);
  const cca = peer.ChaincodeAction.deserializeBinary(prp.getExtension_asU8());
  const writes = new Map<string, KvWrite[]>();
  const results = cca.getResults_asU8();
  if (results.length > 0) {
    const rwset = ledger.rwset.TxReadWriteSet.deserializeBinary(results);
    for (const ns of rwset.getNsRwsetList()) {
      const kv = ledger.rwset.kvrwset.KVRWSet.deserializeBinary(ns.getRwset_asU8());
      writes.set(
        ns.getNamespace(),
        kv.getWritesList().map((w) => ({ key: w.getKey(), isDelete: w.getIsDelete(), value: w.getValue_asU8() })),
      );
    }
  }
  const eventBytes = cca.getEvents_asU8();
  let event: { chaincodeId: string; name: string; payload: Uint8Array } | undefined;
  if (eventBytes.length > 0) {
    const ev = peer.ChaincodeEvent.deserializeBinary(eventBytes);
    if (ev.getEventName() !== '')
      event = { chaincodeId: ev.getChaincodeId(), name: ev.getEventName(), payload: ev.getPayload_asU8() };
  }
  let fn = '';
  const input = peer.ChaincodeProposalPayload.deserializeBinary(cap.getChaincodeProposalPayload_asU8()).getInput_asU8();
  if (input.length > 0) {
    const first = peer.ChaincodeInvocationSpec.deserializeBinary(input)
      .getChaincodeSpec()
      ?.getInput()
      ?.getArgsList_asU8()[0];
    if (first) fn = Buffer.from(first).toString('utf8');
  }
  return {
    ...base,
    action: {
      chaincodeId: cca.getChaincodeId()?.getName() ?? '',
      fn,
      proposalResponsePayload: prpBytes,
      endorsements: endorsed
        .getEndorsementsList()
        .map((e) => ({ endorser: decodeIdentity(e.getEndorser_asU8()), signature: e.getSignature_asU8() })),
      ...(event ? { event } : {}),
      writes,
    },
  };
}

export function txCount(b: DecodedBlock): number {
  return b.data.length;
}

function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest());
}

function der(tag: number, body: Uint8Array): Buffer {
  const len = body.length;
  let lenBytes: number[];
  if (len < 0x80) lenBytes = [len];
  else {
    const bytes: number[] = [];
    for (let n = len; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
    lenBytes = [0x80 | bytes.length, ...bytes];
  }
  return Buffer.concat([Buffer.from([tag, ...lenBytes]), body]);
}

/** Minimal two's-complement big-endian bytes of a non-negative integer, as Go's asn1 writes a *big.Int. */
function derUnsigned(n: bigint): Uint8Array {
  if (n === 0n) return new Uint8Array([0]);
  const bytes: number[] = [];
  for (let v = n; v > 0n; v >>= 8n) bytes.unshift(Number(v & 0xffn));
  if ((bytes[0] as number) & 0x80) bytes.unshift(0);
  return new Uint8Array(bytes);
}
