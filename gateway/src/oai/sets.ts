import type { ResourceView } from '../ports.js';

/**
 * Sets: by owner org (`owner:JilinLibraryMSP`), by resource class (`class:mooc`) and by theme
 * (`theme:local-culture`, `theme:local:<name>`). Each top level (`owner`, `class`, `theme`) is a set too,
 * and, as OAI-PMH sets are hierarchical, a resource in `theme:local:x` is also in `theme:local` and `theme`.
 * Local theme names that fall outside setSpec's characters are spelled `theme:local:~<base64url UTF-8>`.
 */
export const SET_SPEC = /^[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*$/;
const LITERAL = /^[A-Za-z0-9\-_.!*'()]+$/;

export interface ResourceFacets {
  readonly owner: string;
  readonly class?: string;
  readonly themes: readonly string[];
}

export function facetsOf(resource: Pick<ResourceView, 'owner' | 'metadata'>): ResourceFacets {
  const m = (typeof resource.metadata === 'object' && resource.metadata !== null ? resource.metadata : {}) as Record<
    string,
    unknown
  >;
  const cls = typeof m.class === 'string' ? m.class : undefined;
  const themes = Array.isArray(m.theme) ? m.theme.filter((t): t is string => typeof t === 'string') : [];
  return { owner: resource.owner, ...(cls !== undefined ? { class: cls } : {}), themes };
}

function part(value: string): string {
  return LITERAL.test(value) ? value : `~${Buffer.from(value, 'utf8').toString('base64url')}`;
}

function themeSpec(theme: string): string {
  if (theme.startsWith('local:')) return `theme:local:${part(theme.slice('local:'.length))}`;
  return `theme:${part(theme)}`;
}

/** The leaf setSpecs of a resource, as its record headers list them. */
export function setSpecsOf(f: ResourceFacets): string[] {
  const specs = [`owner:${part(f.owner)}`];
  if (f.class !== undefined) specs.push(`class:${part(f.class)}`);
  for (const t of f.themes) specs.push(themeSpec(t));
  return specs;
}

/** True when the resource belongs to `set` (a leaf or any ancestor of one of its setSpecs). */
export function inSet(specs: readonly string[], set: string): boolean {
  return specs.some((s) => s === set || s.startsWith(`${set}:`));
}

/** Every set a list of leaf specs implies, ancestors included, sorted. */
export function withAncestors(specs: Iterable<string>): string[] {
  const all = new Set<string>();
  for (const spec of specs) {
    const parts = spec.split(':');
    for (let i = 1; i <= parts.length; i++) all.add(parts.slice(0, i).join(':'));
  }
  return [...all].sort();
}

/** A human-readable setName. */
export function setName(spec: string): string {
  const parts = spec.split(':').map((p) => (p.startsWith('~') ? decode(p.slice(1)) : p));
  const [kind, ...rest] = parts;
  const label =
    kind === 'owner' ? 'Owner' : kind === 'class' ? 'Resource class' : kind === 'theme' ? 'Theme' : (kind ?? spec);
  if (rest.length === 0)
    return kind === 'owner'
      ? 'Resources by owner library (MSP id)'
      : kind === 'class'
        ? 'Resources by class'
        : kind === 'theme'
          ? 'Resources by theme'
          : spec;
  return `${label}: ${rest.join(':')}`;
}

function decode(b64: string): string {
  try {
    return Buffer.from(b64, 'base64url').toString('utf8');
  } catch {
    return b64;
  }
}
