import { type DeviceStatus, formatBytes } from '@ferry/core';
import { printable } from './reporter.js';

/** Files of one container: those this device holds for the current crawl, of all listed. */
export interface ContainerFiles {
  container: string;
  done: number;
  total: number;
}

export interface ProgressLineOptions {
  /** Terminal width: the line is cut to `columns - 1` so it never wraps (a wrapped line cannot be redrawn). */
  columns?: number;
  /** Known only when the caller could count them; left out of the line otherwise. */
  files?: ContainerFiles;
}

const SEPARATOR = ' · ';

/**
 * The one status line `ferry device` redraws on a terminal, from the reporter's snapshot:
 * `active · photos 120/3400 files · 1.2 MiB/s · photos/a/b.jpg 45% (+2 more)`. Cloud names
 * are shown escaped (a name holding a terminal escape must not drive the terminal).
 */
export function formatProgressLine(status: DeviceStatus, options: ProgressLineOptions = {}): string {
  const parts: string[] = [status.state];
  if (status.state === 'inactive')
    parts.push(`${formatBytes(status.freeBytes)} free, below --min-free ${formatBytes(status.minFreeBytes)}`);
  if (options.files) {
    const { container, done, total } = options.files;
    parts.push(`${printable(container)} ${done}/${total} files`);
  }
  if (status.state === 'active' || status.bytesPerSecond > 0)
    parts.push(`${formatBytes(status.bytesPerSecond)}/s`);
  const [first, ...others] = status.current;
  if (first) {
    const share = first.size > 0 ? Math.min(100, Math.floor((first.bytes / first.size) * 100)) : 100;
    const more = others.length > 0 ? ` (+${others.length} more)` : '';
    parts.push(`${printable(first.container)}/${printable(first.path)} ${share}%${more}`);
  }
  if (status.errors.length > 0)
    parts.push(`${status.errors.length} error${status.errors.length === 1 ? '' : 's'}`);
  return fitLine(parts.join(SEPARATOR), options.columns);
}

/** Cuts a line to the terminal's width (by code point), ending in `…` when cut. */
export function fitLine(line: string, columns: number | undefined): string {
  if (columns === undefined || !Number.isFinite(columns) || columns < 2) return line;
  const width = columns - 1;
  const chars = [...line];
  if (chars.length <= width) return line;
  return `${chars.slice(0, width - 1).join('')}…`;
}
