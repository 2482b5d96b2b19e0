/**
 * Prometheus text exposition (format 0.0.4), written by hand: the gateway needs a handful of counters and
 * one histogram, not a client library.
 */
export type Labels = Readonly<Record<string, string | number>>;

interface Metric {
  readonly name: string;
  readonly help: string;
  render(out: string[]): void;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelKey(labels: Labels | undefined): string {
  if (!labels) return '';
  const keys = Object.keys(labels).sort();
  for (const k of keys) if (!LABEL.test(k)) throw new RangeError(`bad label name ${k}`);
  return keys.map((k) => `${k}="${escapeLabelValue(String(labels[k]))}"`).join(',');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export class Counter implements Metric {
  readonly #values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {
    if (!NAME.test(name)) throw new RangeError(`bad metric name ${name}`);
  }
  inc(labels?: Labels, by = 1): void {
    if (!(by >= 0)) throw new RangeError('a counter only goes up');
    const key = labelKey(labels);
    this.#values.set(key, (this.#values.get(key) ?? 0) + by);
  }
  get(labels?: Labels): number {
    return this.#values.get(labelKey(labels)) ?? 0;
  }
  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`);
    for (const [key, value] of this.#values) out.push(`${this.name}${key ? `{${key}}` : ''} ${formatValue(value)}`);
  }
}

export class Gauge implements Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly read: () => number,
  ) {
    if (!NAME.test(name)) throw new RangeError(`bad metric name ${name}`);
  }
  render(out: string[]): void {
    out.push(
      `# HELP ${this.name} ${this.help}`,
      `# TYPE ${this.name} gauge`,
      `${this.name} ${formatValue(this.read())}`,
    );
  }
}

interface Series {
  readonly counts: number[];
  sum: number;
  count: number;
}

export class Histogram implements Metric {
  readonly #series = new Map<string, Series>();
  readonly buckets: readonly number[];
  constructor(
    readonly name: string,
    readonly help: string,
    buckets: readonly number[],
  ) {
    if (!NAME.test(name)) throw new RangeError(`bad metric name ${name}`);
    this.buckets = [...buckets].sort((a, b) => a - b);
  }
  observe(value: number, labels?: Labels): void {
    const key = labelKey(labels);
    let s = this.#series.get(key);
    if (!s) {
      s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.#series.set(key, s);
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }
  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`);
    for (const [key, s] of this.#series) {
      const prefix = key ? `${key},` : '';
      this.buckets.forEach((b, i) => out.push(`${this.name}_bucket{${prefix}le="${formatValue(b)}"} ${s.counts[i]}`));
      out.push(`${this.name}_bucket{${prefix}le="+Inf"} ${s.count}`);
      out.push(`${this.name}_sum${key ? `{${key}}` : ''} ${formatValue(s.sum)}`);
      out.push(`${this.name}_count${key ? `{${key}}` : ''} ${s.count}`);
    }
  }
}

export class Registry {
  readonly #metrics: Metric[] = [];
  register<M extends Metric>(metric: M): M {
    if (this.#metrics.some((m) => m.name === metric.name))
      throw new RangeError(`metric ${metric.name} registered twice`);
    this.#metrics.push(metric);
    return metric;
  }
  render(): string {
    const out: string[] = [];
    for (const m of this.#metrics) m.render(out);
    return out.join('\n') + '\n';
  }
}

/** Samples read at scrape time, e.g. from a store other processes also write (the fixity audits). */
export class Sampled implements Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge',
    readonly read: () => readonly { readonly labels?: Labels; readonly value: number }[],
  ) {
    if (!NAME.test(name)) throw new RangeError(`bad metric name ${name}`);
  }
  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`);
    for (const { labels, value } of this.read()) {
      const key = labelKey(labels);
      out.push(`${this.name}${key ? `{${key}}` : ''} ${formatValue(value)}`);
    }
  }
}

/** What the fixity metrics read (node/fixity's store `summary()`); structural, so the gateway needs no store. */
export interface FixityMetricsSource {
  summary(): {
    readonly runs: number;
    readonly checks: number;
    readonly failures: number;
    readonly lastRun: {
      readonly finished: string | null;
      readonly checked: number;
      readonly failed: number;
    } | null;
  };
}

/**
 * Fixity audit metrics, read from the fixity store at each scrape: the store is append-only, so its
 * totals are counters even though the runs happen in other processes (the schedule, `shulian fixity`).
 */
export function registerFixityMetrics(registry: Registry, source: FixityMetricsSource): void {
  const summary = () => source.summary();
  const last = () => summary().lastRun;
  registry.register(
    new Sampled('shulian_fixity_checks_total', 'Fixity checks recorded (stored versions re-hashed).', 'counter', () => [
      { value: summary().checks },
    ]),
  );
  registry.register(
    new Sampled(
      'shulian_fixity_failures_total',
      'Fixity checks that failed: stored bytes missing or not matching the chain.',
      'counter',
      () => [{ value: summary().failures }],
    ),
  );
  registry.register(
    new Sampled('shulian_fixity_last_run_failures', 'Failed checks of the latest finished fixity run.', 'gauge', () => {
      const run = last();
      return run ? [{ value: run.failed }] : [];
    }),
  );
  registry.register(
    new Sampled('shulian_fixity_last_run_checks', 'Checks of the latest finished fixity run.', 'gauge', () => {
      const run = last();
      return run ? [{ value: run.checked }] : [];
    }),
  );
  registry.register(
    new Sampled(
      'shulian_fixity_last_run_timestamp_seconds',
      'When the latest fixity run finished (Unix time).',
      'gauge',
      () => {
        const finished = last()?.finished;
        return finished ? [{ value: Date.parse(finished) / 1000 }] : [];
      },
    ),
  );
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** The gateway's metrics. One instance per app, so tests and several gateways in one process do not mix. */
export function createGatewayMetrics() {
  const registry = new Registry();
  const inFlight = { value: 0 };
  registry.register(
    new Gauge(
      'shulian_gateway_requests_in_flight',
      'Requests being answered (streams included).',
      () => inFlight.value,
    ),
  );
  return {
    registry,
    requests: registry.register(
      new Counter('shulian_gateway_requests_total', 'HTTP requests answered, by method, route and status.'),
    ),
    duration: registry.register(
      new Histogram(
        'shulian_gateway_request_duration_seconds',
        'Time to the end of the response, by route.',
        [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      ),
    ),
    bytesOut: registry.register(
      new Counter('shulian_gateway_content_bytes_out_total', 'Payload bytes sent (content, CAR, BagIt), by kind.'),
    ),
    verificationFailures: registry.register(
      new Counter(
        'shulian_gateway_verification_failures_total',
        'Streams cut because stored bytes did not match the chain, by kind.',
      ),
    ),
    authorizationRefusals: registry.register(
      new Counter(
        'shulian_gateway_authorization_refusals_total',
        'Requests refused for want of a rights grant or role, by action.',
      ),
    ),
    tlsRefusals: registry.register(
      new Counter('shulian_gateway_tls_refusals_total', 'TLS handshakes refused, by reason.'),
    ),
    inFlight,
  };
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;
