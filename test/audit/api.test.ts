import { readFile } from 'node:fs/promises';
import type { Agent } from 'node:https';
import { expect } from 'chai';
import { pino } from 'pino';
import { startNodeGateway, createAjv, type RunningGateway } from '../../gateway/index.js';
import { AUDIT_PATHS } from '../../gateway/src/audit/index.js';
import type { FixityEvent, FixityReader, FixityRun } from '../../node/audit/index.js';
import { consortiumLayout } from '../../node/identity/index.js';
import { splitPemBundle, verifyProofBundle, type ProofBundle } from '../../node/ledger/index.js';
import type { ShulianNode } from '../../node/runtime/index.js';
import { tempNode } from '../runtime/helpers.js';
import { agentFor, call, problemOf, tlsFrom } from '../gateway/client.js';
import { ensureXmllint, assertValidXml } from '../helpers/xmllint.js';
import { eventually, grant, register } from './fixture.js';
import { PREMIS_XSD, provValidator } from './schemas.js';

const ajv = createAjv();
/** The OpenAPI document's 200 schema of a GET audit route, compiled against its components. */
function response(path: keyof typeof AUDIT_PATHS): (value: unknown) => void {
  const op = AUDIT_PATHS[path].get as { responses: Record<string, { content?: Record<string, { schema: unknown }> }> };
  const schema = JSON.parse(
    JSON.stringify(op.responses['200']!.content!['application/json']!.schema).replace(
      /"#\/components/g,
      '"openapi#/components',
    ),
  ) as object;
  const v = ajv.compile(schema);
  return (value) => {
    if (!v(value)) throw new Error(`${path}: ${ajv.errorsText(v.errors)}`);
  };
}

/** A fixity store as the fixity job will keep one (its own tests cover the real store). */
function memoryFixity(events: FixityEvent[], runs: FixityRun[]): FixityReader {
  const page = <T>(items: T[], q: { limit?: number; offset?: number }) => {
    const limit = q.limit ?? 100;
    const offset = q.offset ?? 0;
    return { items: items.slice(offset, offset + limit), total: items.length, limit, offset };
  };
  return {
    listFixityEvents: (q = {}) =>
      page(
        events.filter(
          (e) =>
            (q.resourceId === undefined || e.resourceId === q.resourceId) &&
            (q.runId === undefined || e.runId === q.runId) &&
            (q.outcome === undefined || e.outcome === q.outcome),
        ),
        q,
      ),
    listFixityRuns: (q = {}) => page(runs, q),
    getFixityRun: (id) => runs.find((r) => r.runId === id),
  };
}

describe('audit API (GET /v1/audit/…) over mTLS, on a real node', function () {
  this.timeout(60_000);
  let node: ShulianNode;
  let cleanup: () => Promise<void>;
  let gw: RunningGateway;
  let base: string;
  let auditor: Agent;
  let nationalAuditor: Agent;
  let operator: Agent;
  let warehouse: Agent;
  let cas: string[];
  let org: string;
  const tx: Record<string, string> = {};
  const soon = new Date(Date.now() + 10 * 86_400_000).toISOString();

  const get = async (agent: Agent, path: string) => {
    const r = await call(base, agent, 'GET', path);
    return { ...r, json: () => JSON.parse(r.body.toString('utf8')) as Record<string, unknown> };
  };

  before(async () => {
    ensureXmllint();
    let home: string;
    ({ node, home, cleanup } = await tempNode());
    org = node.config.orgMsp;
    const a1 = await register(node, 'res-a', 'first text of a');
    tx.a1 = a1.txId;
    const a2 = await register(node, 'res-a', 'second text of a');
    tx.a2 = a2.txId;
    tx.b1 = (await register(node, 'res-b', 'OCR of a', [{ resourceId: 'res-a', version: 1 }])).txId;
    tx.c1 = (await register(node, 'res-c', 'to be withdrawn')).txId;
    tx.gA = await grant(node.ledger, 'g-a', { type: 'resource', id: 'res-a' }, 'NLCMSP', null);
    tx.gB = await grant(
      node.ledger,
      'g-b',
      { type: 'resource', id: 'res-b' },
      'NLCMSP',
      soon,
      ['display'],
      'copyright',
    );
    tx.gC = await grant(node.ledger, 'g-c', { type: 'resource', id: 'res-a' }, 'public', null, ['display'], 'policy');
    tx.gColl = await grant(
      node.ledger,
      'g-coll',
      { type: 'collection', id: org },
      'NLCMSP',
      null,
      ['archive'],
      'statute',
    );
    tx.revokeC = (await node.ledger.submit({ fn: 'RevokeRights', args: ['g-c', 'licence ended early'] })).txId;
    tx.withdrawC = (
      await node.ledger.submit({ fn: 'WithdrawResource', args: ['res-c', 'duplicate', 'same as res-a'] })
    ).txId;
    const wh = await node.ledgerAs('NLCMSP/warehouse');
    tx.receipt = (
      await wh.submit({
        fn: 'RecordReceipt',
        args: [JSON.stringify({ resourceId: 'res-a', version: 2, cid: a2.cid, sha256: a2.sha256, sm3: a2.sm3 })],
      })
    ).txId;
    const checked = (version: number, outcome: 'pass' | 'fail', at: string, d: typeof a1): FixityEvent => ({
      eventId: `fx-${version}-${outcome}`,
      runId: 'run-1',
      resourceId: 'res-a',
      version,
      cid: d.cid,
      checkedAt: at,
      outcome,
      expected: { sha256: d.sha256, sm3: d.sm3 },
      actual: outcome === 'pass' ? { sha256: d.sha256, sm3: d.sm3 } : { sha256: null, sm3: null },
      ...(outcome === 'fail' ? { detail: 'block missing' } : {}),
      anchor: null,
    });
    const fixity = memoryFixity(
      [
        checked(1, 'pass', new Date(Date.now() + 1000).toISOString(), a1),
        checked(2, 'fail', new Date(Date.now() + 2000).toISOString(), a2),
      ],
      [
        {
          runId: 'run-1',
          started: new Date().toISOString(),
          finished: null,
          checked: 2,
          passed: 1,
          failed: 1,
          batchId: null,
          txId: null,
          root: null,
        },
      ],
    );
    gw = await startNodeGateway({ node, host: '127.0.0.1', port: 0, logger: pino({ level: 'silent' }), fixity });
    base = gw.url;
    const layout = consortiumLayout(home);
    const ca = layout.tlsCaBundle;
    auditor = agentFor(tlsFrom(layout.province.users.auditor.tls!, ca));
    nationalAuditor = agentFor(tlsFrom(layout.national.users.auditor.tls!, ca));
    operator = agentFor(tlsFrom(layout.province.users.operator.tls!, ca));
    warehouse = agentFor(tlsFrom(layout.national.users.warehouse.tls!, ca));
    cas = splitPemBundle(await readFile(layout.caBundle, 'utf8'));
    await eventually(() => (node.index.listReceipts().total > 0 ? true : undefined), 'the receipt in the index');
  });
  after(async () => {
    for (const a of [auditor, nationalAuditor, operator, warehouse]) a?.destroy();
    await gw?.close();
    await cleanup?.();
  });

  const verifies = (proofs: Record<string, unknown>, txId: string) => {
    const bundle = proofs[txId] as ProofBundle | undefined;
    expect(bundle, `proof of ${txId}`).to.not.equal(undefined);
    const v = verifyProofBundle(bundle!, cas);
    expect(v.ok, v.reasons.join('; ')).to.equal(true);
  };

  describe('who may read', () => {
    it('refuses every role but auditor (403 role-required), of its own org and others', async () => {
      for (const agent of [operator, warehouse]) {
        const r = await get(agent, '/v1/audit/rights');
        expect(r.status).to.equal(403);
        expect(problemOf(r).type).to.equal('urn:shulian:problem:role-required');
      }
      expect((await get(nationalAuditor, '/v1/audit/rights')).status).to.equal(200);
      expect((await get(auditor, '/v1/audit/rights')).status).to.equal(200);
    });

    it('is read-only: other methods get 405 with Allow: GET, HEAD', async () => {
      const r = await call(base, auditor, 'POST', '/v1/audit/rights', {
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(r.status).to.equal(405);
      expect(r.headers.allow).to.equal('GET, HEAD');
    });
  });

  describe('rights', () => {
    it('lists every record with its history and the proofs of its transactions', async () => {
      const r = await get(auditor, '/v1/audit/rights');
      expect(r.status).to.equal(200);
      const body = r.json() as {
        items: { rightsId: string; history: { kind: string }[]; inForce: boolean }[];
        total: number;
        proofs: Record<string, unknown>;
      };
      response('/v1/audit/rights')(body);
      expect(body.items.map((i) => i.rightsId)).to.deep.equal(['g-a', 'g-b', 'g-c', 'g-coll']);
      const c = body.items.find((i) => i.rightsId === 'g-c')!;
      expect(c.history.map((h) => h.kind)).to.deep.equal(['granted', 'revoked']);
      expect(c.inForce).to.equal(false);
      for (const t of [tx.gA!, tx.gB!, tx.gC!, tx.revokeC!, tx.gColl!]) verifies(body.proofs, t);
    });

    it('filters by status, expiry, assignee, resource and period', async () => {
      const ids = async (q: string) =>
        ((await get(auditor, `/v1/audit/rights?${q}`)).json().items as { rightsId: string }[]).map((i) => i.rightsId);
      expect(await ids('status=revoked')).to.deep.equal(['g-c']);
      expect(await ids('status=in-force')).to.deep.equal(['g-a', 'g-b', 'g-coll']);
      expect(await ids('expiringWithinDays=30')).to.deep.equal(['g-b']);
      expect(await ids('expiringWithinDays=5')).to.deep.equal([]);
      expect(await ids('assignee=public')).to.deep.equal(['g-c']);
      expect(await ids('resource=res-a')).to.deep.equal(['g-a', 'g-c', 'g-coll']);
      expect(await ids(`from=${encodeURIComponent(new Date(Date.now() + 86_400_000).toISOString())}`)).to.deep.equal(
        [],
      );
      expect(await ids('from=2020-01-01T00:00:00Z&until=2999-01-01T00:00:00Z&limit=2')).to.deep.equal(['g-a', 'g-b']);
      expect((await get(auditor, '/v1/audit/rights?from=2020-01-01T00:00:00Z&limit=2')).json().total).to.equal(4);
      const bad = await get(auditor, '/v1/audit/rights?from=yesterday');
      expect(bad.status).to.equal(400);
      expect(problemOf(bad).pointer).to.equal('/query/from');
      const typo = await get(auditor, '/v1/audit/rights?assigne=NLCMSP');
      expect(problemOf(typo).pointer).to.equal('/query/assigne');
    });

    it('answers one record with its grant and revocation proven; 404 for an unknown one', async () => {
      const body = (await get(auditor, '/v1/audit/rights/g-c')).json() as {
        rights: { granted: { txId: string; committed?: string; txIndex?: number }; revoked: { txId: string } };
        proofs: Record<string, unknown>;
      };
      response('/v1/audit/rights/{id}')(body);
      expect(body.rights.revoked.txId).to.equal(tx.revokeC);
      // the grant keeps its own placement after the revocation
      expect(body.rights.granted.txId).to.equal(tx.gC);
      expect(body.rights.granted.committed).to.be.a('string');
      expect(body.rights.granted.txIndex).to.be.a('number');
      verifies(body.proofs, tx.gC!);
      verifies(body.proofs, tx.revokeC!);
      const light = (await get(auditor, '/v1/audit/rights/g-c?proofs=false')).json();
      expect(light.proofs).to.deep.equal({});
      expect((await get(auditor, '/v1/audit/rights/nope')).status).to.equal(404);
    });
  });

  describe('timeline', () => {
    it('puts versions, rights (also whole-collection grants), receipts and fixity checks of a resource in order', async () => {
      const body = (await get(auditor, '/v1/audit/resources/res-a/timeline')).json() as {
        events: { kind: string; txId: string | null }[];
        proofs: Record<string, unknown>;
      };
      response('/v1/audit/resources/{id}/timeline')(body);
      expect(body.events.map((e) => e.kind)).to.deep.equal([
        'version',
        'version',
        'rights-granted',
        'rights-granted',
        'rights-granted',
        'rights-revoked',
        'receipt',
        'fixity',
        'fixity',
      ]);
      for (const e of body.events) if (e.txId) verifies(body.proofs, e.txId);
    });

    it('shows derivations and withdrawals', async () => {
      const b = (await get(auditor, '/v1/audit/resources/res-b/timeline')).json() as {
        events: { kind: string; record: Record<string, unknown> }[];
      };
      const d = b.events.find((e) => e.kind === 'derivation')!;
      expect(d.record.derivedFrom).to.deep.equal({ resourceId: 'res-a', version: 1 });
      const c = (await get(auditor, '/v1/audit/resources/res-c/timeline')).json() as {
        resource: { status: string };
        events: { kind: string }[];
      };
      expect(c.resource.status).to.equal('withdrawn');
      expect(c.events.at(-1)!.kind).to.equal('withdrawal');
      expect((await get(auditor, '/v1/audit/resources/none/timeline')).status).to.equal(404);
    });
  });

  describe('receipts, fixity, proofs', () => {
    it('lists receipts with filters, each checked against the registered version', async () => {
      const body = (await get(auditor, '/v1/audit/receipts')).json() as {
        items: { txId: string; matchesVersion: boolean }[];
        proofs: Record<string, unknown>;
      };
      response('/v1/audit/receipts')(body);
      expect(body.items).to.have.length(1);
      expect(body.items[0]!.matchesVersion).to.equal(true);
      verifies(body.proofs, tx.receipt!);
      expect((await get(auditor, '/v1/audit/receipts?warehouse=NLCMSP')).json().total).to.equal(1);
      expect((await get(auditor, '/v1/audit/receipts?resource=res-b')).json().total).to.equal(0);
      expect((await get(auditor, '/v1/audit/receipts?until=2020-01-01T00:00:00Z')).json().total).to.equal(0);
    });

    it("lists the fixity job's results and runs", async () => {
      const fails = (await get(auditor, '/v1/audit/fixity?outcome=fail')).json() as { items: { eventId: string }[] };
      response('/v1/audit/fixity')(fails);
      expect(fails.items.map((e) => e.eventId)).to.deep.equal(['fx-2-fail']);
      const runs = (await get(auditor, '/v1/audit/fixity/runs')).json();
      response('/v1/audit/fixity/runs')(runs);
      expect(runs.total).to.equal(1);
    });

    it('serves one proof bundle by transaction id', async () => {
      const r = await get(auditor, `/v1/audit/proofs/${tx.a1}`);
      expect(r.status).to.equal(200);
      expect(verifyProofBundle(r.json() as unknown as ProofBundle, cas).ok).to.equal(true);
      expect((await get(auditor, '/v1/audit/proofs/xyz')).status).to.equal(400);
    });
  });

  describe('exports', () => {
    it('PREMIS 3 of a resource and of the collection validate against the Library of Congress schema', async () => {
      for (const q of ['?resource=res-a', '?resource=res-c', '']) {
        const r = await get(auditor, `/v1/audit/export/premis${q}`);
        expect(r.status).to.equal(200);
        expect(String(r.headers['content-type'])).to.match(/^application\/xml/);
        assertValidXml(r.body.toString('utf8'), PREMIS_XSD);
      }
      const xml = (await get(auditor, '/v1/audit/export/premis?resource=res-a')).body.toString('utf8');
      expect(xml).to.contain(
        '<messageDigestAlgorithm authority="shulian-hash" authorityURI="urn:shulian:vocabulary:hash">SM3</messageDigestAlgorithm>',
      );
      expect(xml).to.contain('>SHA-256</messageDigestAlgorithm>');
      for (const t of ['ingestion', 'fixity check', 'transfer']) expect(xml).to.contain(`>${t}</eventType>`);
      expect(xml).to.contain('<act authority="actionsGranted"');
      const withdrawn = (await get(auditor, '/v1/audit/export/premis?resource=res-c')).body.toString('utf8');
      expect(withdrawn).to.contain('>deaccession</eventType>');
    });

    it('PROV-JSON of a resource and of the collection validate against the W3C schema', async () => {
      const prov = provValidator();
      for (const q of ['?resource=res-b', '']) {
        const r = await get(auditor, `/v1/audit/export/prov${q}`);
        expect(r.status).to.equal(200);
        prov.validate(r.json());
      }
      const doc = (await get(auditor, '/v1/audit/export/prov')).json() as Record<
        string,
        Record<string, Record<string, unknown>>
      >;
      const derived = Object.values(doc.wasDerivedFrom!);
      expect(derived).to.deep.include({
        'prov:generatedEntity': 'shulian:version/res-b/1',
        'prov:usedEntity': 'shulian:version/res-a/1',
        'prov:activity': `shulian:tx/${tx.b1}/register/res-b/1`,
      });
      expect(
        derived.some(
          (d) =>
            d['prov:usedEntity'] === 'shulian:version/res-a/1' &&
            d['prov:generatedEntity'] === 'shulian:version/res-a/2',
        ),
      ).to.equal(true);
      expect(Object.keys(doc.wasInvalidatedBy!)).to.have.length(1);
      expect(Object.keys(doc.used!)).to.have.length(1);
      expect((await get(auditor, '/v1/audit/export/prov?resource=none')).status).to.equal(404);
    });
  });
});
