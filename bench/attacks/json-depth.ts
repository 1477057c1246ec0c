/**
 * `npm run bench -- json-depth`: why Herald scans for depth and then calls JSON.parse rather than
 * parsing with a depth-bounded parser of its own. Times, per input, plain JSON.parse, the scan plus
 * JSON.parse (what Herald does), and a minimal depth-bounded recursive-descent parser in JavaScript
 * (the alternative), on a small subscribe frame, a flat 10 KB client event and a 5,000-deep 10 KB one.
 */
import { nestsDeeperThan } from '../../src/protocol/json-depth.js';

/** The alternative: a recursive-descent JSON parser that stops past `max` levels (no validation frills). */
function boundedParse(text: string, max: number): unknown {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const value = (depth: number): unknown => {
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      if (depth >= max) throw new Error('too deep');
      i++;
      if (c === '{') {
        const o: Record<string, unknown> = {};
        ws();
        if (text[i] === '}') {
          i++;
          return o;
        }
        for (;;) {
          ws();
          const k = str();
          ws();
          i++; // ':'
          o[k] = value(depth + 1);
          ws();
          if (text[i++] === '}') return o;
        }
      }
      const a: unknown[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return a;
      }
      for (;;) {
        a.push(value(depth + 1));
        ws();
        if (text[i++] === ']') return a;
      }
    }
    if (c === '"') return str();
    const m = /^(?:true|false|null|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 40));
    if (!m) throw new Error('bad JSON');
    i += m[0].length;
    return JSON.parse(m[0]);
  };
  const str = (): string => {
    const start = i;
    i++;
    for (;;) {
      const j = text.indexOf('"', i);
      if (j < 0) throw new Error('bad JSON');
      let k = j - 1;
      while (text[k] === '\\') k--;
      i = j + 1;
      if ((j - 1 - k) % 2 === 0) break;
    }
    return JSON.parse(text.slice(start, i)) as string;
  };
  return value(0);
}

function timeUs(fn: () => void, budgetMs = 300): number {
  for (let i = 0; i < 200; i++) fn();
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < budgetMs) {
    fn();
    n++;
  }
  return ((performance.now() - start) * 1000) / n;
}

export function runJsonDepth(): void {
  const inputs: [string, string][] = [
    [
      'subscribe frame',
      '{"event":"pusher:subscribe","data":{"channel":"presence-room","auth":"app-key:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","channel_data":"{\\"user_id\\":\\"42\\",\\"user_info\\":{\\"name\\":\\"Ada\\"}}"}}',
    ],
    [
      'flat 10 KB client event',
      `{"event":"client-x","channel":"private-a","data":{"s":"${'x'.repeat(10 * 1024)}"}}`,
    ],
    [
      'object-heavy 10 KB',
      `{"event":"client-x","channel":"private-a","data":[${Array.from({ length: 400 }, (_, i) => `{"k":${i},"v":"a"}`).join(',')}]}`,
    ],
    [
      '5,000-deep 10 KB',
      `{"event":"client-x","channel":"private-a","data":${'['.repeat(5000)}${']'.repeat(5000)}}`,
    ],
  ];
  const rows: string[] = [];
  for (const [name, text] of inputs) {
    const deep = nestsDeeperThan(text, 64);
    const parse = deep ? Number.NaN : timeUs(() => JSON.parse(text));
    const scanned = timeUs(() => {
      if (!nestsDeeperThan(text, 64)) JSON.parse(text);
    });
    const bounded = timeUs(() => {
      try {
        boundedParse(text, 64);
      } catch {
        // refused as too deep
      }
    });
    rows.push(
      `| ${name} | ${Number.isNaN(parse) ? '—' : parse.toFixed(2)} | ${scanned.toFixed(2)} | ${bounded.toFixed(2)} |`,
    );
  }
  console.log('| input | JSON.parse µs | scan + JSON.parse µs (Herald) | bounded JS parser µs |');
  console.log('| ----- | ------------- | ----------------------------- | -------------------- |');
  for (const r of rows) console.log(r);
}
