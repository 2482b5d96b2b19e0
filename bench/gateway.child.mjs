// The gateway process of bench/gateway.ts, run from the build (node/dist, gateway/dist) as in production,
// so its RSS is the gateway's and not a TypeScript loader's. It opens the node in the given home, starts
// the gateway and a plain HTTPS file server with the same TLS settings, and reports its RSS on request.
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:https';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pino } from 'pino';
import { loadConfig } from '../node/dist/core/index.js';
import { consortiumLayout } from '../node/dist/identity/index.js';
import { openNode } from '../node/dist/runtime/index.js';
import { startNodeGateway } from '../gateway/dist/index.js';

const [home, plainFile] = process.argv.slice(2);
const startRss = process.memoryUsage().rss;
const node = await openNode({ config: loadConfig({ SHULIAN_HOME: home, SHULIAN_BLOCK_TIMEOUT_MS: '1' }) });
const logger = pino({ level: 'info' }, pino.destination({ dest: join(home, 'gateway.log'), sync: false }));
const gateway = await startNodeGateway({ node, host: '127.0.0.1', port: 0, logger, followIndex: false });

const layout = consortiumLayout(home);
const tls = layout.province.gatewayTls;
const size = (await stat(plainFile)).size;
const plain = createServer(
  {
    cert: await readFile(tls.cert),
    key: await readFile(tls.key),
    ca: await readFile(layout.tlsCaBundle),
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
  },
  (req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(size) });
    pipeline(createReadStream(plainFile, { highWaterMark: 256 * 1024 }), res).catch(() => res.destroy());
  },
);
await new Promise((resolve) => plain.listen(0, '127.0.0.1', resolve));
const plainPort = plain.address().port;

let peak = process.memoryUsage().rss;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
process.on('message', (m) => {
  if (m === 'rss') process.send({ rss: process.memoryUsage().rss, peak });
  else if (m === 'cpu') process.send(process.cpuUsage());
  else if (m === 'reset') {
    peak = process.memoryUsage().rss;
    process.send({ reset: true });
  } else if (m === 'stop') {
    clearInterval(sampler);
    void (async () => {
      plain.closeAllConnections();
      plain.close();
      await gateway.close();
      await node.close();
      logger.flush();
      process.send({ stopped: true });
      process.exit(0);
    })();
  }
});
process.send({
  ready: true,
  gatewayUrl: gateway.url,
  plainUrl: `https://127.0.0.1:${plainPort}`,
  startRss,
  readyRss: process.memoryUsage().rss,
});
