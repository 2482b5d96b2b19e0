import { expect } from 'chai';
import { main } from '../../node/cli/index.js';

/** Runs the CLI in-process with extra environment variables, capturing what it writes. */
async function run(args: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  const out: string[] = [];
  const err: string[] = [];
  const writeOut = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  Object.assign(process.env, env);
  process.stdout.write = ((chunk: string) => out.push(String(chunk)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => err.push(String(chunk)) > 0) as typeof process.stderr.write;
  try {
    const code = await main(['node', 'shulian', ...args]);
    return { code, out: out.join(''), err: err.join('') };
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe('shulian config', () => {
  it('prints the effective configuration with secrets masked', async () => {
    const { code, out } = await run(['config'], { SHULIAN_GATEWAY_PORT: '9443', CLUSTER_BASIC_AUTH: 'admin:s3cret' });
    expect(code).to.equal(0);
    expect(out).to.contain('SHULIAN_GATEWAY_PORT=9443  (gateway listen port (0 = ephemeral))\n');
    expect(out).to.contain('CLUSTER_BASIC_AUTH=****');
    expect(out).not.to.contain('s3cret');
  });

  it('--json prints one object keyed by variable name', async () => {
    const { code, out } = await run(['config', '--json'], {
      CLUSTER_BASIC_AUTH: 'admin:s3cret',
      SHULIAN_LEDGER: 'fabric',
    });
    expect(code).to.equal(0);
    const json = JSON.parse(out) as Record<string, unknown>;
    expect(json.SHULIAN_LEDGER).to.equal('fabric');
    expect(json.CLUSTER_BASIC_AUTH).to.equal('****');
    expect(json.SHULIAN_BLOCK_MAX_TX).to.be.a('number');
  });

  it('an invalid variable is one clear error line and exit code 1', async () => {
    const { code, out, err } = await run(['config'], { SHULIAN_GATEWAY_PORT: 'eighty' });
    expect(code).to.equal(1);
    expect(out).to.equal('');
    expect(err).to.match(/^shulian: error \[CONFIG\] invalid configuration: SHULIAN_GATEWAY_PORT: expected an integer/);
    expect(err.trim().split('\n')).to.have.length(1);
  });

  it('--help lists the environment variables', async () => {
    const { code, out } = await run(['config', '--help'], {});
    expect(code).to.equal(0);
    expect(out).to.match(/SHULIAN_HOME +the node's home/);
    expect(out).to.contain('[default: http://127.0.0.1:5001]');
  });
});
