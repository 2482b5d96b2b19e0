/** A signing identity as Fabric sees it: MSP id plus the X.509 certificate (PEM bytes). */
export interface Identity {
  readonly mspId: string;
  readonly credentials: Uint8Array;
}

/** Signs a message digest (SHA-256) and returns a DER ECDSA signature (low-S), as fabric-gateway expects. */
export type Signer = (digest: Uint8Array) => Promise<Uint8Array>;

/** How a MessageSigner may sign; a signer that has no such choice ignores it. */
export interface SignOptions {
  /**
   * Sign on libuv's thread pool rather than the caller's thread: worth the hop there and back (some tenths of
   * a millisecond of latency) when the caller's thread has other work to do meanwhile.
   */
  readonly offThread?: boolean;
}

/** Signs SHA-256(message) and returns a DER ECDSA signature (low-S): the same scheme as `Signer`. */
export type MessageSigner = (message: Uint8Array, options?: Readonly<SignOptions>) => Promise<Uint8Array>;

export interface SigningIdentity {
  readonly identity: Identity;
  readonly signer: Signer;
  /**
   * Present when the private key is at hand: OpenSSL signs the message itself, which is an order of magnitude
   * cheaper than fabric-gateway's pure-JS signer over a digest (the embedded ledger signs every proposal and block).
   */
  readonly signMessage?: MessageSigner;
}
