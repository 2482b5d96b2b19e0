#!/usr/bin/env node
// `npm start`: runs one Shulian node from the compiled code (node/dist, gateway/dist; `npm install` builds
// them). On a fresh checkout it initialises the node's home (a development consortium), prints the
// configuration with secrets masked, opens the embedded ledger and content store (or what SHULIAN_LEDGER /
// SHULIAN_CONTENT say), keeps the local index following the chain, starts the gateway when it is built, and
// prints where the data lives and how to ingest the sample collection. SIGINT / SIGTERM shut it down cleanly.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = (line = '') => process.stdout.write(`${line}\n`);
const fail = (message, code = 1) => {
  process.stderr.write(`shulian: ${message}\n`);
  process.exit(code);
};

const runtimeJs = join(repo, 'node', 'dist', 'runtime', 'index.js');
if (!existsSync(runtimeJs)) fail('the node is not built: run `npm install` (or `npm run build`) first');
const { loadConfig, describeConfig, isShulianError } = await import(
  pathToFileURL(join(repo, 'node', 'dist', 'core', 'index.js')).href
);

/** One line per error, never a stack trace (SHULIAN_DEBUG=1 shows it). */
function describeError(err) {
  if (process.env.SHULIAN_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  if (isShulianError(err)) {
    const ids = Object.entries(err.ids)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    return `[${err.code}] ${err.message}${ids ? ` (${ids})` : ''}`;
  }
  return err instanceof Error ? err.message : String(err);
}

let config;
try {
  config = loadConfig();
} catch (err) {
  fail(describeError(err));
}

// The sample's binaries and records are generated, not committed.
const sampleDir = join(repo, 'sample', 'collection');
const generated = [
  'lunyu/lunyu-xueer-scan.png',
  'media/changbaishan.png',
  'media/pentatonic-demo.wav',
  'gazetteer/jilin-gazetteer-demo.txt',
  'records/sample.records.jsonl',
];
if (existsSync(sampleDir) && generated.some((f) => !existsSync(join(sampleDir, f)))) {
  execFileSync(process.execPath, [join(repo, 'scripts', 'make-sample.mjs'), '--quiet'], { stdio: 'inherit' });
}

const fresh = !existsSync(join(config.home, 'consortium', 'consortium.json'));
out('Shulian (书链) — the repository chain node of a provincial library');
out();
out('configuration (environment variables; secrets masked):');
for (const line of describeConfig(config)) out(`  ${line}`);
out();

// The runtime pulls in the ledger, the chaincode and the content store: load it once the configuration is known good.
const { openNode } = await import(pathToFileURL(runtimeJs).href);

let node;
let gateway;
let follower;
let fixity; // the fixity audits: { store, schedule } (node/fixity)
let stopping = false;

async function shutdown(code, why) {
  if (stopping) return;
  stopping = true;
  if (why) out(`\nshutting down (${why}) …`);
  let exitCode = code;
  for (const [name, close] of [
    ['fixity schedule', () => fixity?.schedule?.stop()],
    ['gateway', () => gateway?.close()],
    ['fixity store', () => fixity?.store.close()],
    ['index follower', () => follower?.stop()],
    ['node', () => node?.close()],
  ]) {
    try {
      await close();
    } catch (err) {
      process.stderr.write(`shulian: closing the ${name} failed: ${describeError(err)}\n`);
      exitCode = exitCode || 1;
    }
  }
  if (why) out('stopped.');
  process.exit(exitCode);
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    // a second signal while shutting down means "now"
    if (stopping) process.exit(130);
    void shutdown(0, signal);
  });
}

try {
  node = await openNode({ config });
  if (fresh)
    out(
      `initialised a new node home: ${config.home} (development consortium of ${config.orgMsp} and ${config.nationalMsp})`,
    );
  await node.catchUp();

  // fixity audits: results in the home's fixity store, read by the audit API, the console and /metrics
  const fixityJs = await import(pathToFileURL(join(repo, 'node', 'dist', 'fixity', 'index.js')).href);
  fixity = { store: fixityJs.openFixityStore({ home: node.home }) };

  const gatewayJs = join(repo, 'gateway', 'dist', 'index.js');
  if (existsSync(gatewayJs)) {
    const { startNodeGateway, registerFixityMetrics } = await import(pathToFileURL(gatewayJs).href);
    // the gateway keeps the index following the chain while it runs
    gateway = await startNodeGateway({ node, fixity: fixityJs.fixityAuditReader(fixity.store) });
    registerFixityMetrics(gateway.app.metrics.registry, fixity.store);
  } else {
    follower = node.followIndex({
      onRetry: (err, ms) =>
        process.stderr.write(`shulian: the ledger is unavailable (${describeError(err)}); retrying in ${ms} ms\n`),
    });
  }
  const following = gateway ? undefined : follower.done;
  following?.catch(async (err) => {
    process.stderr.write(`shulian: the index stopped following the chain: ${describeError(err)}\n`);
    await shutdown(1);
  });

  if (config.fixityInterval > 0) {
    const say = (line) => process.stderr.write(`shulian: ${line}\n`);
    fixity.schedule = fixityJs.startFixitySchedule(
      {
        content: node.content,
        index: node.index,
        ledger: node.ledger,
        store: fixity.store,
        log: { info: () => undefined, warn: (_o, msg) => say(msg), error: (_o, msg) => say(msg) },
      },
      {
        intervalMs: config.fixityInterval,
        sample: config.fixitySample,
        onRun: ({ run }) => {
          if (run.status === 'empty') out(`fixity audit ${run.runId}: nothing stored to check yet`);
          else if (run.failed === 0) out(`fixity audit ${run.runId}: all ${run.checked} check(s) passed, anchored`);
        },
        onError: (err) => say(`fixity audit did not complete: ${describeError(err)}`),
      },
    );
  }

  const status = node.index.status();
  const height = await node.ledger.height();
  const layout = node.identities.layout;
  const rel = (p) => {
    const r = relative(process.cwd(), p);
    return r && !r.startsWith('..') ? r : p;
  };
  out();
  out('where the data lives:');
  out(`  home        ${rel(node.home)}`);
  out(
    `  identities  ${rel(node.paths.consortium)}  (CAs, MSP folders, TLS; ${layout.province.mspId} and ${layout.national.mspId})`,
  );
  out(
    `  content     ${config.content === 'kubo' ? `Kubo at ${config.kuboApi}` : `${rel(node.paths.content)}  (embedded blockstore, Kubo-identical CIDs)`}`,
  );
  out(
    `  ledger      ${config.ledger === 'embedded' ? `${rel(node.paths.ledger)}  (embedded, channel ${config.channelName}, ${height} block(s))` : config.ledger}`,
  );
  out(
    `  index       ${rel(node.paths.index)}  (${status.eventsApplied} event(s) applied, ${status.counts.resources} resource(s))`,
  );
  out();
  if (gateway) {
    const warehouse = layout.national.users.warehouse.tls;
    out(`gateway: ${gateway.url}/v1  (mutual TLS; OpenAPI at ${gateway.url}/v1/openapi.json)`);
    if (warehouse) {
      out(
        `  e.g.  curl --cacert ${rel(layout.tlsCaBundle)} --cert ${rel(warehouse.cert)} --key ${rel(warehouse.key)} ${gateway.url}/v1/changes`,
      );
    }
  } else {
    out('gateway: not built in this checkout (gateway/dist is missing); the node runs without it');
  }
  out(
    fixity.schedule
      ? `fixity audits: every ${config.fixityInterval / 3_600_000} h, ${config.fixitySample * 100}% of the versions; next ${fixity.schedule.next?.toISOString() ?? 'after the current run'}`
      : 'fixity audits: not scheduled (SHULIAN_FIXITY_INTERVAL=0); run `npx shulian fixity --all`',
  );
  out();
  const home = process.env.SHULIAN_HOME ? `SHULIAN_HOME=${process.env.SHULIAN_HOME} ` : '';
  out('ingest the sample collection (in another terminal):');
  out(`  ${home}npx shulian ingest sample/collection`);
  out(`  ${home}npx shulian search 学而`);
  out(`  ${home}npx shulian show jl-lunyu-xueer-ocr`);
  out(`  ${home}npx shulian history jl-gazetteer-demo-ocr`);
  out();
  out(`ready: Shulian node ${config.orgMsp} is running (pid ${process.pid}); press Ctrl-C to stop`);
} catch (err) {
  process.stderr.write(`shulian: cannot start: ${describeError(err)}\n`);
  await shutdown(1);
}
