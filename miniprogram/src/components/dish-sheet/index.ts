import { dishSheet } from './sheet';

Component(dishSheet as unknown as WechatMiniprogram.Component.TrivialOption);
