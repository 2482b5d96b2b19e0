import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { cidProfile, computeCid, computeFileCid, type PutResult } from '../../content/index.js';

/**
 * `shulian cid [--profile P] [--json] FILE...`: the CID of each file, printed like sha256sum (`CID  FILE`),
 * computed locally with no node running. `-` reads standard input. A file that cannot be read is reported
 * on stderr and makes the exit status non-zero; the other files are still printed.
 */
export function register(program: Command): void {
  program
    .command('cid')
    .description('print the CID of each FILE (like sha256sum; "-" = standard input); needs no node')
    .argument('<file...>', 'files to hash ("-" for standard input)')
    .option(
      '--profile <profile>',
      'CID profile: kubo-v1, kubo-legacy or unixfs-v1-2025 [default: SHULIAN_CID_PROFILE or kubo-v1]',
    )
    .option('--json', 'one JSON object per file: file, cid, profile, sha256, sm3, size')
    .action(async (files: string[], options: { profile?: string; json?: boolean }) => {
      const envProfile = process.env.SHULIAN_CID_PROFILE?.trim();
      const profile = cidProfile(
        options.profile ?? (envProfile || undefined),
        options.profile !== undefined ? '--profile' : 'SHULIAN_CID_PROFILE',
      );
      let failed = 0;
      for (const file of files) {
        let result: PutResult;
        try {
          result = await cidOf(file, profile.name);
        } catch (err) {
          failed++;
          process.stderr.write(`shulian cid: ${file}: ${reason(err)}\n`);
          continue;
        }
        process.stdout.write(
          options.json
            ? `${JSON.stringify({ file, cid: result.cid, profile: result.profile, sha256: result.sha256, sm3: result.sm3, size: result.size })}\n`
            : `${result.cid}  ${file}\n`,
        );
      }
      if (failed > 0) process.exitCode = 1;
    });
}

async function cidOf(file: string, profile: PutResult['profile']): Promise<PutResult> {
  if (file === '-') return computeCid(process.stdin, profile);
  const info = await stat(file);
  if (info.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
  return computeFileCid(file, profile);
}

function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  const code = e?.code === 'SOURCE_FAILED' ? e.cause?.code : e?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    default:
      return e instanceof Error ? e.message : String(err);
  }
}
