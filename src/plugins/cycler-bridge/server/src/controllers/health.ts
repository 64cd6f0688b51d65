export default () => ({
  /** Smoke route of the plugin (no data, no authentication). */
  async check(ctx) {
    ctx.body = { ok: true };
  },
});
