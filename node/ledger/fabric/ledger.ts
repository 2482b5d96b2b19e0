import { X509Certificate } from 'node:crypto';
import type { Deadline } from '@grpc/grpc-js';
import {
  CommitError,
  connect,
  type Commit,
  type Contract,
  type Gateway,
  type GrpcClient,
  type Network,
  type Transaction,
} from '@hyperledger/fabric-gateway';
import { common } from '@hyperledger/fabric-protos';
import {
  AccessDeniedError,
  ConflictError,
  LedgerError,
  NotFoundError,
  ShulianError,
  UnavailableError,
  ValidationError,
} from '../../core/errors.js';
import type { SigningIdentity } from '../../identity/types.js';
import type { Checkpoint, EventsOptions, Ledger, LedgerEvent, Proposal, SubmitResult } from '../types.js';
import { decodeTx, fromBlock, type DecodedTx } from './block.js';
import { isTransient, mapFabricError, RETRYABLE_VALIDATION, validationCodeName, type Phase } from './errors.js';
import { buildFabricProof, type FabricProofBundle } from './proof.js';
import { backoffDelay, DEFAULT_READ_RETRY, DEFAULT_RETRY, sleep, type RetryPolicy } from './retry.js';

/** Per-call deadlines (ms), as fabric-samples sets them. */
export interface FabricDeadlines {
  readonly evaluateMs: number;
  readonly endorseMs: number;
  readonly submitMs: number;
  readonly commitStatusMs: number;
}

export const DEFAULT_DEADLINES: FabricDeadlines = {
  evaluateMs: 5_000,
  endorseMs: 15_000,
  submitMs: 5_000,
  commitStatusMs: 60_000,
};

export interface FabricLedgerOptions {
  readonly client: GrpcClient;
  readonly signing: SigningIdentity;
  readonly channel: string;
  readonly chaincode: string;
  /** For messages: where the peer is. */
  readonly endpoint?: string;
  readonly deadlines?: Partial<FabricDeadlines>;
  /** Overrides both budgets: submits (default DEFAULT_RETRY) and reads (default DEFAULT_READ_RETRY). */
  readonly retry?: Partial<RetryPolicy>;
  /** Reconnect delay bounds for the event stream when the peer goes away. */
  readonly eventRetry?: Partial<RetryPolicy>;
}

const TX_ID = /^[0-9a-f]{64}$/;

/**
 * The Ledger port over a Fabric gateway peer, bound to one signing identity.
 *
 * Submit is at-most-once per version by construction, not by luck:
 *  - a transient failure while *endorsing* is retried with a new proposal: nothing was ordered;
 *  - a transient failure while *submitting* resends the same signed envelope (same txId): if the first
 *    copy reached the orderer the second is invalidated as DUPLICATE_TXID and the commit status of the
 *    txId is the first's;
 *  - a transient failure while *waiting for the commit status* asks again for the same txId;
 *  - MVCC_READ_CONFLICT / PHANTOM_READ_CONFLICT means the transaction wrote nothing; the proposal is
 *    endorsed again, so the chaincode re-reads the current state. It is never the old envelope that is
 *    resent. Shulian's writes are idempotent on identical content (RegisterVersion returns the existing
 *    head and writes nothing), so if a concurrent identical registration won, the retry returns that
 *    version instead of creating a second one; a different concurrent change surfaces as the chaincode's
 *    own answer ([CONFLICT] or a new version on top, exactly as two sequential submits would).
 * Every attempt is bounded by its deadline and the number of attempts by the retry policy.
 */
export class FabricLedger implements Ledger {
  readonly identity: SigningIdentity['identity'];
  readonly #gateway: Gateway;
  readonly #network: Network;
  readonly #contract: Contract;
  readonly #qscc: Contract;
  readonly #channel: string;
  readonly #chaincode: string;
  readonly #endpoint: string | undefined;
  readonly #deadlines: FabricDeadlines;
  readonly #retry: RetryPolicy;
  readonly #readRetry: RetryPolicy;
  readonly #eventRetry: RetryPolicy;
  readonly #closing = new AbortController();

  constructor(options: Readonly<FabricLedgerOptions>) {
    this.identity = options.signing.identity;
    this.#channel = options.channel;
    this.#chaincode = options.chaincode;
    this.#endpoint = options.endpoint;
    this.#deadlines = { ...DEFAULT_DEADLINES, ...options.deadlines };
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
    this.#readRetry = { ...DEFAULT_READ_RETRY, ...options.retry };
    this.#eventRetry = {
      attempts: Number.POSITIVE_INFINITY,
      initialDelayMs: 200,
      maxDelayMs: 10_000,
      ...options.eventRetry,
    };
    const d = this.#deadlines;
    this.#gateway = connect({
      client: options.client,
      identity: options.signing.identity,
      signer: options.signing.signer,
      evaluateOptions: () => ({ deadline: after(d.evaluateMs) }),
      endorseOptions: () => ({ deadline: after(d.endorseMs) }),
      submitOptions: () => ({ deadline: after(d.submitMs) }),
      commitStatusOptions: () => ({ deadline: after(d.commitStatusMs) }),
    });
    this.#network = this.#gateway.getNetwork(options.channel);
    this.#contract = this.#network.getContract(options.chaincode);
    this.#qscc = this.#network.getContract('qscc');
  }

  async submit(proposal: Readonly<Proposal>): Promise<SubmitResult> {
    const { fn, args, transient } = this.#check(proposal);
    let lastTxId: string | undefined;
    for (let attempt = 1; ; attempt++) {
      this.#open();
      let tx: Transaction;
      const p = this.#contract.newProposal(fn, { arguments: args, ...(transient ? { transientData: transient } : {}) });
      lastTxId = p.getTransactionId();
      try {
        tx = await p.endorse();
      } catch (err) {
        if (isTransient(err) && attempt < this.#retry.attempts) {
          await this.#backoff(attempt);
          continue;
        }
        throw this.#map(err, 'endorse', lastTxId);
      }
      const commit = await this.#submitOnce(tx);
      const status = await this.#status(commit);
      if (status.successful) {
        return { txId: status.transactionId, blockNumber: Number(status.blockNumber), result: tx.getResult() };
      }
      if (RETRYABLE_VALIDATION.has(status.code) && attempt < this.#retry.attempts) {
        await this.#backoff(attempt);
        continue;
      }
      throw this.#commitFailure(status.transactionId, status.code, Number(status.blockNumber), attempt);
    }
  }

  async evaluate(proposal: Readonly<Proposal>): Promise<Uint8Array> {
    const { fn, args, transient } = this.#check(proposal);
    return this.#evaluate(this.#contract, fn, args, transient, 'evaluate');
  }

  events(options: Readonly<EventsOptions> = {}): AsyncIterable<LedgerEvent> {
    return this.#events(options);
  }

  async height(): Promise<number> {
    this.#open();
    const bytes = await this.#evaluate(this.#qscc, 'GetChainInfo', [this.#channel], undefined, 'query');
    const info = common.BlockchainInfo.deserializeBinary(bytes);
    return Number(info.getHeight());
  }

  async proof(txId: string): Promise<FabricProofBundle> {
    this.#open();
    if (typeof txId !== 'string' || !TX_ID.test(txId))
      throw new ValidationError('txId must be 64 lowercase hex characters', { pointer: '/txId' });
    let bytes: Uint8Array;
    try {
      bytes = await this.#evaluate(this.#qscc, 'GetBlockByTxID', [this.#channel, txId], undefined, 'query');
    } catch (err) {
      if (
        err instanceof ShulianError &&
        /not found|no such transaction|failed to get block/i.test(`${err.message} ${JSON.stringify(err.details ?? {})}`)
      ) {
        throw new NotFoundError(`transaction ${txId} is not on channel ${this.#channel}`, { txId, cause: err });
      }
      throw err;
    }
    return buildFabricProof(bytes, this.#channel, txId, this.#chaincode);
  }

  async close(): Promise<void> {
    if (this.#closing.signal.aborted) return;
    this.#closing.abort();
    this.#gateway.close();
  }

  #open(): void {
    if (this.#closing.signal.aborted) throw new LedgerError('LEDGER_CLOSED', 'this ledger connection is closed');
  }

  #commitFailure(txId: string, code: number, blockNumber: number, attempts: number): ShulianError {
    const name = validationCodeName(code);
    if (RETRYABLE_VALIDATION.has(code)) {
      return new ConflictError(
        `transaction ${txId} was invalidated (${name}) in block ${blockNumber} after ${attempts} attempts: the state it read kept changing`,
        {
          txId,
          blockNumber,
          details: { validationCode: name, attempts },
        },
      );
    }
    const mapped = mapFabricError(
      new CommitError({
        code: code as CommitError['code'],
        transactionId: txId,
        message: `transaction ${txId} failed to commit (${name})`,
      }),
      { phase: 'commit-status' },
    );
    return Object.assign(mapped, { ids: { ...mapped.ids, blockNumber } });
  }

  #map(err: unknown, phase: Phase, txId?: string): ShulianError {
    const mapped = mapFabricError(err, {
      phase,
      ...(txId ? { txId } : {}),
      ...(this.#endpoint ? { endpoint: this.#endpoint } : {}),
    });
    // the peer says only "creator org unknown, creator is malformed" for an expired certificate or a wrong MSP id
    if (mapped instanceof AccessDeniedError && /creator org unknown|creator is malformed/.test(mapped.message)) {
      const cause = creatorHint(this.identity);
      return new AccessDeniedError(`${cause}: ${mapped.message}`, {
        ...mapped.ids,
        ...(mapped.details ? { details: mapped.details } : {}),
        cause: mapped.cause,
      });
    }
    return mapped;
  }

  async #submitOnce(tx: Transaction): Promise<Commit> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await tx.submit();
      } catch (err) {
        // the same signed envelope again: a duplicate of an ordered transaction is invalidated, never applied twice
        if (isTransient(err) && attempt < this.#retry.attempts) {
          await this.#backoff(attempt);
          continue;
        }
        throw this.#map(err, 'submit', tx.getTransactionId());
      }
    }
  }

  async #status(
    commit: Commit,
  ): Promise<{ transactionId: string; code: number; successful: boolean; blockNumber: bigint }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await commit.getStatus();
      } catch (err) {
        if (isTransient(err) && attempt < this.#retry.attempts) {
          await this.#backoff(attempt);
          continue;
        }
        const mapped = this.#map(err, 'commit-status', commit.getTransactionId());
        if (mapped instanceof UnavailableError) {
          // the transaction may still commit: say so, with the txId to check later
          throw new UnavailableError(
            `${mapped.message}; transaction ${commit.getTransactionId()} may still commit — check it before resubmitting`,
            {
              ...mapped.ids,
              ...(mapped.details ? { details: mapped.details } : {}),
              cause: mapped.cause,
            },
          );
        }
        throw mapped;
      }
    }
  }

  async #evaluate(
    contract: Contract,
    fn: string,
    args: readonly string[],
    transient: Record<string, Uint8Array> | undefined,
    phase: Phase,
  ): Promise<Uint8Array> {
    this.#open();
    for (let attempt = 1; ; attempt++) {
      const p = contract.newProposal(fn, { arguments: [...args], ...(transient ? { transientData: transient } : {}) });
      try {
        return await p.evaluate();
      } catch (err) {
        if (isTransient(err) && attempt < this.#readRetry.attempts) {
          await this.#backoff(attempt, this.#readRetry);
          continue;
        }
        throw this.#map(err, phase, p.getTransactionId());
      }
    }
  }

  #backoff(attempt: number, policy: RetryPolicy = this.#retry): Promise<void> {
    return sleep(backoffDelay(policy, attempt), this.#closing.signal);
  }

  #check(proposal: Readonly<Proposal>): {
    fn: string;
    args: string[];
    transient: Record<string, Uint8Array> | undefined;
  } {
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
      if (!a.isWellFormed())
        throw new ValidationError(`proposal args[${i}] must be well-formed Unicode`, { pointer: `/args/${i}` });
    });
    let transient: Record<string, Uint8Array> | undefined;
    for (const [name, value] of Object.entries(proposal.transient ?? {})) {
      if (!(value instanceof Uint8Array))
        throw new ValidationError(`transient "${name}" must be bytes (Uint8Array)`, { pointer: `/transient/${name}` });
      (transient ??= {})[name] = value;
    }
    return { fn: proposal.fn, args: [...args], transient };
  }

  /**
   * Chaincode events from full blocks (not getChaincodeEvents): a block carries what a LedgerEvent needs
   * and a chaincode event lacks — the transaction's index in its block, its validation flag and a
   * timestamp. Position = (block, txId of the last processed event): after a restart of the node the
   * checkpointer's position is where the stream reopens; after a restart of the peer the stream reopens
   * from the last delivered position in memory, with backoff, until the signal or close() stops it.
   */
  async *#events(options: Readonly<EventsOptions>): AsyncGenerator<LedgerEvent> {
    this.#open();
    const checkpoint: Checkpoint | undefined = options.checkpointer ? await options.checkpointer.load() : undefined;
    let block = checkpoint ? checkpoint.blockNumber : (options.startBlock ?? 0);
    if (!Number.isSafeInteger(block) || block < 0)
      throw new ValidationError('events: startBlock must be an integer >= 0', { pointer: '/startBlock' });
    let skipThrough = checkpoint?.txId;
    const stop = options.signal ? AbortSignal.any([options.signal, this.#closing.signal]) : this.#closing.signal;
    const until = options.untilCaughtUp ? await this.height() : undefined;
    let failures = 0;
    while (!stop.aborted) {
      if (until !== undefined && block >= until) return;
      let stream: AsyncIterable<common.Block> & { close(): void };
      try {
        stream = await this.#network.getBlockEvents({ startBlock: BigInt(block) });
      } catch (err) {
        if (!isTransient(err)) throw this.#map(err, 'events');
        await this.#backoff(++failures, this.#eventRetry);
        continue;
      }
      const onAbort = () => stream.close();
      stop.addEventListener('abort', onAbort);
      try {
        for await (const raw of stream) {
          failures = 0;
          const decoded = fromBlock(raw);
          const events: LedgerEvent[] = [];
          for (let i = 0; i < decoded.data.length; i++) {
            let tx: DecodedTx;
            try {
              tx = decodeTx(decoded, i);
            } catch (cause) {
              throw new LedgerError('BAD_BLOCK', `block ${decoded.number} transaction ${i} cannot be decoded`, {
                blockNumber: decoded.number,
                cause,
              });
            }
            const ev = tx.action?.event;
            if (tx.validationCode !== 0 || !ev || ev.chaincodeId !== this.#chaincode) continue;
            events.push({
              blockNumber: decoded.number,
              txId: tx.txId,
              txIndex: i,
              eventName: ev.name,
              payload: ev.payload,
              timestamp: tx.timestamp,
            });
          }
          for (const e of events) {
            if (skipThrough !== undefined && e.blockNumber === checkpoint?.blockNumber) {
              if (e.txId === skipThrough) skipThrough = undefined;
              continue;
            }
            yield e;
            if (stop.aborted) return;
          }
          skipThrough = undefined;
          block = decoded.number + 1;
          if (until !== undefined && block >= until) return;
        }
      } catch (err) {
        if (stop.aborted) return;
        if (err instanceof ShulianError) throw err;
        // CANCELLED comes from our own close(); anything transient means the peer went away: reopen
        if (!isTransient(err) && (err as { code?: number }).code !== 1) throw this.#map(err, 'events');
        await this.#backoff(++failures, this.#eventRetry);
      } finally {
        stop.removeEventListener('abort', onAbort);
        stream.close();
      }
    }
  }
}

function creatorHint(identity: SigningIdentity['identity']): string {
  let cert: X509Certificate | undefined;
  try {
    cert = new X509Certificate(Buffer.from(identity.credentials));
  } catch {
    return 'the peer refused the client certificate';
  }
  const now = new Date();
  if (now > new Date(cert.validTo))
    return `the client certificate expired on ${new Date(cert.validTo).toISOString()} (reenroll it)`;
  if (now < new Date(cert.validFrom))
    return `the client certificate is not valid before ${new Date(cert.validFrom).toISOString()}`;
  return `the channel does not accept this certificate as ${identity.mspId}: check that MSP_ID names the org whose CA issued it (${cert.issuer.split('\n').join(', ')})`;
}

function after(ms: number): Deadline {
  return Date.now() + ms;
}
