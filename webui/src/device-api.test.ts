import { describe, expect, it } from 'vitest';
import { ApiError } from './api.js';
import { bindErrorField, DeviceApi } from './device-api.js';

const values = { user: 'alice', device: 'nas-1' };

describe('bindErrorField', () => {
  it('puts a refusal next to the field it is about', () => {
    expect(bindErrorField(new ApiError(401, 'FERRY_UNAUTHORIZED', 'wrong user or password'), values)).toBe(
      'password',
    );
    expect(
      bindErrorField(
        new ApiError(409, 'FERRY_CONFLICT', "device name 'nas-1' is taken on this relay"),
        values,
      ),
    ).toBe('device');
    expect(
      bindErrorField(new ApiError(400, 'FERRY_BAD_INPUT', "body field 'user' is required"), values),
    ).toBe('user');
    expect(
      bindErrorField(new ApiError(400, 'FERRY_BAD_INPUT', "device name '!' is not allowed"), {
        ...values,
        device: '!',
      }),
    ).toBe('device');
  });

  it('keeps errors about no field for the whole form', () => {
    expect(
      bindErrorField(new ApiError(0, 'FERRY_TRANSIENT', 'the relay does not answer'), values),
    ).toBeUndefined();
  });
});

describe('DeviceApi', () => {
  it('posts the bind form as JSON and turns a refusal into an ApiError', async () => {
    const seen: { url: string; method: string; type: string | undefined; body: unknown }[] = [];
    const api = new DeviceApi(async (url, init) => {
      const headers = init?.headers as Record<string, string>;
      seen.push({
        url: String(url),
        method: String(init?.method),
        type: headers['content-type'],
        body: init?.body ? JSON.parse(String(init.body)) : undefined,
      });
      if (init?.method === 'POST')
        return new Response(
          JSON.stringify({ error: { code: 'FERRY_UNAUTHORIZED', message: 'no', hint: 'h' } }),
          {
            status: 401,
          },
        );
      return new Response(JSON.stringify({ bound: false, device: 'pi', relay: 'r', containers: [] }));
    });
    expect(await api.state()).toEqual({ bound: false, device: 'pi', relay: 'r', containers: [] });
    const refused = await api.bind('alice', 'pw', 'pi').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ status: 401, code: 'FERRY_UNAUTHORIZED', message: 'no', hint: 'h' });
    expect(seen).toEqual([
      { url: '/api/state', method: 'GET', type: undefined, body: undefined },
      {
        url: '/api/bind',
        method: 'POST',
        type: 'application/json',
        body: { user: 'alice', password: 'pw', device: 'pi' },
      },
    ]);
  });

  it('says so when the device does not answer', async () => {
    const api = new DeviceApi(async () => {
      throw new TypeError('fetch failed');
    });
    await expect(api.state()).rejects.toMatchObject({ code: 'FERRY_OFFLINE' });
  });
});
