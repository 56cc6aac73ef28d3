import { describe, expect, it } from 'vitest';
import { Api, ApiError, CSRF_HEADER, fieldOfError } from './api.js';
import { pairCommandText, shellWord } from './pair-command.js';

describe('fieldOfError', () => {
  const fields = ['url', 'user', 'password'];
  it('finds the option the message names', () => {
    expect(fieldOfError("webdav: option 'password' is required", fields)).toBe('password');
    expect(fieldOfError("body field 'options.user' is not accepted", fields)).toBe('user');
  });
  it('finds the option whose value the message quotes back', () => {
    const message = "refused a test listing (FERRY_NOT_FOUND: 'https://dav.example/x' answered 404)";
    expect(fieldOfError(message, fields, { url: 'https://dav.example/x', user: 'me' })).toBe('url');
  });
  it('puts it on the only field, or on the whole form', () => {
    expect(fieldOfError('the listing timed out', ['root'])).toBe('root');
    expect(fieldOfError('the listing timed out', fields)).toBeUndefined();
  });
});

describe('Api', () => {
  it('sends the CSRF header on state changes only, and turns refusals into ApiError', async () => {
    const seen: { method: string; headers: Record<string, string> }[] = [];
    const api = new Api('', async (_url, init) => {
      seen.push({ method: String(init?.method), headers: init?.headers as Record<string, string> });
      if (init?.method === 'POST')
        return new Response(
          JSON.stringify({ error: { code: 'FERRY_UNAUTHORIZED', message: 'no', hint: 'h' } }),
          {
            status: 401,
          },
        );
      return new Response(JSON.stringify({ hasUser: true }), { status: 200 });
    });
    expect(await api.setupNeeded()).toBe(false);
    const refusal = await api.login('a', 'b').catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ApiError);
    expect(refusal).toMatchObject({ status: 401, code: 'FERRY_UNAUTHORIZED', message: 'no', hint: 'h' });
    expect(seen[0]?.headers[CSRF_HEADER]).toBeUndefined();
    expect(seen[1]?.headers[CSRF_HEADER]).toBe('1');
  });
});

describe('pairCommandText', () => {
  it('is the exact ferry device command', () => {
    expect(pairCommandText('http://relay:8787', 'ABCD-EFGH', ' nas ', '/mnt/d')).toBe(
      'ferry device --relay http://relay:8787 --disk /mnt/d --name nas --pair ABCD-EFGH',
    );
    expect(pairCommandText('http://r', 'ABCD-EFGH', '', '')).toBe(
      'ferry device --relay http://r --disk /path/to/disk --pair ABCD-EFGH',
    );
  });
});

describe('shellWord', () => {
  it('quotes what a shell would split or expand', () => {
    expect(shellWord('/mnt/my disk')).toBe("'/mnt/my disk'");
    expect(shellWord("it's")).toBe("'it'\\''s'");
    expect(shellWord('$HOME')).toBe("'$HOME'");
    expect(shellWord('/mnt/backup')).toBe('/mnt/backup');
  });
});
