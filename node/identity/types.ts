/** A signing identity as Fabric sees it: MSP id plus the X.509 certificate (PEM bytes). */
export interface Identity {
  readonly mspId: string;
  readonly credentials: Uint8Array;
}

/** Signs a message digest (SHA-256) and returns a DER ECDSA signature (low-S), as fabric-gateway expects. */
export type Signer = (digest: Uint8Array) => Promise<Uint8Array>;

/** Signs SHA-256(message) and returns a DER ECDSA signature (low-S): the same scheme as `Signer`. */
export type MessageSigner = (message: Uint8Array) => Promise<Uint8Array>;

export interface SigningIdentity {
  readonly identity: Identity;
  readonly signer: Signer;
  /**
   * Present when the private key is at hand: OpenSSL signs the message itself, which is an order of magnitude
   * cheaper than fabric-gateway's pure-JS signer over a digest (the embedded ledger signs every proposal and block).
   */
  readonly signMessage?: MessageSigner;
}
