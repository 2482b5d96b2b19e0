// A province node as its own process for the end-to-end tests: the node from SHULIAN_HOME (initialised when
// new) and its gateway on 127.0.0.1, an ephemeral port. Prints "READY <url>" once serving; SIGTERM stops it.
import { pino } from 'pino';
import { startNodeGateway } from '../../gateway/index.js';
import { openNode } from '../../node/runtime/index.js';

const node = await openNode();
await node.catchUp();
const gateway = await startNodeGateway({
  node,
  host: '127.0.0.1',
  port: 0,
  logger: pino({ level: process.env.E2E_LOG_LEVEL ?? 'warn' }, pino.destination(2)),
});
process.stdout.write(`READY ${gateway.url}\n`);
process.once('SIGTERM', () => {
  void (async () => {
    await gateway.close();
    await node.close();
    process.exit(0);
  })();
});
