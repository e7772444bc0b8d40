// Chinese labels of stations and statuses, one source for the staff screens (/screens/labels.js)
// and the merchant console (/console/labels.js, the same file served there).

export const STATIONS = { wok: '炒锅', cold: '凉菜', staple: '主食', soup: '汤品', bar: '饮品', pack: '打包' };

export const TABLE_STATUS = {
  free: '空闲',
  seated: '已入座',
  ordering: '点餐中',
  awaiting_payment: '待支付',
  cleaning: '待清台',
  merged: '已并台',
};

export const ORDER_STATUS = {
  pending_payment: '待支付',
  paid: '待接单',
  accepted: '已接单',
  sent_to_kitchen: '制作中',
  cooking: '制作中',
  ready: '待上菜',
  served: '已上菜',
  completed: '已完成',
  reviewed: '已评价',
  cancelled: '已取消',
  refund_requested: '退款申请',
  refunded: '已退款',
};

export const STORE_STATUS = { open: '营业中', busy: '繁忙', closed: '已打烊', outside_hours: '非营业时间' };
