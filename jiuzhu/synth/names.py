"""Word lists for synthetic names: people (Chinese surnames by frequency, given-name characters) and
places (townships, villages, communities), with the pinyin of every place word so that English names can
be written without a pinyin library at run time.

Everything here is plain data plus two tiny helpers; the generator indexes these lists with numpy.
"""
from __future__ import annotations

from itertools import product

# The 100 commonest surnames in the order of the Ministry of Public Security's published ranking
# (《二〇二〇年全国姓名报告》, household-registration data), with approximate shares of the population in
# per cent. The top 20 are rounded from the published counts; below them the report gives only the
# order, so the shares are a smooth interpolation (about 0.95 % at rank 21 down to 0.2 % at rank 100).
# The top 100 cover about 85 % of people; the generator draws only from them (renormalised).
_TOP20 = [
    ("王", 7.1), ("李", 7.0), ("张", 6.6), ("刘", 5.2), ("陈", 4.6), ("杨", 3.3), ("黄", 2.4), ("赵", 2.1),
    ("吴", 2.0), ("周", 1.9), ("徐", 1.5), ("孙", 1.4), ("马", 1.4), ("朱", 1.3), ("胡", 1.2), ("郭", 1.1),
    ("何", 1.1), ("林", 1.0), ("高", 1.0), ("罗", 1.0),
]
_RANKS_21_100 = (
    "郑梁谢宋唐许韩邓冯曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱"
    "侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常"
)
SURNAMES: list[str] = [s for s, _ in _TOP20] + list(_RANKS_21_100)
SURNAME_WEIGHTS: list[float] = [w for _, w in _TOP20] + [
    0.95 - (0.75 * i / (len(_RANKS_21_100) - 1)) for i in range(len(_RANKS_21_100))
]
assert len(SURNAMES) == 100 and len(set(SURNAMES)) == 100

# Given-name characters. Names follow fashions: people born before about 1980 carry the names of their
# era (建国, 秀英, 桂兰), younger people those of theirs (浩宇, 子涵, 欣怡).
GIVEN_MALE_OLDER = list("建国军民华明伟强文志德福成林海平刚勇贵富学生春祥斌忠宝发荣才义山金玉永庆广长新")
GIVEN_MALE_YOUNGER = list("浩宇轩子博俊杰晨睿一航泽铭鑫磊鹏飞涛昊然阳凯辰瑞嘉楠锐天恒宸逸诚豪旭")
GIVEN_FEMALE_OLDER = list("秀英桂兰玉芳珍凤琴梅香红霞云华丽萍淑荣翠春娥花菊莲素敏艳燕秋月爱芬")
GIVEN_FEMALE_YOUNGER = list("欣怡雨涵梓萱诗琪婷雪静佳悦思可馨妍彤琳瑶晨一紫晴语梦雅安若")

# Mobile number prefixes of the three operators' classic ranges (13x, 15x, 18x); 154 was never issued.
MOBILE_PREFIXES = [f"13{d}" for d in range(10)] + [f"15{d}" for d in range(10) if d != 4] + [
    f"18{d}" for d in range(10)
]

# Serious illnesses that local rules commonly recognise for medical assistance and individual dibao.
SERIOUS_ILLNESSES = [
    "恶性肿瘤", "尿毒症", "白血病", "重性精神病", "脑卒中后遗症", "重症心脏病", "器官移植术后",
    "再生障碍性贫血", "系统性红斑狼疮", "血友病", "慢性肾衰竭", "肝硬化失代偿期",
]

# ---------------------------------------------------------------------------------------------------------
# Places. Each word is (Chinese, pinyin); a name is a sequence of words plus a kind suffix.
# Only characters with one common reading in place names are used, so the pinyin is unambiguous.
# ---------------------------------------------------------------------------------------------------------
Word = tuple[str, str]

_TOWN_FIRST: list[Word] = [
    ("东", "dong"), ("西", "xi"), ("南", "nan"), ("北", "bei"), ("新", "xin"), ("大", "da"), ("小", "xiao"),
    ("龙", "long"), ("兴", "xing"), ("永", "yong"), ("青", "qing"), ("金", "jin"), ("石", "shi"),
    ("白", "bai"), ("黄", "huang"), ("红", "hong"), ("凤", "feng"), ("云", "yun"), ("清", "qing"),
    ("丰", "feng"), ("富", "fu"), ("太", "tai"), ("安", "an"), ("高", "gao"), ("柳", "liu"), ("杨", "yang"),
    ("双", "shuang"), ("三", "san"), ("马", "ma"), ("古", "gu"), ("陈", "chen"), ("王", "wang"), ("李", "li"),
    ("孟", "meng"), ("郭", "guo"), ("官", "guan"), ("桃", "tao"), ("枣", "zao"), ("银", "yin"), ("宝", "bao"),
    ("福", "fu"), ("万", "wan"), ("仁", "ren"), ("德", "de"), ("广", "guang"), ("明", "ming"), ("光", "guang"),
    ("文", "wen"), ("华", "hua"), ("胜", "sheng"), ("松", "song"), ("梅", "mei"), ("牛", "niu"), ("鹿", "lu"),
]
_TOWN_SECOND: list[Word] = [
    ("关", "guan"), ("泉", "quan"), ("城", "cheng"), ("山", "shan"), ("河", "he"), ("湖", "hu"), ("桥", "qiao"),
    ("集", "ji"), ("店", "dian"), ("口", "kou"), ("岭", "ling"), ("庄", "zhuang"), ("营", "ying"),
    ("阳", "yang"), ("安", "an"), ("平", "ping"), ("源", "yuan"), ("塘", "tang"), ("湾", "wan"),
    ("峰", "feng"), ("林", "lin"), ("坪", "ping"), ("港", "gang"), ("沟", "gou"), ("坡", "po"), ("台", "tai"),
    ("寨", "zhai"), ("屯", "tun"), ("洼", "wa"), ("园", "yuan"), ("宁", "ning"), ("田", "tian"),
    ("水", "shui"), ("楼", "lou"), ("岗", "gang"), ("埠", "bu"), ("滩", "tan"), ("渡", "du"),
]

# Words for urban communities (社区) and road-named subdistricts (…路街道).
_URBAN_WORDS: list[Word] = [
    ("幸福", "xingfu"), ("和平", "heping"), ("建设", "jianshe"), ("文化", "wenhua"), ("光明", "guangming"),
    ("胜利", "shengli"), ("团结", "tuanjie"), ("新华", "xinhua"), ("东风", "dongfeng"), ("红旗", "hongqi"),
    # 朝阳 is read Chaoyang in place names (Beijing's 朝阳区), not Zhaoyang.
    ("朝阳", "chaoyang"), ("春华", "chunhua"), ("花园", "huayuan"), ("阳光", "yangguang"), ("锦绣", "jinxiu"),
    ("育才", "yucai"), ("民主", "minzhu"), ("解放", "jiefang"), ("人民", "renmin"), ("振兴", "zhenxing"),
    ("金桥", "jinqiao"), ("龙山", "longshan"), ("青年", "qingnian"), ("滨河", "binhe"), ("新村", "xincun"),
    ("园林", "yuanlin"), ("泰山", "taishan"), ("长安", "chang'an"), ("兴华", "xinghua"), ("安居", "anju"),
    ("康宁", "kangning"), ("富民", "fumin"), ("明珠", "mingzhu"), ("翠园", "cuiyuan"), ("枫林", "fenglin"),
    ("丽景", "lijing"), ("嘉禾", "jiahe"), ("东城", "dongcheng"), ("西城", "xicheng"), ("南苑", "nanyuan"),
    ("北苑", "beiyuan"), ("新城", "xincheng"), ("五一", "wuyi"), ("工农", "gongnong"), ("友谊", "youyi"),
]
_URBAN_SUFFIXES: list[Word] = [("", ""), ("路", "lu"), ("里", "li"), ("苑", "yuan")]

# Village names: a surname with a settlement word (王家庄, 李洼), a direction before it (东王庄), or an
# auspicious name of the collective era (兴隆, 前进).
_VILLAGE_SURNAMES: list[Word] = [
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
    ("赵", "zhao"), ("孙", "sun"), ("周", "zhou"), ("吴", "wu"), ("马", "ma"), ("郭", "guo"), ("高", "gao"),
    ("徐", "xu"), ("朱", "zhu"), ("胡", "hu"), ("何", "he"), ("宋", "song"), ("韩", "han"), ("冯", "feng"),
    ("孟", "meng"), ("田", "tian"), ("董", "dong"), ("杜", "du"), ("许", "xu"), ("曹", "cao"), ("郑", "zheng"),
    ("崔", "cui"), ("姜", "jiang"), ("于", "yu"), ("魏", "wei"), ("袁", "yuan"), ("程", "cheng"),
    ("贾", "jia"), ("丁", "ding"), ("庞", "pang"), ("侯", "hou"), ("秦", "qin"), ("邢", "xing"), ("牛", "niu"),
]
_VILLAGE_SETTLEMENTS: list[Word] = [
    ("庄", "zhuang"), ("家庄", "jiazhuang"), ("家洼", "jiawa"), ("营", "ying"), ("屯", "tun"), ("寨", "zhai"),
    ("店", "dian"), ("集", "ji"), ("楼", "lou"), ("桥", "qiao"), ("家沟", "jiagou"), ("家岭", "jialing"),
    ("家河", "jiahe"), ("官庄", "guanzhuang"), ("家湾", "jiawan"), ("洼", "wa"),
]
_DIRECTIONS: list[Word] = [
    ("东", "dong"), ("西", "xi"), ("南", "nan"), ("北", "bei"), ("前", "qian"), ("后", "hou"), ("大", "da"),
    ("小", "xiao"), ("上", "shang"), ("下", "xia"), ("中", "zhong"),
]
_AUSPICIOUS: list[Word] = [
    ("兴隆", "xinglong"), ("前进", "qianjin"), ("团结", "tuanjie"), ("和平", "heping"), ("红星", "hongxing"),
    ("光明", "guangming"), ("新立", "xinli"), ("太平", "taiping"), ("永安", "yong'an"), ("丰收", "fengshou"),
    ("五一", "wuyi"), ("友谊", "youyi"), ("胜利", "shengli"), ("双河", "shuanghe"), ("三合", "sanhe"),
    ("石门", "shimen"), ("柳树", "liushu"), ("杨树", "yangshu"), ("枣园", "zaoyuan"), ("桃园", "taoyuan"),
    ("梨园", "liyuan"), ("龙泉", "longquan"), ("青山", "qingshan"), ("金沟", "jingou"), ("新华", "xinhua"),
    ("联合", "lianhe"), ("民主", "minzhu"), ("富民", "fumin"), ("兴旺", "xingwang"), ("永丰", "yongfeng"),
    ("东升", "dongsheng"), ("红光", "hongguang"), ("黄河", "huanghe"), ("白马", "baima"), ("凤凰", "fenghuang"),
]

KIND_SUFFIXES: dict[str, Word] = {
    "subdistrict": ("街道", "Subdistrict"),
    "town": ("镇", "Town"),
    "xiang": ("乡", "Township"),
    "community": ("社区", "Community"),
    "village": ("村", "Village"),
    "county": ("县", "County"),
}


def join_pinyin(syllables: list[str]) -> str:
    """Pinyin words written as one English word, capitalised, with the apostrophe of Xi'an before a
    syllable that starts with a vowel, so that the reading stays unambiguous."""
    out = ""
    for part in syllables:
        if not part:
            continue
        if out and part[0] in "aoe":
            out += "'"
        out += part
    return out[:1].upper() + out[1:]


def _words(parts: list[list[Word]]) -> list[tuple[str, str]]:
    """Every combination of the word lists as (Chinese, pinyin-joined English stem)."""
    result = []
    for combo in product(*parts):
        zh = "".join(w[0] for w in combo)
        result.append((zh, join_pinyin([w[1] for w in combo])))
    return result


# Candidate stems; layouts sample from them without replacement, so names are unique where it matters.
TOWNSHIP_STEMS = [w for w in _words([_TOWN_FIRST, _TOWN_SECOND]) if w[0][0] != w[0][1]]
ROAD_STEMS = [(zh + "路", en + "lu") for zh, en in _words([_URBAN_WORDS])]
COMMUNITY_STEMS = _words([_URBAN_WORDS, _URBAN_SUFFIXES])
VILLAGE_STEMS = (
    _words([_VILLAGE_SURNAMES, _VILLAGE_SETTLEMENTS])
    + _words([_DIRECTIONS, _VILLAGE_SURNAMES, [("庄", "zhuang")]])
    + _words([_AUSPICIOUS])
)
COUNTY_STEMS = TOWNSHIP_STEMS


def place_name(stem: tuple[str, str], kind: str) -> tuple[str, str]:
    """(Chinese name, English name) of a place from its stem and kind, e.g. 龙泉镇 / Longquan Town."""
    zh_suffix, en_suffix = KIND_SUFFIXES[kind]
    return stem[0] + zh_suffix, f"{stem[1]} {en_suffix}"
