import cliProgress from 'cli-progress';
import type { IngestSummary, ProgressEvent } from '../ingest/index.js';

/**
 * Shows an ingest job to a person: a progress bar (files, bytes, rate, ETA) on a terminal, one plain line
 * per file otherwise (logs, CI). With --json the per-file lines are left out; the summary is the output.
 */
export function progressReporter(options: Readonly<{ json?: boolean; stream?: NodeJS.WriteStream }>): {
  onProgress: (event: ProgressEvent) => void;
  stop: () => void;
} {
  const stream = options.stream ?? process.stderr;
  if (stream.isTTY) return barReporter(stream);
  if (options.json) return { onProgress: () => undefined, stop: () => undefined };
  return lineReporter(stream);
}

function barReporter(stream: NodeJS.WriteStream): { onProgress: (event: ProgressEvent) => void; stop: () => void } {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format:
        ' {bar} {percentage}% | {files}/{totalFiles} files | {doneBytes}/{totalBytes} | {rate} | ETA {eta_formatted} {records}',
      hideCursor: true,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  let bytes = 0;
  let totalBytes = 0;
  let files = 0;
  let totalFiles = 0;
  let records = '';
  let running = false;
  const payload = (): Record<string, string | number> => ({
    files,
    totalFiles,
    doneBytes: human(bytes),
    totalBytes: human(totalBytes),
    rate: `${human(bytes / Math.max(0.001, (Date.now() - started) / 1000))}/s`,
    records,
  });
  return {
    onProgress(event) {
      switch (event.type) {
        case 'scanned':
          totalBytes = event.bytes;
          totalFiles = event.files;
          bar.start(Math.max(1, totalBytes), 0, payload());
          running = true;
          break;
        case 'bytes':
          bytes += event.bytes;
          bar.update(Math.min(bytes, totalBytes), payload());
          break;
        case 'resource':
          files++;
          // unchanged files are hashed, not streamed through the store: count their bytes when they settle
          if (['unchanged', 'failed', 'planned-create', 'planned-update'].includes(event.outcome)) bytes += event.size;
          bar.update(Math.min(bytes, totalBytes), payload());
          break;
        case 'records':
          records = `| records ${event.anchored + event.unchanged}/${event.total}`;
          bar.update(Math.min(bytes, totalBytes), payload());
          break;
        case 'failure':
          bar.update(Math.min(bytes, totalBytes), payload());
          break;
        default:
          break;
      }
    },
    stop() {
      if (running) bar.stop();
    },
  };
}

function lineReporter(stream: NodeJS.WriteStream): { onProgress: (event: ProgressEvent) => void; stop: () => void } {
  const write = (line: string): void => void stream.write(`${line}\n`);
  return {
    onProgress(event) {
      switch (event.type) {
        case 'scanned':
          write(
            `scanned ${event.kind}: ${event.files} file(s), ${human(event.bytes)}, ${event.recordFiles} records file(s)`,
          );
          break;
        case 'resource':
          if (event.outcome === 'failed') break; // its 'failure' event says why
          write(
            `${event.outcome.padEnd(16)} ${event.resourceId}${event.version === undefined ? '' : ` v${event.version}`}  ${event.file}`,
          );
          break;
        case 'failure':
          write(`${'failed'.padEnd(16)} ${event.failure.reason}`);
          break;
        case 'records':
          write(
            `records          ${event.anchored} anchored, ${event.unchanged} unchanged, ${event.failed} failed of ${event.total}`,
          );
          break;
        default:
          break;
      }
    },
    stop: () => undefined,
  };
}

export function describeSummary(summary: IngestSummary): string {
  const head = summary.dryRun
    ? 'plan (dry run, nothing changed)'
    : summary.resumed
      ? 'done (resumed an interrupted job)'
      : 'done';
  const lines = [
    `${head}: ${summary.source}`,
    `  ${summary.dryRun ? 'to create' : 'created'}   ${summary.created}`,
    `  ${summary.dryRun ? 'to update' : 'updated'}   ${summary.updated}`,
    `  unchanged ${summary.unchanged}`,
    `  ${summary.dryRun ? 'to withdraw' : 'withdrawn'} ${summary.withdrawn}`,
    `  failed    ${summary.failed}`,
    `  stored    ${human(summary.bytes)}`,
    `  records   ${summary.records.anchored} ${summary.dryRun ? 'to anchor' : 'anchored'} in ${summary.records.batches} batch(es), ${summary.records.unchanged} unchanged, ${summary.records.failed} failed`,
  ];
  if (summary.dryRun) {
    for (const r of summary.resources.filter((r) => r.outcome.startsWith('planned-'))) {
      lines.push(`  ${r.outcome.slice('planned-'.length).padEnd(9)} ${r.resourceId}  ${r.file}`);
    }
  }
  if (summary.failures.length > 0) {
    lines.push('failures:');
    for (const f of summary.failures.slice(0, 50)) lines.push(`  ${f.reason}`);
    if (summary.failures.length > 50) lines.push(`  ... and ${summary.failures.length - 50} more (use --json for all)`);
  }
  return `${lines.join('\n')}\n`;
}

export function human(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}
