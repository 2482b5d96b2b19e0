/**
 * The small builders every part of the OpenAPI document uses. Separate from openapi.ts because the parts
 * mounted elsewhere (audit/, search/) are merged into that file and so cannot import it.
 */
export const RESOURCE_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$';

export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const json = (schema: object) => ({ 'application/json': { schema } });
export const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ref('Problem') } },
});
export const hex64 = { type: 'string', pattern: '^[0-9a-f]{64}$' };
export const isoTime = { type: 'string', format: 'date-time' };
