import { scanPage } from './page';

Component(scanPage as unknown as WechatMiniprogram.Component.TrivialOption);
