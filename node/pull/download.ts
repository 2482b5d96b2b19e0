import { open, stat, truncate } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { PullFailure } from './errors.js';
import { describeProblem, readAll, type GatewayClient, type Problem } from './http.js';
import type { RateLimiter } from './rate.js';

export interface DownloadInput {
  readonly href: string;
  /** The partial file under the home: kept across interruptions, resumed with Range. */
  readonly partPath: string;
  readonly size: number;
  /** The CID the chain records: the gateway's ETag, sent as If-Range so a resume never mixes two payloads. */
  readonly cid: string;
  readonly ids: { readonly resourceId: string; readonly version: number };
  readonly onBytes?: (n: number) => void;
  readonly signal?: AbortSignal;
  readonly rate?: RateLimiter;
  /** Attempts when the stream is cut (each resumes where the last stopped). Default 3. */
  readonly attempts?: number;
}

export interface DownloadResult {
  /** Bytes received in this run. */
  readonly received: number;
  /** Bytes already in the partial file when this run started. */
  readonly resumedFrom: number;
}

/** The gateway withdrew the resource (410): not a failure of the transfer. */
export class Withdrawn extends Error {}

/**
 * Downloads into the partial file, resuming after an interruption (a cut connection, a killed process)
 * from the bytes already on disk with `Range: bytes=<have>-` and `If-Range: "<cid>"`. A 200 answer to a
 * resume restarts the file from zero. Nothing here trusts the bytes: the caller verifies the whole file.
 */
export async function download(client: GatewayClient, input: Readonly<DownloadInput>): Promise<DownloadResult> {
  const attempts = input.attempts ?? 3;
  let received = 0;
  const resumedFrom = await sizeOf(input.partPath);
  if (resumedFrom > input.size) await truncate(input.partPath, 0);
  let lastCut = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const have = Math.min(await sizeOf(input.partPath), input.size);
    if (have === input.size && input.size > 0) return { received, resumedFrom };
    const headers: Record<string, string> = { accept: '*/*' };
    if (have > 0) {
      headers.range = `bytes=${have}-`;
      headers['if-range'] = `"${input.cid}"`;
    }
    const res = await client.send('GET', input.href, { headers, ...(input.signal ? { signal: input.signal } : {}) });
    const status = res.statusCode ?? 0;
    let start: number;
    if (status === 206) {
      const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(res.headers['content-range'] ?? ''));
      if (!m || Number(m[1]) !== have || Number(m[3]) !== input.size) {
        res.destroy();
        throw new PullFailure(
          'transport',
          `the gateway answered range ${String(res.headers['content-range'])} to bytes=${have}- of ${input.size}`,
          input.ids,
        );
      }
      start = have;
    } else if (status === 200) {
      start = 0;
    } else {
      await failFor(res, status, input);
      continue; // unreachable: failFor throws
    }
    const etag = String(res.headers.etag ?? '');
    if (etag !== `"${input.cid}"`) {
      res.destroy();
      throw new PullFailure(
        'verification',
        `the gateway serves ETag ${etag || '(none)'}, the chain records CID ${input.cid}`,
        input.ids,
      );
    }
    const got = await writeFrom(res, input.partPath, start, async (n) => {
      received += n;
      input.onBytes?.(n);
      await input.rate?.take(n, input.signal);
    });
    if (got.complete && start + got.bytes === input.size) return { received, resumedFrom };
    if (got.complete && start + got.bytes !== input.size) {
      throw new PullFailure(
        'verification',
        `the gateway sent ${start + got.bytes} bytes, the chain records ${input.size}`,
        input.ids,
      );
    }
    lastCut = `the stream was cut at byte ${start + got.bytes} of ${input.size}`;
    if (input.signal?.aborted) break;
  }
  throw new PullFailure(
    'transport',
    `${lastCut || 'the download did not complete'} (${attempts} attempts; the gateway cuts a stream whose stored bytes fail verification)`,
    {
      ...input.ids,
      details: { cut: true },
    },
  );
}

async function failFor(res: IncomingMessage, status: number, input: Readonly<DownloadInput>): Promise<never> {
  const text = await readAll(res, 1 << 20).catch(() => '');
  let problem: Problem | undefined;
  try {
    problem = JSON.parse(text) as Problem;
  } catch {
    problem = { detail: text.slice(0, 200) };
  }
  if (status === 410) throw new Withdrawn(describeProblem(status, problem));
  if (status === 416) {
    await truncate(input.partPath, 0);
    throw new PullFailure(
      'transport',
      `the gateway refused the resume range (${describeProblem(status, problem)}); the partial file was reset`,
      input.ids,
    );
  }
  const kind =
    status === 403 || status === 401
      ? 'refused'
      : problem?.code === 'INTEGRITY' || String(problem?.type).endsWith(':integrity')
        ? 'verification'
        : 'transport';
  throw new PullFailure(kind, `GET content: ${describeProblem(status, problem)}`, input.ids);
}

async function writeFrom(
  res: IncomingMessage,
  path: string,
  start: number,
  onBytes: (n: number) => Promise<void>,
): Promise<{ bytes: number; complete: boolean }> {
  const fh = await open(path, start === 0 ? 'w' : 'r+');
  let bytes = 0;
  let complete = true;
  try {
    if (start > 0) await fh.truncate(start);
    let position = start;
    try {
      for await (const chunk of res as AsyncIterable<Buffer>) {
        await fh.write(chunk, 0, chunk.length, position);
        position += chunk.length;
        bytes += chunk.length;
        await onBytes(chunk.length);
      }
    } catch {
      complete = false;
    }
    if (!res.complete) complete = false;
    await fh.sync();
  } finally {
    await fh.close();
  }
  return { bytes, complete };
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}
