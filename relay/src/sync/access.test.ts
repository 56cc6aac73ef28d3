import { describe, expect, it } from 'vitest';
import type { AccessLookups } from '../lookups.js';
import type { Principal } from '../records.js';
import { authorizeDoc } from './access.js';

/** ann owns box (bound to disk1) and disk1; bob owns crate (bound to disk2) and disk2; disk3 is ann's, unbound. */
const lookups: AccessLookups = {
  async container(name) {
    return (
      { box: { user: 'ann', device: 'disk1' }, crate: { user: 'bob', device: 'disk2' } } as Record<
        string,
        { user: string; device: string }
      >
    )[name];
  },
  async device(name) {
    return (
      {
        disk1: { user: 'ann', bound: true },
        disk2: { user: 'bob', bound: true },
        disk3: { user: 'ann', bound: false },
      } as Record<string, { user: string; bound: boolean }>
    )[name];
  },
  async containersOfDevice(device) {
    return device === 'disk1' ? ['box'] : device === 'disk2' ? ['crate'] : [];
  },
};

const ann: Principal = { kind: 'user', user: 'ann' };
const disk1: Principal = { kind: 'device', user: 'ann', device: 'disk1' };
const disk3: Principal = { kind: 'device', user: 'ann', device: 'disk3' };
const bob: Principal = { kind: 'user', user: 'bob' };
const disk2: Principal = { kind: 'device', user: 'bob', device: 'disk2' };

async function rights(principal: Principal, name: string) {
  const access = await authorizeDoc(principal, name, lookups);
  return access.ok ? access.write : access.code;
}

describe('authorizeDoc', () => {
  it('lets a user read the docs of their containers and devices, writing nothing', async () => {
    for (const name of [
      'c/box',
      'c/box/g/0',
      'c/box/g/17',
      'c/box/p/disk1',
      'c/box/p/disk9',
      'd/disk1',
      'd/disk3',
    ])
      expect(await rights(ann, name)).toBe('none');
  });

  it('gives a device its containers, its receipts map, its progress and status docs', async () => {
    expect(await rights(disk1, 'c/box')).toBe('none');
    expect(await rights(disk1, 'c/box/g/3')).toEqual({ maps: ['receipts/disk1'] });
    expect(await rights(disk1, 'c/box/p/disk1')).toBe('all');
    expect(await rights(disk1, 'd/disk1')).toBe('all');
    expect(await rights(disk1, 'c/box/p/disk2')).toBe(4403);
  });

  it("refuses every kind of another user's doc, and unknown ones, alike", async () => {
    for (const principal of [bob, disk2])
      for (const name of [
        'c/box',
        'c/box/g/0',
        'c/box/p/disk1',
        'c/box/p/disk2',
        'd/disk1',
        'c/nothing',
        'd/nobody',
      ])
        expect(await rights(principal, name)).toBe(4403);
    // Same user, but not this device's container or status; an unbound device gets nothing.
    expect(await rights(disk3, 'c/box')).toBe(4403);
    expect(await rights(disk3, 'd/disk3')).toBe(4403);
    expect(await rights(disk1, 'd/disk3')).toBe(4403);
  });

  it('refuses names off the layout before looking anything up', async () => {
    const strict: AccessLookups = {
      container: () => Promise.reject(new Error('looked up')),
      device: () => Promise.reject(new Error('looked up')),
      containersOfDevice: () => Promise.reject(new Error('looked up')),
    };
    for (const name of [
      '',
      'c',
      'c/',
      'c/box/x/1',
      'c/box/g/-1',
      'c/box/g/01',
      'c/../d',
      'x/box',
      'd/a/b',
      'c/box%2Fg',
    ])
      expect(await authorizeDoc(ann, name, strict)).toEqual({
        ok: false,
        code: 4400,
        reason: 'not a Ferry document name',
      });
  });
});
