import { checkoutPage } from './page';

Component(checkoutPage as unknown as WechatMiniprogram.Component.TrivialOption);
