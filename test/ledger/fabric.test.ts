import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { common } from '@hyperledger/fabric-protos';
import {
  AccessDeniedError,
  ConflictError,
  LedgerError,
  NotFoundError,
  UnavailableError,
  ValidationError,
} from '../../node/core/errors.js';
import {
  checkpointAfter,
  fileCheckpointer,
  openFabricConnection,
  splitPemBundle,
  verifyProofBundle,
  type FabricConnection,
  type Ledger,
  type LedgerEvent,
} from '../../node/ledger/index.js';
import { startGatewayDouble, type GatewayDouble } from './fabric-double.js';
import { KV_CONTRACT_DIR, tempDir, testConsortium, text, type TestConsortium } from './helpers.js';

const FIXTURES = join(KV_CONTRACT_DIR, '..', 'fabric');
const captured = JSON.parse(readFileSync(join(FIXTURES, 'blocks.json'), 'utf8')) as {
  txs: { txId: string; blockNumber: number }[];
  blocks: Record<string, string>;
};
const blocks = new Map(
  Object.entries(captured.blocks).map(([n, b]) => [Number(n), new Uint8Array(Buffer.from(b, 'base64'))]),
);
const caBundle = splitPemBundle(readFileSync(join(FIXTURES, 'ca-bundle.pem'), 'utf8'));

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

async function collect(iterable: AsyncIterable<LedgerEvent>, n = Infinity): Promise<LedgerEvent[]> {
  const out: LedgerEvent[] = [];
  for await (const e of iterable) {
    out.push(e);
    if (out.length >= n) break;
  }
  return out;
}

function chainInfo(height: number): Uint8Array {
  const info = new common.BlockchainInfo();
  info.setHeight(height);
  return info.serializeBinary();
}

const detail = (message: string) => [{ address: '127.0.0.1:29051', mspId: 'JilinLibraryMSP', message }];

describe('Fabric ledger adapter (gRPC double of a gateway peer)', function () {
  let c: TestConsortium;
  let peer: GatewayDouble;
  let connection: FabricConnection;
  let ledger: Ledger;

  before(async () => {
    c = await testConsortium();
  });
  beforeEach(async () => {
    peer = await startGatewayDouble();
    connection = openFabricConnection({
      endpoint: peer.address,
      client: peer.client,
      channel: 'smartlibrary',
      chaincode: 'shulian',
      retry: { attempts: 4, initialDelayMs: 1, maxDelayMs: 4 },
      eventRetry: { initialDelayMs: 1, maxDelayMs: 4 },
    });
    ledger = connection.connect(c.operator);
  });
  afterEach(async () => {
    await connection.close();
    await peer.close();
  });

  it('endorses, submits and checks the commit status; evaluates without ordering', async () => {
    peer.endorse = (call) => ({ payload: JSON.stringify({ fn: call.fn, args: call.args }) });
    peer.commitStatus = () => ({ code: 0, blockNumber: 42 });
    const r = await ledger.submit({ fn: 'RegisterVersion', args: ['{"a":1}'] });
    expect(r.txId).to.match(/^[0-9a-f]{64}$/);
    expect(r.blockNumber).to.equal(42);
    expect(JSON.parse(text(r.result))).to.deep.equal({ fn: 'RegisterVersion', args: ['{"a":1}'] });
    expect(peer.endorsements.map((e) => e.chaincode)).to.deep.equal(['shulian']);
    expect(peer.submits).to.deep.equal([r.txId]);
    expect(peer.statusQueries).to.deep.equal([r.txId]);

    peer.evaluate = (call) => ({ payload: `${call.fn}:${call.args.join(',')}` });
    expect(text(await ledger.evaluate({ fn: 'GetResource', args: ['r1'] }))).to.equal('GetResource:r1');
    expect(peer.submits).to.have.length(1);
  });

  it("maps the chaincode's [CODE] /pointer: messages as the embedded runtime does, with txId and endorsers", async () => {
    const cases: [string, new (...a: never[]) => Error][] = [
      ['VALIDATION', ValidationError],
      ['ACCESS_DENIED', AccessDeniedError],
      ['NOT_FOUND', NotFoundError],
      ['CONFLICT', ConflictError],
    ];
    for (const [code, cls] of cases) {
      peer.endorse = () => ({
        error: {
          code: status.ABORTED,
          message: 'failed to endorse transaction, see attached details for more info',
          details: detail(`chaincode response 500, [${code}] /cid: expected a CID`),
        },
      });
      const err = await rejection(ledger.submit({ fn: 'RegisterVersion', args: ['{}'] }));
      expect(err, code).to.be.instanceOf(cls);
      expect(err.message).to.equal('/cid: expected a CID');
      const e = err as ValidationError;
      expect(e.ids.pointer).to.equal('/cid');
      expect(e.ids.txId).to.equal(peer.endorsements.at(-1)?.txId);
      expect(e.details?.endorsers).to.deep.equal(detail(`chaincode response 500, [${code}] /cid: expected a CID`));
    }
    expect(peer.submits, 'a refused endorsement is never submitted').to.deep.equal([]);
    // evaluate: the peer puts the chaincode message in the status text
    peer.evaluate = () => ({
      error: {
        code: status.UNKNOWN,
        message:
          'evaluate call to endorser returned error: chaincode response 500, [NOT_FOUND] resource x does not exist',
      },
    });
    const nf = await rejection(ledger.evaluate({ fn: 'GetResource', args: ['x'] }));
    expect(nf).to.be.instanceOf(NotFoundError);
    expect(nf.message).to.equal('resource x does not exist');
    peer.evaluate = () => ({ error: { code: status.UNKNOWN, message: 'chaincode response 500, [RATE] slow down' } });
    const other = await rejection(ledger.evaluate({ fn: 'GetResource', args: ['x'] }));
    expect(other).to.be.instanceOf(LedgerError);
    expect((other as LedgerError).code).to.equal('RATE');
    peer.endorse = () => ({
      error: { code: status.PERMISSION_DENIED, message: 'access denied: creator org unknown, creator is malformed' },
    });
    const denied = await rejection(ledger.submit({ fn: 'RegisterVersion', args: ['{}'] }));
    expect(denied).to.be.instanceOf(AccessDeniedError);
    expect(denied.message).to.include('creator org unknown');
  });

  it('refuses malformed proposals naming the field, before any call', async () => {
    const fn = await rejection(ledger.submit({ fn: '' }));
    expect(fn).to.be.instanceOf(ValidationError);
    expect((fn as ValidationError).ids.pointer).to.equal('/fn');
    const arg = await rejection(ledger.evaluate({ fn: 'Get', args: ['a', 5 as unknown as string] }));
    expect((arg as ValidationError).ids.pointer).to.equal('/args/1');
    const tr = await rejection(ledger.submit({ fn: 'Put', transient: { terms: 'no' as unknown as Uint8Array } }));
    expect((tr as ValidationError).ids.pointer).to.equal('/transient/terms');
    expect(peer.endorsements).to.have.length(0);
  });

  it('retries a transient endorsement failure with a new proposal (nothing was ordered)', async () => {
    let n = 0;
    peer.endorse = () =>
      ++n <= 2 ? { error: { code: status.UNAVAILABLE, message: 'connection refused' } } : { payload: 'ok' };
    const r = await ledger.submit({ fn: 'Put', args: ['k'] });
    expect(peer.endorsements).to.have.length(3);
    expect(new Set(peer.endorsements.map((e) => e.txId)).size).to.equal(3);
    expect(peer.submits).to.deep.equal([r.txId]);
  });

  it('resends the same signed transaction when the orderer did not answer, and asks again for its status', async () => {
    let submits = 0;
    peer.submit = () =>
      ++submits === 1 ? { code: status.DEADLINE_EXCEEDED, message: 'deadline exceeded' } : undefined;
    let queries = 0;
    peer.commitStatus = () =>
      ++queries === 1 ? { code: status.UNAVAILABLE, message: 'peer restarting' } : { code: 0, blockNumber: 7 };
    const r = await ledger.submit({ fn: 'Put', args: ['k'] });
    expect(peer.endorsements, 'endorsed once').to.have.length(1);
    expect(peer.submits, 'the same txId both times').to.deep.equal([r.txId, r.txId]);
    expect(peer.statusQueries).to.deep.equal([r.txId, r.txId]);
    expect(r.blockNumber).to.equal(7);
  });

  it('endorses again on MVCC_READ_CONFLICT (fresh read set, never the stale envelope), then gives up with a ConflictError', async () => {
    let conflicted: string | undefined;
    peer.commitStatus = (txId) =>
      (conflicted ??= txId) === txId ? { code: 11, blockNumber: 3 } : { code: 0, blockNumber: 4 };
    const r = await ledger.submit({ fn: 'RegisterVersion', args: ['{}'] });
    expect(peer.endorsements).to.have.length(2);
    expect(peer.submits).to.have.length(2);
    expect(peer.submits[0]).to.not.equal(peer.submits[1]);
    expect(r.txId).to.equal(peer.submits[1]);

    peer.commitStatus = () => ({ code: 12, blockNumber: 9 });
    const err = await rejection(ledger.submit({ fn: 'RegisterVersion', args: ['{}'] }));
    expect(err).to.be.instanceOf(ConflictError);
    expect(err.message).to.include('PHANTOM_READ_CONFLICT');
    expect((err as ConflictError).ids.blockNumber).to.equal(9);
    expect(peer.endorsements).to.have.length(2 + 4);
  });

  it('does not retry an endorsement-policy failure at commit, and says so', async () => {
    peer.commitStatus = () => ({ code: 10, blockNumber: 5 });
    const err = await rejection(ledger.submit({ fn: 'Put', args: ['k'] }));
    expect(err).to.be.instanceOf(AccessDeniedError);
    expect(err.message).to.include('ENDORSEMENT_POLICY_FAILURE');
    expect((err as AccessDeniedError).ids.txId).to.equal(peer.submits[0]);
    expect(peer.endorsements).to.have.length(1);
  });

  it('waits for endorsing peers to come back, then says the endorsement policy cannot be satisfied', async () => {
    let n = 0;
    const noPlan = {
      code: status.FAILED_PRECONDITION,
      message:
        'no combination of peers can be derived which satisfy the endorsement policy: no peer combination can satisfy the endorsement policy',
    };
    peer.endorse = () => (++n <= 2 ? { error: noPlan } : { payload: 'ok' });
    await ledger.submit({ fn: 'RegisterVersion', args: ['{}'] });
    expect(peer.endorsements).to.have.length(3);
    n = 0;
    const down = {
      code: status.ABORTED,
      message: 'failed to collect enough transaction endorsements, see attached details for more info',
      details: [
        {
          address: '127.0.0.1:30051',
          mspId: 'HebeiLibraryMSP',
          message:
            'rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp 127.0.0.1:30051: connect: connection refused"',
        },
      ],
    };
    peer.endorse = () => (++n === 1 ? { error: down } : { payload: 'ok' });
    await ledger.submit({ fn: 'RegisterVersion', args: ['{}'] });
    expect(peer.endorsements).to.have.length(5);
    peer.endorse = () => ({ error: noPlan });
    const err = await rejection(ledger.submit({ fn: 'RegisterVersion', args: ['{}'] }));
    expect(err).to.be.instanceOf(UnavailableError);
    expect(err.message).to.include('not enough peers are reachable to satisfy the chaincode');
    expect(peer.endorsements).to.have.length(5 + 4);
  });

  it('gives up on an unreachable peer after the bounded attempts, naming the endpoint', async () => {
    peer.evaluate = () => ({ error: { code: status.UNAVAILABLE, message: 'No connection established' } });
    const err = await rejection(ledger.evaluate({ fn: 'Get', args: ['k'] }));
    expect(err).to.be.instanceOf(UnavailableError);
    expect(err.message).to.include(peer.address);
    expect(peer.evaluations).to.have.length(4);
    peer.commitStatus = () => ({ code: status.DEADLINE_EXCEEDED, message: 'timed out' });
    const lost = await rejection(ledger.submit({ fn: 'Put', args: ['k'] }));
    expect(lost).to.be.instanceOf(UnavailableError);
    expect(lost.message).to.match(/may still commit/);
    expect(peer.submits, 'never endorsed or submitted anew while the outcome is unknown').to.have.length(1);
  });

  it('reads the height and builds a fabric-block-v1 proof from qscc that verifies offline', async () => {
    const grant = captured.txs.at(-1) as { txId: string; blockNumber: number };
    peer.evaluate = (call) => {
      if (call.chaincode !== 'qscc') return { payload: '' };
      if (call.fn === 'GetChainInfo') return { payload: chainInfo(15) };
      if (call.fn === 'GetBlockByTxID' && call.args[1] === grant.txId)
        return { payload: blocks.get(grant.blockNumber) as Uint8Array };
      return {
        error: {
          code: status.UNKNOWN,
          message: `evaluate call to endorser returned error: chaincode response 500, Failed to get block for txID "${call.args[1]}", error no such transaction ID in index`,
        },
      };
    };
    expect(await ledger.height()).to.equal(15);
    const proof = await ledger.proof(grant.txId);
    expect(proof.format).to.equal('fabric-block-v1');
    expect(proof.blockNumber).to.equal(grant.blockNumber);
    const v = verifyProofBundle(proof, caBundle);
    expect(v.reasons).to.deep.equal([]);
    expect(v.ok).to.equal(true);
    expect(v.fn).to.equal('GrantRights');
    const missing = await rejection(ledger.proof('0'.repeat(64)));
    expect(missing).to.be.instanceOf(NotFoundError);
    expect(await rejection(ledger.proof('nope'))).to.be.instanceOf(ValidationError);
  });

  describe('events', () => {
    const all = captured.txs.map((t) => t.txId);
    beforeEach(() => {
      peer.deliver = { blocks };
      peer.evaluate = (call) => (call.fn === 'GetChainInfo' ? { payload: chainInfo(15) } : { payload: '' });
    });

    it('delivers the chaincode events of valid transactions with block, index and timestamp, until caught up', async () => {
      const events = await collect(ledger.events({ startBlock: 12, untilCaughtUp: true }));
      expect(events.map((e) => e.txId)).to.deep.equal(all);
      expect(events.map((e) => [e.blockNumber, e.txIndex])).to.deep.equal([
        [12, 0],
        [12, 1],
        [12, 2],
        [13, 0],
        [14, 0],
      ]);
      expect(events.map((e) => e.eventName)).to.deep.equal([
        'ResourceRegistered',
        'ResourceRegistered',
        'ResourceRegistered',
        'ResourceRegistered',
        'RightsGranted',
      ]);
      expect(JSON.parse(text((events[4] as LedgerEvent).payload))[0].docType).to.equal('rights');
      for (const e of events) expect(e.timestamp).to.match(/^\d{4}-\d\d-\d\dT/);
    });

    it('skips transactions the peer flagged invalid', async () => {
      const block = common.Block.deserializeBinary(blocks.get(12) as Uint8Array);
      const md = block.getMetadata()?.getMetadataList_asU8() ?? [];
      const flags = new Uint8Array(md[2] as Uint8Array);
      flags[1] = 11; // MVCC_READ_CONFLICT
      md[2] = flags;
      block.getMetadata()?.setMetadataList(md);
      peer.deliver = { blocks: new Map([...blocks, [12, block.serializeBinary()]]) };
      const events = await collect(ledger.events({ startBlock: 12, untilCaughtUp: true }));
      expect(events.map((e) => e.txId)).to.deep.equal([all[0], all[2], all[3], all[4]]);
    });

    it('resumes exactly after a durable checkpoint when the node restarts', async () => {
      const { dir, cleanup } = await tempDir();
      try {
        const checkpointer = fileCheckpointer(join(dir, 'events.checkpoint'));
        await checkpointer.save({ blockNumber: 12 });
        const first: LedgerEvent[] = [];
        for await (const e of ledger.events({ checkpointer })) {
          first.push(e);
          await checkpointer.save(checkpointAfter(e));
          if (first.length === 2) break;
        }
        await connection.close();
        // a new process: new connection, same checkpoint file
        connection = openFabricConnection({
          endpoint: peer.address,
          client: peer.client,
          channel: 'smartlibrary',
          chaincode: 'shulian',
        });
        ledger = connection.connect(c.operator);
        const rest = await collect(
          ledger.events({ checkpointer: fileCheckpointer(join(dir, 'events.checkpoint')), untilCaughtUp: true }),
        );
        expect([...first, ...rest].map((e) => e.txId)).to.deep.equal(all);
        expect(peer.deliverStarts).to.deep.equal([12, 12]);
      } finally {
        await cleanup();
      }
    });

    it('reconnects after the peer drops the stream and continues from the next block, without duplicates', async () => {
      peer.deliver = { blocks, failAfter: 12 };
      const events = await collect(ledger.events({ startBlock: 12 }), 5);
      expect(events.map((e) => e.txId)).to.deep.equal(all);
      expect(peer.deliverStarts).to.deep.equal([12, 13]);
    });

    it('stops on abort', async () => {
      const stop = new AbortController();
      const seen: LedgerEvent[] = [];
      const run = (async () => {
        for await (const e of ledger.events({ startBlock: 12, signal: stop.signal })) {
          seen.push(e);
          if (seen.length === 5) stop.abort();
        }
      })();
      await run;
      expect(seen).to.have.length(5);
    });
  });
});
