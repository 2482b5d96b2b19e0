import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LedgerError, ValidationError } from '../core/errors.js';
import type { Checkpoint, Checkpointer, LedgerEvent } from './types.js';

/**
 * A durable Checkpointer in one small JSON file, replaced atomically (write a temporary file, fsync,
 * rename, fsync the directory), so after a crash the file holds either the old or the new position.
 * Works with any Ledger adapter.
 */
export function fileCheckpointer(path: string): Checkpointer {
  if (typeof path !== 'string' || path.length === 0)
    throw new ValidationError('checkpoint path must be a file path', { pointer: '/path' });
  return {
    async load(): Promise<Checkpoint | undefined> {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new LedgerError('CHECKPOINT', `cannot read checkpoint ${path}`, { file: path, cause: err });
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (cause) {
        throw new LedgerError('CHECKPOINT', `checkpoint ${path} is not JSON`, { file: path, cause });
      }
      const c = parsed as Partial<Checkpoint>;
      if (
        !Number.isSafeInteger(c.blockNumber) ||
        (c.blockNumber as number) < 0 ||
        (c.txId !== undefined && typeof c.txId !== 'string')
      ) {
        throw new LedgerError('CHECKPOINT', `checkpoint ${path} is not {blockNumber, txId?}`, { file: path });
      }
      return c.txId === undefined
        ? { blockNumber: c.blockNumber as number }
        : { blockNumber: c.blockNumber as number, txId: c.txId };
    },
    async save(checkpoint: Checkpoint): Promise<void> {
      if (!Number.isSafeInteger(checkpoint?.blockNumber) || checkpoint.blockNumber < 0) {
        throw new ValidationError('checkpoint blockNumber must be an integer >= 0', { pointer: '/blockNumber' });
      }
      const dir = dirname(path);
      await mkdir(dir, { recursive: true });
      const tmp = `${path}.${process.pid}.tmp`;
      const fh = await open(tmp, 'w');
      try {
        await fh.writeFile(
          JSON.stringify(
            checkpoint.txId === undefined
              ? { blockNumber: checkpoint.blockNumber }
              : { blockNumber: checkpoint.blockNumber, txId: checkpoint.txId },
          ),
        );
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, path);
      const d = await open(dir, 'r');
      try {
        await d.sync();
      } finally {
        await d.close();
      }
    },
  };
}

/** The checkpoint that resumes right after `event` (save it once the event is processed). */
export function checkpointAfter(event: Pick<LedgerEvent, 'blockNumber' | 'txId'>): Checkpoint {
  return { blockNumber: event.blockNumber, txId: event.txId };
}

/** An in-memory Checkpointer (tests, one-shot tools). */
export function memoryCheckpointer(initial?: Checkpoint): Checkpointer & { readonly current: Checkpoint | undefined } {
  let current = initial;
  return {
    get current() {
      return current;
    },
    async load() {
      return current;
    },
    async save(checkpoint: Checkpoint) {
      current = { ...checkpoint };
    },
  };
}
