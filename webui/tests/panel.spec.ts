import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { expect, type Page, test } from '@playwright/test';
import { lowContrastTexts } from './contrast.ts';
import { deviceWrite, startTestRelay, type TestRelay } from './relay-process.ts';

const IMG = fileURLToPath(new URL('../../docs/img/', import.meta.url));
const shot = (page: Page, name: string) => page.screenshot({ path: `${IMG}${name}.png`, fullPage: true });

let relay: TestRelay;
// One story on one relay: the CSRF test logs in as the user the first test created.
test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  await mkdir(IMG, { recursive: true });
  relay = await startTestRelay();
});
test.afterAll(async () => {
  await relay?.stop();
});

test('first run → login → account → pairing → container → live progress', async ({ page }) => {
  /** Every document the page subscribed to: the panel must never open a group doc. */
  const docsOpened: string[] = [];
  page.on('websocket', (socket) => docsOpened.push(new URL(socket.url()).pathname));
  const consoleErrors: string[] = [];
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  page.on('console', (message) => {
    const text = message.text();
    // The browser logs every refused request (400 bad options, 401 wrong password, 409 in use) itself.
    const expected = /^Failed to load resource: .* (400|401|409)/.test(text);
    if (message.type() === 'error' && !expected) consoleErrors.push(text);
  });

  await test.step('first run: create the first user', async () => {
    await page.goto(relay.url);
    await expect(page.getByRole('heading', { name: /create the first user/i })).toBeVisible();
    await shot(page, 'first-run');
    await page.getByLabel('User name').fill('alice');
    await page.getByLabel('Password', { exact: false }).first().fill('correct horse battery');
    await page.getByLabel('Repeat the password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Create user' }).click();
    await expect(page.getByRole('button', { name: 'Log out' })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Containers' })).toBeVisible();
  });

  await test.step('the session cookie is httpOnly and SameSite=Strict', async () => {
    const cookie = (await page.context().cookies()).find((c) => c.name === 'ferry_session');
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe('Strict');
    expect(await page.evaluate(() => document.cookie)).not.toContain('ferry_session');
  });

  await test.step('logout, a wrong password is refused in the page, then login', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();
    await page.getByLabel('User name').fill('alice');
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page.getByRole('alert')).toContainText('user name or password is wrong');
    await expect(page.getByLabel('Password')).toHaveAttribute('aria-invalid', 'true');
    await shot(page, 'login-refused');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page.getByRole('button', { name: 'Log out' })).toBeVisible();
    // A reload keeps the session (cookie) and lands on the same page.
    await page.reload();
    await expect(page.getByRole('button', { name: 'Log out' })).toBeVisible();
  });

  await test.step('accounts: bad options are refused next to the field, good ones saved', async () => {
    await page.getByRole('link', { name: 'Accounts' }).click();
    await page.getByLabel('Provider').selectOption('local');
    await page.getByLabel('Account name').fill('photos');
    const root = page.locator('#opt-root');
    await root.fill(`${relay.folder}/no-such-folder`);
    await page.getByRole('button', { name: 'Add account' }).click();
    const fieldError = page.locator('#opt-root-error');
    await expect(fieldError).toContainText('refused a test listing');
    await expect(root).toHaveAttribute('aria-invalid', 'true');
    await expect(root).toHaveAttribute('aria-describedby', /opt-root-error/);
    await expect(page.getByRole('list', { name: 'Accounts' })).toHaveCount(0);
    await shot(page, 'accounts-refused');
    await root.fill(relay.folder);
    await page.getByRole('button', { name: 'Add account' }).click();
    const accounts = page.getByRole('list', { name: 'Accounts' });
    await expect(accounts.getByRole('heading', { name: 'photos' })).toBeVisible();
    await expect(fieldError).toHaveCount(0);
    await shot(page, 'accounts');
  });

  let token = '';
  await test.step('devices: a pairing code with the exact command, the device shows up', async () => {
    await page.getByRole('link', { name: 'Devices' }).click();
    await page.getByRole('button', { name: 'Add device' }).click();
    const code = ((await page.locator('#pair-code').textContent()) ?? '').trim();
    expect(code).toMatch(/^[2-9A-Z]{4}-[2-9A-Z]{4}$/);
    await page.getByLabel(/Device name/).fill('nas');
    await page.getByLabel('Disk folder on the device').fill('/mnt/backup');
    await expect(page.locator('#pair-command')).toHaveText(
      `ferry device --relay ${relay.url} --disk /mnt/backup --name nas --pair ${code}`,
    );
    await shot(page, 'devices-pairing');
    // What `ferry device --pair` does with the code.
    const paired = await page.request.post(`${relay.url}/api/devices/pair`, {
      data: { code, device: 'nas' },
    });
    expect(paired.status()).toBe(201);
    token = (await paired.json()).token;
    await page.getByRole('button', { name: 'Show it in the list' }).click();
    await expect(page.getByRole('heading', { name: 'nas' })).toBeVisible();
  });

  await test.step('containers: create one, its crawl shows up', async () => {
    await page.getByRole('link', { name: 'Containers' }).click();
    await page.getByLabel('Container name').fill('photos-backup');
    await page.getByLabel('Account', { exact: true }).selectOption('photos');
    await page.getByLabel('Device', { exact: true }).selectOption('nas');
    await page.getByLabel(/Group size/).fill('2');
    await page.getByLabel(/Crawl interval/).fill('12');
    await page.getByRole('button', { name: 'Add container' }).click();
    const card = page.getByRole('article', { name: 'photos-backup' });
    await expect(card).toBeVisible();
    await expect(card).toContainText('crawled every 12 h');
    // 4 files and the folder `2024` in groups of 2, live from the index doc (the crawl ends after
    // the page loaded the status).
    await expect(card.getByRole('progressbar', { name: 'Files' })).toHaveAttribute(
      'aria-valuetext',
      '0 of 5 fetched',
    );
    await expect(card).toContainText('0 of 3');
    await card.getByRole('button', { name: 'Crawl photos-backup now' }).click();
    await expect(card.getByRole('status')).toHaveText('Crawl started.');
  });

  await test.step('live: device status and progress arrive without a reload', async () => {
    const card = page.getByRole('article', { name: 'photos-backup' });
    await deviceWrite({
      relay: relay.url,
      token,
      device: 'nas',
      complete: { container: 'photos-backup', group: 0 },
    });
    await expect(card.getByRole('progressbar', { name: 'Files' })).toHaveAttribute(
      'aria-valuetext',
      '2 of 5 fetched',
    );
    await expect(card).toContainText('1 of 3');
    const bytes = Number(
      await card.getByRole('progressbar', { name: 'Bytes' }).getAttribute('aria-valuenow'),
    );
    expect(bytes).toBeGreaterThan(0);
    await expect(card).toContainText(/Live updates\s*on/);
    await deviceWrite({
      relay: relay.url,
      token,
      device: 'nas',
      status: {
        state: 'active',
        freeBytes: 80 * 2 ** 30,
        minFreeBytes: 10 * 2 ** 30,
        updatedAt: Date.now(),
        bytesPerSecond: 12 * 2 ** 20,
        current: [{ container: 'photos-backup', path: '2024/hills.jpg', bytes: 2000, size: 5000 }],
        errors: [],
        renamed: ['a:b.txt -> a_b.txt'],
      },
    });
    await expect(card).toContainText(/Renamed unsafe names\s*1/);
    await shot(page, 'containers');
    await page.getByRole('link', { name: 'Devices' }).click();
    const device = page.getByRole('article', { name: 'nas' });
    await expect(device).toContainText('Online');
    await expect(device).toContainText('Active');
    await expect(device.getByRole('progressbar', { name: 'Free space' })).toHaveAttribute(
      'aria-valuetext',
      '80 GiB free, keeps 10 GiB',
    );
    await expect(device).toContainText('12 MiB/s');
    await expect(device.getByRole('progressbar', { name: 'photos-backup: 2024/hills.jpg' })).toBeVisible();
    await shot(page, 'devices');
    // The disk fills up while the card is on screen: Inactive, below min-free, no reload.
    await deviceWrite({
      relay: relay.url,
      token,
      device: 'nas',
      status: { state: 'inactive', freeBytes: 4 * 2 ** 30, current: [], updatedAt: Date.now() },
    });
    await expect(device).toContainText('Inactive');
    await expect(device.getByRole('progressbar', { name: 'Free space' })).toHaveAttribute(
      'aria-valuetext',
      '4.0 GiB free, keeps 10 GiB: below min-free',
    );
    expect(docsOpened.length).toBeGreaterThan(0);
    expect(docsOpened.filter((path) => /\/g\/\d+$/.test(path))).toEqual([]);
  });

  await test.step('phone width: one column, nothing wider than the screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const name of ['Devices', 'Accounts', 'Containers']) {
      await page.getByRole('link', { name }).click();
      await expect(page.getByRole('heading', { name, level: 2 })).toBeVisible();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, name).toBeLessThanOrEqual(0);
    }
    await expect(page.getByRole('article', { name: 'photos-backup' })).toBeVisible();
    await shot(page, 'containers-phone');
  });

  await test.step('contrast: every text on every page is at least 4.5:1 (3:1 when large)', async () => {
    for (const name of ['Containers', 'Devices', 'Accounts']) {
      await page.getByRole('link', { name }).click();
      await expect(page.getByRole('heading', { name, level: 2 })).toBeVisible();
      expect(await lowContrastTexts(page), name).toEqual([]);
    }
  });

  await test.step('keyboard: the pages are reachable with Tab and Enter', async () => {
    await page.setViewportSize({ width: 1100, height: 900 });
    await page.getByRole('link', { name: 'Accounts' }).focus();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { name: 'Accounts', level: 2 })).toBeVisible();
    await page.keyboard.press('Tab');
    await expect(page.getByRole('button', { name: 'Log out' })).toBeFocused();
  });

  await test.step('removing: an account in use is refused in the page; container, account, device go', async () => {
    // On the Accounts page (keyboard step): the relay refuses while a container uses the account.
    await page.getByRole('button', { name: 'Remove account photos' }).click();
    await expect(page.getByRole('alert')).toContainText(
      "account 'photos' is used by container photos-backup",
    );
    await page.getByRole('link', { name: 'Containers' }).click();
    await page.getByRole('button', { name: 'Remove container photos-backup' }).click();
    await page.getByRole('button', { name: 'Yes, remove photos-backup' }).click();
    await expect(page.getByRole('article', { name: 'photos-backup' })).toHaveCount(0);
    await page.getByRole('link', { name: 'Accounts' }).click();
    await page.getByRole('button', { name: 'Remove account photos' }).click();
    await expect(page.getByRole('list', { name: 'Accounts' })).toHaveCount(0);
    await page.getByRole('link', { name: 'Devices' }).click();
    await page.getByRole('button', { name: 'Unbind nas' }).click();
    await page.getByRole('button', { name: 'Yes, unbind nas' }).click();
    const device = page.getByRole('article', { name: 'nas' });
    await expect(device).toContainText('Not bound');
    await expect(device).toContainText('Offline');
    // The old device token stops working at once.
    const refused = await page.request.get(`${relay.url}/api/device/self`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(refused.status()).toBe(401);
  });

  expect(consoleErrors).toEqual([]);
});

test('the API refuses a cookie POST without the CSRF header', async ({ request }) => {
  const login = await request.post(`${relay.url}/api/login`, {
    data: { user: 'alice', password: 'correct horse battery' },
  });
  expect(login.status()).toBe(200);
  // Playwright's request context keeps the cookie: no bearer header, so the cookie authenticates.
  const refused = await request.post(`${relay.url}/api/pairing-codes`);
  expect(refused.status()).toBe(403);
  const allowed = await request.post(`${relay.url}/api/pairing-codes`, { headers: { 'x-ferry-csrf': '1' } });
  expect(allowed.status()).toBe(201);
});
