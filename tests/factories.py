"""Small, explicit builders for test data: a region tree, users by role, households with members.

All ID numbers are generated valid (GB 11643) with the household's county prefix.
"""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import count

from jiuzhu.core.idnumber import make_id_number
from jiuzhu.core.models import Region
from jiuzhu.core.regions import RegionLevel

_sequence = count(1)


@dataclass
class RegionTree:
    province: Region
    prefecture: Region
    county: Region
    township_a: Region
    township_b: Region
    village_a1: Region
    village_a2: Region
    village_b1: Region


def _region(code: str, name: str, name_en: str, level: RegionLevel, parent: Region | None) -> Region:
    region, _ = Region.objects.get_or_create(
        code=code, defaults={"name": name, "name_en": name_en, "level": level, "parent": parent},
    )
    return region


def make_region_tree() -> RegionTree:
    """Shandong → Zaozhuang → Shizhong district → two townships → villages (real upper codes)."""
    province = _region("370000000000", "山东省", "Shandong Province", RegionLevel.PROVINCE, None)
    prefecture = _region("370400000000", "枣庄市", "Zaozhuang City", RegionLevel.PREFECTURE, province)
    county = _region("370402000000", "市中区", "Shizhong District", RegionLevel.COUNTY, prefecture)
    township_a = _region("370402001000", "中心街道", "Zhongxin Subdistrict", RegionLevel.TOWNSHIP, county)
    township_b = _region("370402002000", "光明路街道", "Guangminglu Subdistrict", RegionLevel.TOWNSHIP, county)
    village_a1 = _region("370402001001", "东风社区", "Dongfeng Community", RegionLevel.VILLAGE, township_a)
    village_a2 = _region("370402001002", "西王庄村", "Xiwangzhuang Village", RegionLevel.VILLAGE, township_a)
    village_b1 = _region("370402002001", "新华社区", "Xinhua Community", RegionLevel.VILLAGE, township_b)
    return RegionTree(province, prefecture, county, township_a, township_b, village_a1, village_a2, village_b1)


def make_user(role: str, region: Region | None, *, username: str | None = None, password: str = "pass-1234",
              is_staff: bool = False, **extra):
    from jiuzhu.accounts.models import User

    username = username or f"{role}-{next(_sequence)}"
    user = User.objects.create_user(
        username=username, password=password, home_region=region, roles=[role], is_staff=is_staff, **extra,
    )
    user.raw_password = password
    return user


def make_id(*, region6: str = "370402", birth_date: date = date(1960, 5, 17), sex: str = "male") -> str:
    """A fresh valid ID number; the sequence's parity carries the sex (odd = male)."""
    n = next(_sequence) % 499
    sequence = n * 2 + (1 if sex == "male" else 0)
    return make_id_number(region6=region6, birth_date=birth_date, sequence=sequence)


def make_household(region: Region, *, members: list[dict] | None = None, hukou: str = "rural",
                   address: str | None = None, tiers: list[dict] | None = None, **fields):
    """A household with its members; the first member is the head.

    Each member dict may give any Person field; name, sex, birth date and ID number get defaults.
    """
    from jiuzhu.registry.models import Household, Person, TierMembership

    members = members or [{}]
    household = Household.objects.create(
        region=region, address=address or f"{region.name}{next(_sequence)}号", hukou=hukou, **fields,
    )
    people = []
    for i, spec in enumerate(members):
        spec = dict(spec)
        sex = spec.pop("sex", "male" if i % 2 == 0 else "female")
        birth_date = spec.pop("birth_date", date(1958 + i, 3, 9))
        incomes = spec.pop("incomes", {})
        person = Person.objects.create(
            household=household,
            id_number=spec.pop("id_number", None) or make_id(region6=region.code[:6], birth_date=birth_date, sex=sex),
            name=spec.pop("name", ["张建国", "李秀英", "张小明", "张小红"][i % 4]),
            sex=sex,
            birth_date=birth_date,
            relation=spec.pop("relation", "head" if i == 0 else "spouse" if i == 1 else "child"),
            hukou=spec.pop("hukou", hukou),
            **spec,
        )
        for kind, amount in incomes.items():
            household.income_items.create(person=person, kind=kind, monthly_amount=Decimal(str(amount)))
        people.append(person)
    household.head = people[0]
    household.save(update_fields=["head"])
    for tier in tiers or []:
        TierMembership.objects.create(household=household, start_date=tier.get("start", date(2024, 1, 1)),
                                      tier=tier["tier"], person=tier.get("person"),
                                      monthly_amount=tier.get("amount"))
    return household
