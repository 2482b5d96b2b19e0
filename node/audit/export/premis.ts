import type { RightsView } from '../../index/index.js';
import type { Action, ResourceVersion } from '../../index/records.js';
import type { AuditSources, FixityEvent } from '../types.js';
import { resources, rightsOf, versionId, type ExportScope, type ResourceFacts } from './collect.js';
import { el, wrap } from './xml.js';

export const PREMIS_NS = 'http://www.loc.gov/premis/v3';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
const LOC = 'http://id.loc.gov/vocabulary/preservation';

/**
 * Identifier types and the one local vocabulary. PREMIS' messageDigestAlgorithm takes the Library of
 * Congress cryptographicHashFunctions vocabulary, which has SHA-256 but no SM3 (GM/T 0004-2012): SM3 is
 * written as `SM3` under the local authority below, so a reader knows it is not a LoC term.
 */
export const PREMIS_VOCABULARY = {
  versionId: 'urn:shulian:identifier:version',
  cid: 'urn:shulian:identifier:cid',
  event: 'urn:shulian:identifier:event',
  rights: 'urn:shulian:identifier:rights',
  org: 'urn:shulian:identifier:msp',
  identity: 'urn:shulian:identifier:x509-identity',
  software: 'urn:shulian:identifier:software',
  localHash: 'urn:shulian:vocabulary:hash',
} as const;

const hashLoC = { authority: 'cryptographicHashFunctions', authorityURI: `${LOC}/cryptographicHashFunctions` };
const hashLocal = { authority: 'shulian-hash', authorityURI: PREMIS_VOCABULARY.localHash };
const eventTypeAuth = { authority: 'eventType', authorityURI: `${LOC}/eventType` };
const actAuth = { authority: 'actionsGranted', authorityURI: `${LOC}/actionsGranted` };

/** ODRL 2.2 actions as PREMIS acts (LoC actionsGranted: replicate, migrate, modify, use, disseminate, delete). */
export const ODRL_TO_PREMIS_ACT: Readonly<Record<Action, string>> = {
  reproduce: 'replicate',
  distribute: 'disseminate',
  display: 'use',
  play: 'use',
  derive: 'modify',
  archive: 'replicate',
};

const BASIS: Readonly<Record<string, string>> = {
  copyright: 'Copyright',
  licence: 'License',
  statute: 'Statute',
  policy: 'Other',
};

const CHAINCODE_AGENT = 'shulian-chaincode';

/**
 * PREMIS 3.0 for a resource or the whole collection, as text chunks: objects (one `file` per version, with
 * SHA-256 and SM3 fixity, size, format, storage by CID, derivations and revisions), events (ingestion =
 * registration on chain, fixity checks, transfers = the warehouse's receipts, deaccession = withdrawal),
 * agents (orgs, submitting identities, the chaincode) and rights statements from the grants. The schema
 * orders the sections, so the resources are walked once per section.
 */
export async function* premisXml(
  sources: Readonly<AuditSources>,
  scope: Readonly<ExportScope> = {},
): AsyncGenerator<string> {
  yield `<?xml version="1.0" encoding="UTF-8"?>\n<premis xmlns="${PREMIS_NS}" xmlns:xsi="${XSI}" xsi:schemaLocation="${PREMIS_NS} https://www.loc.gov/standards/premis/v3/premis-v3-0.xsd" version="3.0">\n`;
  const rightsByResource = new Map<string, string[]>();
  for (const r of rightsOf(sources, scope)) {
    if (r.record.target.type !== 'resource') continue;
    rightsByResource.set(r.record.target.id, [...(rightsByResource.get(r.record.target.id) ?? []), r.record.rightsId]);
  }
  for (const facts of resources(sources, scope)) {
    for (const v of facts.resource.versions)
      yield object(facts, v.record, rightsByResource.get(facts.resource.id) ?? []) + '\n';
  }
  const agents = new Map<string, string>();
  const agent = (id: string, xml: () => string) => {
    if (!agents.has(id)) agents.set(id, xml());
  };
  for (const facts of resources(sources, scope)) {
    for (const v of facts.resource.versions) {
      const rec = v.record;
      agent(`org:${rec.owner}`, () => orgAgent(rec.owner));
      agent(`id:${rec.submitter.id}`, () => identityAgent(rec.submitter));
      agent(CHAINCODE_AGENT, softwareAgent);
      yield event({
        id: `${v.txId}/${versionId(rec.resourceId, rec.version)}/ingestion`,
        type: 'ingestion',
        at: rec.timestamp,
        detail: `registered on chain: transaction ${v.txId}, block ${v.blockNumber}, committed ${v.committed}; CID ${rec.cid} (${rec.cidProfile}), metadata SHA-256 ${rec.metadataHash}`,
        outcome: 'success',
        agents: [
          [PREMIS_VOCABULARY.identity, rec.submitter.id, 'implementer'],
          [PREMIS_VOCABULARY.org, rec.owner, 'owner'],
          [PREMIS_VOCABULARY.software, CHAINCODE_AGENT, 'executing program'],
        ],
        objects: [[versionId(rec.resourceId, rec.version), 'outcome']],
      });
    }
    for (const f of facts.fixity) {
      agent(`org:${facts.resource.owner}`, () => orgAgent(facts.resource.owner));
      yield fixityEvent(f, facts.resource.owner);
    }
    for (const r of facts.receipts) {
      const rec = r.record;
      agent(`org:${rec.warehouse}`, () => orgAgent(rec.warehouse));
      agent(`org:${facts.resource.owner}`, () => orgAgent(facts.resource.owner));
      yield event({
        id: `${r.txId}/${versionId(rec.resourceId, rec.version)}/transfer`,
        type: 'transfer',
        at: rec.timestamp,
        detail: `received and verified by ${rec.warehouse} (receipt in transaction ${r.txId}, block ${r.blockNumber}): CID ${rec.cid}, SHA-256 ${rec.sha256}, SM3 ${rec.sm3}`,
        outcome: 'success',
        agents: [
          [PREMIS_VOCABULARY.org, facts.resource.owner, 'transferor'],
          [PREMIS_VOCABULARY.org, rec.warehouse, 'recipient'],
        ],
        objects: [[versionId(rec.resourceId, rec.version), 'source']],
      });
    }
    const w = facts.resource.withdrawal;
    if (w) {
      agent(`org:${w.record.by.mspId}`, () => orgAgent(w.record.by.mspId));
      agent(`id:${w.record.by.id}`, () => identityAgent(w.record.by));
      yield event({
        id: `${w.txId}/${w.record.resourceId}/deaccession`,
        type: 'deaccession',
        at: w.record.timestamp,
        detail: `withdrawn (${w.record.reasonCode})${w.record.note ? `: ${w.record.note}` : ''}; transaction ${w.txId}, block ${w.blockNumber}; the record stays as a tombstone`,
        outcome: 'success',
        agents: [[PREMIS_VOCABULARY.identity, w.record.by.id, 'implementer']],
        objects: facts.resource.versions.map(
          (v) => [versionId(v.record.resourceId, v.record.version), 'source'] as const,
        ),
      });
    }
  }
  for (const r of rightsOf(sources, scope)) {
    for (const org of [r.record.assigner, r.record.assignee])
      if (org !== 'public') agent(`org:${org}`, () => orgAgent(org));
  }
  for (const xml of agents.values()) yield xml + '\n';
  for (const r of rightsOf(sources, scope)) yield rights(r, scope, sources) + '\n';
  yield '</premis>\n';
}

function ident(prefix: string, type: string, value: string): string {
  return wrap(prefix + 'Identifier', [el(prefix + 'IdentifierType', type), el(prefix + 'IdentifierValue', value)]);
}

function object(facts: ResourceFacts, rec: ResourceVersion, rightsIds: readonly string[]): string {
  const id = versionId(rec.resourceId, rec.version);
  const relationships: string[] = [];
  for (const ref of rec.derivedFrom) {
    relationships.push(
      wrap('relationship', [
        el('relationshipType', 'derivation', {
          authority: 'relationshipType',
          authorityURI: `${LOC}/relationshipType`,
        }),
        el('relationshipSubType', 'has source', {
          authority: 'relationshipSubType',
          authorityURI: `${LOC}/relationshipSubType`,
        }),
        wrap('relatedObjectIdentifier', [
          el('relatedObjectIdentifierType', PREMIS_VOCABULARY.versionId),
          el('relatedObjectIdentifierValue', versionId(ref.resourceId, ref.version)),
        ]),
      ]),
    );
  }
  if (rec.version > 1) {
    relationships.push(
      wrap('relationship', [
        el('relationshipType', 'derivation', {
          authority: 'relationshipType',
          authorityURI: `${LOC}/relationshipType`,
        }),
        // no LoC subtype says "next version of": a local term, with the digest the chain records
        el('relationshipSubType', 'is revision of', { authority: 'shulian-relationship' }),
        wrap('relatedObjectIdentifier', [
          el('relatedObjectIdentifierType', PREMIS_VOCABULARY.versionId),
          el('relatedObjectIdentifierValue', versionId(rec.resourceId, rec.version - 1)),
        ]),
      ]),
    );
  }
  const events = [
    `${rec.txId}/${id}/ingestion`,
    ...facts.fixity.filter((f) => f.version === rec.version).map((f) => f.eventId),
    ...facts.receipts.filter((r) => r.record.version === rec.version).map((r) => `${r.txId}/${id}/transfer`),
    ...(facts.resource.withdrawal ? [`${facts.resource.withdrawal.txId}/${rec.resourceId}/deaccession`] : []),
  ];
  return wrap(
    'object',
    [
      ident('object', PREMIS_VOCABULARY.versionId, id),
      ident('object', PREMIS_VOCABULARY.cid, rec.cid),
      wrap('objectCharacteristics', [
        el('compositionLevel', 0),
        wrap('fixity', [
          el('messageDigestAlgorithm', 'SHA-256', hashLoC),
          el('messageDigest', rec.sha256),
          el('messageDigestOriginator', rec.owner),
        ]),
        wrap('fixity', [
          el('messageDigestAlgorithm', 'SM3', hashLocal),
          el('messageDigest', rec.sm3),
          el('messageDigestOriginator', rec.owner),
        ]),
        el('size', rec.size),
        wrap('format', wrap('formatDesignation', el('formatName', rec.mediaType))),
      ]),
      wrap('storage', [
        wrap('contentLocation', [el('contentLocationType', 'uri'), el('contentLocationValue', `ipfs://${rec.cid}`)]),
        el('storageMedium', 'IPFS'),
      ]),
      ...relationships,
      ...events.map((e) => ident('linkingEvent', PREMIS_VOCABULARY.event, e)),
      ...rightsIds.map((r) => ident('linkingRightsStatement', PREMIS_VOCABULARY.rights, r)),
    ],
    { 'xsi:type': 'file' },
  );
}

interface EventInput {
  readonly id: string;
  readonly type: string;
  readonly at: string;
  readonly detail: string;
  readonly outcome: string;
  readonly outcomeNote?: string;
  readonly agents: readonly (readonly [string, string, string])[];
  readonly objects: readonly (readonly [string, string])[];
}

function event(e: EventInput): string {
  return (
    wrap('event', [
      ident('event', PREMIS_VOCABULARY.event, e.id),
      el('eventType', e.type, eventTypeAuth),
      el('eventDateTime', e.at),
      wrap('eventDetailInformation', el('eventDetail', e.detail)),
      wrap('eventOutcomeInformation', [
        el('eventOutcome', e.outcome),
        ...(e.outcomeNote ? [wrap('eventOutcomeDetail', el('eventOutcomeDetailNote', e.outcomeNote))] : []),
      ]),
      ...e.agents.map(([type, value, role]) =>
        wrap('linkingAgentIdentifier', [
          el('linkingAgentIdentifierType', type),
          el('linkingAgentIdentifierValue', value),
          el('linkingAgentRole', role),
        ]),
      ),
      ...e.objects.map(([value, role]) =>
        wrap('linkingObjectIdentifier', [
          el('linkingObjectIdentifierType', PREMIS_VOCABULARY.versionId),
          el('linkingObjectIdentifierValue', value),
          el('linkingObjectRole', role),
        ]),
      ),
    ]) + '\n'
  );
}

function fixityEvent(f: FixityEvent, owner: string): string {
  const actual = `SHA-256 ${f.actual.sha256 ?? 'unreadable'}, SM3 ${f.actual.sm3 ?? 'unreadable'}`;
  return event({
    id: f.eventId,
    type: 'fixity check',
    at: f.checkedAt,
    detail: `re-hashed the stored bytes of CID ${f.cid} in fixity audit run ${f.runId}${
      f.anchor ? `; result anchored in batch ${f.anchor.batchId}, transaction ${f.anchor.txId}` : ''
    }`,
    outcome: f.outcome === 'pass' ? 'pass' : 'fail',
    outcomeNote: `expected SHA-256 ${f.expected.sha256}, SM3 ${f.expected.sm3}; found ${actual}${f.detail ? `; ${f.detail}` : ''}`,
    agents: [[PREMIS_VOCABULARY.org, owner, 'implementer']],
    objects: [[versionId(f.resourceId, f.version), 'source']],
  });
}

function orgAgent(msp: string): string {
  return wrap('agent', [
    ident('agent', PREMIS_VOCABULARY.org, msp),
    el('agentName', msp),
    el('agentType', 'organization', { authority: 'agentType', authorityURI: `${LOC}/agentType` }),
  ]);
}

function identityAgent(who: { readonly mspId: string; readonly id: string }): string {
  return wrap('agent', [
    ident('agent', PREMIS_VOCABULARY.identity, who.id),
    el('agentName', who.id),
    el('agentNote', `X.509 identity of ${who.mspId}, as the chaincode recorded it`),
  ]);
}

function softwareAgent(): string {
  return wrap('agent', [
    ident('agent', PREMIS_VOCABULARY.software, CHAINCODE_AGENT),
    el('agentName', 'Shulian chaincode (Hyperledger Fabric contract "shulian")'),
    el('agentType', 'software', { authority: 'agentType', authorityURI: `${LOC}/agentType` }),
  ]);
}

function rights(view: RightsView, scope: Readonly<ExportScope>, sources: Readonly<AuditSources>): string {
  const r = view.record;
  const c = r.constraints;
  const note = `${r.assigner} grants ${r.assignee} on behalf of rightsholder ${r.rightsholder}; status ${r.status}${
    r.status === 'revoked' ? ` since ${r.revoked ?? '?'}${r.reason ? ` (${r.reason})` : ''}` : ''
  }; granted in transaction ${r.grantedTxId}${r.termsDigest ? `; confidential terms SHA-256 ${r.termsDigest}` : ''}`;
  const jurisdiction = c.territory ?? 'unspecified';
  const basisInfo: string[] = [];
  switch (r.basis) {
    case 'copyright':
      basisInfo.push(
        wrap('copyrightInformation', [
          el('copyrightStatus', 'copyrighted'),
          el('copyrightJurisdiction', jurisdiction),
          el('copyrightNote', note),
        ]),
      );
      break;
    case 'licence':
      basisInfo.push(
        wrap('licenseInformation', [
          ...(r.licenceDigest
            ? [
                wrap('licenseDocumentationIdentifier', [
                  el('licenseDocumentationIdentifierType', 'SHA-256'),
                  el('licenseDocumentationIdentifierValue', r.licenceDigest),
                ]),
              ]
            : []),
          el('licenseNote', note),
        ]),
      );
      break;
    case 'statute':
      basisInfo.push(
        wrap('statuteInformation', [
          el('statuteJurisdiction', jurisdiction),
          el('statuteCitation', 'not recorded on chain'),
          el('statuteNote', note),
        ]),
      );
      break;
    default:
      basisInfo.push(wrap('otherRightsInformation', [el('otherRightsBasis', 'Policy'), el('otherRightsNote', note)]));
  }
  const term = wrap('termOfGrant', [
    el('startDate', c.notBefore),
    ...(c.notAfter ? [el('endDate', c.notAfter)] : [el('endDate', 'OPEN')]),
  ]);
  const granted = r.actions.map((action) =>
    wrap('rightsGranted', [
      el('act', ODRL_TO_PREMIS_ACT[action], actAuth),
      ...(c.purpose ? [el('restriction', `purpose: ${c.purpose}`)] : []),
      term,
      ...(r.status === 'revoked' && r.revoked ? [wrap('termOfRestriction', el('startDate', r.revoked))] : []),
      el('rightsGrantedNote', `ODRL 2.2 action "${action}"${c.territory ? ` in ${c.territory}` : ''}`),
    ]),
  );
  const objects: string[] = [];
  if (r.target.type === 'resource' && (scope.resourceId === undefined || scope.resourceId === r.target.id)) {
    for (const v of sources.index.getResource(r.target.id)?.versions ?? [])
      objects.push(
        wrap('linkingObjectIdentifier', [
          el('linkingObjectIdentifierType', PREMIS_VOCABULARY.versionId),
          el('linkingObjectIdentifierValue', versionId(v.record.resourceId, v.record.version)),
        ]),
      );
  }
  const agents = [[r.assigner, 'grantor'], ...(r.assignee === 'public' ? [] : [[r.assignee, 'grantee']])].map(
    ([org, role]) =>
      wrap('linkingAgentIdentifier', [
        el('linkingAgentIdentifierType', PREMIS_VOCABULARY.org),
        el('linkingAgentIdentifierValue', org!),
        el('linkingAgentRole', role!),
      ]),
  );
  return wrap(
    'rights',
    wrap('rightsStatement', [
      ident('rightsStatement', PREMIS_VOCABULARY.rights, r.rightsId),
      el('rightsBasis', BASIS[r.basis] ?? 'Other', { authority: 'rightsBasis', authorityURI: `${LOC}/rightsBasis` }),
      ...basisInfo,
      ...granted,
      ...objects,
      ...agents,
    ]),
  );
}
