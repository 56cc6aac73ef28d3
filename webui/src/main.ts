import './ferry-app.js';
