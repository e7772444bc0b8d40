import { ordersPage } from './page';

Component(ordersPage as unknown as WechatMiniprogram.Component.TrivialOption);
