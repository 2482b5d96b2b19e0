#!/usr/bin/env node
// `npm test`'s pretest: the OAI-PMH tests validate every response with xmllint (Debian's libxml2-utils)
// against the official schemas in ../shared/schemas. On a fresh CI machine (root, Debian) it is installed
// here when missing; elsewhere a missing xmllint is reported with what to install.
import { spawnSync } from 'node:child_process';

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
if (has('xmllint')) process.exit(0);

const root = typeof process.getuid === 'function' && process.getuid() === 0;
if (root && has('apt-get')) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '-q', 'libxml2-utils'], { stdio: 'inherit', env }).status === 0;
  if (!install()) {
    spawnSync('apt-get', ['update', '-q'], { stdio: 'inherit', env });
    install();
  }
  if (has('xmllint')) process.exit(0);
}
process.stderr.write(
  'xmllint is missing: install libxml2-utils (apt-get install -y libxml2-utils); the OAI-PMH tests need it\n',
);
process.exit(1);
