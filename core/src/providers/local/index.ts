import { FerryError } from '../../errors.js';
import type { ProviderFactory, ProviderOptions } from '../../provider.js';
import { LocalProvider } from './local-provider.js';

export { mapFsError } from './fs-errors.js';
export { DEFAULT_WALK_LIMITS, LocalProvider, type LocalProviderInit } from './local-provider.js';
export type { WalkLimits } from './walk.js';

/** `ferry account add --provider local --set root=/srv/photos`: a folder on this machine. */
export const localProviderFactory: ProviderFactory = {
  name: 'local',
  description: 'a folder on this machine (md5 computed while listing)',
  options: [{ key: 'root', type: 'path', required: true, help: 'absolute path of the folder to back up' }],
  create(options: ProviderOptions): LocalProvider {
    if (typeof options.root !== 'string')
      throw new FerryError('BAD_PROVIDER_OPTIONS', "local: option 'root' (an absolute path) is required");
    return new LocalProvider({ root: options.root });
  },
};
