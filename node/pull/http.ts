import { Agent, request } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { PullFailure } from './errors.js';

export interface GatewayTlsMaterial {
  /** The warehouse's TLS client certificate and key (PEM). */
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
  /** The pinned consortium TLS CA bundle: the only CAs the gateway's certificate may chain to. */
  readonly ca: string | Buffer;
}

export interface Problem {
  readonly type?: string;
  readonly code?: string;
  readonly detail?: string;
  readonly status?: number;
}

/** A small mTLS HTTP client for the gateway: JSON in and out, and raw responses for streaming. */
export class GatewayClient {
  readonly base: URL;
  readonly #agent: Agent;

  constructor(base: string, tls: Readonly<GatewayTlsMaterial>, maxSockets = 8) {
    this.base = new URL(base);
    if (this.base.protocol !== 'https:')
      throw new PullFailure('transport', `--from must be an https:// URL (mutual TLS), got ${base}`);
    this.#agent = new Agent({
      cert: tls.cert,
      key: tls.key,
      ca: tls.ca,
      keepAlive: true,
      maxSockets,
      minVersion: 'TLSv1.2',
    });
  }

  url(path: string): URL {
    return new URL(path, this.base);
  }

  /** Sends a request and returns the response unread (the caller consumes or destroys it). */
  send(
    method: string,
    path: string,
    options: { headers?: Record<string, string>; body?: string | Buffer; signal?: AbortSignal } = {},
  ): Promise<IncomingMessage> {
    const target = this.url(path);
    return new Promise((resolve, reject) => {
      const req = request(
        target,
        {
          method,
          agent: this.#agent,
          headers: { accept: 'application/json', ...options.headers },
          ...(options.signal ? { signal: options.signal } : {}),
        },
        resolve,
      );
      req.on('error', (err: NodeJS.ErrnoException) =>
        reject(
          new PullFailure('transport', `${method} ${target.pathname}: ${err.code ?? ''} ${err.message}`.trim(), {
            cause: err,
          }),
        ),
      );
      req.end(options.body);
    });
  }

  async json<T>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T | undefined; problem: Problem | undefined }> {
    const res = await this.send(
      method,
      path,
      body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
    );
    const text = await readAll(res, 64 * 1024 * 1024);
    const type = String(res.headers['content-type'] ?? '');
    let parsed: unknown;
    if (type.includes('json') && text.length > 0) {
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new PullFailure(
          'transport',
          `${method} ${path}: the gateway answered malformed JSON (status ${res.statusCode})`,
        );
      }
    }
    const status = res.statusCode ?? 0;
    if (status >= 400)
      return { status, body: undefined, problem: (parsed as Problem | undefined) ?? { detail: text.slice(0, 200) } };
    return { status, body: parsed as T, problem: undefined };
  }

  close(): void {
    this.#agent.destroy();
  }
}

export async function readAll(res: IncomingMessage, max: number): Promise<string> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    n += chunk.length;
    if (n > max) {
      res.destroy();
      throw new PullFailure('transport', `response larger than ${max} bytes`);
    }
    parts.push(chunk);
  }
  return Buffer.concat(parts).toString('utf8');
}

export function describeProblem(status: number, problem: Problem | undefined): string {
  return `${status}${problem?.type ? ` ${problem.type}` : ''}${problem?.detail ? `: ${problem.detail}` : ''}`;
}
