/**
 * Plays the device's side of sync for the panel tests: connects to the relay with a real device
 * token (from a pairing code the panel showed) through the device's own DocLink and writes what a
 * device writes, waits until the relay has it, and exits:
 * - `status`: its `d/<device>` doc;
 * - `complete`: one group fetched: a receipt for every entry of the group doc, then the group's
 *   tally (core's tallyGroup) with the index's generation into `c/<container>/p/<device>`.
 *
 * argv[2]: JSON {relay, token, device, status?: Partial<DeviceStatus>, complete?: {container, group}}
 */
import * as Y from 'yjs';
import { type DeviceStatus, writeDeviceStatus } from '../../core/src/docs/device-doc.js';
import { readEntries, tallyGroup, writeReceipt } from '../../core/src/docs/group-doc.js';
import { readGroupSummaries } from '../../core/src/docs/index-doc.js';
import { deviceDocName, groupDocName, indexDocName, progressDocName } from '../../core/src/docs/names.js';
import { writeGroupProgress } from '../../core/src/docs/progress-doc.js';
import { version } from '../../core/src/entry.js';
import { DocLink } from '../../device/src/doc-link.js';

interface Order {
  relay: string;
  token: string;
  device: string;
  status?: Partial<DeviceStatus>;
  complete?: { container: string; group: number };
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
if (order.complete) {
  const { container, group } = order.complete;
  const device = order.device;
  let generation = 0;
  await write(indexDocName(container), (doc) => {
    generation = readGroupSummaries(doc)[group]?.generation ?? 0;
  });
  let tally = { files: 0, bytes: 0, fetchedFiles: 0, fetchedBytes: 0 };
  await write(groupDocName(container, group), (doc) => {
    for (const entry of readEntries(doc)) writeReceipt(doc, device, entry.path, version(entry));
    tally = tallyGroup(doc, device);
  });
  if (tally.files === 0) throw new Error(`group ${group} of ${container} has no entries yet`);
  await write(progressDocName(container, device), (doc) =>
    writeGroupProgress(doc, group, { ...tally, generation }),
  );
}
process.exit(0);
