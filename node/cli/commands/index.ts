import type { Command } from 'commander';
import { register as config } from './config.js';
import { register as init } from './init.js';
import { register as ledger } from './ledger.js';

/** Each command module exports `register(program)`; add one line here per module. */
type Register = (program: Command) => void;

const modules: Register[] = [config, init, ledger];

export function registerAll(program: Command): void {
  for (const register of modules) register(program);
}
