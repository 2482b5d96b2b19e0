import { request, Agent } from 'node:https';
import { readFileSync } from 'node:fs';

/** A tiny HTTPS client for the gateway tests: one agent per identity (client certificate). */
export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  /** Set when the connection was cut before the body was complete. */
  readonly error?: Error;
}

export interface TlsMaterial {
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  readonly ca: string | Buffer;
}

export function tlsFrom(files: { cert: string; key: string }, caFile: string): TlsMaterial {
  return { cert: readFileSync(files.cert), key: readFileSync(files.key), ca: readFileSync(caFile) };
}

export function agentFor(tls: TlsMaterial, keepAlive = true): Agent {
  return new Agent({ ...tls, keepAlive, maxSockets: 64 });
}

export function call(
  base: string,
  agent: Agent,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    // the path goes out as written: a WHATWG URL would normalise %2E%2E away before the server sees it
    const { hostname, port } = new URL(base);
    const req = request(
      { host: hostname, port, path, method, agent, servername: 'localhost', headers: options.headers ?? {} },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        const done = (error?: Error) =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(parts),
            ...(error ? { error } : {}),
          });
        res.on('end', () => (res.complete ? done() : done(new Error('incomplete body'))));
        res.on('error', (err) => done(err));
        res.on('aborted', () => done(new Error('aborted')));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

export function problemOf(reply: Reply): Record<string, unknown> {
  if (!String(reply.headers['content-type']).startsWith('application/problem+json')) {
    throw new Error(
      `expected problem+json, got ${String(reply.headers['content-type'])} ${reply.status} ${reply.body.toString().slice(0, 200)}`,
    );
  }
  return JSON.parse(reply.body.toString('utf8')) as Record<string, unknown>;
}
