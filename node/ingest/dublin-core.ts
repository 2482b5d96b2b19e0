/** The 15 elements of the Dublin Core Metadata Element Set 1.1, in the DCMES order (resource metadata keys). */
export const DC_ELEMENTS = [
  'title',
  'creator',
  'subject',
  'description',
  'publisher',
  'contributor',
  'date',
  'type',
  'format',
  'identifier',
  'source',
  'language',
  'relation',
  'coverage',
  'rights',
] as const;

export type DcElement = (typeof DC_ELEMENTS)[number];
