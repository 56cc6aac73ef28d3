import { FerryError } from './errors.js';
import type { OptionSpec, ProviderFactory, ProviderOptions } from './provider.js';

/** What `redactOptions` puts in place of a secret. */
export const REDACTED = '***';

const TRUE_WORDS = new Set(['true', 'yes', '1']);
const FALSE_WORDS = new Set(['false', 'no', '0']);
const INTEGER = /^[+-]?\d+$/;

/**
 * Checks account options against a provider's schema and returns them typed, with defaults
 * filled in. Values may be strings (the CLI's `--set key=value`) or already typed (a JSON body);
 * strings are coerced by the option's type. Anything that does not fit is refused with
 * BAD_PROVIDER_OPTIONS naming the option; a secret's value never appears in a message.
 */
export function checkProviderOptions(
  factory: ProviderFactory,
  raw: Record<string, unknown>,
): ProviderOptions {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new FerryError('BAD_PROVIDER_OPTIONS', `options for provider '${factory.name}' must be an object`);
  const specs = new Map(factory.options.map((spec) => [spec.key, spec]));
  const accepted = () =>
    specs.size === 0 ? 'it takes no options' : `accepted: ${[...specs.keys()].join(', ')}`;

  for (const key of Object.keys(raw)) {
    if (!specs.has(key))
      throw new FerryError(
        'BAD_PROVIDER_OPTIONS',
        `provider '${factory.name}' has no option '${key}' (${accepted()})`,
        `see \`ferry account add --provider ${factory.name} --help\``,
      );
  }

  const options: ProviderOptions = {};
  for (const spec of factory.options) {
    const given = raw[spec.key];
    if (given === undefined || given === null || given === '') {
      if (spec.default !== undefined) options[spec.key] = spec.default;
      else if (spec.required)
        throw new FerryError(
          'BAD_PROVIDER_OPTIONS',
          `provider '${factory.name}' needs option '${spec.key}': ${spec.help}`,
          `add --set ${spec.key}=<${spec.type}>`,
        );
      continue;
    }
    options[spec.key] = coerce(factory.name, spec, given);
  }
  return options;
}

/** A copy of the options fit for logs and API answers: every secret is replaced by '***'. */
export function redactOptions(factory: ProviderFactory, options: ProviderOptions): ProviderOptions {
  const secrets = new Set(factory.options.filter((spec) => spec.type === 'secret').map((spec) => spec.key));
  const copy: ProviderOptions = {};
  for (const [key, value] of Object.entries(options)) copy[key] = secrets.has(key) ? REDACTED : value;
  return copy;
}

function coerce(provider: string, spec: OptionSpec, given: unknown): string | number | boolean {
  const refuse = (expected: string): never => {
    const shown = spec.type === 'secret' ? 'the value given' : `'${String(given)}'`;
    throw new FerryError(
      'BAD_PROVIDER_OPTIONS',
      `option '${spec.key}' of provider '${provider}' must be ${expected}; got ${shown}`,
    );
  };
  switch (spec.type) {
    case 'integer': {
      const value =
        typeof given === 'number'
          ? given
          : typeof given === 'string' && INTEGER.test(given.trim())
            ? Number(given)
            : NaN;
      if (!Number.isSafeInteger(value)) refuse('a whole number');
      return value;
    }
    case 'boolean': {
      if (typeof given === 'boolean') return given;
      const word = typeof given === 'string' ? given.trim().toLowerCase() : String(given);
      if (TRUE_WORDS.has(word)) return true;
      if (FALSE_WORDS.has(word)) return false;
      return refuse('true or false (yes/no, 1/0)');
    }
    case 'url': {
      if (typeof given !== 'string') return refuse('an http or https URL');
      let url: URL;
      try {
        url = new URL(given.trim());
      } catch {
        return refuse('an http or https URL');
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') refuse('an http or https URL');
      return given.trim();
    }
    case 'path': {
      if (typeof given !== 'string' || given.includes('\0')) return refuse('a path');
      // A relative path means nothing once the relay or another process reads the account.
      if (!isAbsolutePath(given)) refuse('an absolute path (starting with / or a drive letter)');
      return given;
    }
    case 'string':
    case 'secret': {
      if (typeof given !== 'string') refuse('text');
      return given as string;
    }
  }
}

function isAbsolutePath(path: string): boolean {
  return path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith('\\\\');
}
