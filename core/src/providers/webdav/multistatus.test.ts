import { describe, expect, it } from 'vitest';
import { isFerryError } from '../../errors.js';
import { type DavResource, md5Of, parseMultistatus } from './multistatus.js';

const wrap = (inner: string, prolog = '') =>
  `<?xml version="1.0" encoding="utf-8"?>${prolog}<D:multistatus xmlns:D="DAV:">${inner}</D:multistatus>`;
const ok = (href: string, props: string) =>
  `<D:response><D:href>${href}</D:href><D:propstat><D:prop>${props}</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>`;

describe('parseMultistatus', () => {
  it('reads size, date, collection and ETag, and ignores properties the server said 404 for', () => {
    const [file, folder] = parseMultistatus(
      wrap(
        `<D:response><D:href>/a.txt</D:href><D:propstat><D:prop><D:resourcetype/><D:getcontentlength>12</D:getcontentlength><D:getlastmodified>Tue, 14 Nov 2023 22:15:23 GMT</D:getlastmodified><D:getetag>"x"</D:getetag></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat><D:propstat><D:prop><D:getcontentlength>999</D:getcontentlength></D:prop><D:status>HTTP/1.1 404 Not Found</D:status></D:propstat></D:response>` +
          ok('/d/', '<D:resourcetype><D:collection/></D:resourcetype>'),
      ),
      'test',
    );
    expect(file).toMatchObject({
      href: '/a.txt',
      isCollection: false,
      size: 12,
      mtime: Date.parse('2023-11-14T22:15:23Z'),
      etag: '"x"',
    });
    expect(folder).toMatchObject({ href: '/d/', isCollection: true });
  });

  it('decodes the five XML entities in thousands of names, and never expands DOCTYPE entities', () => {
    const many = Array.from({ length: 3000 }, (_, i) => ok(`/a&amp;b${i}&lt;.txt`, '')).join('');
    const resources = parseMultistatus(wrap(many), 'test');
    expect(resources).toHaveLength(3000);
    expect(resources[2999]?.href).toBe('/a&b2999<.txt');
    const laugh = parseMultistatus(
      wrap(
        ok('/&lol2;&lol2;', ''),
        '<!DOCTYPE d [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]>',
      ),
      'test',
    );
    expect(laugh[0]?.href.length).toBeLessThan(100);
  });

  it('refuses what is not a multistatus, and bad numbers or dates, with BAD_ENTRY', () => {
    const code = (body: string) => {
      try {
        parseMultistatus(body, 'test');
      } catch (error) {
        return isFerryError(error) ? error.code : 'untyped';
      }
      return 'parsed';
    };
    expect(code('<html><body>login</body></html>')).toBe('BAD_ENTRY');
    expect(code('not xml <<<')).toBe('BAD_ENTRY');
    expect(code(wrap(ok('/a', '<D:getcontentlength>-1</D:getcontentlength>')))).toBe('BAD_ENTRY');
    expect(code(wrap(ok('/a', '<D:getlastmodified>someday</D:getlastmodified>')))).toBe('BAD_ENTRY');
    expect(code(wrap('<D:response><D:propstat/></D:response>'))).toBe('BAD_ENTRY');
    expect(parseMultistatus(wrap(''), 'test')).toEqual([]);
  });
});

describe('md5Of', () => {
  const resource = (etag?: string, checksums: [string, string][] = []): DavResource => ({
    href: '/a',
    isCollection: false,
    checksums: new Map(checksums),
    ...(etag === undefined ? {} : { etag }),
  });
  const hex = '0123456789ABCDEF0123456789abcdef';

  it('takes a strong plain 32-hex ETag only with source etag', () => {
    expect(md5Of(resource(`"${hex}"`), 'etag')).toBe(hex.toLowerCase());
    expect(md5Of(resource(`"${hex}"`), 'none')).toBeUndefined();
    expect(md5Of(resource(`"${hex}"`), 'checksums')).toBeUndefined();
    for (const etag of [
      `W/"${hex}"`,
      hex,
      '"5-6610fcbe88712"',
      '"6b063ab6-16"',
      '"qUqP5cyxm6YcTAhz05Hph5gvu9M="',
    ])
      expect(md5Of(resource(etag), 'etag'), etag).toBeUndefined();
  });

  it('takes the MD5 of oc:checksums only with source checksums', () => {
    expect(md5Of(resource(undefined, [['md5', hex]]), 'checksums')).toBe(hex.toLowerCase());
    expect(md5Of(resource(undefined, [['md5', 'short']]), 'checksums')).toBeUndefined();
    expect(md5Of(resource(undefined, [['sha1', hex]]), 'checksums')).toBeUndefined();
  });
});
