import admin from './admin';
import exchange from './exchange';

export default { admin, exchange };
