// Gateway benchmark: `npm run bench -- gateway`. Prints one JSON object. BENCH_GATEWAY_MIB (default 1024)
// sets the payload size; BENCH_GATEWAY_SECONDS (default 5) the length of each manifest load run.
//
// The gateway runs in its own process (bench/gateway.child.mjs, from the build) so its RSS is its own; this process is the
// client. Figures, all over mutual TLS on loopback and in the same run:
//  - plain: a plain HTTPS file server streaming the same bytes (no gateway, no verification);
//  - verified pull: GET .../content through the gateway (its store re-hashes every block it reads against
//    the block's CID, the stream is counted against the chain's size) with
//    the client recomputing CID, SHA-256 and SM3 (in 1 MiB chunks, as `shulian pull` does) and comparing
//    them with the manifest;
//  - SM3 on one core over the same bytes;
//  - manifests: closed loop on 64 keep-alive connections (throughput, p50/p99) and an open loop at
//    1,000 requests/s (p50/p99), from a lean HTTP/1.1 client (LoadConnection) so that the load generator,
//    which shares the machine's cores with the gateway, is not what is measured;
//  - the gateway's peak RSS with 16 pulls of the payload in flight.
import { execFile, fork, type ChildProcess } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { request, Agent } from 'node:https';
import { once, setMaxListeners } from 'node:events';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { canonicalize, loadConfig, sha256Hex } from '../node/core/index.js';
import { computeCid } from '../node/content/index.js';
import { consortiumLayout } from '../node/identity/index.js';
import { openNode } from '../node/runtime/index.js';

const MiB = 1 << 20;
const size = Number(process.env.BENCH_GATEWAY_MIB ?? 1024) * MiB;
const loadSeconds = Number(process.env.BENCH_GATEWAY_SECONDS ?? 5);
const log = (m: string): void => void process.stderr.write(`bench gateway: ${m}\n`);
const mbps = (bytes: number, s: number): number => Math.round((bytes / 1e6 / s) * 10) / 10;
const r2 = (x: number): number => Math.round(x * 100) / 100;
const now = (): number => Number(process.hrtime.bigint()) / 1e6;

function get(agent: Agent, url: string, signal?: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, ...(signal ? { signal } : {}) }, resolve);
    req.on('error', reject);
    req.end();
  });
}

/**
 * The response's bytes regrouped into 1 MiB chunks, the size `shulian pull` verifies a downloaded file in
 * (computeCid over a 1 MiB read stream). TLS hands the client 16 KiB records; computeCid's per-chunk work
 * (the DAG builder's bookkeeping, a digest update and a hand-over to its SM3 worker per chunk) sixty-four
 * times as often would measure the client's chunk handling rather than the verified transfer. Every byte
 * is still checked (CID, SHA-256, SM3); regrouping adds a copy.
 */
async function* inMiBChunks(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let length = 0;
  for await (const chunk of source) {
    parts.push(chunk);
    length += chunk.length;
    if (length >= MiB) {
      yield Buffer.concat(parts, length);
      parts = [];
      length = 0;
    }
  }
  if (length > 0) yield Buffer.concat(parts, length);
}

async function drain(res: IncomingMessage): Promise<number> {
  let n = 0;
  for await (const c of res) n += (c as Buffer).length;
  return n;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * The manifest load's client: keep-alive HTTP/1.1 over mutual TLS, one request at a time per connection,
 * written as prepared bytes and read as far as the status line, the head's Content-Length and that many
 * body bytes — what wrk or autocannon do. node:https's Agent and IncomingMessage cost this process about
 * as much CPU per request as the gateway spends answering it, and on a machine of two cores the client's
 * CPU is taken from the gateway it is measuring. A response counts only when it is a 200 with its whole
 * body; anything else (another status, a cut connection, a body without Content-Length) is an error.
 */
class LoadConnection {
  #socket: TLSSocket | undefined;
  #connecting: Promise<TLSSocket> | undefined;
  #pending: { resolve: (status: number) => void; reject: (err: Error) => void } | undefined;
  #head: Buffer | undefined;
  #status = 0;
  #bodyLeft = -1;

  constructor(
    private readonly options: Readonly<ConnectionOptions>,
    private readonly requestBytes: Buffer,
  ) {}

  get(): Promise<number> {
    if (this.#pending) return Promise.reject(new Error('one request at a time per connection'));
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
      const send = (socket: TLSSocket): void => {
        this.#head = undefined;
        this.#bodyLeft = -1;
        socket.write(this.requestBytes);
      };
      if (this.#socket) send(this.#socket);
      else this.#connect().then(send, (err: Error) => this.#fail(err));
    });
  }

  close(): void {
    this.#socket?.destroy();
  }

  #connect(): Promise<TLSSocket> {
    this.#connecting ??= new Promise<TLSSocket>((resolve, reject) => {
      const socket = tlsConnect(this.options);
      let open = true;
      socket.once('secureConnect', () => {
        this.#socket = socket;
        this.#connecting = undefined;
        resolve(socket);
      });
      socket.on('data', (chunk: Buffer) => {
        if (this.#socket === socket) this.#data(chunk);
      });
      const gone = (err?: Error): void => {
        if (!open) return;
        open = false;
        socket.destroy();
        const why = err ?? new Error('connection closed');
        if (this.#socket === socket) {
          this.#socket = undefined;
          this.#fail(why);
        } else {
          this.#connecting = undefined;
          reject(why);
        }
      };
      socket.once('error', gone);
      socket.once('close', () => gone());
    });
    return this.#connecting;
  }

  #data(chunk: Buffer): void {
    if (!this.#pending) return this.#fail(new Error('bytes received with no request in flight'));
    let body = chunk;
    if (this.#bodyLeft < 0) {
      const head = this.#head ? Buffer.concat([this.#head, chunk]) : chunk;
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        this.#head = head;
        return;
      }
      const text = head.toString('latin1', 0, end);
      const length = /\r\ncontent-length: *(\d+)/i.exec(text);
      if (!text.startsWith('HTTP/1.1 ') || !length) return this.#fail(new Error(`unexpected response head: ${text}`));
      this.#status = Number(text.slice(9, 12));
      this.#bodyLeft = Number(length[1]);
      body = head.subarray(end + 4);
    }
    this.#bodyLeft -= body.length;
    if (this.#bodyLeft < 0) return this.#fail(new Error('more bytes than the Content-Length'));
    if (this.#bodyLeft === 0) {
      const { resolve } = this.#pending;
      this.#pending = undefined;
      resolve(this.#status);
    }
  }

  #fail(err: Error): void {
    const pending = this.#pending;
    this.#pending = undefined;
    this.#socket?.destroy();
    this.#socket = undefined;
    pending?.reject(err);
  }
}

function loadConnections(options: Readonly<ConnectionOptions>, url: string, count: number): LoadConnection[] {
  const u = new URL(url);
  const request = Buffer.from(
    `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nConnection: keep-alive\r\n\r\n`,
  );
  const tls = { ...options, host: u.hostname, port: Number(u.port) };
  return Array.from({ length: count }, () => new LoadConnection(tls, request));
}

async function manifestLoad(pool: readonly LoadConnection[], seconds: number, rate?: number) {
  const latencies: number[] = [];
  let errors = 0;
  const end = now() + seconds * 1000;
  const idle = [...pool];
  const waiting: ((c: LoadConnection) => void)[] = [];
  const release = (c: LoadConnection): void => {
    const next = waiting.shift();
    if (next) next(c);
    else idle.push(c);
  };
  const one = async (): Promise<void> => {
    const t = now();
    const c = idle.pop() ?? (await new Promise<LoadConnection>((resolve) => waiting.push(resolve)));
    try {
      if ((await c.get()) !== 200) errors++;
      else latencies.push(now() - t);
    } catch {
      errors++;
    } finally {
      release(c);
    }
  };
  const started = now();
  if (rate === undefined) {
    await Promise.all(
      pool.map(async () => {
        while (now() < end) await one();
      }),
    );
  } else {
    // open loop: requests are sent on schedule, whatever the previous ones are doing (bounded in flight);
    // a request waiting for a free connection counts that wait in its latency
    const inFlight = new Set<Promise<void>>();
    const interval = 1000 / rate;
    for (let next = now(); next < end; next += interval) {
      const wait = next - now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (inFlight.size >= pool.length * 4) {
        errors++;
        continue;
      }
      const p = one().finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await Promise.all(inFlight);
  }
  const elapsed = (now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    connections: pool.length,
    seconds: r2(elapsed),
    requests: latencies.length,
    errors,
    requestsPerSecond: Math.round(latencies.length / elapsed),
    p50Ms: r2(percentile(latencies, 50)),
    p99Ms: r2(percentile(latencies, 99)),
    ...(rate !== undefined ? { targetRate: rate } : {}),
  };
}

const work = await mkdtemp(join(tmpdir(), 'shulian-bench-gateway-'));
let child: ChildProcess | undefined;
try {
  const home = join(work, 'home');
  const file = join(work, 'payload.bin');
  log(`writing ${size / MiB} MiB of pseudo-random bytes`);
  {
    const out = createWriteStream(file);
    const cipher = createCipheriv('chacha20', createHash('sha256').update('bench-gateway').digest(), Buffer.alloc(16));
    const zeros = Buffer.alloc(4 * MiB);
    for (let left = size; left > 0; left -= zeros.length) {
      if (!out.write(cipher.update(zeros.subarray(0, Math.min(left, zeros.length))))) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
  }

  log('ingesting it into a fresh node, registering it and granting NLCMSP reproduce');
  const resourceId = 'bench-1gib';
  const node = await openNode({ config: loadConfig({ SHULIAN_HOME: home, SHULIAN_BLOCK_TIMEOUT_MS: '1' }) });
  try {
    const put = await node.content.put(createReadStream(file, { highWaterMark: MiB }));
    const metadata = canonicalize({ title: ['Gateway benchmark payload'] });
    const meta = await node.content.put(
      (async function* () {
        yield Buffer.from(metadata);
      })(),
    );
    await node.ledger.submit({
      fn: 'RegisterVersion',
      args: [
        JSON.stringify({
          resourceId,
          cid: put.cid,
          cidProfile: put.profile,
          sha256: put.sha256,
          sm3: put.sm3,
          size: put.size,
          mediaType: 'application/octet-stream',
          metadataHash: sha256Hex(metadata),
          metadataCid: meta.cid,
        }),
      ],
    });
    await node.ledger.submit({
      fn: 'GrantRights',
      args: [
        JSON.stringify({
          rightsId: 'bench-grant',
          target: { type: 'resource', id: resourceId },
          rightsholder: 'bench',
          assignee: 'NLCMSP',
          actions: ['reproduce'],
          constraints: { notBefore: '2020-01-01T00:00:00Z', notAfter: null },
          basis: 'licence',
        }),
      ],
    });
    await node.catchUp();
  } finally {
    await node.close();
  }

  // the gateway process runs from the build, as in production: bring it up to date first
  log('building node/ and gateway/ (tsc -b gateway)');
  await new Promise<void>((resolve, reject) =>
    execFile('npx', ['tsc', '-b', 'gateway'], { cwd: join(import.meta.dirname, '..') }, (err) =>
      err && !existsSync(join(import.meta.dirname, '..', 'gateway', 'dist', 'index.js')) ? reject(err) : resolve(),
    ),
  );
  log('starting the gateway process');
  // BENCH_GATEWAY_CPU_PROFILE=<dir>: the gateway process writes a V8 CPU profile there
  const profileDir = process.env.BENCH_GATEWAY_CPU_PROFILE;
  child = fork(join(import.meta.dirname, 'gateway.child.mjs'), [home, file], {
    execArgv: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const ask = <T>(m: string): Promise<T> =>
    new Promise((resolve) => {
      child!.once('message', (reply) => resolve(reply as T));
      child!.send(m);
    });
  const ready = (await once(child, 'message'))[0] as { gatewayUrl: string; plainUrl: string; readyRss: number };

  const layout = consortiumLayout(home);
  const tls = layout.national.users.warehouse.tls!;
  const agentOptions = {
    cert: await readFile(tls.cert),
    key: await readFile(tls.key),
    ca: await readFile(layout.tlsCaBundle),
    servername: 'localhost',
    keepAlive: true,
  };
  const agent = new Agent({ ...agentOptions, maxSockets: 64 });
  const versionUrl = `${ready.gatewayUrl}/v1/resources/${resourceId}/versions/1`;
  const manifest = JSON.parse(await drainText(await get(agent, versionUrl))) as {
    digests: { cid: string; sha256: string; sm3: string; size: number };
  };

  log('plain HTTPS stream of the same bytes');
  let t = now();
  const plainBytes = await drain(await get(agent, `${ready.plainUrl}/plain`));
  const plainSeconds = (now() - t) / 1000;

  // CPU seconds spent by each side during the run: which one is the bottleneck on this machine
  const cpuOf = async <T>(
    fn: () => Promise<T>,
  ): Promise<T & { gatewayCpuSeconds: number; clientCpuSeconds: number }> => {
    const g0 = await ask<NodeJS.CpuUsage>('cpu');
    const c0 = process.cpuUsage();
    const value = await fn();
    const g1 = await ask<NodeJS.CpuUsage>('cpu');
    const c1 = process.cpuUsage(c0);
    return {
      ...value,
      gatewayCpuSeconds: r2((g1.user - g0.user + g1.system - g0.system) / 1e6),
      clientCpuSeconds: r2((c1.user + c1.system) / 1e6),
    };
  };
  log('verified pull through the gateway (client recomputes CID, SHA-256, SM3)');
  const {
    got,
    pullSeconds,
    gatewayCpuSeconds: pullGatewayCpu,
    clientCpuSeconds: pullClientCpu,
  } = await cpuOf(async () => {
    const started = now();
    const got = await computeCid(inMiBChunks(await get(agent, `${versionUrl}/content`)));
    return { got, pullSeconds: (now() - started) / 1000 };
  });
  const verified =
    got.cid === manifest.digests.cid &&
    got.sha256 === manifest.digests.sha256 &&
    got.sm3 === manifest.digests.sm3 &&
    got.size === size;

  // where the time goes: the gateway alone (it verifies, the client only reads), and the client's
  // verification alone (CID + SHA-256 + SM3 over the file, no network)
  log('breakdown: gateway-verified stream read without client verification');
  t = now();
  const gatewayOnlyBytes = await drain(await get(agent, `${versionUrl}/content`));
  const gatewayOnlySeconds = (now() - t) / 1000;
  log('breakdown: client verification (CID, SHA-256, SM3) over the file');
  t = now();
  const local = await computeCid(createReadStream(file, { highWaterMark: MiB }));
  const clientOnlySeconds = (now() - t) / 1000;
  if (local.cid !== manifest.digests.cid) throw new Error('CID over the file does not match the chain record');

  log('SM3 on one core over the same bytes');
  let sm3Ns = 0n;
  {
    const fh = await open(file, 'r');
    const buf = Buffer.alloc(8 * MiB);
    const hash = createHash('sm3');
    try {
      for (let pos = 0; pos < size;) {
        const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
        if (bytesRead === 0) break;
        const s = process.hrtime.bigint();
        hash.update(buf.subarray(0, bytesRead));
        sm3Ns += process.hrtime.bigint() - s;
        pos += bytesRead;
      }
    } finally {
      await fh.close();
    }
    const s = process.hrtime.bigint();
    if (hash.digest('hex') !== manifest.digests.sm3)
      throw new Error('SM3 over the file does not match the chain record');
    sm3Ns += process.hrtime.bigint() - s;
  }
  const sm3Seconds = Number(sm3Ns) / 1e9;

  log(`manifests: closed loop, 64 connections, ${loadSeconds} s`);
  const { keepAlive: _keepAlive, ...tlsOptions } = agentOptions;
  const pool = loadConnections(tlsOptions, versionUrl, 64);
  await manifestLoad(pool, 1); // warm-up
  const closedLoop = await cpuOf(() => manifestLoad(pool, loadSeconds));
  log(`manifests: open loop at 1,000 requests/s, ${loadSeconds} s`);
  const openLoop = await cpuOf(() => manifestLoad(pool, loadSeconds, 1000));

  for (const c of pool) c.close();

  log('gateway RSS with 16 pulls in flight');
  await ask('reset');
  const baselineRss = (await ask<{ rss: number }>('rss')).rss;
  const pulls = 16;
  const pullWindow = Math.max(4, loadSeconds) * 1000;
  const ac = new AbortController();
  setMaxListeners(pulls * 2, ac.signal);
  const pullAgent = new Agent({ ...agentOptions, maxSockets: pulls });
  const inFlight = Array.from({ length: pulls }, async () => {
    try {
      return await drain(await get(pullAgent, `${versionUrl}/content`, ac.signal));
    } catch {
      return -1;
    }
  });
  let peakDuring = 0;
  const sampleEnd = now() + pullWindow;
  while (now() < sampleEnd) {
    await new Promise((r) => setTimeout(r, 250));
    peakDuring = Math.max(peakDuring, (await ask<{ peak: number }>('rss')).peak);
  }
  ac.abort();
  await Promise.all(inFlight);
  pullAgent.destroy();
  agent.destroy();

  const plainMBps = mbps(plainBytes, plainSeconds);
  const pullMBps = mbps(size, pullSeconds);
  const sm3MBps = mbps(size, sm3Seconds);
  const reference = Math.min(plainMBps, sm3MBps);
  const peakRssMiB = Math.round(peakDuring / MiB);
  const result = {
    benchmark: 'gateway',
    payloadBytes: size,
    transport: 'HTTPS with mutual TLS on loopback',
    plainStream: { MBps: plainMBps, seconds: r2(plainSeconds) },
    verifiedPull: {
      MBps: pullMBps,
      seconds: r2(pullSeconds),
      verified,
      checks: ['cid', 'sha256', 'sm3'],
      // CPU seconds of each process (all threads) during the pull: two cores give 2 x seconds at most
      gatewayCpuSeconds: pullGatewayCpu,
      clientCpuSeconds: pullClientCpu,
    },
    sm3SingleCore: { MBps: sm3MBps, seconds: r2(sm3Seconds) },
    breakdown: {
      gatewayVerifiedStreamMBps: mbps(gatewayOnlyBytes, gatewayOnlySeconds),
      clientVerificationOnlyMBps: mbps(size, clientOnlySeconds),
    },
    pullRatio: {
      toPlain: r2(pullMBps / plainMBps),
      toSm3: r2(pullMBps / sm3MBps),
      toReference: r2(pullMBps / reference),
    },
    manifests: { closedLoop, openLoop1000: openLoop },
    rssWith16Pulls: {
      peakMiB: peakRssMiB,
      readyMiB: Math.round(ready.readyRss / MiB),
      idleMiB: Math.round(baselineRss / MiB),
      pulls,
      windowSeconds: pullWindow / 1000,
    },
    targets: {
      verifiedPullAtLeast06xMinOfPlainAndSm3: pullMBps >= 0.6 * reference,
      manifestsAtLeast3000PerSecond: closedLoop.requestsPerSecond >= 3000,
      manifestsP99AtMost20msAt1000PerSecond: openLoop.p99Ms <= 20,
      rssUnder300MiB: peakRssMiB < 300,
    },
    cpus: (await import('node:os')).cpus().length,
  };
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
} finally {
  if (child && child.connected) {
    child.send('stop');
    await Promise.race([once(child, 'exit'), new Promise((r) => setTimeout(r, 10_000))]);
  }
  child?.kill();
  await rm(work, { recursive: true, force: true });
}

async function drainText(res: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of res) parts.push(c as Buffer);
  return Buffer.concat(parts).toString('utf8');
}
