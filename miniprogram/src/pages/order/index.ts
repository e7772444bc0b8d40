import { orderPage } from './page';

Component(orderPage as unknown as WechatMiniprogram.Component.TrivialOption);
