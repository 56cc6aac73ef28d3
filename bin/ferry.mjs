#!/usr/bin/env node
// The `ferry` executable: TypeScript runs as-is through tsx, so `npx ferry` works right after
// `npm install` with no build step. Everything else lives in main.ts.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

// Our own tsconfig, never whatever tsconfig.json sits in the caller's working folder.
register({ tsconfig: fileURLToPath(new URL('./tsconfig.json', import.meta.url)) });
const { runFromProcess } = await import('./main.ts');
await runFromProcess();
