import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { lowContrastTexts } from './contrast.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const IMG = fileURLToPath(new URL('../../docs/img/', import.meta.url));

let server: ChildProcess | undefined;
let url = '';

/** device-page-server.ts in its own process: a DevicePage serving the built webui/dist. */
test.beforeAll(async () => {
  await mkdir(IMG, { recursive: true });
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./device-page-server.ts', import.meta.url))],
    { cwd: REPO, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  server = child;
  const first = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', resolve);
    child.once('exit', (code) =>
      reject(new Error(`device page server exited with ${code} before listening`)),
    );
  });
  url = (JSON.parse(first) as { url: string }).url;
});
test.afterAll(async () => {
  const child = server;
  if (!child || child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
});

test('device page: bind form with errors next to the fields, then the disk state', async ({ page }) => {
  const failedAssets: string[] = [];
  page.on('response', (response) => {
    if (response.status() >= 400) failedAssets.push(`${response.status()} ${response.url()}`);
  });
  await page.goto(url);

  await test.step('the built Lit page, not the inline fallback', async () => {
    await expect(page.getByRole('heading', { name: 'Bind this disk' })).toBeVisible();
    await expect(page.getByText('the full page is not built here')).toHaveCount(0);
    await expect(page.getByLabel('Device name')).toHaveValue('pi');
  });

  await test.step('a wrong password shows next to the password, which is emptied', async () => {
    await page.getByLabel('User name').fill('alice');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Bind this disk' }).click();
    const password = page.getByLabel('Password');
    await expect(password).toHaveAttribute('aria-invalid', 'true');
    await expect(password).toHaveAccessibleDescription(/wrong user or password/);
    await expect(password).toHaveValue('');
    await expect(page.getByLabel('User name')).toHaveAttribute('aria-invalid', 'false');
    await page.screenshot({ path: `${IMG}device-page-bind.png`, fullPage: true });
    expect(failedAssets.filter((line) => !line.includes('/api/bind'))).toEqual([]);
  });

  await test.step('a taken device name shows next to the device name', async () => {
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByLabel('Device name').fill('taken');
    await page.getByRole('button', { name: 'Bind this disk' }).click();
    const device = page.getByLabel('Device name');
    await expect(device).toHaveAttribute('aria-invalid', 'true');
    await expect(device).toHaveAccessibleDescription(/is taken on this relay/);
    await expect(page.getByLabel('Password')).toHaveAttribute('aria-invalid', 'false');
  });

  await test.step('bound: state, free space against min-free, files in flight, errors, renamed names', async () => {
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByLabel('Device name').fill('nas-1');
    await page.getByRole('button', { name: 'Bind this disk' }).click();
    await expect(page.getByRole('heading', { name: 'This disk' })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Ferry device nas-1' })).toBeVisible();
    await expect(page.getByRole('status')).toHaveText('Active');
    await expect(page.getByRole('progressbar', { name: 'Free space' })).toHaveAttribute(
      'aria-valuetext',
      '180 GiB free, keeps 20 GiB',
    );
    await expect(page.getByRole('progressbar', { name: 'photos: 2024/beach.jpg' })).toHaveAttribute(
      'aria-valuetext',
      '6.0 MiB of 8.0 MiB',
    );
    await expect(page.getByRole('progressbar', { name: 'letters: dear ferry.txt' })).toHaveAttribute(
      'aria-valuenow',
      '25',
    );
    await expect(page.getByText('letters fetch: FERRY_TRANSIENT: the account answered 503')).toBeVisible();
    await page.getByText('1 unsafe name renamed on the disk').click();
    await expect(page.getByText('photos/notes: draft?.md -> photos/notes_ draft_.md')).toBeVisible();
    await expect(page.getByText('photos, letters')).toBeVisible();
    expect(await lowContrastTexts(page)).toEqual([]);
    await page.screenshot({ path: `${IMG}device-page.png`, fullPage: true });
  });
});
