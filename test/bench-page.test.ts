import { describe, expect, it } from 'vitest';
import { closeMarker, emptyPage, openMarker, replaceHeader, replaceSection } from './bench/page.js';

describe('benchmarks page sections', () => {
  it('appends a section that is not there yet, then replaces only its body', () => {
    const first = replaceSection(emptyPage(), 'merge', 'merge v1');
    expect(first).toContain(`${openMarker('merge')}\nmerge v1\n${closeMarker('merge')}`);
    const withRss = replaceSection(first, 'rss', 'rss figures');
    const second = replaceSection(withRss, 'merge', 'merge v2');
    expect(second).toContain('merge v2');
    expect(second).not.toContain('merge v1');
    expect(second).toContain(`${openMarker('rss')}\nrss figures\n${closeMarker('rss')}`);
    expect(second.replace('merge v2', 'merge v1')).toBe(withRss);
  });

  it('keeps text around sections byte for byte', () => {
    const page = `intro\n\n${openMarker('crdt')}\nold\n${closeMarker('crdt')}\n\nhand-written notes\n`;
    expect(replaceSection(page, 'crdt', 'new')).toBe(
      `intro\n\n${openMarker('crdt')}\nnew\n${closeMarker('crdt')}\n\nhand-written notes\n`,
    );
  });

  it('refuses unbalanced markers and bad names rather than guess', () => {
    expect(() => replaceSection(`${openMarker('merge')}\nno end`, 'merge', 'x')).toThrow(/unbalanced/);
    expect(() => replaceSection(`${closeMarker('merge')} ${openMarker('merge')}`, 'merge', 'x')).toThrow(
      /unbalanced/,
    );
    expect(() => replaceSection(emptyPage(), 'Merge Now', 'x')).toThrow(/section name/);
  });

  it('rewrites the header in place', () => {
    const page = replaceHeader(emptyPage(), 'CPU X, 2 cores', '2026-01-01');
    const again = replaceHeader(page, 'CPU Y, 4 cores', '2026-02-02');
    expect(again).toContain('CPU Y, 4 cores');
    expect(again).not.toContain('CPU X');
    expect(again.indexOf(openMarker('header'))).toBe(page.indexOf(openMarker('header')));
  });
});
