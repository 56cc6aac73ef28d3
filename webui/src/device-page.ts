// Entry of the device's own page (device.html), served by `ferry device --port` (device/src/page.ts).
import './ferry-device-page.js';
