/** Liveness of the plugin for the platform smoke test (tells nothing about the data). */
export default () => ({
  async check(ctx: { body: unknown }) {
    ctx.body = { ok: true };
  },
});
