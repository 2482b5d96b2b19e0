import type { Command } from 'commander';

/** Each command module exports `register(program)`; add one line here per module. */
type Register = (program: Command) => void;

const modules: Register[] = [];

export function registerAll(program: Command): void {
  for (const register of modules) register(program);
}
