import { groupPage } from './page';

Component(groupPage as unknown as WechatMiniprogram.Component.TrivialOption);
