import { createHash, randomBytes, randomInt } from 'node:crypto';
import { expect } from 'chai';
// the console's own browser modules, plain JS, run here unchanged
import { createSha256 } from '../../gateway/console/js/sha256.js';
import { createSm3 } from '../../gateway/console/js/sm3.js';

const hashers = { sha256: createSha256, sm3: createSm3 } as const;

describe('console: incremental SHA-256 and SM3 (browser code) agree with Node’s crypto', () => {
  it('GM/T 0004 example 1 ("abc") and example 2 (64 bytes of "abcd")', () => {
    expect(createSm3().update(Buffer.from('abc')).hex()).to.equal(
      '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0',
    );
    expect(
      createSm3()
        .update(Buffer.from('abcd'.repeat(16)))
        .hex(),
    ).to.equal('debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732');
  });

  for (const [name, create] of Object.entries(hashers)) {
    it(`${name}: padding boundaries (0–200 bytes) in one piece`, () => {
      const data = randomBytes(200);
      for (let n = 0; n <= 200; n++) {
        const part = data.subarray(0, n);
        expect(create().update(part).hex(), `${n} bytes`).to.equal(createHash(name).update(part).digest('hex'));
      }
    });

    it(`${name}: random inputs fed in random chunks`, () => {
      for (let round = 0; round < 40; round++) {
        const data = randomBytes(randomInt(0, 20_000));
        const h = create();
        for (let at = 0; at < data.length;) {
          const step = randomInt(1, 300);
          h.update(data.subarray(at, at + step));
          at += step;
        }
        expect(h.hex(), `${data.length} bytes`).to.equal(createHash(name).update(data).digest('hex'));
      }
    });
  }
});
