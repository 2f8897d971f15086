// `--help` (or `-h`) for every bench script: prints the script's opening comment — what it
// measures, its options and where it writes — and exits, instead of starting a run of minutes.
// The comment is read from the running file itself (tsc keeps comments), so it cannot drift from
// the script it describes.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function exitOnHelp(moduleUrl: string, argv: readonly string[] = process.argv.slice(2)): void {
  if (!argv.includes('--help') && !argv.includes('-h')) return;
  const text = readFileSync(fileURLToPath(moduleUrl), 'utf8');
  const head: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('//')) break;
    head.push(line.replace(/^\/\/ ?/, ''));
  }
  console.log(head.length > 0 ? head.join('\n') : 'no description in this script');
  process.exit(0);
}
