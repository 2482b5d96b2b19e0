/** One line of a verification: what was checked, whether it holds, and why (not). */
export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail?: string;
}

export interface VerifyReport {
  /** True only when every check holds (and there was at least one). */
  readonly ok: boolean;
  readonly kind: 'proof-bundle' | 'record-proof' | 'bag';
  readonly subject: string;
  readonly checks: readonly Check[];
}

export class Checks {
  readonly #list: Check[] = [];
  add(name: string, ok: boolean, detail?: string): boolean {
    this.#list.push(detail === undefined || detail === '' ? { name, ok } : { name, ok, detail });
    return ok;
  }
  addAll(prefix: string, checks: readonly Check[]): void {
    for (const c of checks) this.add(`${prefix}${c.name}`, c.ok, c.detail);
  }
  report(kind: VerifyReport['kind'], subject: string): VerifyReport {
    const checks = [...this.#list];
    return { ok: checks.length > 0 && checks.every((c) => c.ok), kind, subject, checks };
  }
}

/** The report as text, one ✓/✗ line per check, then the verdict. */
export function formatReport(r: VerifyReport): string {
  const lines = [`${r.kind} ${r.subject}`];
  for (const c of r.checks) lines.push(`  ${c.ok ? '✓' : '✗'} ${c.name}${c.detail ? `: ${c.detail}` : ''}`);
  const failed = r.checks.filter((c) => !c.ok).length;
  lines.push(
    r.ok ? `VALID: all ${r.checks.length} checks hold` : `INVALID: ${failed} of ${r.checks.length} checks fail`,
  );
  return `${lines.join('\n')}\n`;
}
