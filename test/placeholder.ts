import { version } from '@ferry/core';
export const v = version({ path: 'a', size: 1, mtime: 2, isDir: false });
