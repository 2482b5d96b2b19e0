import type { Command } from 'commander';
import { register as config } from './config.js';
import { register as init } from './init.js';
import { register as ledger } from './ledger.js';
import { register as ingest } from './ingest.js';
import { register as withdraw } from './withdraw.js';
import { register as rights } from './rights.js';
import { register as verify } from './verify.js';
import { register as proof } from './proof.js';
import { register as show } from './show.js';
import { register as history } from './history.js';
import { register as search } from './search.js';
import { register as localIndex } from './local-index.js';
import { register as cid } from './cid.js';
import { register as content } from './content.js';
import { register as pull } from './pull.js';
import { register as identity } from './identity.js';
import { register as verifyOffline } from './verify-offline.js';
import { register as audit } from './audit.js';
import { register as fixity } from './fixity.js';
import { register as auditReport } from './audit-report.js';

/** Each command module exports `register(program)`; add one line here per module. */
type Register = (program: Command) => void;

const modules: Register[] = [
  config,
  init,
  ledger,
  ingest,
  withdraw,
  rights,
  verify,
  proof,
  show,
  history,
  search,
  localIndex,
  cid,
  content,
  identity,
  pull,
  verifyOffline,
  audit,
  fixity,
  auditReport,
];

export function registerAll(program: Command): void {
  for (const register of modules) register(program);
}
