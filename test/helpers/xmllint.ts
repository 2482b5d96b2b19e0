import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The official OAI-PMH + oai_dc driver schema (../shared from the repository root), and ours for `shulian`. */
export const OAI_DC_DRIVER = resolve('../shared/schemas/oai-pmh-with-dc.xsd');
export const SHULIAN_DRIVER = resolve('gateway/schemas/oai-pmh-with-shulian.xsd');

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Makes sure xmllint (Debian's libxml2-utils) is there: CI runs on a fresh Debian machine as root, so it is
 * installed when missing; anywhere else a missing xmllint fails the suite with what to install.
 */
export function ensureXmllint(): void {
  if (has('xmllint')) return;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (root && has('apt-get')) {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    let r = spawnSync('apt-get', ['install', '-y', '-q', 'libxml2-utils'], { stdio: 'ignore', env });
    if (r.status !== 0) {
      spawnSync('apt-get', ['update', '-q'], { stdio: 'ignore', env });
      r = spawnSync('apt-get', ['install', '-y', '-q', 'libxml2-utils'], { stdio: 'ignore', env });
    }
    if (r.status === 0 && has('xmllint')) return;
  }
  throw new Error(
    'xmllint is required to validate OAI-PMH responses: install libxml2-utils (apt-get install -y libxml2-utils)',
  );
}

/** Validates an XML document against `schema` with xmllint; throws with xmllint's complaint. */
export function assertValidXml(xml: string, schema: string = OAI_DC_DRIVER): void {
  const dir = mkdtempSync(join(tmpdir(), 'shulian-xml-'));
  try {
    const file = join(dir, 'response.xml');
    writeFileSync(file, xml);
    const r = spawnSync('xmllint', ['--noout', '--nonet', '--schema', schema, file], { encoding: 'utf8' });
    if (r.status !== 0)
      throw new Error(
        `xmllint: the document does not validate against ${schema}:\n${r.stderr.slice(0, 2000)}\n--- document ---\n${xml.slice(0, 3000)}`,
      );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
