/** Minimal argv parsing: a command, `--flag value` / `--flag=value` pairs, and boolean switches. */

export interface ParsedArgs {
  command: string | undefined;
  flags: Record<string, string>;
  switches: Set<string>;
  positionals: string[];
}

const SWITCHES = new Set(['help', 'h', 'version', 'v', 'pretty', 'all', 'restamp', 'json', 'env']);

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const out: ParsedArgs = { command: undefined, flags: {}, switches: new Set(), positionals: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith('--') || (arg.startsWith('-') && arg.length === 2)) {
      const body = arg.replace(/^--?/, '');
      const eq = body.indexOf('=');
      if (eq >= 0) {
        out.flags[body.slice(0, eq)] = body.slice(eq + 1);
      } else if (SWITCHES.has(body)) {
        out.switches.add(body);
      } else {
        const value = argv[i + 1];
        if (value === undefined || value.startsWith('--')) out.flags[body] = '';
        else {
          out.flags[body] = value;
          i++;
        }
      }
    } else if (out.command === undefined) {
      out.command = arg;
    } else {
      out.positionals.push(arg);
    }
  }
  return out;
}
