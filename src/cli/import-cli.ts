/**
 * `herald import soketi [config.json] [--env] [--out herald.json]`: a Herald configuration from soketi's
 * config file and/or its SOKETI_* environment variables (the file first, the variables over it, as soketi
 * reads them). The configuration goes to --out or stdout; the report of every setting to stderr.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { loadConfig } from '../config/load.js';
import { ConfigError } from '../config/schema-dsl.js';
import { importSoketi } from '../importers/soketi/import.js';
import { optionsFromConfig, optionsFromEnv, type SoketiOptions } from '../importers/soketi/options.js';
import type { ParsedArgs } from './args.js';

export const IMPORT_HELP = `Usage:
  herald import soketi [<soketi-config.json>] [--env] [--out herald.json]
      Write a Herald configuration from soketi's JSON config file and/or (--env) its SOKETI_* environment
      variables. Every soketi setting read is listed on stderr: the Herald setting it became, or why it
      does not apply. Without --out the configuration is printed on stdout.
      Then: herald start --config herald.json`;

export async function importCommand(
  args: ParsedArgs,
  env: Record<string, string | undefined> = process.env,
): Promise<number> {
  const [from, file, ...rest] = args.positionals;
  const useEnv = args.switches.has('env');
  if (from !== 'soketi' || rest.length > 0 || (!file && !useEnv)) {
    console.error(
      from && from !== 'soketi' ? `Cannot import from ${from}: only soketi.\n\n${IMPORT_HELP}` : IMPORT_HELP,
    );
    return 2;
  }
  let options: SoketiOptions = new Map();
  if (file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      console.error(`${file}: ${(err as Error).message}`);
      return 2;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      console.error(`${file}: expected a JSON object, as soketi's --config takes`);
      return 2;
    }
    options = optionsFromConfig(parsed as Record<string, unknown>);
  }
  let unknownVars: string[] = [];
  let origins = new Map<string, string>();
  if (useEnv) ({ unknown: unknownVars, origins } = optionsFromEnv(env, options));

  const { config, report } = importSoketi(options);
  for (const note of report.notes) {
    const variable = origins.get(note.soketi);
    if (variable) note.soketi = `${variable} (${note.soketi})`;
  }
  for (const name of unknownVars) report.notApplicable(name, 'not a variable soketi 1.x reads; ignored');
  console.error(
    `Imported from soketi (${[file, useEnv ? 'SOKETI_* variables' : ''].filter(Boolean).join(' and ')}):\n${report.text()}`,
  );
  try {
    // Herald's own schema decides: what is written must start.
    loadConfig({ env: {}, overrides: config });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`\nThe result is not a valid Herald configuration:\n  - ${err.problems.join('\n  - ')}`);
    return 2;
  }
  const json = `${JSON.stringify(config, null, 2)}\n`;
  const out = args.flags['out'];
  if (out) {
    writeFileSync(out, json, { mode: 0o600 });
    console.error(`\nWrote ${out}; start with: herald start --config ${out}`);
  } else process.stdout.write(json);
  return 0;
}
