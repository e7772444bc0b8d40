import { trackPage } from './page';

Component(trackPage as unknown as WechatMiniprogram.Component.TrivialOption);
