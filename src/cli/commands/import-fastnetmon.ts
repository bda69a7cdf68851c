/**
 * `breakwater import-fastnetmon <fastnetmon.conf> [-o out.yaml] [--json]`: converts a FastNetMon
 * config (src/cli/import-fastnetmon.ts does the work). The YAML goes to stdout or to the -o file,
 * the report of what was carried over, skipped and what behaves differently to stderr — or, with
 * --json, one JSON object on stdout. Exit codes: 0 converted, 1 the output file could not be
 * written, 2 the input is unreadable or cannot be converted (every problem listed).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { EXIT } from '../client.js';
import type { FastnetmonMbps, ImportResult } from '../import-fastnetmon.js';

export interface ImportCommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Sets the exit code; the default sets process.exitCode (the process ends normally, streams flushed). */
  exit: (code: number) => void;
  readFile: (path: string) => string;
  writeFile: (path: string, text: string, overwrite: boolean) => void;
}

const defaultIo: ImportCommandIo = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
  exit: (code) => {
    process.exitCode = code;
  },
  readFile: (p) => readFileSync(p, 'utf8'),
  // 'wx' fails when the file exists: an import must not silently replace a config in use.
  writeFile: (p, t, overwrite) => writeFileSync(p, t, { flag: overwrite ? 'w' : 'wx', mode: 0o640 }),
};

interface Options {
  output?: string;
  force?: boolean;
  json?: boolean;
  fastnetmonMbps: FastnetmonMbps;
}

export function importFastnetmonCommand(io: Partial<ImportCommandIo> = {}): Command {
  const sys: ImportCommandIo = { ...defaultIo, ...io };
  return new Command('import-fastnetmon')
    .description('convert a FastNetMon fastnetmon.conf into a Breakwater config (YAML on stdout, report on stderr)')
    .argument('<fastnetmon.conf>', 'the FastNetMon config file (its networks_list and whitelist files are checked, and referenced by path)')
    .option('-o, --output <file>', 'write the YAML to this file instead of stdout (an existing file is kept unless --force)')
    .option('--force', 'overwrite the -o file if it exists')
    .option('--json', 'print {output, yaml, config, carried, skipped, warnings} as JSON on stdout instead of the text report')
    .addOption(
      new Option('--fastnetmon-mbps <unit>', "how your FastNetMon counts Mbit/s: 'binary' (2^20 bit/s, 1.1.x; thresholds are multiplied by 1.048576) or 'si' (10^6)")
        .choices(['binary', 'si'])
        .default('binary'),
    )
    .action((confPath: string, opts: Options) => run(confPath, opts, sys));
}

async function run(confPath: string, opts: Options, io: ImportCommandIo): Promise<void> {
  // Loaded here, not at the top: the converter pulls in the whole config schema, which other
  // commands (and --help) should not pay for.
  const { FastnetmonImportError, formatImportReport, importFastnetmon } = await import('../import-fastnetmon.js');
  const fail = (code: number, message: string, problems: string[] = []) => {
    if (opts.json) io.stdout(`${JSON.stringify({ error: message, problems }, null, 2)}\n`);
    io.stderr(`breakwater import-fastnetmon: ${message}\n${problems.map((p) => `  - ${p}\n`).join('')}`);
    io.exit(code);
  };
  let text: string;
  try {
    text = io.readFile(confPath);
  } catch (e) {
    fail(EXIT.USAGE, `cannot read ${confPath}: ${(e as Error).message}`);
    return;
  }
  let result: ImportResult;
  try {
    result = importFastnetmon(text, { confPath, readFile: io.readFile, fastnetmonMbps: opts.fastnetmonMbps });
  } catch (e) {
    if (e instanceof FastnetmonImportError) {
      fail(EXIT.USAGE, `cannot convert ${confPath}:`, e.problems);
      return;
    }
    throw e;
  }
  if (opts.output) {
    try {
      io.writeFile(opts.output, result.yaml, opts.force === true);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      fail(EXIT.FAILURE, err.code === 'EEXIST' ? `${opts.output} exists: not overwritten (use --force, or another file)` : `cannot write ${opts.output}: ${err.message}`);
      return;
    }
  }
  if (opts.json) {
    const { yaml, config, carried, skipped, warnings } = result;
    io.stdout(`${JSON.stringify({ source: confPath, output: opts.output ?? null, ...(opts.output ? {} : { yaml }), config, carried, skipped, warnings }, null, 2)}\n`);
  } else {
    if (!opts.output) io.stdout(result.yaml);
    io.stderr(formatImportReport(result, confPath));
    if (opts.output) io.stderr(`\nWrote ${opts.output}. Review it, then check it with: breakwater check-config ${opts.output}\n`);
  }
  io.exit(EXIT.OK);
}
