import type { TLSSocket } from 'node:tls';
import type { Socket } from 'node:net';
import type { NextFunction, Request, Response } from 'express';
import { identityFromCertificate, peerCertificateDer, type ClientIdentity } from './client-identity.js';
import { HttpProblem } from './problem.js';
import type { RevocationList } from './revocation.js';

/**
 * Resolves the caller once per TLS connection (certificate parsing and the revocation check are per
 * connection, not per request) and puts it in `res.locals.identity`. The TLS layer has already refused
 * connections without a certificate chaining to a consortium CA; a revoked or unusable one gets a 403
 * problem here, on every request of that connection.
 */
export function identityMiddleware(
  revocation: RevocationList | undefined,
  onRefusal: (reason: string, identity?: ClientIdentity) => void,
) {
  const perSocket = new WeakMap<Socket, Promise<ClientIdentity>>();
  const resolve = async (socket: TLSSocket): Promise<ClientIdentity> => {
    const der = typeof socket.getPeerCertificate === 'function' ? peerCertificateDer(socket) : undefined;
    if (!der) throw new HttpProblem('CERT_INVALID', 'no verified client certificate on this connection');
    const identity = identityFromCertificate(der);
    const revoked = revocation ? await revocation.check(identity, der) : undefined;
    if (revoked) {
      onRefusal(revoked, identity);
      throw new HttpProblem(
        'CERT_REVOKED',
        `client certificate ${identity.serialNumber} (${identity.commonName}, ${identity.org}) is revoked: ${revoked}`,
      );
    }
    return identity;
  };
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const socket = req.socket;
    let pending = perSocket.get(socket);
    if (!pending) {
      pending = resolve(socket as TLSSocket);
      perSocket.set(socket, pending);
    }
    res.locals.identity = await pending;
    next();
  };
}

export function identityOf(res: Response): ClientIdentity {
  const identity = res.locals.identity as ClientIdentity | undefined;
  if (!identity) throw new HttpProblem('CERT_INVALID', 'no client identity on this request');
  return identity;
}
