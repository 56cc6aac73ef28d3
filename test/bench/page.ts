/**
 * docs/benchmarks.md is shared by several benchmarks that run at different times (merge and CRDT
 * now; the device's 1M-entry RSS and the rclone comparison later). Each owns one section between
 * `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`; a run rewrites only the sections it ran and the
 * page header, and keeps everything else byte for byte.
 */

const HEADER = 'header';

export const openMarker = (name: string): string => `<!-- bench:${name} -->`;
export const closeMarker = (name: string): string => `<!-- /bench:${name} -->`;

const NAME = /^[a-z0-9][a-z0-9-]*$/;

export function checkSectionName(name: string): string {
  if (!NAME.test(name))
    throw new Error(`bench section name '${name}' must be lowercase letters, digits and '-'`);
  return name;
}

const INTRO = `# Benchmarks

Written by \`npm run bench\` (all) or \`npm run bench -- merge crdt\` (some): each run rewrites only the
sections it ran, each section says when and where it ran. Sources: \`test/bench/\`.`;

/** The page for a first run. */
export function emptyPage(): string {
  return `${INTRO}\n\n${openMarker(HEADER)}\n${closeMarker(HEADER)}\n`;
}

/**
 * Replaces the body of section `name`, or appends the section at the end of the page when it is
 * not there yet. Refuses a page whose markers are unbalanced rather than guess what to keep.
 */
export function replaceSection(page: string, name: string, body: string): string {
  checkSectionName(name);
  const open = openMarker(name);
  const close = closeMarker(name);
  const start = page.indexOf(open);
  const end = page.indexOf(close);
  const block = `${open}\n${body.trim()}\n${close}`;
  if (start === -1 && end === -1) return `${page.replace(/\s*$/, '')}\n\n${block}\n`;
  if (start === -1 || end === -1 || end < start || page.indexOf(open, start + 1) !== -1)
    throw new Error(`docs/benchmarks.md: markers of section '${name}' are unbalanced; fix the page by hand`);
  return page.slice(0, start) + block + page.slice(end + close.length);
}

/** The header section: the machine of the latest run; each section repeats its own machine and date. */
export function replaceHeader(page: string, machineLine: string, date: string): string {
  return replaceSection(page, HEADER, `Latest run: ${date} on ${machineLine}.`);
}

/** Section body: heading, when and where, then the benchmark's own markdown. */
export function sectionBody(title: string, date: string, machineLine: string, markdown: string): string {
  return `## ${title}\n\n_Run ${date} on ${machineLine}._\n\n${markdown.trim()}`;
}
