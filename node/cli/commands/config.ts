import type { Command } from 'commander';
import { describeConfig, listSettings, loadConfig, maskedConfig } from '../../core/index.js';

/** `shulian config`: the effective configuration (environment plus defaults), secrets masked. */
export function register(program: Command): void {
  program
    .command('config')
    .description('print the effective configuration (secrets masked); fails naming every invalid variable')
    .option('--json', 'print one JSON object: variable name -> value')
    .addHelpText('after', () => `\nEnvironment variables:\n${settingsHelp()}`)
    .action((options: { json?: boolean }) => {
      const config = loadConfig(process.env);
      const text = options.json
        ? `${JSON.stringify(maskedConfig(config), null, 2)}\n`
        : `${describeConfig(config).join('\n')}\n`;
      process.stdout.write(text);
    });
}

function settingsHelp(): string {
  return listSettings()
    .map((s) => `  ${s.env.padEnd(28)} ${s.description}${s.default ? ` [default: ${s.default}]` : ''}`)
    .join('\n');
}
