import { createServer, type Server } from 'node:https';
import type { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { createGatewayApp, type GatewayApp } from './app.js';
import type { GatewayDeps } from './deps.js';
import { PROBLEM_CONTENT_TYPE, toProblem, HttpProblem } from './problem.js';

export interface GatewayTls {
  /** The gateway's TLS server certificate chain and key (PEM). */
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
  /** CA certificates client certificates must chain to (PEM bundle): the consortium's TLS CAs. */
  readonly ca: string | Buffer;
}

export interface GatewayTimeouts {
  /** Time to receive the request headers. */
  readonly headersMs: number;
  /** Time to receive a whole request, body included (uploads). */
  readonly requestMs: number;
  /** How long an idle keep-alive connection stays open. */
  readonly keepAliveMs: number;
  /** A socket with no traffic in either direction for this long is closed. */
  readonly idleSocketMs: number;
  /** On close(): how long streams in flight may take to finish before their connections are cut. */
  readonly shutdownGraceMs: number;
}

export const DEFAULT_TIMEOUTS: GatewayTimeouts = Object.freeze({
  headersMs: 20_000,
  requestMs: 30 * 60_000,
  keepAliveMs: 5_000,
  idleSocketMs: 120_000,
  shutdownGraceMs: 30_000,
});

export interface StartGatewayOptions {
  readonly tls: GatewayTls;
  readonly deps: GatewayDeps;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0 (an ephemeral port; read it from the result). */
  readonly port?: number;
  readonly timeouts?: Partial<GatewayTimeouts>;
  /** Largest request head (request line + headers), bytes; larger → 431. Default 16 KiB. */
  readonly maxHeaderBytes?: number;
}

export interface RunningGateway {
  readonly url: string;
  readonly port: number;
  readonly host: string;
  readonly app: GatewayApp;
  readonly server: Server;
  /** Stops accepting, lets requests in flight finish (up to shutdownGraceMs), then cuts what is left. */
  close(): Promise<void>;
}

/** Starts the gateway behind HTTPS with mutual TLS. */
export async function startGateway(options: Readonly<StartGatewayOptions>): Promise<RunningGateway> {
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const app = createGatewayApp(options.deps);
  const logger = app.log;
  const server = createServer(
    {
      cert: options.tls.cert,
      key: options.tls.key,
      ca: options.tls.ca,
      requestCert: true,
      // Node's rejectUnauthorized is a check after the handshake that destroys the socket without saying
      // why; the same check is made below, first thing on every connection, so the refusal is logged
      // with its reason (no certificate, unknown CA, expired). No request is read from such a socket.
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
      maxHeaderSize: options.maxHeaderBytes ?? 16 * 1024,
      keepAlive: true,
      ...app.messageClasses,
    },
    app.handler,
  );
  server.headersTimeout = timeouts.headersMs;
  server.requestTimeout = timeouts.requestMs;
  server.keepAliveTimeout = timeouts.keepAliveMs;
  server.setTimeout(timeouts.idleSocketMs, (socket: Socket) => socket.destroy());

  // raw TCP sockets (for the forced end) and their TLS sockets (what requests run on, ended gracefully)
  const sockets = new Set<Socket>();
  const secure = new Set<TLSSocket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.prependListener('secureConnection', (socket: TLSSocket) => {
    if (!socket.authorized) {
      const hasCert = Object.keys(socket.getPeerCertificate() ?? {}).length > 0;
      const reason = hasCert ? String(socket.authorizationError ?? 'CERT_UNTRUSTED') : 'NO_CLIENT_CERTIFICATE';
      app.metrics.tlsRefusals.inc({ reason });
      logger.warn({ event: 'tls-refused', reason, remote: socket.remoteAddress }, 'client certificate refused');
      socket.destroy();
      return;
    }
    secure.add(socket);
    socket.once('close', () => secure.delete(socket));
  });
  // handshakes refused by the TLS layer: no certificate, an unknown CA, an expired certificate
  server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: TLSSocket) => {
    const reason = err.code ?? 'TLS_ERROR';
    app.metrics.tlsRefusals.inc({ reason });
    logger.warn(
      { event: 'tls-refused', reason, message: err.message, remote: socket.remoteAddress },
      'TLS handshake failed',
    );
  });
  // malformed or oversized request heads never reach express: answer them as problems too
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || err.code === 'ECONNRESET') return void socket.destroy();
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    const timeout = err.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    const problem = toProblem(
      tooLarge
        ? new HttpProblem(
            'HEADERS_TOO_LARGE',
            `the request head is larger than ${options.maxHeaderBytes ?? 16 * 1024} bytes`,
          )
        : timeout
          ? new HttpProblem('VALIDATION', 'the request was not received in time')
          : new HttpProblem('VALIDATION', 'malformed HTTP request'),
      '',
    );
    const status = timeout ? 408 : problem.status;
    const body = JSON.stringify({ ...problem, status });
    logger?.warn({ event: 'client-error', code: err.code, status }, 'malformed request refused');
    socket.end(
      `HTTP/1.1 ${status} ${timeout ? 'Request Timeout' : problem.title}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  // Requests in progress per connection: shutdown ends a connection only once it has none, with end()
  // (which flushes what is still buffered) rather than destroy(), so a finished response is never cut.
  const active = new Map<Socket | TLSSocket, number>();
  let closing: Promise<void> | undefined;
  server.on('request', (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    const socket = req.socket;
    active.set(socket, (active.get(socket) ?? 0) + 1);
    res.once('close', () => {
      const left = (active.get(socket) ?? 1) - 1;
      if (left > 0) return void active.set(socket, left);
      active.delete(socket);
      if (closing) socket.end();
    });
  });
  const close = (): Promise<void> => {
    closing ??= (async () => {
      app.beginShutdown();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of secure) if (!active.has(socket)) socket.end();
      const deadline = new Promise<'timeout'>((resolve) =>
        setTimeout(() => resolve('timeout'), timeouts.shutdownGraceMs).unref(),
      );
      const outcome = await Promise.race([closed.then(() => 'closed' as const), deadline]);
      if (outcome === 'timeout') {
        logger?.warn(
          { event: 'shutdown-forced', connections: sockets.size },
          'grace period over; cutting connections still open',
        );
        for (const s of sockets) s.destroy();
        await closed;
      }
    })();
    return closing;
  };

  return { url: `https://${urlHost}:${address.port}`, port: address.port, host, app, server, close };
}
