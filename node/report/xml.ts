/** Characters XML 1.0 does not allow (C0 controls but tab, line feed and carriage return). */
function allowedInXml(c: string): boolean {
  const code = c.charCodeAt(0);
  return code >= 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

/** Escapes text for XML and HTML content and attribute values alike, dropping what XML cannot hold. */
export function escapeXml(text: string): string {
  let out = '';
  for (const c of text.replace(/[&<>"']/g, (m) => `&#${m.charCodeAt(0)};`)) if (allowedInXml(c)) out += c;
  return out;
}
