import type { ContainerStatusView, DeviceStatusView } from '../status.js';

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];

/** 1234567 → '1.2 MB' (powers of 1000, like disk makers and `df -H`). */
export function formatBytes(bytes: number | null): string {
  if (bytes === null) return '-';
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

export function formatTime(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** Plain aligned columns: readable on a terminal, greppable in a pipe. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

export function formatStatus(status: {
  devices: DeviceStatusView[];
  containers: ContainerStatusView[];
}): string {
  const devices = table(
    ['DEVICE', 'ONLINE', 'LAST SEEN', 'STATE', 'FREE', 'MIN FREE', 'SPEED', 'WORKING ON'],
    status.devices.map((d) => [
      // The label is for people; the name is what commands take, so both show.
      d.name + (d.label ? ` "${d.label}"` : '') + (d.bound ? '' : ' (unbound)'),
      d.online ? 'yes' : 'no',
      formatTime(d.lastSeen),
      d.state,
      formatBytes(d.freeBytes),
      formatBytes(d.minFreeBytes),
      d.speed === null ? '-' : `${formatBytes(d.speed)}/s`,
      d.current.map((file) => `${file.container}:${file.path}`).join(', ') || '-',
    ]),
  );
  const containers = table(
    [
      'CONTAINER',
      'ACCOUNT',
      'FOLDER',
      'DEVICE',
      'FILES',
      'BYTES',
      'GROUPS',
      'LAST CRAWL',
      'NEXT CRAWL',
      'ERROR',
    ],
    status.containers.map((c) => [
      c.name,
      c.account,
      `/${c.folder}`,
      c.device,
      `${c.fetchedFiles}/${c.files}`,
      `${formatBytes(c.fetchedBytes)}/${formatBytes(c.bytes)}`,
      `${c.completeGroups}/${c.groups}`,
      c.crawling ? 'running' : formatTime(c.lastCrawl),
      formatTime(c.nextCrawl),
      c.lastError ?? '-',
    ]),
  );
  return `${devices}\n${containers}`;
}
