import { ValidationError } from '../core/errors.js';
import type { FixityResult, FixityRun, FixityStoreReader } from '../fixity/types.js';
import type { Rights } from '../index/records.js';
import type { LocalIndex, Position } from '../index/types.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;
const PAGE = 1000;

/** What the report reads: the local index (chain projection) and, when the node keeps one, the fixity store. */
export interface ReportSources {
  readonly index: Pick<
    LocalIndex,
    'listRights' | 'listReceipts' | 'changesSince' | 'getVersion' | 'receipts' | 'status'
  >;
  readonly fixity?: Pick<FixityStoreReader, 'listRuns' | 'listEvents' | 'countEvents'>;
}

export interface ReportOptions {
  /** First and last day of the period, inclusive (YYYY-MM-DD, UTC). */
  readonly from: string;
  readonly to: string;
  /** The node's organisation (MSP id), named in the title. */
  readonly org: string;
  /** "Expiring": grants in force at the end of the period whose term ends within this many days (default 30). */
  readonly expiringWithinDays?: number;
  readonly now?: () => Date;
}

export interface Period {
  readonly from: string;
  readonly to: string;
  /** First instant of `from` and first instant after `to` (ISO-8601). */
  readonly start: string;
  readonly end: string;
  readonly days: number;
}

export interface Buckets {
  readonly unit: 'hour' | 'day' | 'month';
  readonly labels: readonly string[];
}

export interface RightsRow {
  readonly rightsId: string;
  readonly target: string;
  readonly assignee: string;
  readonly assigner: string;
  readonly actions: readonly string[];
  readonly notBefore: string;
  readonly notAfter: string | null;
  readonly status: Rights['status'];
  readonly granted: string;
  readonly revoked: string | null;
  readonly reason: string | null;
  readonly grantedTxId: string;
  readonly revokedTxId: string | null;
}

export interface ReceiptRow {
  readonly resourceId: string;
  readonly version: number;
  readonly warehouse: string;
  readonly at: string;
  readonly size: number | null;
  readonly txId: string;
}

export interface PendingTransfer {
  readonly resourceId: string;
  readonly version: number;
  readonly registered: string;
}

export interface Problem {
  readonly kind: 'fixity-failure' | 'fixity-run-unanchored';
  readonly at: string;
  readonly subject: string;
  readonly detail: string;
  readonly ref: string;
}

/** Everything the report shows, computed once; the HTML, the PDF and report.json are views of it. */
export interface AuditReportData {
  readonly generated: string;
  readonly org: string;
  readonly period: Period;
  readonly chain: { readonly eventsApplied: number; readonly position: (Position & { readonly txId: string }) | null };
  readonly buckets: Buckets;
  readonly rights: {
    readonly granted: readonly RightsRow[];
    readonly revoked: readonly RightsRow[];
    readonly expiring: readonly RightsRow[];
    readonly expiringWithinDays: number;
    /** Grants whose term ended within the period (and were not revoked). */
    readonly expired: readonly RightsRow[];
    readonly inForceAtEnd: number;
    readonly byAssignee: readonly { readonly assignee: string; readonly granted: number; readonly revoked: number }[];
    readonly perBucket: { readonly granted: readonly number[]; readonly revoked: readonly number[] };
  };
  readonly ingest: {
    readonly versions: number;
    readonly withdrawals: number;
    readonly perBucket: { readonly versions: readonly number[]; readonly withdrawals: readonly number[] };
  };
  readonly transfers: {
    readonly receipts: readonly ReceiptRow[];
    readonly bytes: number;
    readonly byWarehouse: readonly { readonly warehouse: string; readonly receipts: number; readonly bytes: number }[];
    readonly perBucket: readonly number[];
    /** Versions registered in the period that no warehouse has acknowledged yet. */
    readonly pending: readonly PendingTransfer[];
  };
  readonly fixity: {
    readonly kept: boolean;
    readonly runs: readonly FixityRun[];
    readonly checks: number;
    readonly passed: number;
    readonly failed: number;
    readonly failures: readonly FixityResult[];
    readonly perBucket: { readonly passed: readonly number[]; readonly failed: readonly number[] };
  };
  readonly problems: readonly Problem[];
}

/** Parses `--from` / `--to` (YYYY-MM-DD, inclusive days, UTC), naming the bad field. */
export function parsePeriod(from: string, to: string): Period {
  const start = parseDay(from, '/from');
  const last = parseDay(to, '/to');
  if (last < start)
    throw new ValidationError(`/to: expected a day on or after --from ${from}, got "${to}"`, { pointer: '/to' });
  const days = Math.round((last - start) / DAY) + 1;
  if (days > 3660)
    throw new ValidationError(`/to: expected a period of at most 10 years, got ${days} days`, { pointer: '/to' });
  return { from, to, start: new Date(start).toISOString(), end: new Date(last + DAY).toISOString(), days };
}

function parseDay(text: string, pointer: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text ?? '');
  const t = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== text)
    throw new ValidationError(`${pointer}: expected a date YYYY-MM-DD, got "${String(text)}"`, { pointer });
  return t;
}

/** Hours for a day or two, days for up to about three months, months beyond. */
export function bucketsOf(period: Period): Buckets & { indexOf(iso: string): number } {
  const start = Date.parse(period.start);
  if (period.days <= 2) {
    const labels = Array.from({ length: period.days * 24 }, (_, i) => {
      const d = new Date(start + i * HOUR).toISOString();
      return period.days === 1 ? `${d.slice(11, 13)}:00` : `${d.slice(5, 10)} ${d.slice(11, 13)}h`;
    });
    return { unit: 'hour', labels, indexOf: (iso) => Math.floor((Date.parse(iso) - start) / HOUR) };
  }
  if (period.days <= 92) {
    const labels = Array.from({ length: period.days }, (_, i) => new Date(start + i * DAY).toISOString().slice(5, 10));
    return { unit: 'day', labels, indexOf: (iso) => Math.floor((Date.parse(iso) - start) / DAY) };
  }
  const y0 = Number(period.from.slice(0, 4));
  const m0 = Number(period.from.slice(5, 7)) - 1;
  const months = (Number(period.to.slice(0, 4)) - y0) * 12 + Number(period.to.slice(5, 7)) - 1 - m0 + 1;
  const labels = Array.from({ length: months }, (_, i) => {
    const d = new Date(Date.UTC(y0, m0 + i, 1));
    return d.toISOString().slice(0, 7);
  });
  return {
    unit: 'month',
    labels,
    indexOf: (iso) => (Number(iso.slice(0, 4)) - y0) * 12 + Number(iso.slice(5, 7)) - 1 - m0,
  };
}

/** Gathers the report's figures for the period from the index and the fixity store. */
export function collectReport(sources: Readonly<ReportSources>, options: Readonly<ReportOptions>): AuditReportData {
  const period = parsePeriod(options.from, options.to);
  const buckets = bucketsOf(period);
  const inPeriod = (iso: string | null | undefined): iso is string => !!iso && iso >= period.start && iso < period.end;
  const counts = () => buckets.labels.map(() => 0);
  const bump = (array: number[], iso: string) => {
    const i = buckets.indexOf(iso);
    if (i >= 0 && i < array.length) array[i] = (array[i] ?? 0) + 1;
  };
  const { index } = sources;
  const untilInclusive = new Date(Date.parse(period.end) - 1).toISOString();

  // rights: every record once (granted and revoked are its own timestamps)
  const granted: RightsRow[] = [];
  const revoked: RightsRow[] = [];
  const expired: RightsRow[] = [];
  const grantedPerBucket = counts();
  const revokedPerBucket = counts();
  const assignees = new Map<string, { granted: number; revoked: number }>();
  for (let offset = 0; ; offset += PAGE) {
    const page = index.listRights({ limit: PAGE, offset });
    for (const view of page.items) {
      const r = view.record;
      const row = rightsRow(r);
      const a = assignees.get(r.assignee) ?? { granted: 0, revoked: 0 };
      if (inPeriod(r.granted)) {
        granted.push(row);
        bump(grantedPerBucket, r.granted);
        a.granted++;
      }
      if (inPeriod(r.revoked)) {
        revoked.push(row);
        bump(revokedPerBucket, r.revoked as string);
        a.revoked++;
      }
      if (r.status === 'granted' && inPeriod(r.constraints.notAfter)) expired.push(row);
      if (a.granted + a.revoked > 0) assignees.set(r.assignee, a);
    }
    if (page.items.length < PAGE) break;
  }
  const expiringWithinDays = options.expiringWithinDays ?? 30;
  const expiring: RightsRow[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = index.listRights({ expiringWithinDays, at: period.end, limit: PAGE, offset });
    expiring.push(...page.items.map((v) => rightsRow(v.record)));
    if (page.items.length < PAGE) break;
  }
  const inForceAtEnd = index.listRights({ status: 'in-force', at: period.end, limit: 1 }).total;

  // registrations and withdrawals: the changes feed, by block commit time
  let versions = 0;
  let withdrawals = 0;
  const versionsPerBucket = counts();
  const withdrawalsPerBucket = counts();
  const registered: { resourceId: string; version: number; at: string }[] = [];
  let after: Position = { blockNumber: -1, txIndex: 0 };
  for (;;) {
    const page = index.changesSince(after, { from: period.start, until: untilInclusive, limit: PAGE });
    for (const change of page.changes) {
      if (!inPeriod(change.committed)) continue;
      if (change.kind === 'version') {
        versions++;
        bump(versionsPerBucket, change.committed);
        registered.push({ resourceId: change.resourceId, version: change.version, at: change.committed });
      } else {
        withdrawals++;
        bump(withdrawalsPerBucket, change.committed);
      }
    }
    if (
      page.changes.length === 0 ||
      (page.next.blockNumber === after.blockNumber && page.next.txIndex === after.txIndex)
    )
      break;
    after = page.next;
  }

  // transfers: the warehouse's receipts, by transaction time
  const receipts: ReceiptRow[] = [];
  const receiptsPerBucket = counts();
  const warehouses = new Map<string, { receipts: number; bytes: number }>();
  let bytes = 0;
  for (let offset = 0; ; offset += PAGE) {
    const page = index.listReceipts({ from: period.start, until: untilInclusive, limit: PAGE, offset });
    for (const view of page.items) {
      const r = view.record;
      if (!inPeriod(r.timestamp)) continue;
      const size = index.getVersion(r.resourceId, r.version)?.record.size ?? null;
      receipts.push({
        resourceId: r.resourceId,
        version: r.version,
        warehouse: r.warehouse,
        at: r.timestamp,
        size,
        txId: r.txId,
      });
      bump(receiptsPerBucket, r.timestamp);
      const w = warehouses.get(r.warehouse) ?? { receipts: 0, bytes: 0 };
      w.receipts++;
      w.bytes += size ?? 0;
      bytes += size ?? 0;
      warehouses.set(r.warehouse, w);
    }
    if (page.items.length < PAGE) break;
  }
  const pending: PendingTransfer[] = registered
    .filter((v) => !index.receipts(v.resourceId).some((r) => r.record.version === v.version))
    .map((v) => ({ resourceId: v.resourceId, version: v.version, registered: v.at }));

  // fixity: runs started and checks made in the period
  const fixity = sources.fixity;
  const runs = fixity ? fixity.listRuns({ from: period.start, to: period.end }) : [];
  const failures = fixity
    ? fixity.listEvents({ outcome: 'fail', from: period.start, to: period.end }).map((e) => e.result)
    : [];
  const passedPerBucket = counts();
  const failedPerBucket = counts();
  let passed = 0;
  if (fixity) {
    passed = fixity.countEvents({ outcome: 'pass', from: period.start, to: period.end });
    // per-bucket counts without loading every event: one count per bucket
    buckets.labels.forEach((_, i) => {
      const [a, b] = bucketBounds(period, buckets.unit, i);
      passedPerBucket[i] = fixity.countEvents({ outcome: 'pass', from: a, to: b });
    });
    for (const f of failures) bump(failedPerBucket, f.checked);
  }

  const problems: Problem[] = [
    ...failures.map((f) => ({
      kind: 'fixity-failure' as const,
      at: f.checked,
      subject: `${f.resourceId} v${f.version}`,
      detail: f.detail,
      ref: `${f.runId}.${f.index}`,
    })),
    ...runs
      .filter((r) => r.status === 'running' || r.status === 'checked')
      .map((r) => ({
        kind: 'fixity-run-unanchored' as const,
        at: r.started,
        subject: r.runId,
        detail:
          r.anchorError ??
          (r.status === 'running' ? 'interrupted before all checks were done' : 'not anchored on chain'),
        ref: r.runId,
      })),
  ].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));

  const status = index.status();
  return {
    generated: (options.now ?? (() => new Date()))().toISOString(),
    org: options.org,
    period,
    chain: { eventsApplied: status.eventsApplied, position: status.position },
    buckets: { unit: buckets.unit, labels: buckets.labels },
    rights: {
      granted,
      revoked,
      expiring,
      expiringWithinDays,
      expired,
      inForceAtEnd,
      byAssignee: [...assignees]
        .map(([assignee, c]) => ({ assignee, ...c }))
        .sort((x, y) => y.granted + y.revoked - (x.granted + x.revoked) || (x.assignee < y.assignee ? -1 : 1)),
      perBucket: { granted: grantedPerBucket, revoked: revokedPerBucket },
    },
    ingest: { versions, withdrawals, perBucket: { versions: versionsPerBucket, withdrawals: withdrawalsPerBucket } },
    transfers: {
      receipts,
      bytes,
      byWarehouse: [...warehouses].map(([warehouse, w]) => ({ warehouse, ...w })),
      perBucket: receiptsPerBucket,
      pending,
    },
    fixity: {
      kept: fixity !== undefined,
      runs,
      checks: passed + failures.length,
      passed,
      failed: failures.length,
      failures,
      perBucket: { passed: passedPerBucket, failed: failedPerBucket },
    },
    problems,
  };
}

function bucketBounds(period: Period, unit: Buckets['unit'], i: number): [string, string] {
  const start = Date.parse(period.start);
  if (unit === 'hour')
    return [new Date(start + i * HOUR).toISOString(), new Date(start + (i + 1) * HOUR).toISOString()];
  if (unit === 'day') return [new Date(start + i * DAY).toISOString(), new Date(start + (i + 1) * DAY).toISOString()];
  const y0 = Number(period.from.slice(0, 4));
  const m0 = Number(period.from.slice(5, 7)) - 1;
  const a = new Date(Math.max(start, Date.UTC(y0, m0 + i, 1))).toISOString();
  const b = new Date(Math.min(Date.parse(period.end), Date.UTC(y0, m0 + i + 1, 1))).toISOString();
  return [a, b];
}

function rightsRow(r: Rights): RightsRow {
  return {
    rightsId: r.rightsId,
    target: r.target.type === 'resource' ? r.target.id : `${r.target.type}:${r.target.id}`,
    assignee: r.assignee,
    assigner: r.assigner,
    actions: r.actions,
    notBefore: r.constraints.notBefore,
    notAfter: r.constraints.notAfter,
    status: r.status,
    granted: r.granted,
    revoked: r.revoked,
    reason: r.reason,
    grantedTxId: r.grantedTxId,
    revokedTxId: r.revokedTxId,
  };
}
