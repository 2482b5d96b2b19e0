import type { Command } from 'commander';
import { register as config } from './config.js';
import { register as init } from './init.js';

/** Each command module exports `register(program)`; add one line here per module. */
type Register = (program: Command) => void;

const modules: Register[] = [config, init];

export function registerAll(program: Command): void {
  for (const register of modules) register(program);
}
