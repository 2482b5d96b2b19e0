import { X509Certificate } from 'node:crypto';

/** Small total functions for the offline verifiers: a bundle is untrusted input, so nothing here throws. */
export function parseCert(pem: string): X509Certificate | undefined {
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}

export function safe<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

/** A distinguished name as Node prints it (one attribute a line) on one line. */
export function oneLine(dn: string): string {
  return dn.split('\n').filter(Boolean).join(', ');
}
