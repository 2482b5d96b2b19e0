import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { IntegrityAlert } from './deps.js';

/**
 * The gateway's integrity flags: a version whose stored bytes failed verification while being served
 * carries an alert on its manifest until a later complete read of it verifies again (after the operator
 * repaired the store).
 *
 * With a file, the flags outlive the process: a restart must not make a corrupt payload look sound to
 * the warehouse and the auditors. The file is an append-only journal of JSON lines, `{"raise": alert}`
 * and `{"clear": {resourceId, version, at}}`, each appended and fdatasynced in order. It only grows when
 * stored content fails or recovers, so it is never compacted. A torn last line (a crash mid-append) is
 * skipped with a warning; so is any other line that does not parse, naming its number.
 */
export interface IntegrityAlerts {
  /** The current alerts by `resourceId@version`. */
  readonly current: ReadonlyMap<string, IntegrityAlert>;
  get(resourceId: string, version: number): IntegrityAlert | undefined;
  raise(alert: IntegrityAlert): void;
  /** Drops the alert of a version whose bytes verified again; does nothing when it has none. */
  clear(resourceId: string, version: number, at: string): void;
  /** Resolves once every change so far is on disk (or its failure logged). */
  flush(): Promise<void>;
}

export function alertKey(resourceId: string, version: number): string {
  return `${resourceId}@${version}`;
}

/** Alerts kept in memory only: for an app built without a node home (tests, embedding). */
export function memoryAlerts(): IntegrityAlerts {
  return journaledAlerts(new Map(), undefined, undefined);
}

/** Alerts journaled to `file`: loads what earlier runs left there. */
export async function openIntegrityAlerts(file: string, log: Logger): Promise<IntegrityAlerts> {
  const current = new Map<string, IntegrityAlert>();
  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const lines = text.split('\n');
  const torn = !text.endsWith('\n') && text !== '';
  lines.forEach((line, i) => {
    if (line === '') return;
    const entry = parseEntry(line);
    if (entry === undefined) {
      const why = torn && i === lines.length - 1 ? 'a torn last line (interrupted write)' : 'not a journal entry';
      log.warn({ file, line: i + 1 }, `integrity alerts: line ${i + 1} skipped: ${why}`);
    } else if ('raise' in entry) {
      current.set(alertKey(entry.raise.resourceId, entry.raise.version), entry.raise);
    } else {
      current.delete(alertKey(entry.clear.resourceId, entry.clear.version));
    }
  });
  // Later appends must start on a line of their own.
  return journaledAlerts(current, { file, log }, torn ? '\n' : '');
}

type Entry =
  | { readonly raise: IntegrityAlert }
  | { readonly clear: { readonly resourceId: string; readonly version: number; readonly at: string } };

function parseEntry(line: string): Entry | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const target = (v.raise ?? v.clear) as Record<string, unknown> | undefined;
  if (typeof target !== 'object' || target === null) return undefined;
  if (typeof target.resourceId !== 'string' || !Number.isSafeInteger(target.version)) return undefined;
  return value as Entry;
}

function journaledAlerts(
  current: Map<string, IntegrityAlert>,
  journal: { readonly file: string; readonly log: Logger } | undefined,
  pending: string | undefined,
): IntegrityAlerts {
  let lead = pending ?? '';
  let tail: Promise<void> = Promise.resolve();
  const append = (entry: Entry): void => {
    if (!journal) return;
    const text = `${lead}${JSON.stringify(entry)}\n`;
    lead = '';
    tail = tail.then(async () => {
      try {
        await mkdir(dirname(journal.file), { recursive: true });
        const handle = await open(journal.file, 'a', 0o600);
        try {
          await handle.write(text);
          await handle.datasync();
        } finally {
          await handle.close();
        }
      } catch (err) {
        // The alert stays in memory, in the log and in the metrics; only its survival of a restart failed.
        journal.log.error({ err, file: journal.file }, 'integrity alerts: could not write the journal');
      }
    });
  };
  return {
    current,
    get: (resourceId, version) => current.get(alertKey(resourceId, version)),
    raise(alert) {
      current.set(alertKey(alert.resourceId, alert.version), alert);
      append({ raise: alert });
    },
    clear(resourceId, version, at) {
      if (!current.delete(alertKey(resourceId, version))) return;
      append({ clear: { resourceId, version, at } });
    },
    flush: () => tail,
  };
}
