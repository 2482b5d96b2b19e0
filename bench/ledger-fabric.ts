// `npm run bench -- ledger-fabric`: the same registration workload against the embedded ledger and, when the
// fabric-samples connection variables are set (network/.run/connection-<org>.env after network.sh up/deploy),
// against the Fabric network, in one run. Prints one JSON document: registrations/s committed and commit
// latency percentiles (submit called -> commit status VALID returned) per adapter.
//   BENCH_FABRIC_SEQUENTIAL (default 50)  one at a time
//   BENCH_FABRIC_CONCURRENT (default 2000) with BENCH_FABRIC_IN_FLIGHT (default 32) in flight
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../node/core/config.js';
import { createDevCa, signingIdentity } from '../node/identity/index.js';
import { openEmbeddedRuntime, openFabricFromConfig, type Ledger } from '../node/ledger/index.js';

const SEQUENTIAL = Number(process.env.BENCH_FABRIC_SEQUENTIAL ?? 50);
const CONCURRENT = Number(process.env.BENCH_FABRIC_CONCURRENT ?? 2000);
const IN_FLIGHT = Number(process.env.BENCH_FABRIC_IN_FLIGHT ?? 32);

const hex = (s: string) => createHash('sha256').update(s).digest('hex');
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
const now = () => Number(process.hrtime.bigint()) / 1e6;

function versionInput(resourceId: string) {
  return {
    resourceId,
    cid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
    cidProfile: 'kubo-v1',
    sha256: hex(`${resourceId}/sha256`),
    sm3: hex(`${resourceId}/sm3`),
    size: 1 << 20,
    mediaType: 'application/pdf',
    metadataHash: hex(`${resourceId}/metadata`),
  };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

async function workload(ledger: Ledger, tag: string) {
  const register = async (id: string): Promise<number> => {
    const t0 = now();
    await ledger.submit({ fn: 'RegisterVersion', args: [JSON.stringify(versionInput(id))] });
    return now() - t0;
  };
  for (let i = 0; i < 8; i++) await register(`${tag}-warm-${i}`);
  const seqLatencies: number[] = [];
  let t0 = now();
  for (let i = 0; i < SEQUENTIAL; i++) seqLatencies.push(await register(`${tag}-seq-${i}`));
  const seqSeconds = (now() - t0) / 1000;
  const h0 = await ledger.height();
  const latencies: number[] = [];
  let next = 0;
  t0 = now();
  await Promise.all(
    Array.from({ length: Math.min(IN_FLIGHT, CONCURRENT) }, async () => {
      for (let i = next++; i < CONCURRENT; i = next++) latencies.push(await register(`${tag}-par-${i}`));
    }),
  );
  const seconds = (now() - t0) / 1000;
  const blocks = (await ledger.height()) - h0;
  latencies.sort((a, b) => a - b);
  seqLatencies.sort((a, b) => a - b);
  return {
    sequential: {
      count: SEQUENTIAL,
      perSecond: round(SEQUENTIAL / seqSeconds),
      p50Ms: round(percentile(seqLatencies, 50)),
      p99Ms: round(percentile(seqLatencies, 99)),
    },
    concurrent: {
      count: CONCURRENT,
      inFlight: IN_FLIGHT,
      seconds: round(seconds, 2),
      registrationsPerSecondCommitted: round(CONCURRENT / seconds),
      commitLatencyMs: {
        p50: round(percentile(latencies, 50)),
        p90: round(percentile(latencies, 90)),
        p99: round(percentile(latencies, 99)),
        max: round(latencies.at(-1) ?? Number.NaN),
      },
      blocks,
      meanBlockSize: round(CONCURRENT / Math.max(1, blocks)),
    },
  };
}

async function embedded(tag: string) {
  const dir = await mkdtemp(join(tmpdir(), 'shulian-bench-ledger-fabric-'));
  const org = await createDevCa({ mspId: 'JilinLibraryMSP' });
  const peer = await org.issue({ commonName: 'peer0.jilin', kind: 'peer' });
  const op = await org.issue({ commonName: 'operator.jilin', kind: 'client', role: 'operator' });
  const runtime = await openEmbeddedRuntime({
    dir,
    peer: signingIdentity(org.mspId, peer.certPem, peer.keyPem),
    trustedCaCertsPem: [org.certPem],
  });
  try {
    return await workload(runtime.connect(signingIdentity(org.mspId, op.certPem, op.keyPem)), tag);
  } finally {
    await runtime.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function fabric(tag: string) {
  if (!process.env.PEER_ENDPOINT || !process.env.CERT_PATH || !process.env.KEY_DIRECTORY_PATH) {
    return {
      skipped: 'set the connection variables (set -a; . network/.run/connection-jilin.env; set +a) to measure Fabric',
    };
  }
  const config = loadConfig(process.env);
  const { connection, identity } = await openFabricFromConfig(config);
  try {
    if (!identity) throw new Error('CERT_PATH / KEY_DIRECTORY_PATH must name an operator');
    return {
      peer: config.peerEndpoint,
      channel: config.channelName,
      mspId: config.mspId,
      ...(await workload(connection.connect(identity), tag)),
    };
  } finally {
    await connection.close();
  }
}

const tag = `bench-${randomBytes(3).toString('hex')}`;
const result = {
  benchmark: 'ledger-fabric',
  node: process.version,
  workload: 'RegisterVersion, one version per new resource; latency = submit() until the commit status is VALID',
  embedded: await embedded(tag),
  fabric: await fabric(tag),
  machine: { cpus: os.availableParallelism(), loadAverage1m: round(os.loadavg()[0] ?? 0, 2) },
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
