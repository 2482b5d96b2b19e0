/**
 * Deterministic crash points for the kill -9 tests: SHULIAN_TEST_CRASH_AT=phase:n makes the process
 * SIGKILL itself the n-th time it reaches `phase` (n from 1). Phases: stored (a payload stored and
 * journaled), submit (a RegisterVersions intent fsynced, before the submit), submitted (a submit
 * acknowledged, before its journal line), anchor / anchored (the same for AnchorBatches), proofs (proofs
 * stored, before the journal line), withdraw / withdrawn (before a withdrawal submit / after it). Unset: nothing happens.
 */
const counts = new Map<string, number>();

export function crashPoint(phase: string): void {
  const spec = process.env.SHULIAN_TEST_CRASH_AT;
  if (!spec) return;
  const [wanted, n] = spec.split(':');
  if (wanted !== phase) return;
  const count = (counts.get(phase) ?? 0) + 1;
  counts.set(phase, count);
  if (count === Number(n ?? '1')) process.kill(process.pid, 'SIGKILL');
}
