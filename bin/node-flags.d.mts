/** V8 flags of the `ferry device` process (bin/node-flags.mjs). */
export declare const DEVICE_NODE_FLAGS: string[];
