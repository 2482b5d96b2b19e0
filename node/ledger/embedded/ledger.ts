import { LedgerError, NotFoundError, ValidationError } from '../../core/errors.js';
import type { SigningIdentity } from '../../identity/types.js';
import type { Checkpoint, EventsOptions, Ledger, LedgerEvent, Proposal, SubmitResult } from '../types.js';
import { isWellFormed, type BlockHeader, type TxEnvelope } from './block.js';
import { buildProofBundle } from './proof.js';
import type { Runtime } from './runtime.js';
import type { SignedProposal, SignedProposalRelay } from './relay.js';

const EVENT_PAGE = 256;

/** The Ledger port over the embedded runtime, bound to one signing identity. */
export class EmbeddedLedger implements Ledger, SignedProposalRelay {
  readonly identity: SigningIdentity['identity'];
  readonly #runtime: Runtime;
  readonly #signing: SigningIdentity;
  readonly #closing = new AbortController();

  constructor(runtime: Runtime, signing: SigningIdentity) {
    this.#runtime = runtime;
    this.#signing = signing;
    this.identity = signing.identity;
  }

  async submit(proposal: Readonly<Proposal>): Promise<SubmitResult> {
    const { fn, args, transient } = this.#check(proposal);
    const out = await this.#runtime.simulate(this.#signing, fn, args, transient);
    const { blockNumber, code } = await this.#runtime.order(out);
    if (code !== 'VALID') throw this.#runtime.conflict(out.txId, code, blockNumber);
    return { txId: out.txId, blockNumber, result: new Uint8Array(out.response.payload ?? new Uint8Array()) };
  }

  /** Executes a proposal signed by its creator elsewhere (relay.ts): a receipt the warehouse signed, relayed by the gateway. */
  async submitSigned(signed: Readonly<SignedProposal>): Promise<SubmitResult> {
    this.#open();
    const out = await this.#runtime.simulateSigned(signed);
    const { blockNumber, code } = await this.#runtime.order(out);
    if (code !== 'VALID') throw this.#runtime.conflict(out.txId, code, blockNumber);
    return { txId: out.txId, blockNumber, result: new Uint8Array(out.response.payload ?? new Uint8Array()) };
  }

  async evaluate(proposal: Readonly<Proposal>): Promise<Uint8Array> {
    const { fn, args, transient } = this.#check(proposal);
    const out = await this.#runtime.simulate(this.#signing, fn, args, transient, false);
    return new Uint8Array(out.response.payload ?? new Uint8Array());
  }

  events(options: Readonly<EventsOptions> = {}): AsyncIterable<LedgerEvent> {
    return this.#events(options);
  }

  async height(): Promise<number> {
    this.#open();
    return this.#runtime.height();
  }

  async proof(txId: string): Promise<ReturnType<typeof buildProofBundle>> {
    this.#open();
    if (typeof txId !== 'string' || !/^[0-9a-f]{64}$/.test(txId)) {
      throw new ValidationError('txId must be 64 lowercase hex characters', { pointer: '/txId' });
    }
    return buildProofBundle(this.#runtime.store, this.#runtime.channel, txId);
  }

  async close(): Promise<void> {
    this.#closing.abort();
  }

  #open(): void {
    if (this.#closing.signal.aborted) throw new LedgerError('LEDGER_CLOSED', 'this ledger connection is closed');
    if (this.#runtime.closed) throw new LedgerError('LEDGER_CLOSED', 'the embedded ledger is closed');
  }

  #check(proposal: Readonly<Proposal>): { fn: string; args: string[]; transient: Map<string, Uint8Array> } {
    this.#open();
    if (!proposal || typeof proposal.fn !== 'string' || proposal.fn.length === 0) {
      throw new ValidationError('proposal fn must be a non-empty transaction name', { pointer: '/fn' });
    }
    const args = proposal.args ?? [];
    if (!Array.isArray(args))
      throw new ValidationError('proposal args must be an array of strings', { pointer: '/args' });
    args.forEach((a, i) => {
      if (typeof a !== 'string')
        throw new ValidationError(`proposal args[${i}] must be a string`, { pointer: `/args/${i}` });
      if (!isWellFormed(a))
        throw new ValidationError(`proposal args[${i}] must be well-formed Unicode`, { pointer: `/args/${i}` });
    });
    const transient = new Map<string, Uint8Array>();
    for (const [name, value] of Object.entries(proposal.transient ?? {})) {
      if (!isWellFormed(name))
        throw new ValidationError('transient names must be well-formed Unicode', { pointer: '/transient' });
      if (!(value instanceof Uint8Array))
        throw new ValidationError(`transient "${name}" must be bytes (Uint8Array)`, { pointer: `/transient/${name}` });
      transient.set(name, value);
    }
    return { fn: proposal.fn, args: [...args], transient };
  }

  async *#events(options: Readonly<EventsOptions>): AsyncGenerator<LedgerEvent> {
    this.#open();
    const runtime = this.#runtime;
    const store = runtime.store;
    const checkpoint: Checkpoint | undefined = options.checkpointer ? await options.checkpointer.load() : undefined;
    const start = checkpoint ? checkpoint.blockNumber : (options.startBlock ?? 0);
    if (!Number.isSafeInteger(start) || start < 0)
      throw new ValidationError('events: startBlock must be an integer >= 0', { pointer: '/startBlock' });
    // resume after the checkpointed event: skip that block's events up to and including its txId
    let skipThrough = checkpoint?.txId;
    let block = start;
    let idx = 0;
    const timestamps = new Map<number, string>();
    const stop = anySignal([options.signal, this.#closing.signal]);
    for (;;) {
      if (stop.aborted || runtime.closed) return;
      const heightBefore = store.height();
      const rows = store.eventTxs(block, idx, EVENT_PAGE);
      for (const row of rows) {
        block = row.block;
        idx = row.idx + 1;
        if (skipThrough !== undefined && row.block === checkpoint?.blockNumber) {
          if (row.txId === skipThrough) skipThrough = undefined;
          continue;
        }
        skipThrough = undefined;
        const envelope = JSON.parse(row.envelope.toString('utf8')) as TxEnvelope;
        if (!envelope.event) continue;
        let timestamp = timestamps.get(row.block);
        if (timestamp === undefined) {
          const header = store.block(row.block);
          if (!header) throw new NotFoundError(`block ${row.block} is missing`, { blockNumber: row.block });
          timestamp = (JSON.parse(header.header.toString('utf8')) as BlockHeader).timestamp;
          if (timestamps.size > 64) timestamps.clear();
          timestamps.set(row.block, timestamp);
        }
        yield {
          blockNumber: row.block,
          txId: row.txId,
          txIndex: row.idx,
          eventName: envelope.event.name,
          payload: new Uint8Array(Buffer.from(envelope.event.payload, 'base64')),
          timestamp,
        };
        if (stop.aborted) return;
      }
      if (rows.length === EVENT_PAGE) continue;
      // every event of blocks below heightBefore has been delivered
      if (block < heightBefore) {
        block = heightBefore;
        idx = 0;
      }
      if (options.untilCaughtUp) return;
      await waitForBlock(runtime, stop, heightBefore);
    }
  }
}

/** Resolves when a block past `height` exists (this process's commits are announced, others' are polled). */
async function waitForBlock(runtime: Runtime, stop: AbortSignal, height: number): Promise<void> {
  if (runtime.store.height() > height) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      clearInterval(timer);
      runtime.blocks.off('block', done);
      runtime.blocks.off('close', done);
      stop.removeEventListener('abort', done);
      resolve();
    };
    const timer = setInterval(() => {
      if (runtime.closed || runtime.store.height() > height) done();
    }, runtime.pollIntervalMs);
    runtime.blocks.on('block', done);
    runtime.blocks.on('close', done);
    stop.addEventListener('abort', done);
  });
}

function anySignal(signals: readonly (AbortSignal | undefined)[]): AbortSignal {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  return present.length === 1 ? (present[0] as AbortSignal) : AbortSignal.any(present);
}
