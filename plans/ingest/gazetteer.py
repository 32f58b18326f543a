"""Place names that tie a text to a province-level region: provinces, prefecture-level cities, well-known local names.

Used to infer the region of a plan whose header never names it (a 市科委 plan names only its own districts and
landmarks). Names are written without their suffix (市/州/盟/地区); a few city names are also everyday words
(安康, 来宾, 白银, 大同, 中山 ...) and only count with their suffix 市.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

# region short name -> prefecture-level cities (and, for the 直辖市, districts), then local names.
CITIES: dict[str, str] = {
    "北京": "东城 西城 朝阳区 海淀 丰台 石景山 门头沟 房山 顺义 昌平 大兴区 怀柔 平谷 密云 延庆 中关村 亦庄 首钢",
    "天津": "滨海新区 和平区 河东区 河西区 南开区 河北区 红桥区 东丽 西青 津南 北辰 武清 宝坻 宁河 静海 蓟州 蓟县 塘沽 汉沽 大港 海河 泰达 于家堡 东疆 华苑 北方经济中心",
    "河北": "石家庄 唐山 秦皇岛 邯郸 邢台 保定 张家口 承德 沧州 廊坊 衡水 雄安 曹妃甸 燕赵",
    "山西": "太原 大同市 阳泉 长治市 晋城 朔州 晋中 运城 忻州 临汾 吕梁 三晋",
    "内蒙古": "呼和浩特 包头 乌海 赤峰 通辽 鄂尔多斯 呼伦贝尔 巴彦淖尔 乌兰察布 兴安盟 锡林郭勒 阿拉善 满洲里 二连浩特",
    "辽宁": "沈阳 大连 鞍山 抚顺 本溪 丹东 锦州 营口 阜新 辽阳 盘锦 铁岭 朝阳市 葫芦岛 辽宁沿海",
    "吉林": "长春 吉林市 四平 辽源 通化 白山市 松原 白城 延边 长吉图 查干湖",
    "黑龙江": "哈尔滨 齐齐哈尔 鸡西 鹤岗 双鸭山 大庆 伊春 佳木斯 七台河 牡丹江 黑河 绥化 大兴安岭 绥芬河 龙江 北大荒",
    "上海": "浦东 黄浦 徐汇 长宁 静安 虹口 杨浦 闵行 宝山 嘉定 松江 青浦 奉贤 崇明 张江 虹桥 申城",
    "江苏": "南京 无锡 徐州 常州 苏州 南通 连云港 淮安 盐城 扬州 镇江 泰州 宿迁 苏南 苏北 苏中",
    "浙江": "杭州 宁波 温州 嘉兴 湖州 绍兴 金华 衢州 舟山 台州 丽水 义乌 之江",
    "安徽": "合肥 芜湖 蚌埠 淮南 马鞍山 淮北 铜陵 安庆 黄山市 滁州 阜阳 宿州 六安 亳州 池州 宣城 皖江 皖北",
    "福建": "福州 厦门 莆田 三明 泉州 漳州 南平 龙岩 宁德 平潭 海西 海峡西岸 八闽",
    "江西": "南昌 景德镇 萍乡 九江 新余 鹰潭 赣州 吉安市 宜春 抚州 上饶 鄱阳湖 赣江 赣南 原中央苏区",
    "山东": "济南 青岛 淄博 枣庄 东营 烟台 潍坊 济宁 泰安 威海 日照 临沂 德州 聊城 滨州 菏泽 莱芜 齐鲁 黄河三角洲 半岛蓝色经济",
    "河南": "郑州 开封 洛阳 平顶山 安阳 鹤壁 焦作 濮阳 新乡市 许昌 漯河 三门峡 南阳 商丘 信阳 周口 驻马店 济源 中原经济区 中原城市群",
    "湖北": "武汉 黄石 十堰 宜昌 襄阳 襄樊 鄂州 荆门 孝感 荆州 黄冈 咸宁 随州 恩施 仙桃 潜江 神农架 光谷 荆楚",
    "湖南": "长沙 株洲 湘潭 衡阳 邵阳 岳阳 常德 张家界 益阳 郴州 永州 怀化 娄底 湘西 长株潭 洞庭湖 三湘 湖湘",
    "广东": "广州 韶关 深圳 珠海 汕头 佛山 江门 湛江 茂名 肇庆 惠州 梅州 汕尾 河源 阳江 清远 东莞 中山市 潮州 揭阳 云浮 珠三角 粤东 粤西 粤北 前海 南沙 横琴",
    "广西": "南宁 柳州 桂林 梧州 北海市 防城港 钦州 贵港 玉林 百色 贺州 河池 来宾市 崇左 北部湾 八桂",
    "海南": "海口 三亚 三沙 儋州 洋浦 博鳌 琼海 文昌 万宁 国际旅游岛",
    "重庆": "渝中 万州 涪陵 大渡口 江北区 沙坪坝 九龙坡 南岸区 北碚 渝北 巴南 江津 合川 永川 綦江 黔江 两江新区 渝东北 渝东南",
    "四川": "成都 自贡 攀枝花 泸州 德阳 绵阳 广元 遂宁 内江 乐山 南充 眉山 宜宾 广安 达州 雅安 巴中 资阳 阿坝 甘孜 凉山 天府",
    "贵州": "贵阳 六盘水 遵义 安顺 毕节 铜仁 黔西南 黔东南 黔南 贵安新区 多彩贵州",
    "云南": "昆明 曲靖 玉溪 保山 昭通 丽江 大理州 文山州 普洱市 临沧 楚雄 红河州 西双版纳 德宏 怒江 迪庆 滇中 七彩云南",
    "西藏": "拉萨 日喀则 昌都 林芝 那曲 阿里地区 雪域",
    "陕西": "西安 铜川 宝鸡 咸阳 渭南 延安市 汉中 榆林 安康市 商洛 杨凌 关中 陕北 陕南 三秦 西咸新区",
    "甘肃": "兰州 嘉峪关 金昌 白银市 天水 武威 张掖 平凉 酒泉 庆阳 定西 陇南 临夏 甘南 河西走廊 陇东 陇原",
    "青海": "西宁 海东 海北州 黄南 海南州 玉树州 果洛 海西州 柴达木 三江源 青海湖 格尔木",
    "宁夏": "银川 石嘴山 吴忠 固原 中卫 宁东 塞上",
    "新疆": "乌鲁木齐 克拉玛依 吐鲁番 哈密 昌吉 博尔塔拉 巴音郭楞 阿克苏 克孜勒苏 喀什 和田 伊犁 塔城 阿勒泰 石河子 兵团 天山",
    "台湾": "台北 高雄 台中 台南",
    "香港": "九龙 新界",
    "澳门": "氹仔",
}

# The province names themselves, with and without their suffix.
PROVINCE_NAMES: dict[str, tuple[str, ...]] = {
    "北京": ("北京市", "北京"),
    "天津": ("天津市", "天津"),
    "河北": ("河北省", "河北"),
    "山西": ("山西省", "山西"),
    "内蒙古": ("内蒙古自治区", "内蒙古"),
    "辽宁": ("辽宁省", "辽宁"),
    "吉林": ("吉林省", "吉林"),
    "黑龙江": ("黑龙江省", "黑龙江"),
    "上海": ("上海市", "上海"),
    "江苏": ("江苏省", "江苏"),
    "浙江": ("浙江省", "浙江"),
    "安徽": ("安徽省", "安徽"),
    "福建": ("福建省", "福建"),
    "江西": ("江西省", "江西"),
    "山东": ("山东省", "山东"),
    "河南": ("河南省", "河南"),
    "湖北": ("湖北省", "湖北"),
    "湖南": ("湖南省", "湖南"),
    "广东": ("广东省", "广东"),
    "广西": ("广西壮族自治区", "广西"),
    "海南": ("海南省", "海南"),
    "重庆": ("重庆市", "重庆"),
    "四川": ("四川省", "四川"),
    "贵州": ("贵州省", "贵州"),
    "云南": ("云南省", "云南"),
    "西藏": ("西藏自治区", "西藏"),
    "陕西": ("陕西省", "陕西"),
    "甘肃": ("甘肃省", "甘肃"),
    "青海": ("青海省", "青海"),
    "宁夏": ("宁夏回族自治区", "宁夏"),
    "新疆": ("新疆维吾尔自治区", "新疆"),
    "台湾": ("台湾省", "台湾"),
    "香港": ("香港特别行政区", "香港"),
    "澳门": ("澳门特别行政区", "澳门"),
}
MUNICIPALITIES = frozenset({"北京", "天津", "上海", "重庆"})


@dataclass(frozen=True)
class PlaceMention:
    """One place name found in a text: the region it belongs to, whether it is a city, and where."""

    name: str
    region: str
    is_city: bool
    start: int


@cache
def _names() -> dict[str, tuple[str, bool]]:
    names: dict[str, tuple[str, bool]] = {}
    for region, listed in CITIES.items():
        for name in listed.split():
            names[name] = (region, region not in MUNICIPALITIES)
    for region, spellings in PROVINCE_NAMES.items():
        for name in spellings:
            names[name] = (region, False)
    return names


@cache
def _pattern() -> re.Pattern[str]:
    # Longest names first, so "河北区" (a district of 天津) wins over "河北" and "海南州" over "海南".
    ordered = sorted(_names(), key=len, reverse=True)
    return re.compile("|".join(re.escape(name) for name in ordered))


def find_places(text: str) -> list[PlaceMention]:
    """Every place name in `text`, leftmost-longest, without overlaps."""
    names = _names()
    return [
        PlaceMention(match.group(), *names[match.group()], match.start())
        for match in _pattern().finditer(text)
    ]


def region_of_city(city: str) -> str | None:
    """The region a city name (without suffix) belongs to, if it is in the gazetteer."""
    entry = _names().get(city) or _names().get(city + "市")
    return entry[0] if entry else None
