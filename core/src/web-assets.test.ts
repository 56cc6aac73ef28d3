import { describe, expect, it } from 'vitest';
import { BUILT_PAGE_HEADERS, contentTypeOf, isAssetName } from './web-assets.js';

describe('web assets', () => {
  it('types built files by extension, anything else as opaque bytes', () => {
    expect(contentTypeOf('index-AefNWJy9.JS')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeOf('device.html')).toBe('text/html; charset=utf-8');
    for (const name of ['README', '.htaccess', 'x.exe', 'a.'])
      expect(contentTypeOf(name)).toBe('application/octet-stream');
  });

  it('serves only plain asset names: no path, no dot-name, nothing long', () => {
    expect(isAssetName('index-AefNWJy9.js')).toBe(true);
    for (const name of ['', '../x.js', 'a/b.js', '.env', 'a\\b.js', 'x'.repeat(202), 'a b.js', 'é.js'])
      expect(isAssetName(name), name).toBe(false);
  });

  it('keeps pages to their own origin', () => {
    expect(BUILT_PAGE_HEADERS['content-security-policy']).toContain("default-src 'self'");
    expect(BUILT_PAGE_HEADERS['x-frame-options']).toBe('DENY');
  });
});
