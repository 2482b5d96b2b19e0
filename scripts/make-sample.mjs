#!/usr/bin/env node
// Generates the binary and bulky parts of the sample collection in sample/collection/ (the committed parts are the
// 《论语》 text and every X.meta.json sidecar). Deterministic: the same bytes on every machine and run, so
// re-ingesting the sample after regenerating it is a no-op. Needs nothing but Node.
//
//   node scripts/make-sample.mjs [--force] [--quiet]
//
// Writes (under sample/collection/):
//         lunyu/lunyu-xueer-scan.png       a grey-scale page scan, vertical columns of glyph blocks
//         media/changbaishan.png           a colour picture: Changbai mountain and its crater lake
//         media/pentatonic-demo.wav        6 s of plucked notes: gong shang jue zhi yu
//         gazetteer/jilin-gazetteer-demo.txt  a demonstration gazetteer text (synthetic, see its sidecar)
//         records/sample.records.jsonl     ~1,000 indexing records (chapter / section / paragraph units)
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'sample', 'collection');
const force = process.argv.includes('--force');
const quiet = process.argv.includes('--quiet');

const GENERATED = [
  'lunyu/lunyu-xueer-scan.png',
  'media/changbaishan.png',
  'media/pentatonic-demo.wav',
  'gazetteer/jilin-gazetteer-demo.txt',
  'records/sample.records.jsonl',
];

function write(rel, bytes) {
  const path = join(root, rel);
  if (!force && existsSync(path)) return;
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
  if (!quiet) process.stdout.write(`wrote sample/collection/${rel} (${bytes.length} bytes)\n`);
}

/** mulberry32: a small deterministic PRNG, so the sample is the same everywhere. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- PNG ------------------------------------------------------------------------------------------------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** channels 1 = grey, 3 = RGB; pixel(x, y) returns a number or [r, g, b]. */
function png(width, height, channels, pixel) {
  const stride = width * channels + 1;
  const raw = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    raw[y * stride] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      const v = pixel(x, y);
      const at = y * stride + 1 + x * channels;
      if (channels === 1) raw[at] = v;
      else [raw[at], raw[at + 1], raw[at + 2]] = v;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = channels === 1 ? 0 : 2;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('tEXt', Buffer.from('Software\0shulian make-sample', 'latin1')),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A page of a woodblock-printed book: frame, column rules, vertical columns of glyph-like blocks, right to left. */
function scanPage() {
  const W = 480;
  const H = 680;
  const rand = prng(1);
  const glyphs = new Map();
  const cols = 10;
  const left = 40;
  const right = W - 40;
  const colW = (right - left) / cols;
  for (let c = 0; c < cols; c++) {
    const chars = c === 0 ? 6 : 8 + Math.floor(rand() * 11);
    for (let i = 0; i < chars; i++) {
      // each glyph: a few strokes inside its cell
      const strokes = [];
      const n = 3 + Math.floor(rand() * 4);
      for (let s = 0; s < n; s++) {
        const horizontal = rand() < 0.55;
        strokes.push({ horizontal, a: 0.15 + rand() * 0.7, from: 0.1 + rand() * 0.3, to: 0.6 + rand() * 0.3 });
      }
      glyphs.set(`${c}:${i}`, strokes);
    }
  }
  const cell = colW * 0.8;
  return png(W, H, 1, (x, y) => {
    // sparse speckle, as on old paper; dense noise would only make the file big
    const noise = rand() < 0.08 ? Math.floor(rand() * 24) - 12 : 0;
    const paper = 226 + noise;
    if (x < 30 || x > W - 30 || y < 30 || y > H - 30) return 200 + noise; // margin, darker
    if (x < 34 || x > W - 34 || y < 34 || y > H - 34) return 60; // frame
    const cx = (right - x) / colW;
    const c = Math.floor(cx);
    if (c < 0 || c >= cols) return paper;
    if (Math.abs(cx - Math.round(cx)) * colW < 0.8) return 150; // column rule
    const i = Math.floor((y - 50) / (cell * 1.1));
    const strokes = glyphs.get(`${c}:${i}`);
    if (!strokes || y < 50) return paper;
    const gx = (cx - c - 0.1) / 0.8;
    const gy = ((y - 50) / (cell * 1.1) - i) / 0.9;
    if (gx < 0 || gx > 1 || gy < 0 || gy > 1) return paper;
    for (const s of strokes) {
      const [along, across] = s.horizontal ? [gx, gy] : [gy, gx];
      if (Math.abs(across - s.a) < 0.06 && along > s.from && along < s.to) return 30 + noise;
    }
    return paper;
  });
}

/** Changbai mountain: sky, snowy ridge, the crater lake (天池), forest below. */
function changbaishan() {
  const W = 400;
  const H = 260;
  const rand = prng(2);
  const ridge = (x) => 120 - 70 * Math.exp(-(((x - 200) / 120) ** 2)) + 6 * Math.sin(x / 9) + 4 * Math.sin(x / 23);
  return png(W, H, 3, (x, y) => {
    const r = rand() * 8;
    const top = ridge(x);
    if (y < top) {
      const t = y / top;
      return [90 + 80 * t, 140 + 70 * t, 220 + 20 * t].map((v) => Math.min(255, v + r) | 0);
    }
    const lake = ((x - 200) / 55) ** 2 + ((y - 118) / 10) ** 2 < 1;
    if (lake) return [30, 90 + r, 150 + r].map((v) => v | 0);
    if (y < top + 30) return [235 + r / 2, 238 + r / 2, 242].map((v) => Math.min(255, v) | 0); // snow
    if (y < 170) return [120 + r, 110 + r, 95 + r].map((v) => v | 0); // bare rock
    return [30 + r, 90 + r * 2, 40 + r].map((v) => v | 0); // forest
  });
}

// ---- WAV ------------------------------------------------------------------------------------------------

/** Five plucked notes of the pentatonic scale (宫商角徵羽 on C: C D E G A), 1.2 s each, 16 kHz mono 16-bit. */
function pentatonic() {
  const rate = 16000;
  const notes = [261.63, 293.66, 329.63, 392.0, 440.0];
  const each = Math.round(1.2 * rate);
  const samples = new Int16Array(each * notes.length);
  notes.forEach((f, n) => {
    for (let i = 0; i < each; i++) {
      const t = i / rate;
      const env = Math.exp(-3.2 * t) * Math.min(1, i / 40);
      const v =
        Math.sin(2 * Math.PI * f * t) +
        0.45 * Math.sin(4 * Math.PI * f * t) * Math.exp(-2 * t) +
        0.2 * Math.sin(6 * Math.PI * f * t) * Math.exp(-4 * t);
      samples[n * each + i] = Math.round(9000 * env * v);
    }
  });
  const data = Buffer.from(samples.buffer);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

// ---- the demonstration gazetteer -----------------------------------------------------------------------

const VOLUMES = [
  ['卷一　吉林、长春属', ['吉林', '永吉', '蛟河', '桦甸', '舒兰', '磐石', '长春', '九台', '榆树', '德惠', '农安']],
  [
    '卷二　四平、辽源、通化属',
    ['四平', '公主岭', '梨树', '伊通', '双辽', '辽源', '东丰', '东辽', '通化', '集安', '柳河', '辉南', '梅河口'],
  ],
  [
    '卷三　白山、松原、白城属',
    [
      '白山',
      '临江',
      '抚松',
      '靖宇',
      '长白',
      '江源',
      '松原',
      '扶余',
      '前郭',
      '长岭',
      '乾安',
      '白城',
      '洮南',
      '大安',
      '镇赉',
      '通榆',
    ],
  ],
  ['卷四　延边属', ['延吉', '图们', '敦化', '珲春', '龙井', '和龙', '汪清', '安图']],
];
const INDENT = '\u3000\u3000';
const MOUNTAINS = [
  '长白山',
  '龙岗山',
  '老爷岭',
  '张广才岭',
  '哈达岭',
  '威虎岭',
  '牡丹岭',
  '英额岭',
  '大黑山',
  '吉林哈达岭',
];
const RIVERS = [
  '松花江',
  '图们江',
  '鸭绿江',
  '辉发河',
  '伊通河',
  '饮马河',
  '拉林河',
  '嫩江',
  '洮儿河',
  '浑江',
  '布尔哈通河',
  '嘎呀河',
  '东辽河',
  '蛟河',
];
const DIRS = ['东', '西', '南', '北', '东南', '西南', '东北', '西北'];
const GRAINS = ['大豆', '高粱', '粟', '玉米', '稻', '小麦', '荞麦', '糜子'];
const MOUNTAIN_GOODS = ['人参', '鹿茸', '貂皮', '松子', '榛蘑', '木耳', '蜂蜜', '五味子', '乌拉草', '林蛙'];
const MINERALS = ['煤', '铁', '石灰', '铜', '硅石', '陶土'];
const SITES = ['古城址', '烽火台', '石碑', '山城遗址', '驿站旧址', '古墓群', '关帝庙'];
const SECTIONS = [
  [
    '建置沿革',
    '建置',
    (p) => [
      `${p.name}，古肃慎之地，${p.pick(['汉', '魏', '晋'])}时属${p.pick(['夫余', '高句丽', '挹娄'])}。`,
      `清${p.pick(['光绪', '宣统'])}年间设治，${p.pick(['隶吉林将军', '隶吉林省', '隶吉林府'])}，后数经更易，今为吉林省所辖。`,
    ],
  ],
  [
    '疆域',
    '疆域',
    (p) => [
      `${p.name}东西广${p.int(60, 240)}里，南北袤${p.int(50, 220)}里。`,
      `东界${p.other()}，西界${p.other()}，南抵${p.other()}，北至${p.other()}。`,
    ],
  ],
  [
    '山川',
    '山川',
    (p) => [
      `${(p.m = p.pick(MOUNTAINS))}在境${p.pick(DIRS)}，${p.pick(['峰峦叠嶂', '林木蓊郁', '冬积深雪', '山势绵亘'])}，为一方之镇。`,
      `${(p.r = p.pick(RIVERS))}自${p.pick(DIRS)}来，经境内${p.int(20, 160)}里，${p.pick(['汇入松花江', '东注于海', '南入鸭绿江', '北流入嫩江'])}。`,
    ],
  ],
  [
    '物产',
    '物产',
    (p) => [
      `土宜${(p.g1 = p.pick(GRAINS))}、${(p.g2 = p.pick(GRAINS, p.g1))}，岁有常获。`,
      `山产${(p.s1 = p.pick(MOUNTAIN_GOODS))}、${(p.s2 = p.pick(MOUNTAIN_GOODS, p.s1))}，地出${(p.k = p.pick(MINERALS))}，${p.s1}尤著于时。`,
    ],
  ],
  [
    '风俗',
    '风俗',
    (p) => [
      `民俗${p.pick(['淳朴', '勤俭', '尚武', '好礼'])}，重农桑，${p.pick(['多习骑射', '善渔猎', '勤于耕织'])}。`,
      `岁首祭祖，上元张灯，端午插艾，${p.pick(['冬日凿冰捕鱼', '秋后采参入山', '腊月杀猪会亲'])}。`,
    ],
  ],
  [
    '古迹',
    '古迹',
    (p) => [
      `${(p.t = p.pick(SITES))}在${p.name}${p.pick(DIRS)}${p.int(5, 90)}里，${p.pick(['遗址犹存', '碑文漫漶', '土垣尚可辨识', '乡人岁时致祭'])}。`,
      `相传${p.pick(['辽金', '渤海', '明代'])}时所建，今列为保护之所。`,
    ],
  ],
];

function gazetteer() {
  const rand = prng(3);
  const all = VOLUMES.flatMap(([, names]) => names);
  const units = []; // { county, volume, volumeN, countyN, page, section, sectionN, paragraphs: [{text}] , keywords }
  const lines = [
    '吉林地方志（演示节选）',
    '演示用合成文本：依地方志体例自动生成，地名实有，内容不作史料引用。',
    '',
    '目录',
  ];
  let page = 1;
  const tocAt = [];
  VOLUMES.forEach(([title], v) => {
    tocAt.push(page);
    lines.push(`${title}……第${page}页`);
    page += VOLUMES[v][1].length;
  });
  lines.push('');
  let text = lines.join('\n');
  page = 1;
  VOLUMES.forEach(([volume, names], v) => {
    const neighbours = names.length > 4 ? names : all;
    text += `\n${volume}\n`;
    names.forEach((name, ci) => {
      text += `\n〔第${page}页〕\n${name}\n`;
      SECTIONS.forEach(([section, term, build], si) => {
        const p = {
          name,
          pick: (list, not) => {
            let x;
            do x = list[Math.floor(rand() * list.length)];
            while (x === not);
            return x;
          },
          int: (a, b) => a + Math.floor(rand() * (b - a + 1)),
          other: () => {
            let x;
            do x = neighbours[Math.floor(rand() * neighbours.length)];
            while (x === name);
            return x;
          },
        };
        const paragraphs = build(p);
        const heading = `${section}\n`;
        text += heading;
        const sectionStart = text.length - heading.length;
        const spans = paragraphs.map((para) => {
          const start = text.length;
          text += `${INDENT}${para}\n`; // two ideographic spaces, as a Chinese paragraph starts
          return { start: start + 2, end: start + 2 + para.length, text: para };
        });
        const keywords = [name, ...[p.m, p.r, p.g1, p.g2, p.s1, p.s2, p.k, p.t].filter(Boolean)];
        units.push({
          name,
          volume,
          volumeN: v + 1,
          countyN: ci + 1,
          page,
          section,
          sectionN: si + 1,
          term,
          start: sectionStart,
          end: text.length - 1,
          spans,
          keywords: [...new Set(keywords)],
        });
      });
      page += 1;
    });
  });
  return { text: `${text}\n`, units };
}

// ---- indexing records -----------------------------------------------------------------------------------

// Subject terms and keywords for the 24 chapters of 《论语》 in the sample, in order.
const LUNYU_TAGS = [
  [
    ['学习', '君子'],
    ['学', '习', '朋', '君子'],
  ],
  [
    ['孝道', '仁'],
    ['孝弟', '犯上', '作乱', '务本', '仁之本'],
  ],
  [
    ['仁', '言行'],
    ['巧言令色', '仁'],
  ],
  [
    ['修身', '交友'],
    ['三省', '忠', '信', '传习'],
  ],
  [
    ['治国', '民本'],
    ['千乘之国', '敬事', '节用', '爱人', '使民以时'],
  ],
  [
    ['孝道', '学习'],
    ['孝', '弟', '泛爱众', '亲仁', '学文'],
  ],
  [
    ['学习', '交友'],
    ['贤贤易色', '事父母', '事君', '言而有信'],
  ],
  [
    ['君子', '修身'],
    ['重', '威', '忠信', '过则勿惮改'],
  ],
  [
    ['孝道', '礼'],
    ['慎终追远', '民德归厚'],
  ],
  [['德行'], ['温', '良', '恭', '俭', '让']],
  [['孝道'], ['父之道', '三年无改']],
  [['礼'], ['礼之用', '和为贵', '先王之道']],
  [
    ['礼', '信义'],
    ['信近于义', '恭近于礼', '宗'],
  ],
  [
    ['君子', '学习'],
    ['食无求饱', '居无求安', '敏于事', '慎于言', '好学'],
  ],
  [
    ['修身', '诗教'],
    ['贫而无谄', '富而无骄', '如切如磋', '如琢如磨'],
  ],
  [['修身'], ['不患人之不己知', '知人']],
  [
    ['德治', '治国'],
    ['为政以德', '北辰', '众星共之'],
  ],
  [['诗教'], ['诗三百', '思无邪']],
  [
    ['德治', '礼'],
    ['道之以德', '齐之以礼', '有耻且格'],
  ],
  [
    ['修身', '人生'],
    ['志于学', '而立', '不惑', '知天命', '耳顺', '从心所欲'],
  ],
  [
    ['学习', '为师'],
    ['温故而知新', '为师'],
  ],
  [['君子'], ['君子不器']],
  [
    ['学习', '思考'],
    ['学而不思则罔', '思而不学则殆'],
  ],
  [['求知'], ['知之为知之', '不知为不知']],
];

function lunyuRecords() {
  const text = readFileSync(join(root, 'lunyu', 'lunyu-xueer-weizheng.txt'), 'utf8');
  const records = [];
  const books = [
    ['学而第一', 1, 1],
    ['为政第二（节选）', 2, 2],
  ];
  let tag = 0;
  books.forEach(([title, n, page], b) => {
    const from = text.indexOf(`\n${title}\n`) + title.length + 2;
    const next = b + 1 < books.length ? text.indexOf(`〔第${books[b + 1][2]}页〕`) : text.length;
    records.push({
      id: `jl-lunyu-${n}`,
      resource: 'jl-lunyu-xueer-ocr',
      path: [{ level: 'chapter', n, title }],
      title,
      textSpan: { start: from - title.length - 1, end: next, page },
      subjects: [{ term: '论语', scheme: 'CCT' }, '儒家'],
      keywords: [title.replace(/（节选）/, '')],
    });
    const body = text.slice(from, next);
    let k = 0;
    for (const m of body.matchAll(/[^\n]+/g)) {
      const para = m[0];
      if (!para.includes('曰')) continue;
      k += 1;
      const start = from + m.index;
      const [subjects, keywords] = LUNYU_TAGS[tag++] ?? [[], []];
      const speaker = para.slice(0, para.indexOf('曰'));
      const first = para.slice(para.indexOf('“') + 1).split(/[，。？！：；”]/)[0];
      records.push({
        id: `jl-lunyu-${n}-${k}`,
        resource: 'jl-lunyu-xueer-ocr',
        path: [
          { level: 'chapter', n, title },
          { level: 'section', n: k },
        ],
        title: first,
        textSpan: { start, end: start + para.length, page },
        subjects: [...subjects, '儒家'].map((t) => ({ term: t, scheme: 'CCT' })),
        keywords: [...new Set([speaker, ...keywords])],
      });
      // sentence-level units: the finest grain readers cite
      let s = 0;
      for (const sm of para.matchAll(/[^。？！]+[。？！]”?/g)) {
        s += 1;
        const sentence = sm[0].replace(/^[”’]/, '');
        const at = start + sm.index + (sm[0].length - sentence.length);
        records.push({
          id: `jl-lunyu-${n}-${k}-${s}`,
          resource: 'jl-lunyu-xueer-ocr',
          path: [
            { level: 'chapter', n, title },
            { level: 'section', n: k },
            { level: 'paragraph', n: s },
          ],
          textSpan: { start: at, end: at + sentence.length, page },
          abstract: sentence,
          subjects: subjects.map((t) => ({ term: t, scheme: 'CCT' })),
          keywords:
            keywords.filter((w) => sentence.includes(w)).length > 0
              ? keywords.filter((w) => sentence.includes(w))
              : [speaker],
        });
      }
    }
  });
  return records;
}

function gazetteerRecords(units) {
  const records = [];
  for (const u of units) {
    const base = [
      { level: 'volume', n: u.volumeN, title: u.volume },
      { level: 'chapter', n: u.countyN, title: u.name },
      { level: 'section', n: u.sectionN, title: u.section },
    ];
    const id = `jl-gz-${u.volumeN}-${u.countyN}-${u.sectionN}`;
    records.push({
      id,
      resource: 'jl-gazetteer-demo-ocr',
      path: base,
      title: `${u.name}·${u.section}`,
      textSpan: { start: u.start, end: u.end, page: u.page },
      subjects: [{ term: '地方志', scheme: 'CCT' }, { term: u.term, scheme: 'CCT' }, `吉林省—${u.name}`],
      keywords: u.keywords,
    });
    u.spans.forEach((span, i) => {
      records.push({
        id: `${id}-${i + 1}`,
        resource: 'jl-gazetteer-demo-ocr',
        path: [...base, { level: 'paragraph', n: i + 1 }],
        textSpan: { start: span.start, end: span.end, page: u.page },
        abstract: span.text,
        subjects: [{ term: u.term, scheme: 'CCT' }],
        keywords:
          u.keywords.filter((w) => span.text.includes(w)).length > 0
            ? u.keywords.filter((w) => span.text.includes(w))
            : [u.name],
      });
    });
  }
  return records;
}

function audioRecords() {
  return ['宫', '商', '角', '徵', '羽'].map((note, i) => ({
    id: `jl-pentatonic-${i + 1}`,
    resource: 'jl-pentatonic-demo-audio',
    path: [{ level: 'segment', n: i + 1, title: note }],
    title: `${note}音`,
    timeSpan: { start: Math.round(i * 12) / 10, end: Math.round((i + 1) * 12) / 10 },
    subjects: ['五声音阶', '民族音乐'],
    keywords: [note, '拨弦'],
  }));
}

const { text: gazetteerText, units } = gazetteer();
write('lunyu/lunyu-xueer-scan.png', scanPage());
write('media/changbaishan.png', changbaishan());
write('media/pentatonic-demo.wav', pentatonic());
write('gazetteer/jilin-gazetteer-demo.txt', Buffer.from(gazetteerText, 'utf8'));
const records = [...lunyuRecords(), ...gazetteerRecords(units), ...audioRecords()];
write('records/sample.records.jsonl', Buffer.from(records.map((r) => JSON.stringify(r)).join('\n') + '\n', 'utf8'));
if (!quiet)
  process.stdout.write(
    `sample/collection/ holds ${GENERATED.length} generated files and ${records.length} indexing records\n`,
  );
