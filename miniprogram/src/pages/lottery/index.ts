import { lotteryPage } from './page';

Component(lotteryPage as unknown as WechatMiniprogram.Component.TrivialOption);
