import * as grpc from '@grpc/grpc-js';
import { common, gateway, google, orderer, peer } from '@hyperledger/fabric-protos';

/**
 * A test double of a Fabric gateway peer at the gRPC boundary: a real @grpc/grpc-js server on
 * 127.0.0.1 implementing the Gateway service (Endorse, Submit, CommitStatus, Evaluate) and the Deliver
 * service (block events), answering from scripted handlers. Blocks it delivers are real Fabric blocks
 * (fixtures captured from network.sh), so the adapter decodes exactly what a peer sends.
 */
export interface Call {
  readonly txId: string;
  readonly chaincode: string;
  readonly fn: string;
  readonly args: readonly string[];
}

/** What a handler answers: a payload, or a gRPC error with endorser details. */
export type Answer = { readonly payload?: Uint8Array | string } | { readonly error: GrpcFailure };
export interface GrpcFailure {
  readonly code: grpc.status;
  readonly message: string;
  readonly details?: readonly { readonly address: string; readonly mspId: string; readonly message: string }[];
}

export interface DeliverScript {
  /** Blocks by number (raw common.Block bytes). */
  readonly blocks: ReadonlyMap<number, Uint8Array>;
  /** After delivering this block number, fail the stream with UNAVAILABLE (a peer going away), once. */
  failAfter?: number | undefined;
}

export interface GatewayDouble {
  readonly address: string;
  readonly client: grpc.Client;
  readonly endorsements: Call[];
  readonly evaluations: Call[];
  readonly submits: string[];
  readonly statusQueries: string[];
  /** Start block of each Deliver request, in order. */
  readonly deliverStarts: number[];
  endorse: (call: Call) => Answer;
  evaluate: (call: Call) => Answer;
  submit: (txId: string) => GrpcFailure | undefined;
  commitStatus: (txId: string) => { code: number; blockNumber: number } | GrpcFailure;
  deliver: DeliverScript;
  close(): Promise<void>;
}

export async function startGatewayDouble(): Promise<GatewayDouble> {
  const server = new grpc.Server();
  const double: Omit<GatewayDouble, 'address' | 'client' | 'close'> = {
    endorsements: [],
    evaluations: [],
    submits: [],
    statusQueries: [],
    deliverStarts: [],
    endorse: () => ({ payload: '' }),
    evaluate: () => ({ payload: '' }),
    submit: () => undefined,
    commitStatus: () => ({ code: 0, blockNumber: 1 }),
    deliver: { blocks: new Map() },
  };
  const streams = new Set<grpc.ServerDuplexStream<unknown, unknown>>();

  server.addService(gateway.GatewayService as unknown as grpc.ServiceDefinition, {
    endorse(
      call: grpc.ServerUnaryCall<gateway.EndorseRequest, gateway.EndorseResponse>,
      cb: grpc.sendUnaryData<gateway.EndorseResponse>,
    ) {
      const req = call.request;
      const c = decodeProposal(req.getProposedTransaction());
      double.endorsements.push(c);
      const answer = double.endorse(c);
      if ('error' in answer) return cb(toServiceError(answer.error));
      const res = new gateway.EndorseResponse();
      res.setPreparedTransaction(preparedTransaction(req.getChannelId(), c.txId, bytes(answer.payload)));
      cb(null, res);
    },
    evaluate(
      call: grpc.ServerUnaryCall<gateway.EvaluateRequest, gateway.EvaluateResponse>,
      cb: grpc.sendUnaryData<gateway.EvaluateResponse>,
    ) {
      const c = decodeProposal(call.request.getProposedTransaction());
      double.evaluations.push(c);
      const answer = double.evaluate(c);
      if ('error' in answer) return cb(toServiceError(answer.error));
      const response = new peer.Response();
      response.setStatus(200);
      response.setPayload(bytes(answer.payload));
      const res = new gateway.EvaluateResponse();
      res.setResult(response);
      cb(null, res);
    },
    submit(
      call: grpc.ServerUnaryCall<gateway.SubmitRequest, gateway.SubmitResponse>,
      cb: grpc.sendUnaryData<gateway.SubmitResponse>,
    ) {
      const txId = call.request.getTransactionId();
      double.submits.push(txId);
      const failure = double.submit(txId);
      if (failure) return cb(toServiceError(failure));
      cb(null, new gateway.SubmitResponse());
    },
    commitStatus(
      call: grpc.ServerUnaryCall<gateway.SignedCommitStatusRequest, gateway.CommitStatusResponse>,
      cb: grpc.sendUnaryData<gateway.CommitStatusResponse>,
    ) {
      const txId = gateway.CommitStatusRequest.deserializeBinary(call.request.getRequest_asU8()).getTransactionId();
      double.statusQueries.push(txId);
      const answer = double.commitStatus(txId);
      if ('message' in answer) return cb(toServiceError(answer));
      const res = new gateway.CommitStatusResponse();
      res.setResult(answer.code as peer.TxValidationCodeMap[keyof peer.TxValidationCodeMap]);
      res.setBlockNumber(answer.blockNumber);
      cb(null, res);
    },
    chaincodeEvents(call: grpc.ServerWritableStream<unknown, unknown>) {
      call.emit('error', toServiceError({ code: grpc.status.UNIMPLEMENTED, message: 'not in this double' }));
    },
  });

  server.addService(peer.DeliverService as unknown as grpc.ServiceDefinition, {
    deliver(call: grpc.ServerDuplexStream<common.Envelope, peer.DeliverResponse>) {
      streams.add(call as grpc.ServerDuplexStream<unknown, unknown>);
      call.on('close', () => streams.delete(call as grpc.ServerDuplexStream<unknown, unknown>));
      call.on('error', () => undefined);
      call.once('data', (env: common.Envelope) => {
        const payload = common.Payload.deserializeBinary(env.getPayload_asU8());
        const seek = orderer.SeekInfo.deserializeBinary(payload.getData_asU8());
        const start = seek.getStart()?.getSpecified()?.getNumber() ?? 0;
        double.deliverStarts.push(start);
        const script = double.deliver;
        for (let n = start; script.blocks.has(n); n++) {
          const res = new peer.DeliverResponse();
          res.setBlock(common.Block.deserializeBinary(script.blocks.get(n) as Uint8Array));
          call.write(res);
          if (script.failAfter === n) {
            script.failAfter = undefined;
            call.emit('error', toServiceError({ code: grpc.status.UNAVAILABLE, message: 'peer is shutting down' }));
            return;
          }
        }
        // then wait, as a peer does, for blocks that are not there yet
      });
    },
    deliverFiltered(call: grpc.ServerDuplexStream<unknown, unknown>) {
      call.emit('error', toServiceError({ code: grpc.status.UNIMPLEMENTED, message: 'not in this double' }));
    },
    deliverWithPrivateData(call: grpc.ServerDuplexStream<unknown, unknown>) {
      call.emit('error', toServiceError({ code: grpc.status.UNIMPLEMENTED, message: 'not in this double' }));
    },
  });

  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  const address = `127.0.0.1:${port}`;
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  return Object.assign(double, {
    address,
    client,
    async close() {
      client.close();
      for (const s of streams) s.end();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      server.forceShutdown();
    },
  }) as GatewayDouble;
}

function bytes(p: Uint8Array | string | undefined): Uint8Array {
  if (p === undefined) return new Uint8Array();
  return typeof p === 'string' ? new TextEncoder().encode(p) : p;
}

function decodeProposal(signed: peer.SignedProposal | undefined): Call {
  if (!signed) throw new Error('no proposal');
  const proposal = peer.Proposal.deserializeBinary(signed.getProposalBytes_asU8());
  const header = common.Header.deserializeBinary(proposal.getHeader_asU8());
  const ch = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
  const ext = peer.ChaincodeHeaderExtension.deserializeBinary(ch.getExtension_asU8());
  const cpp = peer.ChaincodeProposalPayload.deserializeBinary(proposal.getPayload_asU8());
  const spec = peer.ChaincodeInvocationSpec.deserializeBinary(cpp.getInput_asU8()).getChaincodeSpec();
  const args = (spec?.getInput()?.getArgsList_asU8() ?? []).map((a) => Buffer.from(a).toString('utf8'));
  return {
    txId: ch.getTxId(),
    chaincode: ext.getChaincodeId()?.getName() ?? '',
    fn: args[0] ?? '',
    args: args.slice(1),
  };
}

/** The smallest envelope fabric-gateway accepts as an endorsed transaction carrying `result`. */
function preparedTransaction(channel: string, txId: string, result: Uint8Array): common.Envelope {
  const response = new peer.Response();
  response.setStatus(200);
  response.setPayload(result);
  const action = new peer.ChaincodeAction();
  action.setResponse(response);
  const prp = new peer.ProposalResponsePayload();
  prp.setExtension$(action.serializeBinary());
  const endorsed = new peer.ChaincodeEndorsedAction();
  endorsed.setProposalResponsePayload(prp.serializeBinary());
  const cap = new peer.ChaincodeActionPayload();
  cap.setAction(endorsed);
  const ta = new peer.TransactionAction();
  ta.setPayload(cap.serializeBinary());
  const tx = new peer.Transaction();
  tx.addActions(ta);
  const ch = new common.ChannelHeader();
  ch.setChannelId(channel);
  ch.setTxId(txId);
  ch.setType(common.HeaderType.ENDORSER_TRANSACTION);
  const header = new common.Header();
  header.setChannelHeader(ch.serializeBinary());
  const payload = new common.Payload();
  payload.setHeader(header);
  payload.setData(tx.serializeBinary());
  const env = new common.Envelope();
  env.setPayload(payload.serializeBinary());
  return env;
}

function toServiceError(f: GrpcFailure): Partial<grpc.StatusObject> {
  const metadata = new grpc.Metadata();
  if (f.details && f.details.length > 0) {
    const st = new google.rpc.Status();
    st.setCode(f.code);
    st.setMessage(f.message);
    for (const d of f.details) {
      const detail = new gateway.ErrorDetail();
      detail.setAddress(d.address);
      detail.setMspId(d.mspId);
      detail.setMessage(d.message);
      const any = st.addDetails();
      any.setTypeUrl('type.googleapis.com/gateway.ErrorDetail');
      any.setValue(detail.serializeBinary());
    }
    metadata.set('grpc-status-details-bin', Buffer.from(st.serializeBinary()));
  }
  return { code: f.code, details: f.message, metadata };
}
