// Writes docs/cli.md from the command table: `npx tsx bin/gen-cli-doc.ts`.
import { writeFileSync } from 'node:fs';
import { COMMANDS, formatCliDoc } from '@ferry/core';

const target = new URL('../docs/cli.md', import.meta.url);
writeFileSync(target, formatCliDoc(COMMANDS));
process.stdout.write(`wrote ${target.pathname}\n`);
