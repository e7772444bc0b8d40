import { bargainPage } from './page';

Component(bargainPage as unknown as WechatMiniprogram.Component.TrivialOption);
