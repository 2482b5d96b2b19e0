import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** The published schemas the exports are checked against (test/fixtures/schemas/README.md says where from). */
export const PREMIS_XSD = resolve('test/fixtures/schemas/premis-v3-0.xsd');
const PROV_SCHEMA = resolve('test/fixtures/schemas/prov-json.schema.json');

// ajv-draft-04 is a dev dependency of the node workspace (ajv 8 speaks draft-04 only through it)
const requireFromNode = createRequire(resolve('node/package.json'));

type Validate = ((doc: unknown) => boolean) & { errors?: unknown };

/** A validator of the W3C PROV-JSON schema (draft-04, with formats). */
export function provValidator(): { validate: (doc: unknown) => void } {
  const Ajv04 = requireFromNode('ajv-draft-04') as new (opts: object) => {
    compile(s: object): Validate;
    errorsText(e: unknown): string;
  };
  const addFormats = requireFromNode('ajv-formats') as (ajv: unknown) => void;
  const ajv = new Ajv04({ allErrors: true, strict: false });
  addFormats(ajv);
  const schema = JSON.parse(readFileSync(PROV_SCHEMA, 'utf8')) as object;
  const v = ajv.compile(schema);
  return {
    validate(doc) {
      if (!v(doc)) throw new Error(`not valid PROV-JSON: ${ajv.errorsText(v.errors)}`);
    },
  };
}
