import { expect } from 'chai';
import { canonicalBytes, canonicalize, ValidationError } from '../../node/core/index.js';

function fromBits(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

function expectInvalid(value: unknown, pointer: string, pattern: RegExp): void {
  let caught: unknown;
  try {
    canonicalize(value);
  } catch (err) {
    caught = err;
  }
  expect(caught).to.be.instanceOf(ValidationError);
  const err = caught as ValidationError;
  expect(err.code).to.equal('VALIDATION');
  expect(err.ids.pointer).to.equal(pointer);
  expect(err.message).to.match(pattern);
}

describe('core/canonical (RFC 8785)', () => {
  // RFC 8785 Appendix B: IEEE-754 bit patterns and their canonical text.
  const appendixB: [string, string][] = [
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ];

  describe('numbers: Appendix B', () => {
    for (const [bits, expected] of appendixB) {
      it(`${bits} -> ${expected}`, () => {
        expect(canonicalize(fromBits(bits))).to.equal(expected);
      });
    }

    it('rejects NaN (7fffffffffffffff) and Infinity (7ff0000000000000)', () => {
      expectInvalid(fromBits('7fffffffffffffff'), '', /finite number, got NaN/);
      expectInvalid(fromBits('7ff0000000000000'), '', /finite number, got Infinity/);
      expectInvalid({ a: [1, -Infinity] }, '/a/1', /finite number/);
    });
  });

  it('section 3.2.2: the "values" example', () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",' +
        ' "literals": [null, true, false]}',
    ) as unknown;
    const expected =
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
      '"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}';
    expect(canonicalize(input)).to.equal(expected);
  });

  it('section 3.2.4: the UTF-8 bytes of the "values" example', () => {
    const input = {
      numbers: [Number('333333333.33333329'), 1e30, 4.5, 2e-3, 1e-27],
      string: '\u20ac$\u000f\nA\'B"\\\\"/',
      literals: [null, true, false],
    };
    const hex =
      '7b 22 6c 69 74 65 72 61 6c 73 22 3a 5b 6e 75 6c 6c 2c 74 72 75 65 2c 66 61 6c 73 65 5d 2c 22 6e ' +
      '75 6d 62 65 72 73 22 3a 5b 33 33 33 33 33 33 33 33 33 2e 33 33 33 33 33 33 33 2c 31 65 2b 33 30 ' +
      '2c 34 2e 35 2c 30 2e 30 30 32 2c 31 65 2d 32 37 5d 2c 22 73 74 72 69 6e 67 22 3a 22 e2 82 ac 24 ' +
      '5c 75 30 30 30 66 5c 6e 41 27 42 5c 22 5c 5c 5c 5c 5c 22 2f 22 7d';
    expect(Buffer.from(canonicalBytes(input)).toString('hex')).to.equal(hex.replace(/ /g, ''));
    expect(canonicalBytes(input)).to.be.instanceOf(Uint8Array);
  });

  it('section 3.2.3: sorts member names by UTF-16 code units', () => {
    const input = JSON.parse(
      '{"\\u20ac": "Euro Sign", "\\r": "Carriage Return", "\\ufb33": "Hebrew Letter Dalet With Dagesh",' +
        ' "1": "One", "\\ud83d\\ude00": "Emoji: Grinning Face", "\\u0080": "Control",' +
        ' "\\u00f6": "Latin Small Letter O With Diaeresis"}',
    ) as unknown;
    const expected =
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
      '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}';
    expect(canonicalize(input)).to.equal(expected);
  });

  it('sorts recursively and keeps array order', () => {
    const value = { b: [{ z: 1, y: 2 }, 3], a: { d: null, c: 'x' }, '': 'empty', A: {} };
    expect(canonicalize(value)).to.equal('{"":"empty","A":{},"a":{"c":"x","d":null},"b":[{"y":2,"z":1},3]}');
  });

  it('is independent of member insertion order and stable under a JSON round trip', () => {
    const a = { x: [1.5, 'é', { q: true, p: false }], y: -0, z: 1e-7 };
    const b = { z: 1e-7, y: 0, x: [1.5, 'é', { p: false, q: true }] };
    expect(canonicalize(a)).to.equal(canonicalize(b));
    expect(canonicalize(JSON.parse(canonicalize(a)))).to.equal(canonicalize(a));
  });

  it('escapes exactly the control characters, quote and backslash', () => {
    let all = '';
    for (let c = 0; c < 0x20; c++) all += String.fromCharCode(c);
    const expected =
      '"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f' +
      '\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f"';
    expect(canonicalize(all)).to.equal(expected);
    expect(canonicalize('"\\/\u007f\u2028</script>')).to.equal('"\\"\\\\/\u007f\u2028</script>"');
  });

  it('drops undefined object members, honours toJSON', () => {
    expect(canonicalize({ a: undefined, b: 1 })).to.equal('{"b":1}');
    expect(canonicalize({ when: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)) })).to.equal(
      '{"when":"2026-01-02T03:04:05.000Z"}',
    );
    expect(canonicalize(Object.assign(Object.create(null) as object, { k: 'v' }))).to.equal('{"k":"v"}');
  });

  it('accepts a value shared by two members (not a cycle)', () => {
    const shared = { s: 1 };
    expect(canonicalize({ a: shared, b: [shared] })).to.equal('{"a":{"s":1},"b":[{"s":1}]}');
  });

  describe('rejects what JSON cannot represent, naming the JSON pointer', () => {
    it('undefined in an array, a sparse array hole, undefined at the top', () => {
      expectInvalid({ list: [1, undefined] }, '/list/1', /undefined in an array/);
      // eslint-disable-next-line no-sparse-arrays
      expectInvalid([0, , 2], '/1', /undefined/);
      expectInvalid(undefined, '', /got undefined/);
    });

    it('BigInt', () => {
      expectInvalid({ n: 10n }, '/n', /BigInt/);
    });

    it('cycles', () => {
      const node: { name: string; self?: unknown } = { name: 'n' };
      node.self = { inner: [node] };
      expectInvalid(node, '/self/inner/0', /cycle/);
    });

    it('functions, symbols, Maps, typed arrays and class instances', () => {
      expectInvalid({ f: () => 1 }, '/f', /got function/);
      expectInvalid({ s: Symbol('x') }, '/s', /got symbol/);
      expectInvalid({ m: new Map() }, '/m', /got Map/);
      expectInvalid({ b: new Uint8Array(2) }, '/b', /got Uint8Array/);
      class Thing {
        x = 1;
      }
      expectInvalid({ t: new Thing() }, '/t', /got Thing/);
    });

    it('lone surrogates, in values and in member names', () => {
      expectInvalid({ s: 'a\ud800b' }, '/s', /lone surrogate U\+D800/);
      expectInvalid(['\udc00'], '/0', /lone surrogate U\+DC00/);
      expectInvalid({ ['x\ud83d']: 1 }, '/x\ud83d', /lone surrogate/);
    });

    it('escapes "~" and "/" in the pointer (RFC 6901)', () => {
      expectInvalid({ 'a/b': { 'c~d': NaN } }, '/a~1b/c~0d', /finite number/);
    });
  });
});
