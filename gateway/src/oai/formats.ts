import { canonicalize, sha256Hex } from 'shulian/core';
import type { ResourceView, VersionView } from '../ports.js';
import { datestamp } from './dates.js';
import { element, wrap } from './xml.js';
import { DC_ELEMENTS } from 'shulian/ingest';

/** The metadata formats every item can be disseminated in. */
export interface MetadataFormat {
  readonly prefix: string;
  readonly schema: string;
  readonly namespace: string;
  render(resource: ResourceView): string;
}

export const OAI_DC_NS = 'http://www.openarchives.org/OAI/2.0/oai_dc/';
export const DC_NS = 'http://purl.org/dc/elements/1.1/';
export const SHULIAN_NS = 'urn:shulian:schemas:oai:resource:v1';
export const SHULIAN_XSD = 'shulian-oai-v1.xsd';

function metadataObject(resource: ResourceView): Record<string, unknown> {
  return typeof resource.metadata === 'object' && resource.metadata !== null && !Array.isArray(resource.metadata)
    ? (resource.metadata as Record<string, unknown>)
    : {};
}

function strings(value: unknown): string[] {
  return Array.isArray(value)
    ? value.filter((v): v is string => typeof v === 'string' && v.trim() !== '')
    : typeof value === 'string' && value.trim() !== ''
      ? [value]
      : [];
}

function head(resource: ResourceView): VersionView | undefined {
  return (
    resource.versions.find((v) => v.record.version === resource.headVersion) ??
    resource.versions[resource.versions.length - 1]
  );
}

/**
 * Simple Dublin Core from the resource's metadata (its DC elements are arrays already), completed from the
 * chain record: the head version's media type when no format is given, and the payload's CID as an
 * `ipfs://` identifier, so a DC-only harvester can still fetch and check the bytes.
 */
function renderOaiDc(resource: ResourceView): string {
  const m = metadataObject(resource);
  const version = head(resource);
  const values = new Map<string, string[]>();
  for (const name of DC_ELEMENTS) values.set(name, strings(m[name]));
  if (values.get('title')!.length === 0) values.set('title', [resource.id]);
  if (version && values.get('format')!.length === 0) values.set('format', [version.record.mediaType]);
  if (version) values.get('identifier')!.push(`ipfs://${version.record.cid}`);
  let children = '';
  for (const name of DC_ELEMENTS) for (const v of values.get(name)!) children += element(`dc:${name}`, v);
  return wrap('oai_dc:dc', children, {
    'xmlns:oai_dc': OAI_DC_NS,
    'xmlns:dc': DC_NS,
    'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
    'xsi:schemaLocation': `${OAI_DC_NS} http://www.openarchives.org/OAI/2.0/oai_dc.xsd`,
  });
}

function chain(p: { txId: string; blockNumber: number; txIndex: number; committed: string }): string {
  return element('s:chain', undefined, {
    txId: p.txId,
    blockNumber: p.blockNumber,
    txIndex: p.txIndex,
    committed: p.committed,
  });
}

/**
 * The project's own format: the resource's full metadata (its RFC 8785 canonical JSON, whose SHA-256 is the
 * head version's on-chain metadataHash, so a harvester can check it), and the chain provenance of every
 * version (digests, CID and profile, lineage, submitter, transaction, block, commit time) (withdrawn resources are deleted
 * records: they carry no metadata). Schema: gateway/schemas/shulian-oai-v1.xsd.
 */
function renderShulian(schemaUrl: string) {
  return (resource: ResourceView): string => {
    const m = metadataObject(resource);
    const version = head(resource);
    let children =
      element('s:id', resource.id) + element('s:owner', resource.owner) + element('s:status', resource.status);
    children +=
      element('s:headVersion', resource.headVersion) +
      element('s:created', resource.created) +
      element('s:updated', resource.updated);
    if (typeof m.class === 'string') children += element('s:class', m.class);
    for (const t of strings(m.theme)) children += element('s:theme', t);
    if (resource.metadata !== undefined && resource.metadata !== null && version) {
      const canonical = canonicalize(resource.metadata);
      const hash = sha256Hex(canonical);
      // only metadata that is provably the head version's is published as such
      if (hash === version.record.metadataHash)
        children += element('s:metadata', canonical, {
          mediaType: 'application/json',
          canonicalization: 'RFC8785',
          sha256: hash,
        });
    }
    for (const v of resource.versions) {
      const r = v.record;
      let vc =
        element('s:cid', r.cid, { profile: r.cidProfile }) + element('s:sha256', r.sha256) + element('s:sm3', r.sm3);
      vc += element('s:size', r.size) + element('s:mediaType', r.mediaType) + element('s:metadataHash', r.metadataHash);
      if (r.metadataCid) vc += element('s:metadataCid', r.metadataCid);
      if (r.previous) vc += element('s:previous', r.previous);
      for (const d of r.derivedFrom)
        vc += element('s:derivedFrom', undefined, { resourceId: d.resourceId, version: d.version });
      vc +=
        element('s:submitter', undefined, { mspId: r.submitter.mspId, id: r.submitter.id }) +
        element('s:timestamp', r.timestamp) +
        chain(v);
      children += wrap('s:version', vc, { number: r.version });
    }
    children += element('s:datestamp', datestamp(resource.changed.committed));
    return wrap('s:resource', children, {
      'xmlns:s': SHULIAN_NS,
      'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
      'xsi:schemaLocation': `${SHULIAN_NS} ${schemaUrl}`,
    });
  };
}

export function metadataFormats(shulianSchemaUrl: string): readonly MetadataFormat[] {
  return [
    {
      prefix: 'oai_dc',
      schema: 'http://www.openarchives.org/OAI/2.0/oai_dc.xsd',
      namespace: OAI_DC_NS,
      render: renderOaiDc,
    },
    { prefix: 'shulian', schema: shulianSchemaUrl, namespace: SHULIAN_NS, render: renderShulian(shulianSchemaUrl) },
  ];
}
