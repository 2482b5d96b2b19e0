/** POST /v1/receipts: the warehouse's own signed RecordReceipt, relayed to this node's ledger. */
export { receiptsRouter, RECEIPTS_ROUTES, type ReceiptsDeps } from './router.js';
