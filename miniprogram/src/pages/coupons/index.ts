import { couponsPage } from './page';

Component(couponsPage as unknown as WechatMiniprogram.Component.TrivialOption);
