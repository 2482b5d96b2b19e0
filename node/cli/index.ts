import { Command, CommanderError } from 'commander';
import { isShulianError } from '../core/errors.js';
import { registerAll } from './commands/index.js';

/**
 * Runs the `shulian` CLI and resolves to the process exit code. Errors are printed as one clear
 * line (code, message, the ids that matter), never as a stack trace; SHULIAN_DEBUG=1 shows stacks.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command('shulian')
    .description('Shulian (书链): provenance and copyright authorisation of library resources on a consortium chain')
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');
  registerAll(program);
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    return reportError(err);
  }
}

export function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    // commander already printed help/version/usage errors
    return err.exitCode;
  }
  if (isShulianError(err)) {
    const ids = Object.entries(err.ids)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' ');
    process.stderr.write(`shulian: error [${err.code}] ${err.message}${ids ? ` (${ids})` : ''}\n`);
  } else {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`shulian: error ${message}\n`);
  }
  if (process.env.SHULIAN_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return 1;
}
