import crew from './crew';
import kiosk from './kiosk';
import publicScreens from './public';

export default { crew, kiosk, public: publicScreens };
