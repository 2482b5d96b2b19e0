#!/usr/bin/env node
// `npm test`'s pretest: the audit console's browser tests drive Debian's chromium (/usr/bin/chromium)
// through playwright-core, which downloads no browser. On a fresh CI machine (root, Debian) chromium is
// installed here when missing, with CJK fonts so that the Chinese pages render in the screenshots;
// elsewhere a missing chromium is reported with what to install, and the browser tests fail saying so.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

export const CHROMIUM = '/usr/bin/chromium';
const FONTS = '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc';
// The audit report's tests read the printed PDF back with poppler's pdfinfo and pdftotext.
const PDFINFO = '/usr/bin/pdfinfo';

const root = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
const missing = [
  ...(existsSync(CHROMIUM) ? [] : ['chromium']),
  ...(existsSync(FONTS) ? [] : ['fonts-noto-cjk']),
  ...(existsSync(PDFINFO) ? [] : ['poppler-utils']),
];

if (missing.length > 0 && root && hasApt) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { stdio: 'inherit', env })
      .status === 0;
  if (!install()) {
    spawnSync('apt-get', ['update', '-q'], { stdio: 'inherit', env });
    install();
  }
}
if (!existsSync(CHROMIUM)) {
  process.stderr.write(
    `chromium is missing (${CHROMIUM}): install Debian's chromium package (apt-get install -y chromium); the audit console's browser tests need it\n`,
  );
  process.exit(1);
}
if (!existsSync(FONTS))
  process.stderr.write('fonts-noto-cjk is missing: Chinese text in the console screenshots will not render\n');
