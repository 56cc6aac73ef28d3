/**
 * V8 settings of the `ferry device` process (bin/ferry.mjs starts the device with them, and the
 * device-memory benchmark measures with them). A 1 MiB young generation makes V8 collect the
 * short-lived buffers of each download at once instead of letting them pile up, and a 256 MiB old
 * generation caps the heap: the device's live heap is ~30 MiB at a 1,000,000-entry catalog.
 */
export const DEVICE_NODE_FLAGS = ['--max-semi-space-size=1', '--max-old-space-size=256'];
