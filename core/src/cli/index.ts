export * from './commands.js';
export * from './config-dir.js';
export * from './doc.js';
export * from './help.js';
export * from './parse.js';
export * from './runner.js';
export * from './spec.js';
