import type {
  FixityEvent as AuditFixityEvent,
  FixityQuery,
  FixityReader as AuditFixityReader,
  FixityRun as AuditFixityRun,
  FixityRunQuery,
} from '../audit/types.js';
import type { FixityEvent, FixityRun, FixityStoreReader } from './types.js';

const DEFAULT_PAGE = 100;

/**
 * The fixity store as node/audit's `FixityReader`: what the audit API (/v1/audit/fixity), the console, the
 * PREMIS/PROV exports and the provenance timeline read. Events are newest first; `eventId` is
 * `<runId>.<leafIndex>`, stable and unique (the PREMIS eventIdentifierValue).
 */
export function fixityAuditReader(store: FixityStoreReader): AuditFixityReader {
  return {
    listFixityEvents(query: Readonly<FixityQuery> = {}) {
      const options = {
        ...(query.resourceId === undefined ? {} : { resourceId: query.resourceId }),
        ...(query.runId === undefined ? {} : { runId: query.runId }),
        ...(query.outcome === undefined ? {} : { outcome: query.outcome }),
        ...(query.from === undefined ? {} : { from: query.from }),
        ...(query.until === undefined ? {} : { until: query.until }),
      };
      const limit = query.limit ?? DEFAULT_PAGE;
      const offset = query.offset ?? 0;
      return {
        items: store.listEvents({ ...options, limit, offset }).map(toAuditEvent),
        total: store.countEvents(options),
        limit,
        offset,
      };
    },
    listFixityRuns(query: Readonly<FixityRunQuery> = {}) {
      const options = {
        ...(query.from === undefined ? {} : { from: query.from }),
        ...(query.until === undefined ? {} : { until: query.until }),
      };
      const limit = query.limit ?? DEFAULT_PAGE;
      const offset = query.offset ?? 0;
      return {
        items: store.listRuns({ ...options, limit, offset }).map(toAuditRun),
        total: store.countRuns(options),
        limit,
        offset,
      };
    },
    getFixityRun(runId: string) {
      const run = store.getRun(runId);
      return run && toAuditRun(run);
    },
  };
}

export function toAuditEvent(event: FixityEvent): AuditFixityEvent {
  const r = event.result;
  return {
    eventId: `${r.runId}.${r.index}`,
    runId: r.runId,
    resourceId: r.resourceId,
    version: r.version,
    cid: r.expected.cid,
    checkedAt: r.checked,
    outcome: r.outcome,
    expected: { sha256: r.expected.sha256, sm3: r.expected.sm3 },
    actual: { sha256: r.observed.sha256, sm3: r.observed.sm3 },
    ...(r.detail ? { detail: r.detail } : {}),
    anchor:
      event.anchor === null
        ? null
        : {
            batchId: event.anchor.batchId,
            txId: event.anchor.txId,
            leafIndex: r.index,
            treeSize: event.anchor.count,
            proof: event.proof,
            root: event.anchor.root,
          },
  };
}

export function toAuditRun(run: FixityRun): AuditFixityRun {
  return {
    runId: run.runId,
    started: run.started,
    finished: run.finished,
    sampleFraction: run.fraction,
    checked: run.checked,
    passed: run.passed,
    failed: run.failed,
    batchId: run.anchor?.batchId ?? null,
    txId: run.anchor?.txId ?? null,
    root: run.anchor?.root ?? null,
  };
}
