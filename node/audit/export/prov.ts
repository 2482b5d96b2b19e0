import { createHash } from 'node:crypto';
import type { AuditSources } from '../types.js';
import { resources, type ExportScope, type ResourceFacts } from './collect.js';

type Attrs = Record<string, unknown>;
type Section = Record<string, Attrs>;

export const PROV_PREFIXES = {
  shulian: 'urn:shulian:',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
  prov: 'http://www.w3.org/ns/prov#',
} as const;

const SECTIONS = [
  'entity',
  'activity',
  'agent',
  'wasGeneratedBy',
  'used',
  'wasInvalidatedBy',
  'wasDerivedFrom',
  'wasAttributedTo',
  'wasAssociatedWith',
  'actedOnBehalfOf',
] as const;
type SectionName = (typeof SECTIONS)[number];

const qn = (name: string) => ({ $: name, type: 'prov:QUALIFIED_NAME' });
const entityId = (resourceId: string, version: number) => `shulian:version/${resourceId}/${version}`;
const orgId = (msp: string) => `shulian:org/${msp}`;
// X.509 identity strings carry spaces, '=' and ',': not usable in a qualified name, so they are hashed
const identityId = (id: string) => `shulian:identity/${createHash('sha256').update(id).digest('hex').slice(0, 32)}`;

/**
 * W3C PROV-JSON for a resource or the whole collection, as text chunks. Entities are versions; activities
 * are registrations (which generate them), transfers to the warehouse (which use them) and withdrawals
 * (which invalidate them); agents are the orgs and the identities that submitted, acting on their org's
 * behalf. A version `wasDerivedFrom` the versions it names in `derivedFrom`, and (as a prov:Revision) its
 * previous version. Each section walks the resources again, so a collection is never held in memory.
 */
export async function* provJson(
  sources: Readonly<AuditSources>,
  scope: Readonly<ExportScope> = {},
): AsyncGenerator<string> {
  yield `{"prefix":${JSON.stringify(PROV_PREFIXES)}`;
  for (const section of SECTIONS) {
    yield `,${JSON.stringify(section)}:{`;
    let first = true;
    const seen = new Set<string>();
    for (const facts of resources(sources, scope)) {
      const part = fragment(facts)[section];
      let chunk = '';
      for (const [id, attrs] of Object.entries(part)) {
        if (seen.has(id)) continue;
        seen.add(id);
        chunk += `${first ? '' : ','}${JSON.stringify(id)}:${JSON.stringify(attrs)}`;
        first = false;
      }
      if (chunk) yield chunk;
    }
    yield '}';
  }
  yield '}\n';
}

function fragment(facts: ResourceFacts): Record<SectionName, Section> {
  const out = Object.fromEntries(SECTIONS.map((s) => [s, {} as Section])) as Record<SectionName, Section>;
  const res = facts.resource;
  out.agent[orgId(res.owner)] = { 'prov:type': qn('prov:Organization'), 'prov:label': res.owner };
  for (const v of res.versions) {
    const rec = v.record;
    const e = entityId(rec.resourceId, rec.version);
    const act = `shulian:tx/${v.txId}/register/${rec.resourceId}/${rec.version}`;
    const who = identityId(rec.submitter.id);
    out.entity[e] = {
      'prov:type': qn('shulian:ResourceVersion'),
      'prov:label': `${rec.resourceId} version ${rec.version}`,
      'shulian:resourceId': rec.resourceId,
      'shulian:version': rec.version,
      'shulian:cid': rec.cid,
      'shulian:cidProfile': rec.cidProfile,
      'shulian:sha256': rec.sha256,
      'shulian:sm3': rec.sm3,
      'shulian:size': rec.size,
      'shulian:mediaType': rec.mediaType,
      'shulian:metadataHash': rec.metadataHash,
      'shulian:txId': v.txId,
      'shulian:blockNumber': v.blockNumber,
    };
    out.activity[act] = {
      'prov:startTime': rec.timestamp,
      'prov:endTime': v.committed,
      'prov:type': qn('shulian:Registration'),
      'prov:label': `registration of ${rec.resourceId} version ${rec.version} in transaction ${v.txId}`,
      'shulian:txId': v.txId,
      'shulian:blockNumber': v.blockNumber,
    };
    out.agent[orgId(rec.owner)] = { 'prov:type': qn('prov:Organization'), 'prov:label': rec.owner };
    out.agent[who] = { 'prov:label': rec.submitter.id, 'shulian:mspId': rec.submitter.mspId };
    out.wasGeneratedBy[`_:gen/${rec.resourceId}/${rec.version}`] = {
      'prov:entity': e,
      'prov:activity': act,
      'prov:time': rec.timestamp,
    };
    out.wasAttributedTo[`_:attr/${rec.resourceId}/${rec.version}`] = {
      'prov:entity': e,
      'prov:agent': orgId(rec.owner),
    };
    out.wasAssociatedWith[`_:assoc/${v.txId}/${rec.resourceId}/${rec.version}`] = {
      'prov:activity': act,
      'prov:agent': who,
      'prov:role': 'submitter',
    };
    out.actedOnBehalfOf[`_:deleg/${who}/${rec.owner}`] = {
      'prov:delegate': who,
      'prov:responsible': orgId(rec.submitter.mspId),
    };
    out.agent[orgId(rec.submitter.mspId)] = { 'prov:type': qn('prov:Organization'), 'prov:label': rec.submitter.mspId };
    if (rec.version > 1) {
      out.wasDerivedFrom[`_:rev/${rec.resourceId}/${rec.version}`] = {
        'prov:generatedEntity': e,
        'prov:usedEntity': entityId(rec.resourceId, rec.version - 1),
        'prov:activity': act,
        'prov:type': qn('prov:Revision'),
        ...(rec.previous ? { 'shulian:previousRecordSha256': rec.previous } : {}),
      };
    }
    for (const ref of rec.derivedFrom) {
      out.wasDerivedFrom[`_:der/${rec.resourceId}/${rec.version}/${ref.resourceId}/${ref.version}`] = {
        'prov:generatedEntity': e,
        'prov:usedEntity': entityId(ref.resourceId, ref.version),
        'prov:activity': act,
      };
    }
  }
  for (const r of facts.receipts) {
    const rec = r.record;
    const act = `shulian:tx/${r.txId}/transfer/${rec.resourceId}/${rec.version}`;
    out.activity[act] = {
      'prov:startTime': rec.timestamp,
      'prov:endTime': r.committed,
      'prov:type': qn('shulian:Transfer'),
      'prov:label': `${rec.warehouse} received and verified ${rec.resourceId} version ${rec.version}`,
      'shulian:txId': r.txId,
      'shulian:cid': rec.cid,
      'shulian:sha256': rec.sha256,
      'shulian:sm3': rec.sm3,
    };
    out.agent[orgId(rec.warehouse)] = { 'prov:type': qn('prov:Organization'), 'prov:label': rec.warehouse };
    out.used[`_:use/${r.txId}/${rec.resourceId}/${rec.version}`] = {
      'prov:activity': act,
      'prov:entity': entityId(rec.resourceId, rec.version),
      'prov:time': rec.timestamp,
    };
    out.wasAssociatedWith[`_:assoc/${r.txId}/${rec.resourceId}/${rec.version}/recipient`] = {
      'prov:activity': act,
      'prov:agent': orgId(rec.warehouse),
      'prov:role': 'recipient',
    };
  }
  const w = res.withdrawal;
  if (w) {
    const act = `shulian:tx/${w.txId}/withdraw/${res.id}`;
    const who = identityId(w.record.by.id);
    out.activity[act] = {
      'prov:startTime': w.record.timestamp,
      'prov:endTime': w.committed,
      'prov:type': qn('shulian:Withdrawal'),
      'prov:label': `withdrawal of ${res.id} (${w.record.reasonCode})`,
      'shulian:reasonCode': w.record.reasonCode,
      'shulian:txId': w.txId,
    };
    out.agent[who] = { 'prov:label': w.record.by.id, 'shulian:mspId': w.record.by.mspId };
    out.wasAssociatedWith[`_:assoc/${w.txId}/${res.id}`] = {
      'prov:activity': act,
      'prov:agent': who,
      'prov:role': 'withdrawer',
    };
    for (const v of res.versions) {
      out.wasInvalidatedBy[`_:inv/${res.id}/${v.record.version}`] = {
        'prov:entity': entityId(res.id, v.record.version),
        'prov:activity': act,
        'prov:time': w.record.timestamp,
      };
    }
  }
  return out;
}
