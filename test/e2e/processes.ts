import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';

const ROOT = resolve('.');
const TSX = ['--import', 'tsx'];

export interface Province {
  readonly url: string;
  readonly proc: ChildProcess;
  stop(): Promise<void>;
  /** What the process wrote to stderr (logs at warn and above). */
  readonly stderr: () => string;
}

/** Starts a province node with its gateway as a separate process, on an ephemeral port. */
export async function startProvince(home: string): Promise<Province> {
  const proc = spawn(process.execPath, [...TSX, join(ROOT, 'test/e2e/province-node.ts')], {
    env: { ...process.env, SHULIAN_HOME: home, SHULIAN_BLOCK_TIMEOUT_MS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr!.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-20_000)));
  const url = await new Promise<string>((resolveUrl, reject) => {
    let out = '';
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /READY (https:\/\/\S+)/.exec(out);
      if (m) resolveUrl(m[1]!);
    });
    proc.once('exit', (code) => reject(new Error(`the province node exited (${code}) before it was ready:\n${err}`)));
  });
  return {
    url,
    proc,
    stderr: () => err,
    stop: () =>
      new Promise<void>((done) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return done();
        proc.once('exit', () => done());
        proc.kill('SIGTERM');
      }),
  };
}

/**
 * What the national library hands its warehouse (its identity and the consortium's CA bundles to pin), done
 * the way an operator does it in the development consortium: `shulian identity hand-over`.
 */
export async function provisionWarehouse(provinceHome: string, warehouseHome: string): Promise<void> {
  const run = await runCli(['identity', 'hand-over', '--home', provinceHome, '--to', warehouseHome], {});
  if (run.code !== 0) throw new Error(`shulian identity hand-over failed (${run.code}): ${run.stderr}`);
}

export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts the real CLI (from the sources) as a process. */
export function startCli(
  args: readonly string[],
  env: Record<string, string>,
): { proc: ChildProcess; done: Promise<CliRun> } {
  const proc = spawn(process.execPath, [...TSX, join(ROOT, 'test/e2e/cli-entry.ts'), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<CliRun>((r) => proc.once('exit', (code, signal) => r({ code, signal, stdout, stderr })));
  return { proc, done };
}

export function runCli(args: readonly string[], env: Record<string, string>): Promise<CliRun> {
  return startCli(args, env).done;
}
