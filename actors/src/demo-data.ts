/**
 * Demo data for `npm start`, tests and the bench: a chain template menu of a
 * Hunan/Sichuan-style restaurant (51 dishes, 60 SKUs over 热销, 招牌, 凉菜,
 * 热菜, 主食, 汤, 饮品, 套餐, 预制菜零售), and N stores (default 20) each with
 * 30–60 tables in 2–4 areas, stock levels and a few store prices.
 * Deterministic: the same seed gives the same data.
 */
import type { ActorRef } from '@lunchrush/engine';
import { CatalogDocSchema, type CatalogDoc, type CatalogDocInput, type SpuInput } from './menu.js';
import { catalogRef, CHAIN_STORE_ID, stockRef, storeRef, tableRef } from './domain.js';
import type { CatalogCommand } from './catalog.js';
import type { StockCommand } from './stock.js';
import type { StoreCommand, StoreSettings } from './store.js';
import type { TableCommand, TableConfig } from './table/index.js';
import { formatTableCode, makeTableCode, tableId } from './table-code.js';

export const DEFAULT_DEMO_STORES = 20;
export const DEFAULT_DEMO_SEED = 20240611;

/** mulberry32: a tiny seeded PRNG, good enough for demo data (not a decider: no replay involved). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const SPICE = {
  id: 'spice',
  name: '辣度',
  min: 1,
  max: 1,
  choices: [
    { id: 'none', name: '不辣' },
    { id: 'mild', name: '微辣' },
    { id: 'medium', name: '中辣' },
    { id: 'hot', name: '特辣' },
  ],
};
const ICE = {
  id: 'ice',
  name: '冰度',
  min: 1,
  max: 1,
  choices: [
    { id: 'normal', name: '正常冰' },
    { id: 'less', name: '少冰' },
    { id: 'none', name: '去冰' },
    { id: 'warm', name: '常温' },
  ],
};
const SWEET = {
  id: 'sweet',
  name: '甜度',
  min: 0,
  max: 1,
  choices: [
    { id: 'full', name: '全糖' },
    { id: 'half', name: '半糖' },
    { id: 'none', name: '无糖' },
  ],
};
const NOODLE_EXTRA = {
  id: 'extra',
  name: '加料',
  min: 0,
  max: 3,
  choices: [
    { id: 'egg', name: '加煎蛋', priceDeltaFen: 200 },
    { id: 'beef', name: '加牛肉', priceDeltaFen: 800 },
    { id: 'greens', name: '加青菜', priceDeltaFen: 300 },
  ],
};
const RICE_PORTION = {
  id: 'rice',
  name: '米饭',
  min: 0,
  max: 1,
  choices: [
    { id: 'more', name: '加一碗饭', priceDeltaFen: 200 },
    { id: 'less', name: '少饭' },
  ],
};

type Dish = Omit<SpuInput, 'skus' | 'station' | 'category'> & { skus: [string, string, number][]; station?: string };

const img = (id: string): string[] => [`https://img.lunchrush.example/menu/${id}.jpg`];

/** [category, default station, dishes]; SKUs are [skuId, spec, price in fen]. */
const MENU: [string, string, Dish[]][] = [
  [
    '招牌',
    'wok',
    [
      {
        spuId: 'duojiao-yutou',
        name: '剁椒鱼头',
        skus: [
          ['duojiao-yutou-l', '大份', 8800],
          ['duojiao-yutou-s', '小份', 5800],
        ],
        tags: ['招牌', '辣'],
        allergens: ['鱼类'],
        ingredients: ['鳙鱼头', '剁辣椒', '蒸鱼豉油'],
        caloriesKcal: 680,
        prepTimeSec: 1200,
        description: '湘菜头牌，鲜辣开胃',
      },
      {
        spuId: 'xiaochao-huangniurou',
        name: '小炒黄牛肉',
        skus: [['xiaochao-huangniurou', '', 4800]],
        tags: ['招牌', '辣'],
        optionGroups: [SPICE],
        ingredients: ['黄牛肉', '小米辣', '芹菜'],
        caloriesKcal: 520,
        prepTimeSec: 480,
      },
      {
        spuId: 'maoshi-hongshaorou',
        name: '毛氏红烧肉',
        skus: [['maoshi-hongshaorou', '', 5800]],
        tags: ['招牌'],
        ingredients: ['五花肉', '冰糖', '八角'],
        caloriesKcal: 900,
        prepTimeSec: 600,
      },
      {
        spuId: 'nongjia-xiaochaorou',
        name: '农家小炒肉',
        skus: [['nongjia-xiaochaorou', '', 3800]],
        tags: ['招牌', '辣'],
        optionGroups: [SPICE],
        ingredients: ['前腿肉', '青椒', '豆豉'],
        allergens: ['大豆'],
        caloriesKcal: 610,
        prepTimeSec: 420,
      },
      {
        spuId: 'kouwei-xia',
        name: '口味虾',
        skus: [
          ['kouwei-xia-l', '大份', 12800],
          ['kouwei-xia-s', '小份', 7800],
        ],
        tags: ['招牌', '辣', '新品'],
        optionGroups: [SPICE],
        allergens: ['甲壳类'],
        ingredients: ['小龙虾', '紫苏', '干辣椒'],
        caloriesKcal: 560,
        prepTimeSec: 900,
      },
    ],
  ],
  [
    '热销',
    'wok',
    [
      {
        spuId: 'gongbao-jiding',
        name: '宫保鸡丁',
        skus: [['gongbao-jiding', '', 3200]],
        tags: ['热销'],
        optionGroups: [SPICE],
        allergens: ['花生'],
        ingredients: ['鸡腿肉', '花生', '干辣椒'],
        caloriesKcal: 540,
        prepTimeSec: 360,
      },
      {
        spuId: 'yuxiang-rousi',
        name: '鱼香肉丝',
        skus: [['yuxiang-rousi', '', 2900]],
        tags: ['热销'],
        ingredients: ['里脊', '木耳', '胡萝卜'],
        caloriesKcal: 480,
        prepTimeSec: 360,
      },
      {
        spuId: 'mapo-doufu',
        name: '麻婆豆腐',
        skus: [['mapo-doufu', '', 2200]],
        tags: ['热销', '辣'],
        optionGroups: [SPICE],
        allergens: ['大豆'],
        ingredients: ['嫩豆腐', '牛肉末', '郫县豆瓣'],
        caloriesKcal: 390,
        prepTimeSec: 300,
      },
      {
        spuId: 'huiguo-rou',
        name: '回锅肉',
        skus: [['huiguo-rou', '', 3600]],
        tags: ['热销'],
        allergens: ['大豆'],
        ingredients: ['二刀肉', '蒜苗', '豆瓣酱'],
        caloriesKcal: 720,
        prepTimeSec: 360,
      },
      {
        spuId: 'suancai-yu',
        name: '酸菜鱼',
        skus: [
          ['suancai-yu-l', '大份', 6800],
          ['suancai-yu-s', '小份', 4600],
        ],
        tags: ['热销'],
        optionGroups: [SPICE],
        allergens: ['鱼类'],
        ingredients: ['黑鱼', '酸菜', '泡椒'],
        caloriesKcal: 620,
        prepTimeSec: 720,
      },
    ],
  ],
  [
    '凉菜',
    'cold',
    [
      {
        spuId: 'pai-huanggua',
        name: '拍黄瓜',
        skus: [['pai-huanggua', '', 1200]],
        ingredients: ['黄瓜', '蒜', '香醋'],
        caloriesKcal: 80,
        prepTimeSec: 120,
      },
      {
        spuId: 'fuqi-feipian',
        name: '夫妻肺片',
        skus: [['fuqi-feipian', '', 3200]],
        tags: ['辣'],
        allergens: ['花生', '芝麻'],
        ingredients: ['牛肉', '牛杂', '红油'],
        caloriesKcal: 430,
        prepTimeSec: 180,
      },
      {
        spuId: 'koushui-ji',
        name: '口水鸡',
        skus: [
          ['koushui-ji-l', '大份', 4200],
          ['koushui-ji-s', '小份', 2800],
        ],
        tags: ['辣'],
        allergens: ['花生', '芝麻'],
        ingredients: ['三黄鸡', '红油', '花椒'],
        caloriesKcal: 510,
        prepTimeSec: 180,
      },
      {
        spuId: 'liangban-muer',
        name: '凉拌木耳',
        skus: [['liangban-muer', '', 1600]],
        ingredients: ['黑木耳', '小米辣', '香醋'],
        caloriesKcal: 90,
        prepTimeSec: 120,
      },
      {
        spuId: 'pidan-doufu',
        name: '皮蛋豆腐',
        skus: [['pidan-doufu', '', 1500]],
        allergens: ['鸡蛋', '大豆'],
        ingredients: ['皮蛋', '内酯豆腐', '葱'],
        caloriesKcal: 210,
        prepTimeSec: 120,
      },
      {
        spuId: 'laocu-huasheng',
        name: '老醋花生',
        skus: [['laocu-huasheng', '', 1400]],
        allergens: ['花生'],
        ingredients: ['花生', '陈醋', '洋葱'],
        caloriesKcal: 380,
        prepTimeSec: 90,
      },
      {
        spuId: 'suanni-bairou',
        name: '蒜泥白肉',
        skus: [['suanni-bairou', '', 2800]],
        ingredients: ['五花肉', '蒜泥', '复制酱油'],
        caloriesKcal: 560,
        prepTimeSec: 180,
      },
    ],
  ],
  [
    '热菜',
    'wok',
    [
      {
        spuId: 'ganbian-sijidou',
        name: '干煸四季豆',
        skus: [['ganbian-sijidou', '', 2400]],
        ingredients: ['四季豆', '肉末', '芽菜'],
        caloriesKcal: 330,
        prepTimeSec: 360,
      },
      {
        spuId: 'di-sanxian',
        name: '地三鲜',
        skus: [['di-sanxian', '', 2200]],
        ingredients: ['茄子', '土豆', '青椒'],
        caloriesKcal: 410,
        prepTimeSec: 360,
      },
      {
        spuId: 'fanqie-chaodan',
        name: '番茄炒蛋',
        skus: [['fanqie-chaodan', '', 1900]],
        allergens: ['鸡蛋'],
        ingredients: ['番茄', '鸡蛋'],
        caloriesKcal: 290,
        prepTimeSec: 240,
      },
      {
        spuId: 'shousi-baocai',
        name: '手撕包菜',
        skus: [['shousi-baocai', '', 1800]],
        ingredients: ['包菜', '干辣椒', '香醋'],
        caloriesKcal: 150,
        prepTimeSec: 240,
      },
      {
        spuId: 'shuizhu-niurou',
        name: '水煮牛肉',
        skus: [['shuizhu-niurou', '', 5200]],
        tags: ['辣'],
        optionGroups: [SPICE],
        ingredients: ['牛里脊', '豆芽', '花椒'],
        caloriesKcal: 680,
        prepTimeSec: 600,
      },
      {
        spuId: 'tangcu-liji',
        name: '糖醋里脊',
        skus: [['tangcu-liji', '', 3600]],
        allergens: ['麸质', '鸡蛋'],
        ingredients: ['里脊', '番茄酱', '白醋'],
        caloriesKcal: 620,
        prepTimeSec: 420,
      },
      {
        spuId: 'kele-jichi',
        name: '可乐鸡翅',
        skus: [['kele-jichi', '', 3400]],
        ingredients: ['鸡中翅', '可乐', '姜'],
        caloriesKcal: 580,
        prepTimeSec: 900,
      },
      {
        spuId: 'suanrong-xilanhua',
        name: '蒜蓉西兰花',
        skus: [['suanrong-xilanhua', '', 2200]],
        ingredients: ['西兰花', '蒜蓉'],
        caloriesKcal: 120,
        prepTimeSec: 240,
      },
      {
        spuId: 'lazi-ji',
        name: '辣子鸡',
        skus: [['lazi-ji', '', 4200]],
        tags: ['辣'],
        allergens: ['芝麻'],
        ingredients: ['鸡腿', '干辣椒', '花椒'],
        caloriesKcal: 760,
        prepTimeSec: 600,
      },
    ],
  ],
  [
    '主食',
    'staple',
    [
      {
        spuId: 'mifan',
        name: '米饭',
        skus: [
          ['mifan-l', '大碗', 300],
          ['mifan-s', '小碗', 200],
        ],
        ingredients: ['东北大米'],
        caloriesKcal: 230,
        prepTimeSec: 30,
        sort: -1,
      },
      {
        spuId: 'yangzhou-chaofan',
        name: '扬州炒饭',
        skus: [['yangzhou-chaofan', '', 2200]],
        allergens: ['鸡蛋', '甲壳类'],
        ingredients: ['米饭', '鸡蛋', '虾仁', '火腿'],
        caloriesKcal: 650,
        prepTimeSec: 300,
      },
      {
        spuId: 'congyou-banmian',
        name: '葱油拌面',
        skus: [['congyou-banmian', '', 1600]],
        optionGroups: [NOODLE_EXTRA],
        allergens: ['麸质', '大豆'],
        ingredients: ['碱水面', '小葱', '酱油'],
        caloriesKcal: 540,
        prepTimeSec: 240,
      },
      {
        spuId: 'niurou-mian',
        name: '红烧牛肉面',
        skus: [
          ['niurou-mian-l', '大碗', 2800],
          ['niurou-mian-s', '小碗', 2200],
        ],
        optionGroups: [SPICE, NOODLE_EXTRA],
        allergens: ['麸质'],
        ingredients: ['拉面', '牛腱', '牛骨汤'],
        caloriesKcal: 690,
        prepTimeSec: 420,
      },
      {
        spuId: 'xiaolongbao',
        name: '鲜肉小笼包',
        skus: [['xiaolongbao', '8只', 1800]],
        allergens: ['麸质'],
        ingredients: ['猪肉', '面粉', '皮冻'],
        caloriesKcal: 480,
        prepTimeSec: 600,
      },
      {
        spuId: 'jiucai-hezi',
        name: '韭菜盒子',
        skus: [['jiucai-hezi', '2个', 1200]],
        allergens: ['麸质', '鸡蛋'],
        ingredients: ['韭菜', '鸡蛋', '粉丝'],
        caloriesKcal: 420,
        prepTimeSec: 360,
      },
      {
        spuId: 'doujiang-youtiao',
        name: '豆浆油条',
        skus: [['doujiang-youtiao', '', 800]],
        tags: ['早餐'],
        allergens: ['麸质', '大豆'],
        ingredients: ['黄豆', '面粉'],
        caloriesKcal: 450,
        prepTimeSec: 60,
        windows: [{ from: '07:00', to: '10:30' }],
      },
    ],
  ],
  [
    '汤',
    'soup',
    [
      {
        spuId: 'xihongshi-jidan-tang',
        name: '西红柿鸡蛋汤',
        skus: [['xihongshi-jidan-tang', '', 1600]],
        allergens: ['鸡蛋'],
        ingredients: ['番茄', '鸡蛋'],
        caloriesKcal: 150,
        prepTimeSec: 240,
      },
      {
        spuId: 'suanla-tang',
        name: '酸辣汤',
        skus: [['suanla-tang', '', 1800]],
        tags: ['辣'],
        allergens: ['鸡蛋', '大豆'],
        ingredients: ['豆腐', '木耳', '胡椒'],
        caloriesKcal: 170,
        prepTimeSec: 300,
      },
      {
        spuId: 'yumi-paigu-tang',
        name: '玉米排骨汤',
        skus: [
          ['yumi-paigu-tang-l', '大份', 4200],
          ['yumi-paigu-tang-s', '小份', 2600],
        ],
        ingredients: ['排骨', '甜玉米', '胡萝卜'],
        caloriesKcal: 420,
        prepTimeSec: 300,
      },
      {
        spuId: 'zicai-danhua-tang',
        name: '紫菜蛋花汤',
        skus: [['zicai-danhua-tang', '', 1200]],
        allergens: ['鸡蛋'],
        ingredients: ['紫菜', '鸡蛋', '虾皮'],
        caloriesKcal: 90,
        prepTimeSec: 180,
      },
    ],
  ],
  [
    '饮品',
    'bar',
    [
      {
        spuId: 'suanmei-tang',
        name: '酸梅汤',
        skus: [
          ['suanmei-tang-l', '大杯', 1200],
          ['suanmei-tang-s', '小杯', 800],
        ],
        optionGroups: [ICE],
        tags: ['热销'],
        ingredients: ['乌梅', '山楂', '冰糖'],
        caloriesKcal: 120,
        prepTimeSec: 30,
      },
      {
        spuId: 'ningmeng-cha',
        name: '手打柠檬茶',
        skus: [['ningmeng-cha', '', 1500]],
        optionGroups: [ICE, SWEET],
        ingredients: ['香水柠檬', '红茶'],
        caloriesKcal: 140,
        prepTimeSec: 120,
      },
      {
        spuId: 'kekou-kele',
        name: '可口可乐',
        skus: [['kekou-kele', '330ml', 600]],
        caloriesKcal: 140,
        prepTimeSec: 10,
      },
      { spuId: 'wanglaoji', name: '王老吉', skus: [['wanglaoji', '310ml', 700]], caloriesKcal: 110, prepTimeSec: 10 },
      {
        spuId: 'xianzha-chengzhi',
        name: '鲜榨橙汁',
        skus: [['xianzha-chengzhi', '', 1800]],
        optionGroups: [ICE],
        ingredients: ['脐橙'],
        caloriesKcal: 160,
        prepTimeSec: 180,
      },
      {
        spuId: 'qingdao-pijiu',
        name: '青岛啤酒',
        skus: [['qingdao-pijiu', '500ml', 1000]],
        allergens: ['麸质'],
        channels: ['dine_in', 'takeaway'],
        caloriesKcal: 210,
        prepTimeSec: 10,
      },
    ],
  ],
  [
    '套餐',
    'wok',
    [
      {
        spuId: 'gongbao-set',
        name: '宫保鸡丁单人套餐',
        skus: [['gongbao-set', '含米饭例汤', 3800]],
        tags: ['热销'],
        optionGroups: [SPICE, RICE_PORTION],
        allergens: ['花生'],
        ingredients: ['宫保鸡丁', '米饭', '例汤'],
        caloriesKcal: 850,
        prepTimeSec: 420,
      },
      {
        spuId: 'hongshaorou-set',
        name: '红烧肉双人套餐',
        skus: [['hongshaorou-set', '2人份', 9800]],
        ingredients: ['毛氏红烧肉', '时蔬', '米饭×2', '汤'],
        caloriesKcal: 1800,
        prepTimeSec: 720,
      },
      {
        spuId: 'weekday-lunch-set',
        name: '工作日午市套餐',
        skus: [['weekday-lunch-set', '一荤一素', 3200]],
        tags: ['新品'],
        optionGroups: [RICE_PORTION],
        ingredients: ['当日荤菜', '当日素菜', '米饭'],
        caloriesKcal: 900,
        prepTimeSec: 300,
        windows: [{ days: [1, 2, 3, 4, 5], from: '11:00', to: '14:00' }],
      },
    ],
  ],
  [
    '预制菜零售',
    'pack',
    [
      {
        spuId: 'meicai-kourou-r',
        name: '梅菜扣肉（预制）',
        skus: [['meicai-kourou-r', '400g', 3900]],
        channels: ['retail', 'takeaway', 'delivery'],
        ingredients: ['五花肉', '梅干菜'],
        caloriesKcal: 1200,
        prepTimeSec: 60,
        packagingFeeFen: 0,
      },
      {
        spuId: 'fotiaoqiang-r',
        name: '佛跳墙（预制）',
        skus: [
          ['fotiaoqiang-r-l', '家庭装', 19800],
          ['fotiaoqiang-r-s', '单人装', 6800],
        ],
        channels: ['retail', 'takeaway', 'delivery'],
        allergens: ['甲壳类', '鱼类'],
        ingredients: ['鲍鱼', '海参', '花胶'],
        caloriesKcal: 800,
        prepTimeSec: 60,
        tags: ['新品'],
      },
      {
        spuId: 'shizitou-r',
        name: '红烧狮子头（预制）',
        skus: [['shizitou-r', '4只装', 4500]],
        channels: ['retail', 'takeaway', 'delivery'],
        allergens: ['麸质', '大豆'],
        ingredients: ['猪肉', '荸荠'],
        caloriesKcal: 1100,
        prepTimeSec: 60,
      },
      {
        spuId: 'suancaiyu-kit-r',
        name: '酸菜鱼料理包',
        skus: [['suancaiyu-kit-r', '2-3人份', 2900]],
        channels: ['retail', 'takeaway', 'delivery'],
        allergens: ['鱼类'],
        ingredients: ['巴沙鱼片', '酸菜', '调料包'],
        caloriesKcal: 700,
        prepTimeSec: 60,
      },
      {
        spuId: 'shuijiao-r',
        name: '手工水饺·猪肉白菜',
        skus: [['shuijiao-r', '500g', 3200]],
        channels: ['retail', 'takeaway', 'delivery'],
        allergens: ['麸质'],
        ingredients: ['猪肉', '白菜', '面粉'],
        caloriesKcal: 1000,
        prepTimeSec: 60,
      },
    ],
  ],
];

/** The chain's template menu (the `catalog` of store `000`). */
export function chainTemplate(version = 'demo-1'): CatalogDoc {
  const spus: SpuInput[] = [];
  for (const [category, station, dishes] of MENU) {
    dishes.forEach((d, i) => {
      const { skus, station: own, ...rest } = d;
      const retail = category === '预制菜零售';
      spus.push({
        sort: i,
        images: img(d.spuId),
        packagingFeeFen: retail ? 0 : station === 'bar' ? 50 : 100,
        ...rest,
        category,
        station: own ?? station,
        skus: skus.map(([skuId, spec, priceFen]) => ({
          skuId,
          spec,
          priceFen,
          costFen: Math.round(priceFen * (retail ? 0.55 : 0.35)),
        })),
      });
    });
  }
  const input: CatalogDocInput = {
    version,
    categories: MENU.map(([c]) => c),
    fees: { deliveryFeeFen: 500, freeDeliveryOverFen: 8800 },
    spus,
  };
  return CatalogDocSchema.parse(input);
}

const CITIES: [string, string[]][] = [
  ['长沙', ['五一广场', '梅溪湖', 'IFS', '河西大学城']],
  ['北京', ['望京', '国贸', '中关村', '五道口']],
  ['上海', ['徐家汇', '陆家嘴', '静安寺', '五角场']],
  ['深圳', ['科技园', '福田CBD', '海岸城', '华强北']],
  ['广州', ['天河城', '珠江新城', '北京路']],
  ['成都', ['春熙路', '高新区', '宽窄巷子']],
  ['杭州', ['西湖银泰', '滨江', '未来科技城']],
  ['武汉', ['光谷', '楚河汉街']],
];
const AREAS = ['大厅', '包间', '二楼', '露台', '靠窗区'];
const AREA_LETTERS = ['A', 'B', 'C', 'D', 'E'];

export interface DemoTable {
  /** The table actor id: 13 digits. */
  readonly tableId: string;
  /** As printed under the QR code: SSS-AAAA-TTTTT-C. */
  readonly code: string;
  readonly area: string;
  readonly config: TableConfig;
}

export interface DemoStore {
  readonly storeId: string;
  readonly settings: StoreSettings;
  readonly tables: readonly DemoTable[];
  /** Opening stock per SKU id. */
  readonly stock: Readonly<Record<string, number>>;
  /** Store prices that differ from the template. */
  readonly prices: Readonly<Record<string, number>>;
}

export interface DemoData {
  readonly seed: number;
  readonly template: CatalogDoc;
  readonly stores: readonly DemoStore[];
}

export interface DemoOptions {
  readonly stores?: number;
  readonly seed?: number;
  /** Real opening hours (10:00–22:00, some stores from 07:00). Off by default so a bench at night still finds stores open. */
  readonly openingHours?: boolean;
  readonly paymentTimeoutMs?: number;
}

export function generateDemoData(opts: DemoOptions = {}): DemoData {
  const n = opts.stores ?? DEFAULT_DEMO_STORES;
  if (!Number.isInteger(n) || n < 1 || n > 999) throw new RangeError(`stores must be 1–999, got ${n}`);
  const seed = opts.seed ?? DEFAULT_DEMO_SEED;
  const rnd = seededRandom(seed);
  const between = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  const template = chainTemplate();
  const branches = CITIES.flatMap(([city, places]) => places.map((p) => `${city}${p}店`));

  const stores: DemoStore[] = [];
  for (let k = 1; k <= n; k++) {
    const storeId = String(k).padStart(3, '0');
    const name =
      k <= branches.length
        ? branches[k - 1]!
        : `${branches[(k - 1) % branches.length]!}${Math.floor((k - 1) / branches.length) + 1}号`;
    const breakfast = rnd() < 0.3;
    const settings: StoreSettings = {
      name: `湘川小馆·${name}`,
      hours: opts.openingHours === true ? [{ from: breakfast ? '07:00' : '10:00', to: '22:00' }] : [],
      tzOffsetMin: 480,
      paymentTimeoutMs: opts.paymentTimeoutMs ?? 15 * 60_000,
      busyThresholdTickets: between(30, 60),
    };

    const areaCount = between(2, 4);
    const tableCount = between(30, 60);
    const tables: DemoTable[] = [];
    for (let t = 0; t < tableCount; t++) {
      const a = t % areaCount;
      const perArea = Math.floor(t / areaCount) + 1;
      const code = makeTableCode(storeId, a + 1, perArea);
      const privateRoom = AREAS[a] === '包间';
      tables.push({
        tableId: tableId(code),
        code: formatTableCode(code),
        area: code.area,
        config: {
          label: `${AREA_LETTERS[a]!}${String(perArea).padStart(2, '0')}`,
          areaName: AREAS[a]!,
          seats: privateRoom ? [8, 10, 12][between(0, 2)]! : [2, 4, 4, 6][between(0, 3)]!,
        },
      });
    }

    const stock: Record<string, number> = {};
    for (const spu of template.spus) {
      for (const sku of spu.skus) {
        const base =
          spu.category === '招牌'
            ? between(20, 60)
            : spu.category === '预制菜零售'
              ? between(10, 40)
              : spu.category === '饮品'
                ? between(120, 300)
                : spu.spuId === 'mifan'
                  ? 600
                  : between(40, 120);
        stock[sku.skuId] = rnd() < 0.03 ? 0 : base;
      }
    }

    const prices: Record<string, number> = {};
    const skus = template.spus.flatMap((spu) => spu.skus.map((sku) => ({ spu, sku })));
    const priceOf = (skuId: string, template: number): number => prices[skuId] ?? template;
    const changes = between(0, 3);
    for (let i = 0; i < changes; i++) {
      const { spu, sku } = skus[between(0, skus.length - 1)]!;
      const delta = between(-3, 5) * 100;
      const price = Math.max(100, priceOf(sku.skuId, sku.priceFen) + delta);
      // A dish's sizes keep their order (小碗 never dearer than 大碗): a change that would
      // cross a sibling moves the whole dish by the same amount, the cheapest size staying ≥ ¥1.
      const crosses = spu.skus.some((o) => {
        if (o === sku) return false;
        const before = Math.sign(o.priceFen - sku.priceFen);
        return Math.sign(priceOf(o.skuId, o.priceFen) - price) !== before;
      });
      if (!crosses) {
        prices[sku.skuId] = price;
        continue;
      }
      const cheapest = Math.min(...spu.skus.map((o) => priceOf(o.skuId, o.priceFen)));
      const shift = Math.max(delta, 100 - cheapest);
      for (const o of spu.skus) prices[o.skuId] = priceOf(o.skuId, o.priceFen) + shift;
    }
    stores.push({ storeId, settings, tables, stock, prices });
  }
  return { seed, template, stores };
}

export interface SetupCommand {
  readonly ref: ActorRef;
  readonly command: StoreCommand | CatalogCommand | StockCommand | TableCommand;
  /** Stable command id: running the setup twice changes nothing. */
  readonly id: string;
}

/**
 * The commands that load demo data into an engine, in order: the chain
 * template into store 000's catalog, then per store its settings, opening,
 * template and prices, tables and stock. Send them in this order, one after
 * another: a store opens only once it is configured. Each carries a stable
 * command id, so sending them twice changes nothing.
 */
export function demoSetupCommands(data: DemoData, at: number): SetupCommand[] {
  const out: SetupCommand[] = [
    {
      ref: catalogRef(CHAIN_STORE_ID),
      command: { type: 'import', catalog: data.template, at },
      id: `setup:template:${data.template.version}`,
    },
  ];
  for (const s of data.stores) {
    out.push({
      ref: storeRef(s.storeId),
      command: { type: 'configure', settings: s.settings, at },
      id: `setup:store:${s.storeId}`,
    });
    out.push({ ref: storeRef(s.storeId), command: { type: 'open', at }, id: `setup:open:${s.storeId}` });
    out.push({
      ref: catalogRef(s.storeId),
      command: { type: 'setTemplate', template: data.template, at },
      id: `setup:template:${s.storeId}:${data.template.version}`,
    });
    for (const [skuId, priceFen] of Object.entries(s.prices)) {
      out.push({
        ref: catalogRef(s.storeId),
        command: { type: 'setPrice', skuId, priceFen, at },
        id: `setup:price:${s.storeId}:${skuId}`,
      });
    }
    for (const t of s.tables) {
      out.push({
        ref: tableRef(s.storeId, t.tableId),
        command: { type: 'configure', config: t.config, at },
        id: `setup:table:${t.tableId}`,
      });
    }
    for (const [skuId, available] of Object.entries(s.stock)) {
      out.push({
        ref: stockRef(s.storeId, skuId),
        command: { type: 'set', available, reason: 'opening stock', at },
        id: `setup:stock:${s.storeId}:${skuId}`,
      });
    }
  }
  return out;
}
