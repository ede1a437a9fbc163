"""Reference figures the generator places people with: province populations and typical dibao standards.

These are inputs of the synthetic data only. The policy module keeps the real, dated standards as
parameters; the figures here merely make synthetic incomes straddle plausible thresholds.
"""
from __future__ import annotations

# Resident population of the 31 province-level divisions on 1 November 2020.
# Source: 第七次全国人口普查公报（第三号）——地区人口情况, National Bureau of Statistics, 11 May 2021.
# Their sum is 1,409,778,724; the national total of 1,411,778,724 also counts the 2,000,000 active
# servicemen, who are not assigned to a province.
PROVINCE_POPULATION_2020: dict[str, int] = {
    "11": 21_893_095,  # 北京
    "12": 13_866_009,  # 天津
    "13": 74_610_235,  # 河北
    "14": 34_915_616,  # 山西
    "15": 24_049_155,  # 内蒙古
    "21": 42_591_407,  # 辽宁
    "22": 24_073_453,  # 吉林
    "23": 31_850_088,  # 黑龙江
    "31": 24_870_895,  # 上海
    "32": 84_748_016,  # 江苏
    "33": 64_567_588,  # 浙江
    "34": 61_027_171,  # 安徽
    "35": 41_540_086,  # 福建
    "36": 45_188_635,  # 江西
    "37": 101_527_453,  # 山东
    "41": 99_365_519,  # 河南
    "42": 57_752_557,  # 湖北
    "43": 66_444_864,  # 湖南
    "44": 126_012_510,  # 广东
    "45": 50_126_804,  # 广西
    "46": 10_081_232,  # 海南
    "50": 32_054_159,  # 重庆
    "51": 83_674_866,  # 四川
    "52": 38_562_148,  # 贵州
    "53": 47_209_277,  # 云南
    "54": 3_648_100,  # 西藏
    "61": 39_528_999,  # 陕西
    "62": 25_019_831,  # 甘肃
    "63": 5_923_957,  # 青海
    "64": 7_202_654,  # 宁夏
    "65": 25_852_345,  # 新疆
}
PROVINCES_2020_TOTAL = 1_409_778_724
assert sum(PROVINCE_POPULATION_2020.values()) == PROVINCES_2020_TOTAL

# Published dibao standards of the reference regions in ../shared/domain/RULES.md, yuan per person per
# month (urban, rural), keyed by the longest code prefix they apply to. A synthetic county inside one of
# these regions takes its figure exactly, so that the demo county's incomes straddle its real standard.
PUBLISHED_STANDARDS: dict[str, tuple[int, int]] = {
    "3201": (1030, 1030),  # 南京市, 2022-07-01
    "3703": (924, 801),  # 淄博市, 2023
    "3707": (791, 595),  # 潍坊市, 2021-01-01
    "3701": (740, 494),  # 济南市, 2020-04-01
    "3704": (941, 824),  # 枣庄市 (市中区 2025)
    "3702": (995, 784),  # 青岛市
    "4420": (1100, 1100),  # 中山市, 2020
    "21": (775, 630),  # 辽宁省, 2025
}

# Elsewhere: a coarse band by province (urban, rural), within the 500-1100 yuan range typical of 2023-2025
# standards, jittered by up to ±6 % per county. Not any region's published figure.
_BAND_HIGH = (1050, 950)
_BAND_MIDDLE = (820, 660)
_BAND_LOW = (720, 560)
BAND_STANDARDS: dict[str, tuple[int, int]] = {
    **{p: _BAND_HIGH for p in ("11", "12", "31", "32", "33", "35", "44")},
    **{p: _BAND_LOW for p in ("45", "52", "53", "54", "62", "63", "64", "65")},
}


def reference_standard(county_code: str) -> tuple[int, int, bool]:
    """(urban, rural, published) reference dibao standard for a county; `published` is True when the
    figure is a region's published standard rather than a band."""
    for length in (4, 2):
        figures = PUBLISHED_STANDARDS.get(county_code[:length])
        if figures:
            return figures[0], figures[1], True
    urban, rural = BAND_STANDARDS.get(county_code[:2], _BAND_MIDDLE)
    return urban, rural, False
