/**
 * Where `ferry login` keeps the relay address and token. Pure: the caller passes the
 * environment and the home folder. Order: `--config` (or its twin FERRY_CONFIG), then
 * `$XDG_CONFIG_HOME/ferry`, then `<home>/.config/ferry`.
 */
export function resolveConfigDir(
  configFlag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  home: string,
): string {
  if (configFlag !== undefined && configFlag !== '') return configFlag;
  const xdg = env.XDG_CONFIG_HOME;
  // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  if (xdg?.startsWith('/')) return `${trimSlash(xdg)}/ferry`;
  return `${trimSlash(home)}/.config/ferry`;
}

function trimSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}
