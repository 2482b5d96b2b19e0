import { EventEmitter } from 'node:events';
import {
  createPublicKey,
  randomFillSync,
  verify as verifySignature,
  type KeyObject,
  X509Certificate,
} from 'node:crypto';
import { AccessDeniedError, ConflictError, LedgerError, ValidationError } from '../../core/errors.js';
import { MerkleTree } from '../../core/merkle.js';
import { signMessage, verifyCertChain } from '../../identity/index.js';
import type { SigningIdentity } from '../../identity/types.js';
import type { Ledger } from '../types.js';
import {
  CHAINCODE_NAME,
  computeTxId,
  envelopeBytes,
  proposalCanonical,
  headerBytes,
  sha256,
  sha256Hex,
  type BlockHeader,
  type ProposalBody,
  type TxEnvelope,
  type ValidationCode,
  type Version,
} from './block.js';
import { defaultChaincodeDir, loadChaincode, type ChaincodeResponse, type LoadedChaincode } from './chaincode.js';
import { compileCollections, type CollectionConfig, type CollectionRules } from './collections.js';
import { chaincodeError } from './errors.js';
import { parseSignedProposal } from './relay.js';
import { SimulationGate } from './gate.js';
import { EmbeddedLedger } from './ledger.js';
import { openBlockCommitter, type BlockCommitter, type BlockWrite } from './committer.js';
import { LedgerStore, type SimulationReader } from './store.js';
import { EmbeddedStub, type SimulationResult } from './stub.js';
import { validateRwSet, type Overlay } from './validate.js';
import { verifyLedger, type LedgerVerifyOptions, type LedgerVerifyReport } from './verify.js';

export interface EmbeddedRuntimeOptions {
  /** Ledger directory (created if missing). */
  readonly dir: string;
  /** Signs blocks: the organisation's peer identity. */
  readonly peer: SigningIdentity;
  /** Default `smartlibrary`. */
  readonly channel?: string;
  /** A package exporting `contracts` (default: the repository's chaincode/, or SHULIAN_CHAINCODE_DIR). */
  readonly chaincodeDir?: string;
  /** Cut a block at this many transactions (default 500, Fabric's MaxMessageCount). */
  readonly blockMaxTransactions?: number;
  /**
   * Cut a block when its first transaction has waited this long (default 10 ms, as
   * SHULIAN_BLOCK_TIMEOUT_MS). A block is also cut as soon as no other proposal is being endorsed in this
   * process (nothing else could join it), or, with many in flight, once half of them are endorsed (the
   * rest are endorsed while it is written).
   */
  readonly blockTimeoutMs?: number;
  /**
   * When given, a creator's certificate must chain to one of these CAs (as a peer's channel MSPs check);
   * when absent, any certificate whose key made the proposal signature is accepted.
   */
  readonly trustedCaCertsPem?: readonly string[];
  /** How often an event stream looks for blocks committed by another process (default 250 ms). */
  readonly pollIntervalMs?: number;
  /**
   * The channel's private data collections (Fabric collection configuration). When given, undefined
   * collections and non-member creators are refused as on a peer; when absent, any collection name is
   * accepted.
   */
  readonly collections?: readonly CollectionConfig[];
}

export interface EmbeddedRuntime {
  readonly channel: string;
  readonly dir: string;
  /** A Ledger bound to `identity` (like fabric-gateway's connect + getContract). */
  connect(identity: SigningIdentity): Ledger;
  verify(options?: Readonly<LedgerVerifyOptions>): Promise<LedgerVerifyReport>;
  height(): number;
  info(): LedgerInfo;
  /** Waits for queued transactions to commit, then closes the store. */
  close(): Promise<void>;
}

export interface LedgerInfo {
  readonly channel: string;
  readonly path: string;
  readonly height: number;
  readonly tip?: {
    readonly number: number;
    readonly hash: string;
    readonly timestamp: string;
    readonly txCount: number;
  };
  readonly transactions: number;
  readonly validTransactions: number;
  readonly stateKeys: number;
}

interface Pending {
  readonly txId: string;
  readonly proposal: ProposalBody;
  readonly proposalJson: string;
  readonly signature: Uint8Array;
  readonly sim: SimulationResult;
  readonly response: ChaincodeResponse;
  readonly enqueued: number;
  readonly resolve: (outcome: { blockNumber: number; code: ValidationCode }) => void;
  readonly reject: (err: unknown) => void;
}

export interface SimulationOutput {
  readonly txId: string;
  readonly proposal: ProposalBody;
  /** canonicalize(proposal): what was signed, reused verbatim inside the envelope. */
  readonly proposalJson: string;
  readonly signature: Uint8Array;
  readonly response: ChaincodeResponse;
  readonly sim: SimulationResult;
}

const DEFAULT_CHANNEL = 'smartlibrary';

export async function openEmbeddedRuntime(options: Readonly<EmbeddedRuntimeOptions>): Promise<EmbeddedRuntime> {
  if (!options || typeof options.dir !== 'string' || options.dir.length === 0) {
    throw new ValidationError('embedded ledger: dir must be a directory path', { pointer: '/dir' });
  }
  if (!options.peer?.identity || typeof options.peer.signer !== 'function') {
    throw new ValidationError('embedded ledger: peer must be a signing identity', { pointer: '/peer' });
  }
  const channel = options.channel ?? DEFAULT_CHANNEL;
  if (!/^[a-z][a-z0-9.-]{0,248}$/.test(channel)) {
    throw new ValidationError(
      `embedded ledger: channel must be a Fabric channel name (got ${JSON.stringify(channel)})`,
      { pointer: '/channel' },
    );
  }
  const max = options.blockMaxTransactions ?? 500;
  if (!Number.isSafeInteger(max) || max < 1)
    throw new ValidationError('blockMaxTransactions must be a positive integer', { pointer: '/blockMaxTransactions' });
  const timeout = options.blockTimeoutMs ?? 10;
  if (!Number.isFinite(timeout) || timeout < 0)
    throw new ValidationError('blockTimeoutMs must be a number >= 0', { pointer: '/blockTimeoutMs' });
  const chaincode = loadChaincode(options.chaincodeDir ?? defaultChaincodeDir());
  const store = LedgerStore.open(options.dir, channel);
  return new Runtime(options, channel, max, timeout, chaincode, store);
}

export class Runtime implements EmbeddedRuntime {
  readonly channel: string;
  readonly dir: string;
  readonly store: LedgerStore;
  readonly blocks = new EventEmitter();
  readonly pollIntervalMs: number;
  readonly #chaincode: LoadedChaincode;
  readonly #peer: SigningIdentity;
  readonly #peerCertPem: string;
  readonly #peerCertSha256: string;
  readonly #max: number;
  readonly #timeout: number;
  readonly #trusted: readonly string[] | undefined;
  readonly #collections: ReadonlyMap<string, CollectionRules> | undefined;
  readonly #simReader: SimulationReader;
  readonly #gate: SimulationGate;
  /** Started with the first block (read-only uses of the ledger need no writer thread). */
  #committer: BlockCommitter | undefined;
  readonly #queue: Pending[] = [];
  readonly #keys = new Map<string, KeyObject>();
  /** Signers already seen to sign for a certificate: checking one signature proves the key matches. */
  readonly #provenSigners = new WeakMap<SigningIdentity['signer'], Set<string>>();
  readonly #trustedCerts = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #committing: Promise<void> | undefined;
  /** Moving average of a block's write by the committer thread (ms), from hand-over to durable. */
  #writeMs: number | undefined;
  /** Moving average of this thread's time per endorsement while endorsing (ms): busy wall time / endorsements. */
  #endorseMs: number | undefined;
  #endorsingSince = 0;
  #endorsedSince = 0;
  #inFlight = 0;
  /** Proposals being signed or executed in this process: transactions that could still join the next block. */
  #simulating = 0;
  #closed = false;
  #idle: (() => void) | undefined;

  constructor(
    options: Readonly<EmbeddedRuntimeOptions>,
    channel: string,
    max: number,
    timeout: number,
    chaincode: LoadedChaincode,
    store: LedgerStore,
  ) {
    this.channel = channel;
    this.dir = options.dir;
    this.store = store;
    const simReader = store.openSimulationReader();
    this.#simReader = simReader;
    this.#gate = new SimulationGate({ onEnter: () => simReader.begin(), onLeave: () => simReader.end() });
    this.#chaincode = chaincode;
    this.#peer = options.peer;
    this.#peerCertPem = Buffer.from(options.peer.identity.credentials).toString('utf8');
    this.#peerCertSha256 = sha256Hex(this.#peerCertPem);
    this.#max = max;
    this.#timeout = timeout;
    this.#trusted = options.trustedCaCertsPem;
    this.#collections = options.collections ? compileCollections(options.collections) : undefined;
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.blocks.setMaxListeners(0);
  }

  connect(identity: SigningIdentity): Ledger {
    if (!identity?.identity || typeof identity.signer !== 'function') {
      throw new ValidationError('connect: identity must be a signing identity', { pointer: '/identity' });
    }
    return new EmbeddedLedger(this, identity);
  }

  height(): number {
    return this.store.height();
  }

  info(): LedgerInfo {
    this.#checkOpen();
    const height = this.store.height();
    const counts = this.store.counts();
    const tipRow = height > 0 ? this.store.block(height - 1) : undefined;
    const tipHeader = tipRow ? (JSON.parse(tipRow.header.toString('utf8')) as BlockHeader) : undefined;
    return {
      channel: this.channel,
      path: this.store.path,
      height,
      ...(tipRow && tipHeader
        ? {
            tip: {
              number: tipRow.number,
              hash: tipRow.hash.toString('hex'),
              timestamp: tipHeader.timestamp,
              txCount: tipHeader.txCount,
            },
          }
        : {}),
      transactions: counts.transactions,
      validTransactions: counts.valid,
      stateKeys: counts.stateKeys,
    };
  }

  async verify(options: Readonly<LedgerVerifyOptions> = {}): Promise<LedgerVerifyReport> {
    this.#checkOpen();
    const snapshot = this.store.openSnapshot();
    try {
      return await verifyLedger(snapshot, this.channel, options);
    } finally {
      snapshot.close();
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#inFlight > 0 || this.#queue.length > 0 || this.#committing) {
      await new Promise<void>((r) => (this.#idle = r));
    }
    this.blocks.emit('close');
    await this.#committer?.close();
    this.#simReader.close();
    this.store.close();
  }

  get closed(): boolean {
    return this.#closed;
  }

  #checkOpen(): void {
    if (this.#closed) throw new LedgerError('LEDGER_CLOSED', 'the embedded ledger is closed');
  }

  /**
   * Builds and signs a proposal, then executes it against committed state (endorsement). An evaluation
   * (`forSubmit` false) is never recorded, so once the identity's signer is known to sign for its
   * certificate its proposals are executed unsigned: the connection is the node's own, in this process.
   */
  async simulate(
    identity: SigningIdentity,
    fn: string,
    args: readonly string[],
    transient: ReadonlyMap<string, Uint8Array>,
    forSubmit = true,
  ): Promise<SimulationOutput> {
    this.#checkOpen();
    this.#inFlight++;
    this.#startSimulating();
    try {
      const creator = creatorOf(identity.identity);
      const { certPem } = creator;
      const nonce = nextNonce();
      const proposal: ProposalBody = {
        channel: this.channel,
        chaincode: CHAINCODE_NAME,
        fn,
        args: [...args],
        transient: Object.fromEntries([...transient].map(([k, v]) => [k, sha256Hex(v)])),
        creator,
        nonce: nonce.toString('base64'),
        timestamp: now(),
      };
      const txId = computeTxId(nonce, creator);
      const proposalJson = proposalCanonical(proposal);
      const bytes = Buffer.from(proposalJson, 'utf8');
      const proven = this.#provenSigners.get(identity.signer);
      if (!forSubmit && proven?.has(certPem)) {
        return await this.#execute(txId, proposal, proposalJson, new Uint8Array(), transient);
      }
      let signature: Uint8Array;
      try {
        // with other proposals in flight this thread has their work (or is waiting for a block) meanwhile
        signature = await signMessage(identity, bytes, { offThread: this.#inFlight > 1 });
      } catch (cause) {
        throw new LedgerError(
          'SIGNING_FAILED',
          `the submitting identity could not sign the proposal: ${(cause as Error).message}`,
          { txId, cause },
        );
      }
      if (!proven?.has(certPem)) {
        await this.#checkCreator(certPem, bytes, signature, txId);
        if (proven) proven.add(certPem);
        else this.#provenSigners.set(identity.signer, new Set([certPem]));
      }
      return await this.#execute(txId, proposal, proposalJson, signature, transient);
    } finally {
      this.#doneSimulating();
      this.#doneInFlight();
    }
  }

  /**
   * Executes a proposal its creator built and signed elsewhere (see relay.ts): its form, signature and
   * creator certificate are checked as for a local submit, then it is endorsed and ordered the same way.
   */
  async simulateSigned(signed: unknown): Promise<SimulationOutput> {
    this.#checkOpen();
    this.#inFlight++;
    this.#startSimulating();
    try {
      const { proposal, proposalJson, signature, txId } = parseSignedProposal(signed, {
        channel: this.channel,
        now: Date.now(),
      });
      await this.#checkCreator(proposal.creator.certPem, Buffer.from(proposalJson, 'utf8'), signature, txId);
      return await this.#execute(txId, proposal, proposalJson, signature, new Map());
    } finally {
      this.#doneSimulating();
      this.#doneInFlight();
    }
  }

  async #execute(
    txId: string,
    proposal: ProposalBody,
    proposalJson: string,
    signature: Uint8Array,
    transient: ReadonlyMap<string, Uint8Array>,
  ): Promise<SimulationOutput> {
    const { fn, args } = proposal;
    await this.#gate.enter();
    let response: ChaincodeResponse;
    let sim: SimulationResult;
    try {
      const stub = new EmbeddedStub({
        collections: this.#collections,
        txId,
        channel: this.channel,
        peerMspId: this.#peer.identity.mspId,
        proposal,
        signature,
        args: [fn, ...args],
        transient,
        view: this.#simReader.view,
        history: (key) => this.#history(key),
        makeLong: this.#chaincode.makeLong,
      });
      try {
        response = await this.#chaincode.invoke(stub, proposal.creator);
      } finally {
        sim = stub.finish();
      }
    } finally {
      this.#gate.exit();
    }
    if (response.status !== 200) throw chaincodeError(response.message ?? '', txId);
    return { txId, proposal, proposalJson, signature, response, sim };
  }

  /** Orders a simulated transaction and resolves when its block is durably committed. */
  order(out: SimulationOutput): Promise<{ blockNumber: number; code: ValidationCode }> {
    this.#checkOpen();
    this.#inFlight++;
    return new Promise<{ blockNumber: number; code: ValidationCode }>((resolve, reject) => {
      this.#queue.push({ ...out, enqueued: Date.now(), resolve, reject });
      this.#schedule();
    }).finally(() => this.#doneInFlight());
  }

  /** A key's history, newest first, with each value read from the transaction that wrote it. */
  #history(key: Buffer): { txId: string; seconds: number; nanos: number; isDelete: boolean; value: Buffer }[] {
    const keyText = key.toString('utf8');
    return this.#simReader.history(key).map((h) => {
      let value = Buffer.alloc(0);
      if (!h.isDelete) {
        const bytes = this.#simReader.envelopeAt(h.block, h.tx);
        const write =
          bytes && (JSON.parse(bytes.toString('utf8')) as TxEnvelope).rwset.writes.find((w) => w.key === keyText);
        if (!write || write.isDelete)
          throw new LedgerError(
            'LEDGER_CORRUPT',
            `history of a key points at block ${h.block} tx ${h.tx}, which did not write it`,
            { blockNumber: h.block },
          );
        value = Buffer.from(write.value ?? '', 'base64');
      }
      return { txId: h.txId, seconds: h.seconds, nanos: h.nanos, isDelete: h.isDelete, value };
    });
  }

  #startSimulating(): void {
    if (this.#simulating++ === 0) {
      this.#endorsingSince = performance.now();
      this.#endorsedSince = 0;
    }
  }

  #doneSimulating(): void {
    this.#simulating--;
    // sampled over a stretch of continuous endorsement: when it ends, or every 16 endorsements
    if (++this.#endorsedSince >= 16 || this.#simulating === 0) {
      const at = performance.now();
      this.#endorseMs = average(this.#endorseMs, (at - this.#endorsingSince) / this.#endorsedSince);
      this.#endorsingSince = at;
      this.#endorsedSince = 0;
    }
    // the last endorsement in progress may have been all a queued block was waiting for
    if (this.#simulating === 0) this.#schedule();
  }

  #doneInFlight(): void {
    this.#inFlight--;
    if (this.#inFlight === 0 && this.#queue.length === 0 && !this.#committing && this.#idle) this.#idle();
  }

  async #checkCreator(certPem: string, proposalBytes: Uint8Array, signature: Uint8Array, txId: string): Promise<void> {
    let key = this.#keys.get(certPem);
    if (!key) {
      try {
        key = createPublicKey(new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'pem' }));
      } catch (cause) {
        throw new ValidationError('the submitting identity is not a valid X.509 certificate', {
          pointer: '/identity/credentials',
          txId,
          cause,
        });
      }
      if (this.#keys.size > 1000) this.#keys.clear();
      this.#keys.set(certPem, key);
    }
    // the Signer signed SHA-256(proposal) as a pre-hashed digest, i.e. ECDSA-with-SHA-256 over the bytes;
    // verified on libuv's thread pool, off the ledger's thread
    const publicKey = key;
    const valid = await new Promise<boolean>((resolve) =>
      verifySignature('sha256', proposalBytes, publicKey, signature, (err, ok) => resolve(!err && ok)),
    );
    if (!valid) {
      throw new AccessDeniedError("the proposal signature does not verify with the creator's certificate", { txId });
    }
    if (this.#trusted && !this.#trustedCerts.has(certPem)) {
      const chain = verifyCertChain(certPem, this.#trusted);
      if (!chain.ok)
        throw new AccessDeniedError(`the creator is not a member of the consortium: ${chain.reason ?? 'untrusted'}`, {
          txId,
        });
      this.#trustedCerts.add(certPem);
    }
  }

  #schedule(): void {
    if (this.#committing || this.#queue.length === 0) return;
    if (this.#queue.length >= this.#max || this.#splitNow()) {
      this.#startCut();
      return;
    }
    // as soon as nothing else in this process could join the block (no endorsement in progress), cut on
    // the next turn of the event loop, after every submit already resolved has enqueued: waiting longer
    // would only add latency. Otherwise the timeout bounds the wait.
    if (this.#simulating === 0) {
      this.#immediate ??= setImmediate(() => {
        this.#immediate = undefined;
        if (this.#simulating === 0) this.#startCut();
        else this.#schedule();
      });
      return;
    }
    if (this.#timer) return;
    const oldest = (this.#queue[0] as Pending).enqueued;
    const wait = Math.max(0, oldest + this.#timeout - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#startCut();
    }, wait);
  }

  /**
   * Whether to cut a block of the transactions queued so far while as many are still being endorsed, so
   * that the committer thread writes the one while this thread endorses the other (and then the other way
   * round). Worth it once the endorsements in flight take this thread longer than a block's write: two
   * half-blocks then take about two writes where one whole block takes all the endorsements plus a write.
   * With fewer in flight they all go into one block, as before.
   */
  #splitNow(): boolean {
    const queued = this.#queue.length;
    const endorsing = this.#simulating;
    if (endorsing === 0 || queued < endorsing || this.#endorseMs === undefined || this.#writeMs === undefined)
      return false;
    return (queued + endorsing) * this.#endorseMs > this.#writeMs;
  }

  /**
   * A block has been committed: before its submits resolve (their callers submit again, and those
   * endorsements would otherwise fill the time), the transactions endorsed meanwhile are cut into the
   * next block if nothing else could still join them (or it is worth splitting), so the committer
   * thread writes it while this thread endorses what the resolved callers submit next.
   */
  #committed(): void {
    this.#committing = undefined;
    if (this.#queue.length > 0 && (this.#simulating === 0 || this.#splitNow())) this.#startCut();
  }

  #startCut(): void {
    if (this.#committing || this.#queue.length === 0) return;
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#immediate) {
      clearImmediate(this.#immediate);
      this.#immediate = undefined;
    }
    const batch = this.#queue.splice(0, this.#max);
    const committing: Promise<void> = this.#commit(batch)
      .then(
        (outcome) => {
          if (this.#committing === committing) this.#committed();
          batch.forEach((p, i) => p.resolve({ blockNumber: outcome.number, code: outcome.codes[i] as ValidationCode }));
        },
        (err: unknown) => {
          if (this.#committing === committing) this.#committing = undefined;
          const cause = err instanceof Error ? err : new Error(String(err));
          for (const p of batch)
            p.reject(
              new LedgerError('COMMIT_FAILED', `the block could not be committed: ${cause.message}`, {
                txId: p.txId,
                cause,
              }),
            );
        },
      )
      .finally(() => {
        if (this.#committing === committing) this.#committing = undefined;
        if (this.#inFlight === 0 && this.#queue.length === 0 && !this.#committing && this.#idle) this.#idle();
        this.#schedule();
      });
    this.#committing = committing;
  }

  /**
   * Validates, builds and signs one block, then has the committer thread write it durably (one SQLite
   * transaction). Validation reads the committed state as it is now; should another process commit first,
   * the committer writes nothing and the block is validated and built again on the new tip.
   */
  async #commit(batch: readonly Pending[]): Promise<{ number: number; codes: ValidationCode[] }> {
    for (;;) {
      const block = this.#build(batch);
      this.#committer ??= openBlockCommitter(this.store.path);
      const writing = performance.now();
      if ((await this.#committer.commit(block.write, block.signature)) === 'stale') continue;
      this.#writeMs = average(this.#writeMs, performance.now() - writing);
      // simulations still reading the previous snapshot finish first: every submit resolved from here
      // on, and every simulation started after it, sees this block
      await this.#gate.exclusive(() => undefined);
      this.blocks.emit('block', block.write.number);
      return { number: block.write.number, codes: block.codes };
    }
  }

  /** The block and its codes; the peer's signature of the header is being made (see committer.ts). */
  #build(batch: readonly Pending[]): { write: BlockWrite; signature: Promise<Uint8Array>; codes: ValidationCode[] } {
    const store = this.store;
    const { number, previousHash } = store.tip();
    const overlay: Overlay = new Map();
    const privateOverlay = new Map<string, Version | null>();
    const seen = new Set<string>();
    const codes: ValidationCode[] = [];
    const envelopes: Uint8Array[] = [];
    const txs: BlockWrite['txs'][number][] = [];
    const state: BlockWrite['state'][number][] = [];
    const history: BlockWrite['history'][number][] = [];
    const privates: BlockWrite['private'][number][] = [];
    batch.forEach((p, idx) => {
      let code: ValidationCode;
      if (seen.has(p.txId) || store.txIdExists(p.txId)) code = 'DUPLICATE_TXID';
      else code = validateRwSet(store.view, overlay, p.sim.rwset, p.sim.privateReadKeys, privateOverlay);
      seen.add(p.txId);
      const version: Version = [number, idx];
      if (code === 'VALID') {
        const { seconds, nanos } = p.proposal.timestamp;
        const { writes } = p.sim.rwset;
        for (let i = 0; i < writes.length; i++) {
          const w = writes[i] as (typeof writes)[number];
          const key = Buffer.from(w.key, 'utf8');
          const value = w.isDelete ? null : (p.sim.writeValues[i] ?? Buffer.from(w.value ?? '', 'base64'));
          overlay.set(w.key, { key, version, value });
          state.push({ key, value, tx: idx });
          history.push({ key, tx: idx, txId: p.txId, seconds, nanos, isDelete: w.isDelete });
        }
        for (const w of p.sim.privateValues) {
          privateOverlay.set(`${w.collection}\u0000${w.key.toString('hex')}`, w.value === null ? null : version);
          privates.push({
            collection: w.collection,
            key: w.key,
            value: w.value,
            hash: w.value === null ? null : sha256(w.value),
            tx: idx,
          });
        }
      }
      codes.push(code);
      const bytes = envelopeBytes(
        {
          txId: p.txId,
          signature: Buffer.from(p.signature).toString('base64'),
          response: { status: p.response.status, payloadSha256: sha256Hex(p.response.payload ?? new Uint8Array()) },
          rwset: p.sim.rwset,
          event: p.sim.event,
          validationCode: code,
        },
        p.proposalJson,
      );
      envelopes.push(bytes);
      txs.push({
        idx,
        txId: p.txId,
        envelope: bytes,
        valid: code === 'VALID',
        eventName: code === 'VALID' && p.sim.event ? p.sim.event.name : null,
      });
    });
    const header: BlockHeader = {
      channel: this.channel,
      number,
      previousHash,
      dataHash: Buffer.from(MerkleTree.fromLeaves(envelopes).root).toString('hex'),
      timestamp: new Date().toISOString(),
      txCount: batch.length,
      signer: { mspId: this.#peer.identity.mspId, certSha256: this.#peerCertSha256 },
    };
    const hb = headerBytes(header);
    // made on libuv's pool while the committer thread writes the block's rows
    const signature = signMessage(this.#peer, hb, { offThread: true });
    return {
      signature,
      write: {
        number,
        previousHash,
        header: hb,
        hash: sha256(hb),
        signerCert: this.#peerCertPem,
        txs,
        state,
        history,
        private: privates,
      },
      codes,
    };
  }

  conflict(txId: string, code: ValidationCode, blockNumber: number): ConflictError {
    const what =
      code === 'DUPLICATE_TXID'
        ? 'a transaction with this id was already committed'
        : code === 'PHANTOM_READ_CONFLICT'
          ? 'a range it read changed before it committed (phantom read)'
          : 'a key it read changed before it committed (MVCC read conflict)';
    return new ConflictError(`transaction ${txId} was invalidated in block ${blockNumber}: ${what}`, {
      txId,
      blockNumber,
      details: { validationCode: code },
    });
  }
}

/**
 * The creator of an identity's proposals, decoded once per credentials: the same certificate string then
 * goes into every proposal, so the memos keyed by it (txId and canonical text, proven signers, the
 * chaincode's ClientIdentity) find it by a hash V8 has already computed instead of re-reading ~1 KB.
 */
const creators = new WeakMap<Uint8Array, { mspId: string; certPem: string }>();

function creatorOf(identity: SigningIdentity['identity']): { readonly mspId: string; readonly certPem: string } {
  let creator = creators.get(identity.credentials);
  if (creator === undefined || creator.mspId !== identity.mspId) {
    creator = { mspId: identity.mspId, certPem: Buffer.from(identity.credentials).toString('utf8') };
    creators.set(identity.credentials, creator);
  }
  return creator;
}

const NONCE_BYTES = 24;
const NONCES_PER_FILL = 256;
let nonces = Buffer.alloc(0);
let nonceAt = 0;

/**
 * A fresh 24-byte proposal nonce from the CSPRNG, drawn 256 at a time: randomBytes(24) per proposal cost
 * about 5 us (a call into OpenSSL's RAND for every transaction). Each nonce is handed out once, and a used
 * pool is never refilled (a new one is allocated), so a nonce a caller keeps is never overwritten.
 */
function nextNonce(): Buffer {
  if (nonceAt === nonces.length) {
    nonces = randomFillSync(Buffer.allocUnsafe(NONCE_BYTES * NONCES_PER_FILL));
    nonceAt = 0;
  }
  const nonce = nonces.subarray(nonceAt, nonceAt + NONCE_BYTES);
  nonceAt += NONCE_BYTES;
  return nonce;
}

/** An exponential moving average weighing about the last eight samples. */
function average(current: number | undefined, sample: number): number {
  return current === undefined ? sample : current + (sample - current) / 8;
}

function now(): { seconds: number; nanos: number } {
  const ms = performance.timeOrigin + performance.now();
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.min(999_999_999, Math.floor((ms - seconds * 1000) * 1e6));
  return { seconds, nanos };
}
