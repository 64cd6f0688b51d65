// LOG_LEVEL=warn quiets Strapi's request log (the tests set it); the default keeps Strapi's own level.
export default process.env.LOG_LEVEL ? { level: process.env.LOG_LEVEL } : {};
