/**
 * The MD5 an S3 ETag stands for, as lowercase hex, or undefined when the ETag is not a plain MD5
 * of the content: multipart uploads give `<md5 of the part md5s>-<parts>`, and anything else
 * (empty, weak, other lengths) is opaque. Quotes and a `W/` prefix are forgiven.
 *
 * Not detectable from the ETag alone: objects encrypted with SSE-KMS or SSE-C have 32-hex ETags
 * that are not their MD5. The provider's `md5Etags` option turns hashes off for such buckets.
 */
export function md5FromEtag(etag: string | undefined): string | undefined {
  if (etag === undefined) return undefined;
  const bare = etag
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1')
    .toLowerCase();
  return /^[0-9a-f]{32}$/.test(bare) ? bare : undefined;
}
