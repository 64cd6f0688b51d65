export default {
  'content-api': {
    type: 'content-api',
    routes: [
      {
        method: 'GET',
        path: '/topics',
        handler: 'topics.listPublic',
        config: { auth: false, description: 'Public realtime topics (no personal data is ever sent on them).' },
      },
    ],
  },
};
