/**
 * XML text for OAI-PMH responses. Values come from chain records and user metadata, so everything is
 * escaped, and characters XML 1.0 cannot carry at all (C0 controls, lone surrogates, U+FFFE/U+FFFF) are
 * replaced with U+FFFD rather than producing a document no harvester can parse.
 */
const NOT_XML =
  // eslint-disable-next-line no-control-regex -- matching the control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function escapeXml(value: string | number): string {
  return String(value)
    .replace(NOT_XML, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** `<name a="…">text</name>`; attributes with undefined values are left out. */
export function element(
  name: string,
  text: string | number | undefined,
  attrs: Readonly<Record<string, string | number | undefined>> = {},
): string {
  const a = attributes(attrs);
  return text === undefined || text === '' ? `<${name}${a}/>` : `<${name}${a}>${escapeXml(text)}</${name}>`;
}

/** An element around already-built XML children. */
export function wrap(
  name: string,
  children: string,
  attrs: Readonly<Record<string, string | number | undefined>> = {},
): string {
  return `<${name}${attributes(attrs)}>${children}</${name}>`;
}

function attributes(attrs: Readonly<Record<string, string | number | undefined>>): string {
  let out = '';
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) out += ` ${k}="${escapeXml(v)}"`;
  return out;
}
