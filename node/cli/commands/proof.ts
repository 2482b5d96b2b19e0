import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { ValidationError } from '../../core/errors.js';
import { chainClient, checkRecordProof, recordProof, type RecordProof } from '../../ingest/index.js';
import { printJson, withNode, type NodeCommandOptions } from '../session.js';

/** `shulian proof RECORD_ID`: an indexing record's inclusion proof, verifiable offline. */
export function register(program: Command): void {
  program
    .command('proof')
    .description(
      "print an indexing record's proof as JSON: the record, its leaf, the RFC 9162 audit path, the anchored batch and the ledger proof of the batch's transaction",
    )
    .argument('[recordId]', 'indexing record id')
    .option(
      '--check <file>',
      'instead: check a saved proof offline (Merkle part; the ledger part with `shulian ledger check-proof`)',
    )
    .option('--no-ledger', 'leave out the ledger proof bundle')
    .option('--home <dir>', 'node home (default: SHULIAN_HOME, else ./.shulian)')
    .option('--json', 'JSON output (the proof is always JSON; with --check, print the check as JSON)')
    .addHelpText(
      'after',
      `
Offline check: recordHash = SHA-256(RFC 8785 canonical JSON of record); leafHash = SHA-256(0x00 || recordHash);
the RFC 9162 audit path from leafHash at leafIndex in a tree of treeSize leaves must lead to root, which is the
root of batch (anchored in transaction batch.txId; "ledger" proves that transaction was committed).`,
    )
    .action(async (recordId: string | undefined, options: NodeCommandOptions & { check?: string; ledger: boolean }) => {
      if (options.check) {
        let proof: RecordProof;
        try {
          proof = JSON.parse(await readFile(options.check, 'utf8')) as RecordProof;
        } catch (err) {
          throw new ValidationError(`${options.check}: expected a proof written by \`shulian proof\``, {
            file: options.check,
            cause: err,
          });
        }
        const check = checkRecordProof(proof);
        if (options.json) printJson({ recordId: proof.recordId, ...check });
        else
          process.stdout.write(
            check.ok
              ? `OK  ${proof.recordId} is leaf ${proof.leafIndex} of batch ${proof.batch?.batchId} (root ${proof.root})\n`
              : `INVALID  ${check.reasons.join('; ')}\n`,
          );
        if (!check.ok) process.exitCode = 1;
        return;
      }
      if (!recordId)
        throw new ValidationError('proof: expected a RECORD_ID (or --check FILE)', { pointer: '/recordId' });
      const proof = await withNode(options, (node) =>
        recordProof({ index: node.index, chain: chainClient(node.ledger), withLedgerProof: options.ledger }, recordId),
      );
      const check = checkRecordProof(proof);
      if (!check.ok)
        throw new ValidationError(`the stored proof of ${recordId} does not verify: ${check.reasons.join('; ')}`);
      printJson(proof);
    });
}
