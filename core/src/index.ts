export * from './cli/index.js';
export * from './docs/index.js';
export * from './entry.js';
export * from './errors.js';
export * from './groups.js';
export * from './md5.js';
export * from './provider.js';
export * from './provider-options.js';
