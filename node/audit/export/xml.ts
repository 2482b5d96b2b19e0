// Characters XML 1.0 cannot carry (C0 controls, lone surrogates, U+FFFE/U+FFFF) become U+FFFD: chain
// records and user metadata must never produce a document no parser accepts.
const NOT_XML =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export type Attrs = Readonly<Record<string, string | number | undefined>>;

export function escapeXml(value: string | number): string {
  return String(value)
    .replace(NOT_XML, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function attributes(attrs: Attrs): string {
  let out = '';
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) out += ` ${k}="${escapeXml(v)}"`;
  return out;
}

/** `<name …>text</name>` (text escaped). */
export function el(name: string, text: string | number, attrs: Attrs = {}): string {
  return `<${name}${attributes(attrs)}>${escapeXml(text)}</${name}>`;
}

/** An element around already-built children. */
export function wrap(name: string, children: string | readonly string[], attrs: Attrs = {}): string {
  return `<${name}${attributes(attrs)}>${typeof children === 'string' ? children : children.join('')}</${name}>`;
}
