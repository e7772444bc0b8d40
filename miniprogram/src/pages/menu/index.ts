import { menuPage } from './page';

Component(menuPage as unknown as WechatMiniprogram.Component.TrivialOption);
