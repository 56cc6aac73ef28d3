/** Node-only helpers shared by the relay and the device (not part of core's pure model). */
export * from './secret-box.js';
