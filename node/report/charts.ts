/**
 * Small inline SVG charts for the audit report: no script, no external resource, readable printed in
 * black and white (every series also differs by dash or pattern) and by a screen reader (role="img" with a
 * title and a description that states the numbers).
 */
import { escapeXml } from './xml.js';

export interface Series {
  readonly name: string;
  readonly values: readonly number[];
  readonly color: string;
}

export interface ChartOptions {
  readonly title: string;
  readonly labels: readonly string[];
  readonly series: readonly Series[];
  readonly width?: number;
  readonly height?: number;
}

const FONT = 12;
const PAD = { top: 34, right: 16, bottom: 36, left: 46 };
const DASHES = ['', '6 3', '2 3', '10 3 2 3', '1 2'];

/** A "nice" axis: top >= max, and 2 to 6 ticks at 1, 2 or 5 times a power of ten. */
export function niceAxis(max: number): { top: number; step: number } {
  if (!(max > 0)) return { top: 1, step: 1 };
  if (max <= 5) return { top: Math.ceil(max), step: 1 };
  const raw = max / 4;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  return { top: Math.ceil(max / step) * step, step };
}

/** A multi-series line chart over ordered buckets (days, months). */
export function lineChart(options: Readonly<ChartOptions>): string {
  const frame = new Frame(options);
  const { labels, series } = options;
  const x = (i: number) =>
    frame.left + (labels.length <= 1 ? frame.plotWidth / 2 : (i * frame.plotWidth) / (labels.length - 1));
  const body = series.map((s, k) => {
    const points = s.values.map((v, i) => `${fmt(x(i))},${fmt(frame.y(v))}`).join(' ');
    const dots =
      labels.length <= 40
        ? s.values
            .map((v, i) => `<circle cx="${fmt(x(i))}" cy="${fmt(frame.y(v))}" r="2.5" fill="${s.color}"/>`)
            .join('')
        : '';
    return `<polyline fill="none" stroke="${s.color}" stroke-width="2" stroke-dasharray="${DASHES[k % DASHES.length]}" points="${points}"/>${dots}`;
  });
  return frame.render(
    body.join(''),
    labels.map((_, i) => x(i)),
    true,
  );
}

/** Vertical bars per bucket: grouped, or stacked (totals). */
export function barChart(options: Readonly<ChartOptions & { stacked?: boolean; flag?: number }>): string {
  const frame = new Frame(options, options.stacked === true);
  const { labels, series } = options;
  const slot = frame.plotWidth / Math.max(1, labels.length);
  const barArea = slot * 0.8;
  const body: string[] = [];
  labels.forEach((_, i) => {
    const x0 = frame.left + i * slot + (slot - barArea) / 2;
    let base = 0;
    series.forEach((s, k) => {
      const v = s.values[i] ?? 0;
      if (options.stacked) {
        if (v > 0) body.push(rect(x0, frame.y(base + v), barArea, frame.y(base) - frame.y(base + v), s, k));
        base += v;
      } else {
        const w = barArea / series.length;
        if (v > 0) body.push(rect(x0 + k * w, frame.y(v), w, frame.y(0) - frame.y(v), s, k));
      }
    });
    // a flagged series (failures) gets its count above the bar: a few among many would not show otherwise
    const flagged = options.flag === undefined ? 0 : (series[options.flag]?.values[i] ?? 0);
    if (flagged > 0) {
      const color = series[options.flag as number]?.color ?? '#b91c1c';
      const top = frame.y(options.stacked ? base : Math.max(...series.map((s) => s.values[i] ?? 0)));
      body.push(
        `<text x="${fmt(x0 + barArea / 2)}" y="${fmt(Math.max(PAD.top + 10, top - 4))}" text-anchor="middle" font-size="${FONT}" font-weight="700" fill="${color}">▲${flagged}</text>`,
      );
    }
  });
  return frame.render(
    body.join(''),
    labels.map((_, i) => frame.left + i * slot + slot / 2),
  );
}

/** Horizontal grouped bars, one group per category (organisations, warehouses): names need the width. */
export function hbarChart(options: Readonly<ChartOptions>): string {
  const { labels, series, title } = options;
  const width = options.width ?? 720;
  const row = 14 * series.length + 10;
  const left = Math.min(260, 16 + Math.max(40, ...labels.map((l) => textWidth(l))));
  const top = PAD.top;
  const height = top + row * labels.length + 28;
  const max = Math.max(0, ...series.flatMap((s) => s.values));
  const axis = niceAxis(max);
  const plot = width - left - PAD.right - 30;
  const xv = (v: number) => left + (v / axis.top) * plot;
  const parts: string[] = [legend(series, left)];
  for (let t = 0; t <= axis.top + 1e-9; t += axis.step) {
    parts.push(
      `<line x1="${fmt(xv(t))}" y1="${top - 4}" x2="${fmt(xv(t))}" y2="${height - 24}" stroke="#d0d4da" stroke-width="1"/>`,
      `<text x="${fmt(xv(t))}" y="${height - 10}" text-anchor="middle" font-size="${FONT - 1}" fill="#555">${t}</text>`,
    );
  }
  labels.forEach((label, i) => {
    const y0 = top + i * row + 5;
    parts.push(
      `<text x="${left - 8}" y="${fmt(y0 + (row - 10) / 2 + 4)}" text-anchor="end" font-size="${FONT}" fill="#222">${escapeXml(label)}</text>`,
    );
    series.forEach((s, k) => {
      const v = s.values[i] ?? 0;
      const y = y0 + k * 14;
      if (v > 0) parts.push(rect(left, y, xv(v) - left, 12, s, k));
      parts.push(`<text x="${fmt(xv(v) + 4)}" y="${y + 10}" font-size="${FONT - 2}" fill="#333">${v}</text>`);
    });
  });
  return svg(width, height, title, describe(options), parts.join(''));
}

class Frame {
  readonly width: number;
  readonly height: number;
  readonly left = PAD.left;
  readonly plotWidth: number;
  readonly plotHeight: number;
  readonly axis: { top: number; step: number };

  constructor(
    readonly options: Readonly<ChartOptions>,
    stacked = false,
  ) {
    this.width = options.width ?? 720;
    this.height = options.height ?? 240;
    this.plotWidth = this.width - PAD.left - PAD.right;
    this.plotHeight = this.height - PAD.top - PAD.bottom;
    const max = stacked
      ? Math.max(0, ...options.labels.map((_, i) => options.series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0)))
      : Math.max(0, ...options.series.flatMap((s) => s.values));
    this.axis = niceAxis(max);
  }

  y(v: number): number {
    return PAD.top + this.plotHeight - (v / this.axis.top) * this.plotHeight;
  }

  render(body: string, xs: readonly number[], lines = false): string {
    const { labels } = this.options;
    const parts: string[] = [legend(this.options.series, this.left, lines)];
    for (let t = 0; t <= this.axis.top + 1e-9; t += this.axis.step) {
      const y = fmt(this.y(t));
      parts.push(
        `<line x1="${this.left}" y1="${y}" x2="${this.width - PAD.right}" y2="${y}" stroke="#d0d4da" stroke-width="1"/>`,
        `<text x="${this.left - 6}" y="${fmt(this.y(t) + 4)}" text-anchor="end" font-size="${FONT - 1}" fill="#555">${t}</text>`,
      );
    }
    parts.push(body);
    // at most about 12 labels along the axis, always the first and the last
    const every = Math.max(1, Math.ceil(labels.length / 12));
    labels.forEach((label, i) => {
      if (i % every !== 0) return;
      parts.push(
        `<text x="${fmt(xs[i] ?? 0)}" y="${this.height - PAD.bottom + 16}" text-anchor="middle" font-size="${FONT - 1}" fill="#555">${escapeXml(label)}</text>`,
      );
    });
    parts.push(
      `<line x1="${this.left}" y1="${fmt(this.y(0))}" x2="${this.width - PAD.right}" y2="${fmt(this.y(0))}" stroke="#888" stroke-width="1"/>`,
    );
    return svg(this.width, this.height, this.options.title, describe(this.options), parts.join(''));
  }
}

function legend(series: readonly Series[], left: number, lines = false): string {
  let x = left;
  return series
    .map((s, k) => {
      const swatch = lines
        ? `<line x1="${fmt(x)}" y1="14" x2="${fmt(x + 18)}" y2="14" stroke="${s.color}" stroke-width="2.5" stroke-dasharray="${DASHES[k % DASHES.length]}"/>`
        : `<rect x="${fmt(x)}" y="8" width="12" height="12" fill="${s.color}"${k % 2 === 1 ? ' fill-opacity="0.55"' : ''} stroke="${s.color}"/>`;
      const gap = lines ? 23 : 17;
      const item = `${swatch}<text x="${fmt(x + gap)}" y="18" font-size="${FONT}" fill="#222">${escapeXml(s.name)}</text>`;
      x += gap + 13 + textWidth(s.name);
      return item;
    })
    .join('');
}

function rect(x: number, y: number, w: number, h: number, s: Series, k: number): string {
  // odd series lighter, so grouped bars stay apart in greyscale print
  return `<rect x="${fmt(x)}" y="${fmt(y)}" width="${fmt(Math.max(0.5, w))}" height="${fmt(Math.max(0.5, h))}" fill="${s.color}"${k % 2 === 1 ? ' fill-opacity="0.55"' : ''}/>`;
}

function svg(width: number, height: number, title: string, desc: string, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" aria-label="${escapeXml(title)}">` +
    `<title>${escapeXml(title)}</title><desc>${escapeXml(desc)}</desc>${body}</svg>`
  );
}

/** The numbers in words, for screen readers and for the text layer of the PDF. */
function describe(options: Readonly<ChartOptions>): string {
  return options.series
    .map((s) => `${s.name}: ${options.labels.map((l, i) => `${l} ${s.values[i] ?? 0}`).join(', ')}`)
    .join('; ');
}

/** Rough width in px at 12 px: CJK characters are square, Latin about 0.6 em. */
export function textWidth(text: string): number {
  let w = 0;
  for (const ch of text) w += (ch.codePointAt(0) ?? 0) > 0x2e80 ? FONT : FONT * 0.6;
  return Math.ceil(w);
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
