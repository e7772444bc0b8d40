import { addressPage } from './page';

Component(addressPage as unknown as WechatMiniprogram.Component.TrivialOption);
