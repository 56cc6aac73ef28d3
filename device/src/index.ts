export { type AgentTiming, autoParallel, DeviceAgent, type DeviceContainer, type Parallel } from './agent.js';
export { deviceOutput, lineLog, runDevice, untilStopped } from './cli.js';
export { type DiskIO, nodeDisk } from './disk-io.js';
export { DiskState } from './disk-state.js';
export { DEVICE_KEY_FILE, loadDeviceKey } from './host-key.js';
export { type DeviceIdentity, readIdentity } from './identity.js';
export { type DeviceRunOptions, defaultDeviceName, type RunningDevice, startDevice } from './runtime.js';
