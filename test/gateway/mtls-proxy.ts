import { createServer, type IncomingMessage, type Server } from 'node:http';
import { request, type Agent } from 'node:https';
import type { AddressInfo } from 'node:net';

/**
 * Test plumbing standing in for the auditor's browser certificate store: headless chromium cannot be
 * handed a client certificate without a policy and an NSS database, so the browser talks plain HTTP to this
 * loopback proxy (127.0.0.1 is a secure context, WebCrypto works) and the proxy makes every request to the
 * gateway over mTLS with the auditor's certificate. The gateway itself stays mTLS-only. Every request is
 * recorded with its body, so the tests can show that nothing the auditor hashes is uploaded.
 */
export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly body: Buffer;
}

export interface MtlsProxy {
  readonly url: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startMtlsProxy(gatewayUrl: string, agent: Agent): Promise<MtlsProxy> {
  const upstream = new URL(gatewayUrl);
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      requests.push({ method: req.method ?? '', url: req.url ?? '', body });
      const headers = { ...req.headers, host: upstream.host };
      const out = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: req.url,
          method: req.method,
          headers,
          agent,
          servername: 'localhost',
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      out.on('error', (err) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`proxy: ${err.message}`);
      });
      out.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
