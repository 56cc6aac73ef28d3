/**
 * Plays the device's side of sync for the panel tests: connects to the relay with a real device
 * token (from a pairing code the panel showed) through the device's own DocLink, writes its
 * status doc or one group's progress, waits until the relay has it, and exits.
 *
 * argv[2]: JSON {relay, token, device, status?: Partial<DeviceStatus>,
 *                progress?: {container, group, tally: GroupProgress}}
 */

import * as Y from 'yjs';
import { type DeviceStatus, writeDeviceStatus } from '../../core/src/docs/device-doc.js';
import { deviceDocName, progressDocName } from '../../core/src/docs/names.js';
import { type GroupProgress, writeGroupProgress } from '../../core/src/docs/progress-doc.js';
import { DocLink } from '../../device/src/doc-link.js';

interface Order {
  relay: string;
  token: string;
  device: string;
  status?: Partial<DeviceStatus>;
  progress?: { container: string; group: number; tally: GroupProgress };
}

const order = JSON.parse(process.argv[2] ?? '{}') as Order;
const relayUrl = order.relay.replace(/^http/, 'ws');

async function write(docName: string, edit: (doc: Y.Doc) => void): Promise<void> {
  const doc = new Y.Doc();
  let refused = '';
  const link = new DocLink({
    relayUrl,
    token: order.token,
    docName,
    doc,
    onRefused: (code, reason) => {
      refused = `${code} ${reason}`;
    },
  });
  try {
    await link.synced();
    edit(doc);
    await link.flush();
  } catch (error) {
    throw new Error(`${docName}: ${refused || String(error)}`);
  } finally {
    link.close();
  }
}

if (order.status)
  await write(deviceDocName(order.device), (doc) =>
    writeDeviceStatus(doc, order.status as Partial<DeviceStatus>),
  );
if (order.progress) {
  const { container, group, tally } = order.progress;
  await write(progressDocName(container, order.device), (doc) => writeGroupProgress(doc, group, tally));
}
process.exit(0);
