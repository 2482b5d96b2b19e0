/**
 * Drives the compiled chaincode as the consortium's members would: each actor signs with its own
 * X.509 identity (dev CA, Fabric CA attribute extension carrying `shulian.role`), so fabric-shim's
 * ClientIdentity sees exactly what a peer would show it. Backed by the embedded ledger (node/ledger/embedded):
 * signed proposals, MVCC, blocks, events, history and private data, one fresh ledger per harness.
 *
 *   const h = await harness();
 *   await h.as('jilin.operator').submit('RegisterVersion', input);
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createDevCa, signingIdentity, type DevCa } from '../../node/identity/index.js';
import { openEmbeddedRuntime } from '../../node/ledger/embedded/index.js';
import type { Ledger } from '../../node/ledger/types.js';

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

/** True when dist/ is missing or older than some source file. */
async function chaincodeStale(): Promise<boolean> {
  const src = join(CHAINCODE_DIR, 'src');
  let builtAt: number;
  try {
    builtAt = (await stat(join(CHAINCODE_DIR, 'dist/index.js'))).mtimeMs;
  } catch {
    return true;
  }
  for (const name of await readdir(src)) {
    if ((await stat(join(src, name))).mtimeMs > builtAt) return true;
  }
  return false;
}

/** Compiles the chaincode once per test run if its sources changed (the ledger loads the compiled package, as a peer would). */
export function buildChaincode(): Promise<void> {
  built ??= (async () => {
    if (!(await chaincodeStale())) return;
    await promisify(execFile)(process.execPath, [
      join(CHAINCODE_DIR, 'node_modules/typescript/bin/tsc'),
      '-p',
      CHAINCODE_DIR,
    ]);
  })();
  return built;
}

interface Credentials {
  readonly mspId: string;
  readonly certPem: string;
  readonly keyPem: string;
}

interface Consortium {
  readonly actors: Map<ActorName, Credentials>;
  readonly peer: Credentials;
  readonly caCertsPem: string[];
}

let consortium: Promise<Consortium> | undefined;

/** One dev CA per organisation, the actors' identities and Jilin's peer (which signs blocks); once per run. */
function issueCredentials(): Promise<Consortium> {
  consortium ??= (async () => {
    const cas = new Map<string, DevCa>();
    const ca = async (mspId: string): Promise<DevCa> => {
      let found = cas.get(mspId);
      if (!found) {
        found = await createDevCa({ mspId });
        cas.set(mspId, found);
      }
      return found;
    };
    const actors = new Map<ActorName, Credentials>();
    for (const [name, { mspId, role }] of Object.entries(ACTORS) as [ActorName, (typeof ACTORS)[ActorName]][]) {
      const issued = await (await ca(mspId)).issue({ commonName: name, kind: 'client', ...(role ? { role } : {}) });
      actors.set(name, { mspId, certPem: issued.certPem, keyPem: issued.keyPem });
    }
    const peer = await (await ca('JilinLibraryMSP')).issue({ commonName: 'peer0.jilin', kind: 'peer' });
    return {
      actors,
      peer: { mspId: 'JilinLibraryMSP', certPem: peer.certPem, keyPem: peer.keyPem },
      caCertsPem: [...cas.values()].map((c) => c.certPem),
    };
  })();
  return consortium;
}

function encodeArg(arg: Arg): string {
  return typeof arg === 'string' ? arg : typeof arg === 'number' ? String(arg) : JSON.stringify(arg);
}

function decode<T>(bytes: Uint8Array): T {
  const text = Buffer.from(bytes).toString('utf8');
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

/** Private data as the embedded runtime keeps it (what a peer of the collection holds). */
interface PrivateView {
  readonly store?: { readonly view?: { getPrivate(collection: string, key: Buffer): { value: Buffer } | undefined } };
}

/**
 * A fresh, empty embedded ledger in a temp dir, running the compiled chaincode; creators' certificates
 * must chain to the consortium's CAs, as a channel's MSPs require.
 */
export async function harness(): Promise<Harness> {
  await buildChaincode();
  const { actors, peer, caCertsPem } = await issueCredentials();
  const dir = await mkdtemp(join(tmpdir(), 'shulian-chaincode-'));
  const runtime = await openEmbeddedRuntime({
    dir,
    peer: signingIdentity(peer.mspId, peer.certPem, peer.keyPem),
    chaincodeDir: CHAINCODE_DIR,
    trustedCaCertsPem: caCertsPem,
  });
  const ledgers = new Map<ActorName, Ledger>();
  const connect = (name: ActorName): Ledger => {
    let ledger = ledgers.get(name);
    if (!ledger) {
      const c = actors.get(name);
      if (!c) throw new Error(`no actor ${name}`);
      ledger = runtime.connect(signingIdentity(c.mspId, c.certPem, c.keyPem));
      ledgers.set(name, ledger);
    }
    return ledger;
  };
  const actor = (name: ActorName): Actor => {
    const ledger = connect(name);
    const submit = async <T>(fn: string, args: readonly Arg[], transient?: Record<string, Uint8Array>): Promise<T> => {
      const { result } = await ledger.submit({ fn, args: args.map(encodeArg), ...(transient ? { transient } : {}) });
      return decode<T>(result);
    };
    return {
      name,
      mspId: ACTORS[name].mspId,
      submit: (fn, ...args) => submit(fn, args),
      submitTransient: (fn, args, transient) => submit(fn, args, transient),
      evaluate: async (fn, ...args) => decode(await ledger.evaluate({ fn, args: args.map(encodeArg) })),
      evaluateRaw: (fn, ...args) => ledger.evaluate({ fn, args: args.map(encodeArg) }),
    };
  };
  return {
    as: actor,
    events: async () => {
      const out: ChaincodeEvent[] = [];
      for await (const e of connect('jilin.auditor').events({ startBlock: 0, untilCaughtUp: true })) {
        out.push({ txId: e.txId, eventName: e.eventName, payload: decode(e.payload) });
      }
      return out;
    },
    privateData: (collection, key) =>
      (runtime as PrivateView).store?.view?.getPrivate(collection, Buffer.from(key, 'utf8'))?.value,
    close: async () => {
      for (const ledger of ledgers.values()) await ledger.close();
      await runtime.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const CODES = ['VALIDATION', 'ACCESS_DENIED', 'NOT_FOUND', 'CONFLICT'];

/**
 * The code and text of a chaincode error: the ledger maps `[CODE] text` onto a ShulianError with that
 * code (node/ledger/embedded/errors.ts); a raw `[CODE] …` message is read too.
 */
export function chaincodeError(err: unknown): { code: string; message: string } {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && CODES.includes(code)) return { code, message };
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
