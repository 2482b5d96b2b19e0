import { ValidationError } from '../../core/errors.js';

/**
 * Private data collections, as in Fabric's collection configuration (network/config/collections_config.json):
 * a peer refuses a collection that is not defined, and with memberOnlyRead / memberOnlyWrite it refuses
 * creators whose org is not in the collection's policy. The embedded ledger applies the same rules when
 * it is given the collections, so a contract cannot rely on anything a peer would refuse.
 */
export interface CollectionConfig {
  readonly name: string;
  /** Signature policy naming the member orgs, e.g. `OR('JilinLibraryMSP.member', 'NLCMSP.member')`. */
  readonly policy: string;
  readonly memberOnlyRead?: boolean;
  readonly memberOnlyWrite?: boolean;
}

export interface CollectionRules {
  readonly members: ReadonlySet<string>;
  readonly memberOnlyRead: boolean;
  readonly memberOnlyWrite: boolean;
}

const PRINCIPAL = /'([A-Za-z0-9][A-Za-z0-9._-]*)\.(?:member|peer|client|admin)'/g;

export function compileCollections(configs: readonly CollectionConfig[]): ReadonlyMap<string, CollectionRules> {
  const out = new Map<string, CollectionRules>();
  configs.forEach((c, i) => {
    if (typeof c?.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(c.name)) {
      throw new ValidationError(`collections[${i}].name must be a collection name`, {
        pointer: `/collections/${i}/name`,
      });
    }
    const members = new Set(
      [...(typeof c.policy === 'string' ? c.policy.matchAll(PRINCIPAL) : [])].map((m) => m[1] as string),
    );
    if (members.size === 0) {
      throw new ValidationError(`collections[${i}].policy must name member orgs, e.g. OR('OrgMSP.member')`, {
        pointer: `/collections/${i}/policy`,
      });
    }
    out.set(c.name, {
      members,
      memberOnlyRead: c.memberOnlyRead === true,
      memberOnlyWrite: c.memberOnlyWrite === true,
    });
  });
  return out;
}

/**
 * The confidential-terms collections the Shulian chaincode uses (`terms-<licensor>-<licensee>`, see
 * chaincode/src/keys.ts termsCollection), for every ordered pair of the consortium's orgs, shared by the
 * two: what network/config/collections_config.json defines on a Fabric network.
 */
export function termsCollections(mspIds: readonly string[]): CollectionConfig[] {
  const out: CollectionConfig[] = [];
  for (const a of mspIds) {
    for (const b of mspIds) {
      if (a === b) continue;
      out.push({
        name: `terms-${a}-${b}`,
        policy: `OR('${a}.member', '${b}.member')`,
        memberOnlyRead: true,
        memberOnlyWrite: true,
      });
    }
  }
  return out;
}
