/**
 * Bar charts as plain SVG, no plotting dependency: one panel per metric, one bar per server showing
 * the median, a whisker for the min–max range over runs.
 */
import type { Spread } from '../lib/stats.js';
import { fmt } from '../lib/stats.js';

export interface Panel {
  title: string;
  unit: string;
  bars: { label: string; spread: Spread | null }[];
}

const COLORS: Record<string, string> = {
  herald: '#2f6fb3',
  naive: '#9a9a9a',
  coalesced: '#5c5c5c',
  target: '#c0622f',
};

const SUFFIX: Record<string, string> = { '/s': '/s', ms: ' ms', µs: ' µs', '%': '%' };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function barChart(title: string, panels: readonly Panel[]): string {
  const panelW = 300;
  const barH = 22;
  const gap = 8;
  const labelW = 80;
  const top = 40;
  const rows = Math.max(...panels.map((p) => p.bars.length), 1);
  const panelH = 30 + rows * (barH + gap) + 10;
  const width = panels.length * (labelW + panelW + 30) + 10;
  const height = top + panelH + 10;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${esc(title)}</title>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">${esc(title)}</text>`,
  ];
  panels.forEach((panel, pi) => {
    const x0 = 10 + pi * (labelW + panelW + 30);
    const max = Math.max(...panel.bars.map((b) => b.spread?.max ?? 0), 1e-9);
    out.push(`<text x="${x0}" y="${top + 14}" font-weight="bold">${esc(panel.title)}</text>`);
    panel.bars.forEach((bar, bi) => {
      const y = top + 26 + bi * (barH + gap);
      out.push(`<text x="${x0}" y="${y + barH / 2 + 4}">${esc(bar.label)}</text>`);
      const s = bar.spread;
      if (!s) return;
      const scale = (v: number) => Math.round((x0 + labelW + (v / max) * (panelW - 70)) * 10) / 10;
      const color = COLORS[bar.label] ?? '#2f6fb3';
      out.push(
        `<rect x="${x0 + labelW}" y="${y}" width="${Math.max(1, Math.round((scale(s.median) - x0 - labelW) * 10) / 10)}" height="${barH}" fill="${color}"/>`,
        `<line x1="${scale(s.min)}" x2="${scale(s.max)}" y1="${y + barH / 2}" y2="${y + barH / 2}" stroke="#000" stroke-width="1.5"/>`,
        `<line x1="${scale(s.min)}" x2="${scale(s.min)}" y1="${y + 5}" y2="${y + barH - 5}" stroke="#000"/>`,
        `<line x1="${scale(s.max)}" x2="${scale(s.max)}" y1="${y + 5}" y2="${y + barH - 5}" stroke="#000"/>`,
        `<text x="${scale(s.max) + 5}" y="${y + barH / 2 + 4}">${esc(fmt(s.median, panel.unit))}${SUFFIX[panel.unit] ?? ''}</text>`,
      );
    });
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
