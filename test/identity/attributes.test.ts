import '../../node/identity/reflect.js';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { expect } from 'chai';
import {
  clientIdentityAttributes,
  createDevCa,
  encodeFabricAttributes,
  type DevCa,
} from '../../node/identity/index.js';
import { ValidationError } from '../../node/core/errors.js';
import { shimClientIdentity } from './shim.js';

describe('identity: Fabric CA attributes', () => {
  let ca: DevCa;
  before(async () => {
    ca = await createDevCa({ mspId: 'JilinLibraryMSP' });
  });

  // expected strings printed by Go 1.x: json.Marshal(&Attributes{Attrs: map[string]string{...}}), as attrmgr does
  it('encodes as Go json.Marshal does in fabric-ca lib/attrmgr (sorted keys, HTML-safe escapes)', () => {
    const text = (attrs: Record<string, string>): string => new TextDecoder().decode(encodeFabricAttributes(attrs));
    expect(
      text({ 'shulian.role': 'operator', 'hf.Type': 'client', 'hf.EnrollmentID': 'op1', 'hf.Affiliation': '' }),
    ).to.equal('{"attrs":{"hf.Affiliation":"","hf.EnrollmentID":"op1","hf.Type":"client","shulian.role":"operator"}}');
    expect(text({ 'b<c': 'x&y>z', a: 'line\nquote"back\\tab\t\u0001\u2028' })).to.equal(
      '{"attrs":{"a":"line\\nquote\\"back\\\\tab\\t\\u0001\\u2028","b\\u003cc":"x\\u0026y\\u003ez"}}',
    );
    expect(text({ 名: '吉林省图书馆' })).to.equal('{"attrs":{"名":"吉林省图书馆"}}');
    expect(text({})).to.equal('{"attrs":{}}');
  });

  it("fabric-shim's ClientIdentity reads MSP id, id and role from an issued certificate", async () => {
    const { certPem } = await ca.issue({
      commonName: 'operator@JilinLibraryMSP',
      kind: 'client',
      role: 'operator',
      attrs: { 'shulian.library': '吉林省图书馆' },
    });
    const ci = shimClientIdentity('JilinLibraryMSP', certPem);
    expect(ci.getMSPID()).to.equal('JilinLibraryMSP');
    expect(ci.getID()).to.equal(
      'x509::/O=JilinLibraryMSP/OU=client/CN=operator@JilinLibraryMSP::/O=JilinLibraryMSP/CN=ca.JilinLibraryMSP',
    );
    expect(ci.getAttributeValue('shulian.role')).to.equal('operator');
    expect(ci.getAttributeValue('hf.EnrollmentID')).to.equal('operator@JilinLibraryMSP');
    expect(ci.getAttributeValue('hf.Type')).to.equal('client');
    expect(ci.getAttributeValue('shulian.library')).to.equal('吉林省图书馆');
    expect(ci.getAttributeValue('nope')).to.equal(null);
    expect(ci.assertAttributeValue('shulian.role', 'operator')).to.equal(true);
    expect(ci.assertAttributeValue('shulian.role', 'auditor')).to.equal(false);
  });

  it('every role of the design reads back through ClientIdentity and clientIdentityAttributes', async () => {
    for (const role of ['operator', 'rights-admin', 'auditor', 'warehouse']) {
      for (const kind of ['client', 'tls-client'] as const) {
        const { certPem } = await ca.issue({ commonName: `${role}@JilinLibraryMSP`, kind, role });
        expect(shimClientIdentity('JilinLibraryMSP', certPem).getAttributeValue('shulian.role')).to.equal(role);
        expect(clientIdentityAttributes(certPem)).to.deep.equal({
          'hf.Affiliation': '',
          'hf.EnrollmentID': `${role}@JilinLibraryMSP`,
          'hf.Type': 'client',
          'shulian.role': role,
        });
      }
    }
  });

  it('a role given in attrs is overridden by the role option, and hf.* can be set explicitly', async () => {
    const { certPem } = await ca.issue({
      commonName: 'x',
      kind: 'admin',
      role: 'auditor',
      attrs: { 'shulian.role': 'operator', 'hf.Affiliation': 'jilin.digital' },
    });
    const attrs = clientIdentityAttributes(certPem);
    expect(attrs['shulian.role']).to.equal('auditor');
    expect(attrs['hf.Affiliation']).to.equal('jilin.digital');
    expect(attrs['hf.Type']).to.equal('admin');
  });

  it('a certificate without the extension has no attributes; garbage is a ValidationError', async () => {
    const { certPem } = await ca.issue({ commonName: 'gw', kind: 'tls-server' });
    expect(clientIdentityAttributes(certPem)).to.deep.equal({});
    expect(shimClientIdentity('JilinLibraryMSP', certPem).getAttributeValue('shulian.role')).to.equal(null);
    expect(clientIdentityAttributes(ca.certPem)).to.deep.equal({});
    expect(() => clientIdentityAttributes('nonsense')).to.throw(ValidationError);
  });
  it('each call gets its own copy (answers are memoised)', async () => {
    const { certPem } = await ca.issue({ commonName: 'c', kind: 'client', role: 'auditor' });
    const first = clientIdentityAttributes(certPem);
    first['shulian.role'] = 'operator';
    expect(clientIdentityAttributes(certPem)['shulian.role']).to.equal('auditor');
  });

  it('an attribute extension that is not Fabric JSON is a ValidationError', async () => {
    const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ])) as webcrypto.CryptoKeyPair;
    const make = async (value: string): Promise<string> =>
      (
        await x509.X509CertificateGenerator.createSelfSigned(
          {
            name: 'CN=odd',
            keys,
            signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
            extensions: [new x509.Extension('1.2.3.4.5.6.7.8.1', false, Buffer.from(value))],
          },
          webcrypto as never,
        )
      ).toString('pem');
    const notJson = await make('{not json');
    const notAttrs = await make('{"attrs":[1]}');
    expect(() => clientIdentityAttributes(notJson)).to.throw(ValidationError, /not UTF-8 JSON/);
    expect(() => clientIdentityAttributes(notAttrs)).to.throw(ValidationError, /no "attrs" object/);
    expect(clientIdentityAttributes(await make('{"attrs":{"a":"b","n":1}}'))).to.deep.equal({ a: 'b' });
  });
});
