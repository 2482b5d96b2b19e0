import { join } from 'node:path';
import { loadConfig, type Config } from '../core/config.js';
import { ConfigError, NotFoundError, ValidationError } from '../core/errors.js';
import { embeddedContentStore, kuboContentStore } from '../content/index.js';
import type { ContentStore } from '../content/types.js';
import {
  findIdentity,
  initConsortium,
  loadMspFolder,
  USER_ROLES,
  type ConsortiumLayout,
  type LoadedMsp,
} from '../identity/index.js';
import type { SigningIdentity } from '../identity/types.js';
import { openIndex, type LocalIndex } from '../index/index.js';
import { openFabricFromConfig, openHomeLedger } from '../ledger/index.js';
import type { Ledger, LedgerEvent } from '../ledger/types.js';
import { followWithRetry } from './follow.js';

export interface OpenNodeOptions {
  /** Default: `loadConfig()` from the environment. */
  readonly config?: Readonly<Config>;
  /** The identity `ledger` acts as (default SHULIAN_IDENTITY, `operator`); see `ledgerAs`. */
  readonly identity?: string;
}

/** Where the node keeps its data, all under SHULIAN_HOME. */
export interface NodePaths {
  readonly home: string;
  readonly consortium: string;
  readonly content: string;
  readonly ledger: string;
  readonly index: string;
}

export interface NodeIdentities {
  readonly layout: ConsortiumLayout;
  /** Names a `ledgerAs` accepts: `operator`, `rights-admin`, … of this org, `NLCMSP/warehouse` of another. */
  readonly names: readonly string[];
  load(name: string): Promise<SigningIdentity & { readonly certPem: string }>;
}

/** The index following the chain in the background. */
export interface IndexFollower {
  /** Settles when following stops: resolves on stop(), rejects when the projection failed. */
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

export interface ShulianNode {
  readonly config: Readonly<Config>;
  readonly home: string;
  readonly paths: NodePaths;
  /** Bound to the chosen identity (default SHULIAN_IDENTITY). */
  readonly ledger: Ledger;
  readonly content: ContentStore;
  readonly index: LocalIndex;
  readonly identities: NodeIdentities;
  /** A ledger connection acting as another identity of the consortium; closed with the node. */
  ledgerAs(name: string): Promise<Ledger>;
  /** Brings the index up to the ledger's height (fetching missing metadata from the content store). */
  catchUp(): Promise<void>;
  /**
   * Keeps the index following the chain until stopped or the node closes, waiting out an unavailable
   * backend (`onRetry` hears of each wait).
   */
  followIndex(
    options?: Readonly<{
      onEvent?: (event: LedgerEvent, applied: boolean) => void;
      onRetry?: (err: unknown, delayMs: number) => void;
    }>,
  ): IndexFollower;
  close(): Promise<void>;
}

/** Opens the node as configured. The home is initialised (development consortium) when it is new. */
export async function openNode(options: Readonly<OpenNodeOptions> = {}): Promise<ShulianNode> {
  const config = options.config ?? loadConfig();
  const paths: NodePaths = {
    home: config.home,
    consortium: join(config.home, 'consortium'),
    content: join(config.home, 'content'),
    ledger: join(config.home, 'ledger'),
    index: join(config.home, 'index', 'index.sqlite'),
  };
  // Checked before anything is created, so a misconfigured start leaves no half-made home behind.
  assertAdapters(config);
  const layout = await initConsortium(config.home, { provinceMsp: config.orgMsp, nationalMsp: config.nationalMsp });
  const identities = nodeIdentities(layout, config.orgMsp);

  const closers: (() => Promise<void> | void)[] = [];
  const closeAll = async (): Promise<void> => {
    let first: unknown;
    for (const close of closers.splice(0).reverse()) {
      try {
        await close();
      } catch (err) {
        first ??= err;
      }
    }
    if (first !== undefined) throw first;
  };
  try {
    const content = await openContent(config, paths);
    closers.push(() => content.close());
    const runtime = await openLedgerRuntime(config);
    closers.push(() => runtime.close());
    const index = openIndex({ path: paths.index });
    closers.push(() => index.close());

    const ledgers = new Map<string, Ledger>();
    const ledgerAs = async (name: string): Promise<Ledger> => {
      const key = qualify(name, config.orgMsp);
      const open = ledgers.get(key);
      if (open) return open;
      // on Fabric, the configured identity (SHULIAN_IDENTITY) is the one CERT_PATH / KEY_DIRECTORY_PATH name, when set
      const signing =
        runtime.fixed && options.identity === undefined && name === config.identity
          ? runtime.fixed
          : await identities.load(key);
      const ledger = runtime.connect(signing);
      ledgers.set(key, ledger);
      return ledger;
    };
    // Connections close before the runtime (they sit later in `closers`).
    closers.push(async () => {
      for (const l of ledgers.values()) await l.close();
    });
    const ledger = await ledgerAs(options.identity ?? config.identity);

    const followers = new Set<IndexFollower>();
    closers.push(async () => {
      for (const f of [...followers]) await f.stop();
    });
    let closed = false;
    return {
      config,
      home: config.home,
      paths,
      ledger,
      content,
      index,
      identities,
      ledgerAs,
      catchUp: () => index.follow(ledger, { untilCaughtUp: true, content }),
      followIndex(followOptions = {}) {
        const stopper = new AbortController();
        const done = followWithRetry(index, ledger, content, stopper.signal, followOptions);
        const follower: IndexFollower = {
          done,
          async stop() {
            stopper.abort();
            followers.delete(follower);
            await done.catch(() => undefined);
          },
        };
        followers.add(follower);
        return follower;
      },
      async close() {
        if (closed) return;
        closed = true;
        await closeAll();
      },
    };
  } catch (err) {
    await closeAll().catch(() => undefined);
    throw err;
  }
}

function assertAdapters(config: Readonly<Config>): void {
  switch (config.ledger) {
    case 'embedded':
      break;
    case 'fabric':
      break;
  }
}

async function openContent(config: Readonly<Config>, paths: NodePaths): Promise<ContentStore> {
  switch (config.content) {
    case 'embedded':
      return embeddedContentStore({ dir: paths.content });
    case 'kubo':
      return kuboContentStore({
        url: config.kuboApi,
        ...(config.clusterApi === undefined
          ? {}
          : {
              cluster: {
                url: config.clusterApi,
                replication: config.clusterReplication,
                basicAuth: config.clusterBasicAuth,
              },
            }),
      });
    default:
      throw new ConfigError(`SHULIAN_CONTENT=${config.content} is not supported`);
  }
}

/** What the node needs of a ledger backend: bind a connection to an identity, and close. */
interface LedgerRuntime {
  connect(signing: SigningIdentity): Ledger;
  close(): Promise<void>;
  /** An identity configured outside the home (Fabric: CERT_PATH / KEY_DIRECTORY_PATH). */
  readonly fixed?: SigningIdentity;
}

async function openLedgerRuntime(config: Readonly<Config>): Promise<LedgerRuntime> {
  switch (config.ledger) {
    case 'embedded':
      // the same opening as `shulian ledger verify|info`: peer0 signs blocks, only the consortium's CAs transact
      return (await openHomeLedger(config)).runtime;
    case 'fabric': {
      // the fabric-samples variables (network/.run/connection-<org>.env); identities by name from the home
      const { connection, identity } = await openFabricFromConfig(config);
      return {
        connect: (signing) => connection.connect(signing),
        close: () => connection.close(),
        ...(identity ? { fixed: identity } : {}),
      };
    }
    default:
      throw new ConfigError(`SHULIAN_LEDGER=${config.ledger} is not supported`);
  }
}

/** `operator` → `JilinLibraryMSP/operator`; `NLCMSP/warehouse` stays as it is. */
function qualify(name: string, orgMsp: string): string {
  if (typeof name !== 'string' || name === '')
    throw new ValidationError('identity: expected a name such as operator or NLCMSP/warehouse', {
      pointer: '/identity',
    });
  return name.includes('/') ? name : `${orgMsp}/${name}`;
}

function nodeIdentities(layout: ConsortiumLayout, orgMsp: string): NodeIdentities {
  const names = layout.orgs.flatMap((o) =>
    [o.admin.name, ...USER_ROLES.map((r) => o.users[r].name)].map((n) => (o.mspId === orgMsp ? n : `${o.mspId}/${n}`)),
  );
  const cache = new Map<string, Promise<LoadedMsp>>();
  return {
    layout,
    names,
    load(name) {
      const key = qualify(name, orgMsp);
      const slash = key.indexOf('/');
      const mspId = key.slice(0, slash);
      const short = key.slice(slash + 1);
      let loaded = cache.get(key);
      if (loaded === undefined) {
        let dir: string;
        try {
          dir = findIdentity(layout, mspId, short).msp;
        } catch (err) {
          if (err instanceof NotFoundError) {
            throw new NotFoundError(`no identity "${name}" in ${layout.dir} (known: ${names.join(', ')})`, {
              file: layout.dir,
              cause: err,
            });
          }
          throw err;
        }
        loaded = loadMspFolder(dir, mspId);
        cache.set(key, loaded);
        loaded.catch(() => cache.delete(key));
      }
      return loaded;
    },
  };
}
