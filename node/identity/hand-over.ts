import { constants } from 'node:fs';
import { access, cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ConflictError, NotFoundError, ValidationError } from '../core/errors.js';
import { consortiumLayout, findIdentity, readConsortiumLayout } from './consortium.js';

export interface HandOverOptions {
  /** The national library's identity to hand over (default `warehouse`). */
  readonly identity?: string;
  /** Replace what the destination already has. */
  readonly force?: boolean;
}

export interface HandOverResult {
  readonly mspId: string;
  readonly identity: string;
  /** The files written under the destination home. */
  readonly written: readonly string[];
}

/**
 * In the development consortium every identity is issued by the CAs in the province's home, the national
 * library's included. This hands one of the national identities (by default the warehouse's: MSP folder to
 * sign receipts, TLS client certificate for the gateway) and the consortium's CA bundles to another node's
 * home, in the same layout, so that `shulian pull` runs there. In a consortium on Fabric the national
 * library enrols its warehouse at its own Fabric CA instead (`shulian identity enroll`).
 */
export async function handOverNationalIdentity(
  fromHome: string,
  toHome: string,
  options: Readonly<HandOverOptions> = {},
): Promise<HandOverResult> {
  if (resolve(fromHome) === resolve(toHome)) {
    throw new ValidationError("/to: the destination home must not be this node's own home", { pointer: '/to' });
  }
  const from = await readConsortiumLayout(fromHome);
  const name = options.identity ?? 'warehouse';
  const who = findIdentity(from, from.national.mspId, name);
  if (who.kind !== 'client') {
    throw new ValidationError(
      `/as: ${name} is not a user identity: only operator, rights-admin, auditor or warehouse can be handed over`,
      {
        pointer: '/as',
      },
    );
  }
  const to = consortiumLayout(toHome, { provinceMsp: from.province.mspId, nationalMsp: from.national.mspId });
  const target = findIdentity(to, to.national.mspId, name);
  for (const file of [who.cert, who.key, ...(who.tls ? [who.tls.cert, who.tls.key] : [])]) {
    if (!(await exists(file)))
      throw new NotFoundError(`${file} is missing: run "shulian init" in ${from.home} first`, { file });
  }
  if (!options.force) {
    for (const file of [target.cert, to.caBundle, to.tlsCaBundle]) {
      if (await exists(file)) {
        throw new ConflictError(
          `${file} already exists: the destination has an identity or CA bundles (use --force to replace them)`,
          {
            file,
          },
        );
      }
    }
  }
  await mkdir(dirname(target.dir), { recursive: true });
  await cp(who.dir, target.dir, { recursive: true, force: true });
  // The bundles are what the destination pins: proofs and the gateway's certificate are checked against them.
  for (const [src, dst] of [
    [from.caBundle, to.caBundle],
    [from.tlsCaBundle, to.tlsCaBundle],
  ] as const) {
    await writeFile(dst, await readFile(src));
  }
  return { mspId: from.national.mspId, identity: name, written: [target.dir, to.caBundle, to.tlsCaBundle] };
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file, constants.F_OK);
    return true;
  } catch {
    return false;
  }
}
