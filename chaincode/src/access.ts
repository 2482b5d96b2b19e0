/**
 * Who the caller is: the MSP id of their organisation and the `shulian.role` attribute that Fabric CA
 * put in their certificate. Both come from fabric-shim's ClientIdentity, as on a real peer.
 */
import { denied } from './errors';
import type { ShulianContext } from './context';
import { ROLE_ATTRIBUTE, type Role } from './records';

const ROLES: readonly Role[] = ['operator', 'rights-admin', 'auditor', 'warehouse'];

export interface Caller {
  readonly mspId: string;
  /** ClientIdentity.getID(): `x509::<subject DN>::<issuer DN>`. */
  readonly id: string;
  readonly role: Role | null;
  /** The attribute as the certificate carries it (null when absent), for error messages. */
  readonly roleAttribute: string | null;
}

export function caller(ctx: ShulianContext): Caller {
  const identity = ctx.clientIdentity;
  const attribute = identity.getAttributeValue(ROLE_ATTRIBUTE);
  const role = attribute !== null && (ROLES as readonly string[]).includes(attribute) ? (attribute as Role) : null;
  return { mspId: identity.getMSPID(), id: identity.getID(), role, roleAttribute: attribute };
}

/** The caller, provided they hold one of `roles`. */
export function requireRole(ctx: ShulianContext, fn: string, roles: readonly Role[]): Caller {
  const who = caller(ctx);
  if (who.role === null || !roles.includes(who.role)) {
    const held =
      who.role !== null
        ? `role ${who.role}`
        : who.roleAttribute === null
          ? `no ${ROLE_ATTRIBUTE} attribute`
          : `${ROLE_ATTRIBUTE}=${JSON.stringify(who.roleAttribute)}, which is not a Shulian role`;
    throw denied(`${fn} requires role ${roles.join(' or ')}; the caller (${who.mspId}) has ${held}`);
  }
  return who;
}

/** Only the organisation that owns something may change it. */
export function requireOrg(who: Caller, owner: string, what: string): void {
  if (who.mspId !== owner) {
    throw denied(`${what} belongs to ${owner}; ${who.mspId} may not change it`);
  }
}

export function identityOf(who: Caller): { mspId: string; id: string } {
  return { mspId: who.mspId, id: who.id };
}
