/**
 * Drives the compiled chaincode as the consortium's members would: each actor signs with its own
 * X.509 identity (dev CA, Fabric CA attribute extension carrying `shulian.role`), so fabric-shim's
 * ClientIdentity sees exactly what a peer would show it.
 *
 *   const h = await harness();
 *   await h.as('jilin.operator').submit('RegisterVersion', input);
 */
import { execFile } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createDevCa, type DevCa } from '../../node/identity/index.js';
import { MemoryLedger } from './stub-double.js';

export const CHAINCODE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../chaincode');

export const ACTORS = {
  'jilin.operator': { mspId: 'JilinLibraryMSP', role: 'operator' },
  'jilin.rights-admin': { mspId: 'JilinLibraryMSP', role: 'rights-admin' },
  'jilin.auditor': { mspId: 'JilinLibraryMSP', role: 'auditor' },
  'jilin.norole': { mspId: 'JilinLibraryMSP', role: undefined },
  'hebei.operator': { mspId: 'HebeiLibraryMSP', role: 'operator' },
  'hebei.rights-admin': { mspId: 'HebeiLibraryMSP', role: 'rights-admin' },
  'nlc.warehouse': { mspId: 'NLCMSP', role: 'warehouse' },
} as const;

export type ActorName = keyof typeof ACTORS;
export type Arg = string | number | object;

export interface Actor {
  readonly name: ActorName;
  readonly mspId: string;
  /** Submits a transaction; object args are sent as JSON. Resolves to the parsed JSON result. */
  submit<T = unknown>(fn: string, ...args: Arg[]): Promise<T>;
  /** Submits with transient (private) data. */
  submitTransient<T = unknown>(fn: string, args: readonly Arg[], transient: Record<string, Uint8Array>): Promise<T>;
  evaluate<T = unknown>(fn: string, ...args: Arg[]): Promise<T>;
  /** The evaluation's result bytes exactly as the chaincode returned them. */
  evaluateRaw(fn: string, ...args: Arg[]): Promise<Uint8Array>;
}

export interface ChaincodeEvent {
  readonly txId: string;
  readonly eventName: string;
  readonly payload: unknown;
}

export interface Harness {
  as(name: ActorName): Actor;
  /** Every chaincode event committed so far, in commit order. */
  events(): Promise<ChaincodeEvent[]>;
  /** Confidential terms stored for a grant, as the licensor/licensee peers hold them (undefined if none). */
  privateData(collection: string, key: string): Uint8Array | undefined;
  close(): Promise<void>;
}

let built: Promise<void> | undefined;

/** Compiles the chaincode once per test run (the tests load the compiled package, as a peer would). */
export function buildChaincode(): Promise<void> {
  built ??= promisify(execFile)(process.execPath, [join(CHAINCODE_DIR, 'node_modules/typescript/bin/tsc'), '-p', CHAINCODE_DIR]).then(
    () => undefined,
  );
  return built;
}

interface Credentials {
  readonly mspId: string;
  readonly certPem: string;
  readonly keyPem: string;
}

let credentials: Promise<Map<ActorName, Credentials>> | undefined;

function issueCredentials(): Promise<Map<ActorName, Credentials>> {
  credentials ??= (async () => {
    const cas = new Map<string, DevCa>();
    const out = new Map<ActorName, Credentials>();
    for (const [name, { mspId, role }] of Object.entries(ACTORS) as [ActorName, (typeof ACTORS)[ActorName]][]) {
      let ca = cas.get(mspId);
      if (!ca) {
        ca = await createDevCa({ mspId });
        cas.set(mspId, ca);
      }
      const issued = await ca.issue({ commonName: name, kind: 'client', ...(role ? { role } : {}) });
      out.set(name, { mspId, certPem: issued.certPem, keyPem: issued.keyPem });
    }
    return out;
  })();
  return credentials;
}

function encodeArg(arg: Arg): string {
  return typeof arg === 'string' ? arg : typeof arg === 'number' ? String(arg) : JSON.stringify(arg);
}

function decode<T>(bytes: Uint8Array): T {
  const text = Buffer.from(bytes).toString('utf8');
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

/** A fresh, empty ledger with the compiled chaincode and every actor's identity. */
export async function harness(): Promise<Harness> {
  await buildChaincode();
  const creds = await issueCredentials();
  const ledger = new MemoryLedger(CHAINCODE_DIR);
  const actor = (name: ActorName): Actor => {
    const c = creds.get(name);
    if (!c) throw new Error(`no actor ${name}`);
    const creator = { mspid: c.mspId, idBytes: Buffer.from(c.certPem, 'utf8') };
    const raw = async (fn: string, args: readonly Arg[], commit: boolean, transient?: Record<string, Uint8Array>): Promise<Uint8Array> => {
      const { payload } = await ledger.invoke(creator, { fn, args: args.map(encodeArg), ...(transient ? { transient } : {}) }, commit);
      return payload;
    };
    const run = async <T>(fn: string, args: readonly Arg[], commit: boolean, transient?: Record<string, Uint8Array>): Promise<T> =>
      decode<T>(await raw(fn, args, commit, transient));
    return {
      name,
      mspId: c.mspId,
      submit: (fn, ...args) => run(fn, args, true),
      submitTransient: (fn, args, transient) => run(fn, args, true, transient),
      evaluate: (fn, ...args) => run(fn, args, false),
      evaluateRaw: (fn, ...args) => raw(fn, args, false),
    };
  };
  return {
    as: actor,
    events: async () => ledger.events.map((e) => ({ txId: e.txId, eventName: e.eventName, payload: decode(e.payload) })),
    privateData: (collection, key) => ledger.privateData.get(collection)?.get(key),
    close: async () => undefined,
  };
}

/** The bracketed code and the text of a chaincode error, however the ledger wrapped it. */
export function chaincodeError(err: unknown): { code: string; message: string } {
  const message = err instanceof Error ? err.message : String(err);
  const m = /\[(VALIDATION|ACCESS_DENIED|NOT_FOUND|CONFLICT)\] ?(.*)$/s.exec(message);
  return m ? { code: m[1] as string, message: m[2] as string } : { code: 'UNKNOWN', message };
}

/** Awaits a promise that must fail with a chaincode error of `code` whose text includes `fragment`. */
export async function rejects(promise: Promise<unknown>, code: string, fragment = ''): Promise<string> {
  let outcome: unknown;
  try {
    outcome = await promise;
  } catch (err) {
    const e = chaincodeError(err);
    if (e.code !== code || !e.message.includes(fragment)) {
      throw new Error(`expected [${code}] …${fragment}…, got: ${err instanceof Error ? err.message : String(err)}`);
    }
    return e.message;
  }
  throw new Error(`expected [${code}] …${fragment}…, but it succeeded with ${JSON.stringify(outcome)}`);
}
