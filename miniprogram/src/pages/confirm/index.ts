import { confirmPage } from './page';

Component(confirmPage as unknown as WechatMiniprogram.Component.TrivialOption);
