import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { identityOf } from '../identity-middleware.js';
import { HttpProblem } from '../problem.js';
import type { GatewayLedger } from '../ports.js';

/** node/ledger's SignedProposalRelay, structurally (the embedded ledger implements it). */
interface SignedProposalRelay {
  submitSigned(
    signed: Readonly<{ proposal: string; signature: string }>,
  ): Promise<{ txId: string; blockNumber: number; result: Uint8Array }>;
}

function isSignedProposalRelay(value: unknown): value is SignedProposalRelay {
  return typeof (value as { submitSigned?: unknown } | null)?.submitSigned === 'function';
}

export interface ReceiptsDeps {
  /** The node's ledger connection; it must relay signed proposals (the embedded ledger does). */
  readonly ledger: GatewayLedger;
}

export const RECEIPTS_ROUTES = [{ method: 'POST', path: '/v1/receipts' }] as const;

/**
 * The custody handoff, two-sided: the warehouse records on the province's chain that it received and
 * verified a version. The receipt must be the warehouse's own statement, so the gateway does not submit it
 * as anyone: the warehouse builds RecordReceipt and signs it with its own key (node/ledger's
 * signProposal), and the gateway relays the signed proposal to its ledger, which checks the signature and
 * that the creator chains to a consortium CA, and the chaincode checks the `warehouse` role. The gateway
 * adds two checks of its own: only RecordReceipt is relayed, and only for the org of the mTLS caller.
 * In a consortium the warehouse submits through its own Fabric peer and does not need this route.
 *
 * Mount at /v1/receipts.
 */
export function receiptsRouter(deps: Readonly<ReceiptsDeps>): Router {
  const router = express.Router();
  const body = express.json({ limit: '128kb', strict: true, type: ['application/json'] });
  router.use((_req: Request, res: Response, next: NextFunction) => {
    res.locals.route = '/v1/receipts';
    next();
  });
  router.post(
    '/',
    (req: Request, _res: Response, next: NextFunction) => {
      if (!req.is('application/json'))
        return next(
          new HttpProblem('UNSUPPORTED_MEDIA_TYPE', 'the body must be application/json: {proposal, signature}'),
        );
      next();
    },
    body,
    async (req: Request, res: Response) => {
      const identity = identityOf(res);
      if (identity.role !== 'warehouse')
        throw new HttpProblem(
          'ROLE_REQUIRED',
          `recording a receipt needs the warehouse role; the client certificate has ${identity.role ?? 'none'}`,
        );
      const ledger = deps.ledger;
      if (!isSignedProposalRelay(ledger)) {
        throw new HttpProblem(
          'UNAVAILABLE',
          "this node's ledger does not relay signed proposals; in a consortium, submit RecordReceipt through your own peer",
        );
      }
      const signed = req.body as { proposal?: unknown; signature?: unknown } | null;
      if (
        typeof signed !== 'object' ||
        signed === null ||
        typeof signed.proposal !== 'string' ||
        typeof signed.signature !== 'string'
      ) {
        throw new HttpProblem('VALIDATION', 'expected {proposal: canonical JSON string, signature: base64}', {
          pointer: typeof signed?.proposal !== 'string' ? '/proposal' : '/signature',
        });
      }
      let fn: unknown;
      let creatorMsp: unknown;
      try {
        const p = JSON.parse(signed.proposal) as { fn?: unknown; creator?: { mspId?: unknown } };
        fn = p.fn;
        creatorMsp = p.creator?.mspId;
      } catch {
        throw new HttpProblem('VALIDATION', 'the proposal is not JSON', { pointer: '/proposal' });
      }
      if (fn !== 'RecordReceipt')
        throw new HttpProblem('ACCESS_DENIED', 'only RecordReceipt proposals are relayed', { pointer: '/proposal/fn' });
      if (creatorMsp !== identity.org)
        throw new HttpProblem(
          'ACCESS_DENIED',
          `the proposal is signed for ${String(creatorMsp)}, the connection is ${identity.org}`,
          { pointer: '/proposal/creator/mspId' },
        );
      const result = await ledger.submitSigned({ proposal: signed.proposal, signature: signed.signature });
      const receipt = JSON.parse(Buffer.from(result.result).toString('utf8')) as {
        resourceId?: string;
        version?: number;
      };
      req.log?.info(
        { event: 'receipt-recorded', txId: result.txId, resourceId: receipt.resourceId, version: receipt.version },
        'warehouse receipt recorded',
      );
      res.status(201).json({ txId: result.txId, blockNumber: result.blockNumber, receipt });
    },
  );
  return router;
}
