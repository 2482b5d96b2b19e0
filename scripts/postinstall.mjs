// Runs after `npm install` / `npm ci` at the root: installs the chaincode package from its own
// lockfile (it stays packageable on its own) and builds everything so `npx shulian` works.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const run = (cmd) => execSync(cmd, { stdio: 'inherit' });
if (!process.env.SHULIAN_SKIP_POSTINSTALL) {
  const ci = existsSync('chaincode/package-lock.json') ? 'ci' : 'install';
  run(`npm ${ci} --prefix chaincode --no-audit --no-fund --loglevel=error`);
  run('npm run build');
}
