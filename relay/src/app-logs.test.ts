import { describe, expect, it } from 'vitest';
import { redactUrl } from './app.js';
import { testRelay } from './testing.js';

describe('relay logs', () => {
  it('never contain a password, a token or an account secret', async () => {
    const lines: string[] = [];
    const relay = await testRelay({
      logger: { level: 'trace', stream: { write: (line) => lines.push(line) } },
    });
    try {
      const inject = (method: string, url: string, payload?: object, headers: Record<string, string> = {}) =>
        relay.app.inject({ method: method as 'POST', url, payload, headers });
      const password = 'pw-Secret-4711';
      const setup = await inject('POST', '/api/setup', { user: 'alice', password });
      const token: string = setup.json().token;
      await inject('POST', '/api/login', { user: 'alice', password: 'wrong-Secret-0815' });
      const bind = await inject('POST', '/api/devices/bind', { user: 'alice', password, device: 'pi' });
      const deviceToken: string = bind.json().token;
      const auth = { authorization: `Bearer ${token}` };
      const secretOption = 'opt-Secret-1234';
      await inject(
        'POST',
        '/api/accounts',
        { name: 'box', provider: 'fake', options: { root: '/r', token: 'good' } },
        auth,
      );
      await inject(
        'POST',
        '/api/accounts',
        { name: 'bad', provider: 'fake', options: { root: '/r', token: secretOption } },
        auth,
      );
      await inject('GET', `/api/status?token=${deviceToken}`);
      await inject('GET', '/api/me', undefined, { cookie: `ferry_session=${token}` });
      await inject('GET', '/api/device/containers', undefined, { authorization: `Bearer ${deviceToken}` });
      await inject('POST', '/api/logout', undefined, auth);

      const log = lines.join('');
      expect(lines.length).toBeGreaterThan(10);
      expect(log).toContain('/api/login');
      for (const secret of [password, 'wrong-Secret-0815', token, deviceToken, secretOption, 'good"'])
        expect(log, secret).not.toContain(secret);
    } finally {
      await relay.close();
    }
  });

  it('redacts a token, an OAuth code and state in a query string', () => {
    expect(redactUrl('/sync/c/x?a=1&token=fd_abc&b=2')).toBe('/sync/c/x?a=1&token=[Redacted]&b=2');
    expect(redactUrl('/sync/d/pi?token=fd_abc')).toBe('/sync/d/pi?token=[Redacted]');
    expect(redactUrl('/api/oauth/callback?state=s3cr3t&code=4/0Ab&scope=x')).toBe(
      '/api/oauth/callback?state=[Redacted]&code=[Redacted]&scope=x',
    );
  });
});
