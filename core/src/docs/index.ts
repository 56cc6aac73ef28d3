export * from './device-doc.js';
export * from './group-doc.js';
export * from './index-doc.js';
export * from './names.js';
export * from './progress-doc.js';
