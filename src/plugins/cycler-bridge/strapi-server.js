'use strict';
// Strapi loads plugin server entries only as .js: this points at the TypeScript compiled by the app's tsc.
module.exports = require('../../../dist/src/plugins/cycler-bridge/server/src').default;
