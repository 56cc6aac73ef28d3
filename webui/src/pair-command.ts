/** A value as one shell word: bare when it is plain, else single-quoted (a disk path may hold spaces). */
export function shellWord(value: string): string {
  return /^[A-Za-z0-9_./:@=+-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/** The command a device's host runs to bind itself with a pairing code (docs/cli.md `ferry device`). */
export function pairCommandText(relayUrl: string, code: string, name: string, disk: string): string {
  const named = name.trim() === '' ? '' : ` --name ${shellWord(name.trim())}`;
  const folder = disk.trim() === '' ? '/path/to/disk' : shellWord(disk.trim());
  return `ferry device --relay ${shellWord(relayUrl)} --disk ${folder}${named} --pair ${code}`;
}
