import type { SigningIdentity } from '../identity/types.js';
import type { Ledger } from '../ledger/types.js';
import { signProposal } from '../ledger/embedded/relay.js';
import { PullFailure } from './errors.js';
import { describeProblem, type GatewayClient } from './http.js';
import type { VerifiedVersion } from './types.js';

/** Where a receipt goes once a version is verified and stored. */
export interface ReceiptSink {
  /** Records the warehouse's receipt of `version` on the chain that holds it; returns the transaction id. */
  record(version: Readonly<VerifiedVersion>): Promise<string>;
}

/**
 * Embedded mode: the province's chain is the province node's embedded ledger, which the warehouse cannot
 * reach except through the gateway. The warehouse signs RecordReceipt with its own key and the gateway
 * relays the signed proposal (POST /v1/receipts): the receipt on the province's chain is the warehouse's
 * own signed statement, and the gateway can neither forge nor alter it. In a consortium the warehouse
 * submits RecordReceipt through its own Fabric peer (a ReceiptSink over its Ledger connection).
 */
export function relayedReceipts(client: GatewayClient, warehouse: SigningIdentity): ReceiptSink {
  return {
    async record(v) {
      const args = [
        JSON.stringify({ resourceId: v.resourceId, version: v.version, cid: v.cid, sha256: v.sha256, sm3: v.sm3 }),
      ];
      const signed = await signProposal(warehouse, { channel: v.channel, fn: 'RecordReceipt', args });
      const { status, body, problem } = await client.json<{ txId: string }>('POST', '/v1/receipts', {
        proposal: signed.proposal,
        signature: signed.signature,
      });
      if (status !== 201 || !body) {
        throw new PullFailure('receipt', `recording the receipt failed: ${describeProblem(status, problem)}`, {
          resourceId: v.resourceId,
          version: v.version,
        });
      }
      return body.txId;
    },
  };
}

/** Consortium mode: RecordReceipt submitted through the warehouse's own Fabric peer, as the warehouse. */
export function ledgerReceipts(ledger: Ledger): ReceiptSink {
  return {
    async record(v) {
      const args = [
        JSON.stringify({ resourceId: v.resourceId, version: v.version, cid: v.cid, sha256: v.sha256, sm3: v.sm3 }),
      ];
      try {
        return (await ledger.submit({ fn: 'RecordReceipt', args })).txId;
      } catch (err) {
        throw new PullFailure('receipt', `recording the receipt failed: ${(err as Error).message}`, {
          resourceId: v.resourceId,
          version: v.version,
        });
      }
    },
  };
}
