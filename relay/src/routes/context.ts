import type { ProviderFactory } from '@ferry/core';
import type * as Y from 'yjs';
import type { Auth } from '../auth/auth.js';
import type { ApiTables, Table } from '../db.js';
import type { ContainerChanges } from './container-changes.js';

/** Where the routes read the replicated documents (R-sync's DocStore fits). */
export interface DocReader {
  get(name: string): Promise<Y.Doc>;
  /** When given, status looks for a doc without creating an empty one. */
  has?(name: string): Promise<boolean>;
  /** When given, status lets a group doc it read for a count leave memory again. */
  release?(name: string): void;
}

/** The part of the crawler the API drives (relay/src/crawler's Crawler fits). */
export interface CrawlerPort {
  crawlNow(container: string): Promise<unknown>;
  schedule(input: { name: string; crawlIntervalMs?: number }): void;
  unschedule(container: string): void;
  nextCrawl?(container: string): number | undefined;
}

/** The providers built into this relay (core's registry fits through providerRegistry()). */
export interface ProviderRegistry {
  list(): readonly ProviderFactory[];
  get(name: string): ProviderFactory | undefined;
}

export function registryOf(factories: readonly ProviderFactory[]): ProviderRegistry {
  const byName = new Map(factories.map((factory) => [factory.name, factory]));
  return { list: () => factories, get: (name) => byName.get(name) };
}

/** A container name once used, kept so another user cannot take over its documents. */
export interface RemovedContainer {
  user: string;
  removedAt: number;
}

/** Everything a route plugin needs, handed in by buildApp (tests build it with fakes). */
export interface RouteContext {
  auth: Auth;
  tables: ApiTables;
  removedContainers: Table<RemovedContainer>;
  docs: DocReader;
  crawler?: CrawlerPort;
  providers: ProviderRegistry;
  secretKey: Buffer;
  clock: () => number;
  defaults: { groupSize: number; crawlIntervalMs: number };
  /** How long the one listing that checks new account options may take. */
  accountCheckTimeoutMs: number;
  /** Whether a device holds a live sync connection, when the sync layer can tell. */
  isOnline?: (device: string) => boolean;
  /** Wakes devices waiting on their container list; every route that changes one calls notify. */
  changes: ContainerChanges;
  /** Longest a device's container-list request waits for a change before answering anyway. */
  containerWaitMs: number;
}
