/** What the importer says about each soketi setting it read. */

export interface ImportNote {
  /** The soketi setting (dotted option key, or `apps[i].field`). */
  soketi: string;
  /** The Herald setting it became, or null when it has no counterpart. */
  herald: string | null;
  /** Why it maps that way, or why it does not apply. Empty for a one-to-one copy. */
  reason: string;
}

export class ImportReport {
  readonly notes: ImportNote[] = [];

  mapped(soketi: string, herald: string, reason = ''): void {
    this.notes.push({ soketi, herald, reason });
  }

  notApplicable(soketi: string, reason: string): void {
    this.notes.push({ soketi, herald: null, reason });
  }

  /** Plain text: one line per setting, mapped ones first. */
  text(): string {
    const mapped = this.notes.filter((n) => n.herald !== null);
    const na = this.notes.filter((n) => n.herald === null);
    const lines = ['Mapped:'];
    for (const n of mapped) lines.push(`  ${n.soketi} -> ${n.herald}${n.reason ? ` (${n.reason})` : ''}`);
    if (mapped.length === 0) lines.push('  (nothing)');
    lines.push('Not applicable:');
    for (const n of na) lines.push(`  ${n.soketi}: ${n.reason}`);
    if (na.length === 0) lines.push('  (nothing)');
    return lines.join('\n');
  }
}
