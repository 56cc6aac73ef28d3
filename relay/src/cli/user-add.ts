import { FerryError, type Runner, readSecret } from '@ferry/core';
import { Auth } from '../auth/auth.js';
import { apiTables, openRelayDb } from '../db.js';

/**
 * `ferry user add NAME`: works on the data folder directly (LevelDB allows one process, so the
 * relay must be stopped; on a running relay the first user comes from the panel's setup page).
 */
export const runUserAdd: Runner = async (parsed, io) => {
  const secret = parsed.command.secrets?.[0];
  if (!secret) throw new FerryError('INTERNAL', 'user add has no password spec');
  const name = parsed.positionals.NAME as string;
  const password = await readSecret(secret, io);
  const db = await openRelayDb(parsed.flags.data as string);
  try {
    await new Auth({ tables: apiTables(db.level), clock: Date.now }).addUser(name, password);
  } finally {
    await db.close();
  }
  io.stdout.write(`user ${name} created\n`);
  return 0;
};
