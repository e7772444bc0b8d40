import { memberPage } from './page';

Component(memberPage as unknown as WechatMiniprogram.Component.TrivialOption);
