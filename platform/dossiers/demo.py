"""Lived-in demo data for the hardship-worker dossiers of one tenant.

``seed_dossiers_demo(tenant, admin_user, seed=…, households=300)`` runs in the tenant's schema (the caller switches
the connection) and goes through ``dossiers.services`` as the tenant administrator, so every rule holds (valid and
encrypted ID numbers, consents before health data, eligibility, transitions with reasons, assistance booked in the
fund ledger): the minimum-living standard of this year and last year (unless already set); households with realistic
names, resident ID numbers of Leshan's counties, members of every relation, employers among the tenant's enterprises
(the stations demo creates them) and its stations; every tier and cause; dossiers in every status; assistance of
every kind (cash paid from the union's fund account when there is one — topped up by an upper-union allocation
first — and help in kind); a few pairings with visits; and this year's annual review in progress (about a third of
its tasks decided).

The services stamp everything with the current time; the dossiers' opening and transition times are then spread
over the past years (bulk updates), so that lists, ages and the review's "unchanged for a year" flag look real.

The same seed gives the same data (relative to today). A tenant that already has dossiers is left alone.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_CEILING, Decimal

from django.db import transaction
from django.utils import timezone

from core.pii import id_check_character
from dossiers import services
from dossiers.models import (
    Assistance,
    Dossier,
    DossierTransition,
    HouseholdMember,
    LivingStandard,
    Pairing,
    PairingVisit,
    ReviewCampaign,
    ReviewTask,
)

LESHAN_AREAS = (
    "511102",  # 市中区
    "511111",  # 沙湾区
    "511112",  # 五通桥区
    "511113",  # 金口河区
    "511123",  # 犍为县
    "511124",  # 井研县
    "511126",  # 夹江县
    "511129",  # 沐川县
    "511132",  # 峨边彝族自治县
    "511133",  # 马边彝族自治县
    "511181",  # 峨眉山市
)
STANDARD_LAST_YEAR = Decimal("740.00")
STANDARD_THIS_YEAR = Decimal("770.00")

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓"
    "曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢钟谭陆范廖贾夏付邹熊"
)
GIVEN = {
    # (sex, generation) → given names
    ("M", "elder"): ["德贵", "长福", "守成", "福林", "树清", "万春", "金山", "富贵", "正坤", "炳全"],
    ("F", "elder"): ["秀兰", "桂兰", "玉珍", "凤兰", "淑英", "翠英", "桂香", "素珍", "银花", "德芳"],
    ("M", "adult"): ["建国", "建华", "志强", "志刚", "国强", "国平", "德明", "永刚", "文军", "春林", "海涛", "建平",
                     "明华", "学军", "卫东", "大勇", "玉林", "成刚", "兴华", "家富", "世平", "勇", "军", "斌", "涛"],
    ("F", "adult"): ["秀英", "桂芳", "玉兰", "淑珍", "丽华", "春梅", "晓燕", "秀珍", "桂英", "素芬", "红梅", "丽娟",
                     "小琴", "燕", "静", "敏", "霞", "琳", "芳", "丽", "萍", "琼", "莉", "慧"],
    ("M", "young"): ["子轩", "浩然", "宇航", "俊杰", "梓豪", "一鸣", "嘉豪", "思远", "皓宇", "博文", "天佑", "明轩",
                     "志远", "晨阳", "家乐", "宇", "鑫", "磊"],
    ("F", "young"): ["欣怡", "雨涵", "梓涵", "诗琪", "思雨", "可馨", "佳怡", "语桐", "若曦", "紫萱", "雨欣", "梦琪",
                     "晓彤", "心怡", "一诺", "悦", "婷"],
}  # fmt: skip
BANKS = ["中国农业银行乐山分行", "中国工商银行乐山分行", "中国建设银行乐山分行", "中国邮政储蓄银行乐山市分行",
         "四川农商银行乐山分行", "乐山市商业银行"]  # fmt: skip
BANK_PREFIXES = ["622848", "622202", "621700", "621799", "623190", "621466"]
CADRES = [
    ("张伟", "县总工会副主席"),
    ("刘洋", "县总工会帮扶中心主任"),
    ("陈静", "县总工会女职工部部长"),
    ("杨帆", "城关镇工会主席"),
    ("赵磊", "东城街道工会主席"),
    ("黄丽", "县总工会经审会主任"),
    ("周强", "县总工会办公室主任"),
]
APPROVERS = ["刘洋", "张伟", "周强"]
ACCIDENT_NOTES = {
    Dossier.Cause.ACCIDENT: [
        "2024年7月暴雨山洪冲毁住房，家中财产损失严重。",
        "申请人工伤致右腿骨折，停工半年。",
        "家中突发火灾，房屋及家具大部分烧毁。",
        "配偶遭遇交通事故，长期卧床需人照料。",
    ],
    Dossier.Cause.ILLNESS: [
        "配偶突发脑溢血住院，自付医疗费逾8万元。",
        "子女确诊白血病，需长期化疗。",
        "申请人确诊肺癌，手术及放化疗自付费用高。",
        "父亲尿毒症，每周透析三次。",
    ],
}
REASONS = {
    Dossier.Status.SUBMITTED: ["材料齐全，提交审核。", "已完成入户调查，提交审核。", "收入证明及票据已附，提交审核。"],
    Dossier.Status.REVIEWED: [
        "经入户核实，家庭收入及致困情况属实。",
        "经村（社区）公示无异议，审核通过。",
        "核对社保、公积金及车辆信息，情况属实。",
    ],
    Dossier.Status.FILED: ["经工会审批，同意建档。", "经县总工会帮扶中心研究，同意纳入困难职工档案。"],
    "returned": ["缺少家庭成员收入证明，请补充后重新提交。", "医疗费用票据不全，请补充。"],
    Dossier.Status.LIFTED: [
        "家庭成员实现稳定就业，人均收入已超过标准，解困。",
        "子女毕业参加工作，家庭收入明显提高，解困。",
        "经治疗病情稳定，家庭收入恢复，解困。",
    ],
    Dossier.Status.CANCELLED: [
        "申请人已退休，按规定注销档案。",
        "经复核，申报收入与实际不符，注销。",
        "申请人调离本县，档案注销。",
        "家庭成员主动申请注销。",
    ],
}
PROGRAMMES = {
    Assistance.Kind.LIVING: ["春节送温暖", "生活救助", "节日慰问"],
    Assistance.Kind.MEDICAL: ["大病医疗救助", "职工医疗互助补充救助"],
    Assistance.Kind.SCHOOLING: ["金秋助学"],
    Assistance.Kind.EMPLOYMENT: ["职业技能培训", "就业援助月岗位推荐"],
    Assistance.Kind.ENTREPRENEURSHIP: ["创业扶持", "小额贷款贴息"],
    Assistance.Kind.REFERRAL: ["转介民政部门纳入低保", "转介医疗救助"],
}
IN_KIND_NOTES = {
    Assistance.Kind.LIVING: "米、油、棉被等生活物资",
    Assistance.Kind.EMPLOYMENT: "免费参加电工职业技能培训",
    Assistance.Kind.ENTREPRENEURSHIP: "创业指导及场地对接",
    Assistance.Kind.REFERRAL: "已协助向民政部门提交申请",
}
CASH = {  # kind → (share paid in cash, lowest, highest amount in yuan)
    Assistance.Kind.LIVING: (0.75, 500, 3000),
    Assistance.Kind.MEDICAL: (1.0, 1000, 8000),
    Assistance.Kind.SCHOOLING: (1.0, 1000, 5000),
    Assistance.Kind.EMPLOYMENT: (0.0, 0, 0),
    Assistance.Kind.ENTREPRENEURSHIP: (0.5, 2000, 10000),
    Assistance.Kind.REFERRAL: (0.0, 0, 0),
}
VISIT_NOTES = [
    "入户走访，了解家庭近况，送去慰问品。",
    "电话回访，申请人病情稳定，已返岗工作。",
    "陪同子女办理助学手续。",
    "协调企业为配偶安排公益性岗位。",
    "了解住房维修需求，联系社区协助。",
]
REVIEW_EVIDENCE = {
    "keep": ["入户核查，家庭收入及致困情况未变。", "核对社保缴费及收入证明，仍符合建档标准。"],
    "supplement": ["子女入学，需补充学籍证明。", "配偶收入变化，需补充最新收入证明。"],
    "lift": ["申请人已稳定就业，人均收入超过标准1.5倍。"],
    "cancel": ["申请人已去世，档案注销。", "家庭已迁出本县。"],
}
S = Dossier.Status
STATUS_SHARES = (  # (final status, "ineligible" for a draft that does not qualify), share in percent
    (S.FILED, 44),
    (S.LIFTED, 12),
    (S.CANCELLED, 8),
    (S.REVIEWED, 7),
    (S.SUBMITTED, 8),
    (S.DRAFT, 13),
    ("ineligible", 8),
)
PATHS = {  # the steps to each final status (from a draft)
    S.DRAFT: [],
    S.SUBMITTED: [S.SUBMITTED],
    S.REVIEWED: [S.SUBMITTED, S.REVIEWED],
    S.FILED: [S.SUBMITTED, S.REVIEWED, S.FILED],
    S.LIFTED: [S.SUBMITTED, S.REVIEWED, S.FILED, S.LIFTED],
}
CANCEL_FROM = [S.FILED, S.DRAFT, S.SUBMITTED, S.FILED, S.REVIEWED]


def seed_dossiers_demo(tenant, admin_user, *, seed: int, households: int = 300) -> dict[str, int]:
    """Fill the tenant's dossiers (in the current schema); returns counts, or {} when the tenant already has
    dossiers and nothing was done."""
    if Dossier.objects.exists():
        return {}
    with transaction.atomic():
        return _Seeder(tenant, admin_user, random.Random(seed), households).run()  # noqa: S311 (demo data)


@dataclass
class _Plan:
    final: str  # the status the dossier ends in ("ineligible": a draft that does not qualify)
    steps: list[tuple[str, str]]  # (to_status, reason) after the opening
    times: list[datetime]  # opening, then one per step
    data: dict
    members: list[dict]
    consents: list[dict]
    filed_on: date | None = None
    ends_on: date | None = None  # lifted or cancelled after filing
    assistance: list[dict] = field(default_factory=list)
    dossier_id: int | None = None


class _Seeder:
    def __init__(self, tenant, admin, rng: random.Random, households: int):
        self.tenant, self.admin, self.rng, self.count = tenant, admin, rng, max(households, 0)
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.ids: set[str] = set()
        from core.people.models import Unit
        from stations.models import FundAccount, Station

        self.enterprises = list(Unit.objects.filter(kind=Unit.Kind.ENTERPRISE).order_by("pk"))
        stations = list(Station.objects.order_by("pk"))
        self.station_of = {station.unit_id: station for station in stations}
        self.own_stations = [s for s in stations if s.kind == Station.Kind.OWN] or stations
        self.account = (
            FundAccount.objects.filter(station__isnull=True).order_by("pk").first()
            or FundAccount.objects.order_by("pk").first()
        )

    # ------------------------------------------------------------------------------------------- people
    def resident_id(self, born: date, sex: str) -> str:
        while True:
            area = self.rng.choice(LESHAN_AREAS)
            sequence = self.rng.randrange(0, 999)
            if (sequence % 2 == 1) != (sex == "M"):
                sequence += 1
            body = f"{area}{born:%Y%m%d}{sequence:03d}"
            number = body + id_check_character(body)
            if number not in self.ids:
                self.ids.add(number)
                return number

    def birth_date(self, age: int) -> date:
        born = self.today - timedelta(days=age * 365 + self.rng.randint(0, 364))
        return max(born, date(1930, 1, 1))

    def person(self, relation: str, sex: str, age: int, surname: str) -> dict:
        generation = "elder" if age >= 62 else ("adult" if age >= 26 else "young")
        born = self.birth_date(age)
        return {
            "relation": relation,
            "name": surname + self.rng.choice(GIVEN[(sex, generation)]),
            "id_number": self.resident_id(born, sex),
            "age": age,
        }

    def phone(self) -> str:
        return f"1{self.rng.choice('3578')}{self.rng.randint(0, 9)}{self.rng.randint(10_000_000, 99_999_999)}"

    # -------------------------------------------------------------------------------------------- plans
    def finals(self) -> list[str]:
        """The final status of each household: every status at least once, then by share."""
        kinds = [status for status, _share in STATUS_SHARES]
        finals = list(kinds[: self.count])
        remaining = self.count - len(finals)
        total = sum(share for _s, share in STATUS_SHARES)
        for status, share in STATUS_SHARES:
            finals += [status] * math.floor(remaining * share / total)
        while len(finals) < self.count:
            finals.append(S.FILED)
        self.rng.shuffle(finals)
        return finals

    def household(self, final: str) -> _Plan:
        rng = self.rng
        standard = self.standard
        if final == "ineligible":
            tier = Dossier.Tier.NONE
        else:
            tier = rng.choices(
                [Dossier.Tier.DEEP, Dossier.Tier.RELATIVE, Dossier.Tier.ACCIDENTAL], weights=[40, 40, 20]
            )[0]

        # Members.
        surname = rng.choice(SURNAMES)
        sex = "M" if rng.random() < 0.6 else "F"
        age = rng.randint(28, 58)
        members = [self.person("applicant", sex, age, surname)]
        if rng.random() < 0.78:
            spouse_age = max(24, min(70, age + rng.randint(-5, 5)))
            members.append(self.person("spouse", "F" if sex == "M" else "M", spouse_age, rng.choice(SURNAMES)))
        father_surname = surname if sex == "M" or len(members) == 1 else members[1]["name"][0]
        for _n in range(rng.choices([0, 1, 2, 3], weights=[15, 50, 30, 5])[0]):
            child_age = age - rng.randint(22, 36)
            if 0 <= child_age <= 25:
                members.append(self.person("child", rng.choice("MF"), child_age, father_surname))
        if rng.random() < 0.2:
            members.append(self.person("parent", rng.choice("MF"), min(age + rng.randint(24, 32), 92), surname))
        if rng.random() < 0.04:
            members.append(self.person("other", rng.choice("MF"), rng.randint(16, 70), rng.choice(SURNAMES)))

        # Causes.
        if tier == Dossier.Tier.ACCIDENTAL:
            main = rng.choice([Dossier.Cause.ILLNESS, Dossier.Cause.ACCIDENT])
        else:
            causes = [c for c in Dossier.Cause.values]
            main = rng.choices(causes, weights=[30, 12, 15, 12, 6, 15, 6, 4])[0]
        secondary = rng.sample([c for c in Dossier.Cause.values if c != main], rng.choice([0, 0, 1, 1, 2, 3]))
        causes = {main, *secondary}
        note = ""
        if tier == Dossier.Tier.ACCIDENTAL:
            note = rng.choice(ACCIDENT_NOTES[main])

        # Schooling, work and income: a per-capita income inside the tier's band (with a margin for rounding).
        for member in members:
            member["schooling"] = _schooling(member["age"], rng)
        size = len(members)
        band = {
            Dossier.Tier.DEEP: (0.25, 0.9),
            Dossier.Tier.RELATIVE: (1.1, 1.4),
            Dossier.Tier.ACCIDENTAL: (1.7, 2.8),
            Dossier.Tier.NONE: (1.7, 3.0),
        }[tier]
        total = int(float(standard) * size * rng.uniform(*band) / 10) * 10
        unemployed_applicant = Dossier.Cause.UNEMPLOYMENT in causes
        earners = [
            m
            for m in members
            if 18 <= m["age"] < 62
            and not m["schooling"]
            and not (m["relation"] == "applicant" and unemployed_applicant)
            and m["relation"] in ("applicant", "spouse", "child")
        ]
        for member in members:
            member["monthly_income"] = Decimal("0")
            member["employed"] = False
        if unemployed_applicant:
            benefit = min(max(total, 0), rng.choice([0, 0, 1200, 1400]))  # unemployment insurance
            members[0]["monthly_income"] = Decimal(benefit)
            total -= int(members[0]["monthly_income"])
        pensioners = [m for m in members if m["age"] >= 62]
        for member in pensioners:
            pension = min(max(total, 0), rng.choice([0, 180, 300, 1200]))
            member["monthly_income"] = Decimal(pension)
            total -= pension
        if total > 0 and not earners:
            earners = [m for m in members if m["relation"] in ("applicant", "spouse") and 18 <= m["age"] < 70]
        if total > 0 and earners:
            weights = [rng.uniform(0.5, 1.5) for _e in earners]
            shares = [int(total * w / sum(weights) / 10) * 10 for w in weights]
            shares[0] += total - sum(shares)
            for member, share in zip(earners, shares, strict=True):
                member["monthly_income"] += Decimal(share)
                member["employed"] = member["monthly_income"] > 0 and member["relation"] != "parent"
        if unemployed_applicant:
            members[0]["employed"] = False

        # Sensitive data, only with the household's consent.
        consents = []
        if Dossier.Cause.ILLNESS in causes and rng.random() < 0.7:
            patient = rng.choice([m for m in members if m["relation"] != "child"] or members)
            patient["health"] = rng.choice(["serious", "chronic"])
            consents.append(self.consent("health", members[0]))
        if Dossier.Cause.DISABILITY in causes:
            disabled = rng.choice(members)
            disabled["disability_grade"] = rng.randint(1, 4)
            consents.append(self.consent("disability", members[0]))
        if final in (S.FILED, S.LIFTED) and rng.random() < 0.25:
            consents.append(self.consent("referral", members[0]))

        adults_working = any(m["employed"] for m in members)
        employer = rng.choice(self.enterprises) if self.enterprises and rng.random() < 0.75 else None
        station = self.station_of.get(employer.pk) if employer else None
        if station is None and self.own_stations and rng.random() < 0.7:
            station = rng.choice(self.own_stations)
        data = {
            "main_cause": main,
            "secondary_causes": secondary,
            "accident_note": note,
            "employer": employer,
            "station": station,
            "model_worker": rng.choices(["", "county", "city", "province"], weights=[92, 5, 2, 1])[0],
            "housing": rng.choices(["own", "rented", "public", "none"], weights=[55, 25, 15, 5])[0],
            "medical_insurance": rng.choices(["employee", "resident", "none"], weights=[70, 27, 3])[0],
            "zero_employment": not adults_working,
        }
        if data["housing"] == "own":
            data["housing_area"] = Decimal(rng.randint(35, 110))
        if rng.random() < 0.85:
            data["bank_name"] = rng.choice(BANKS)
            data["bank_account"] = rng.choice(BANK_PREFIXES) + "".join(rng.choice("0123456789") for _d in range(13))
        for member in members:
            member.pop("age")
            if rng.random() < 0.8 and member["relation"] in ("applicant", "spouse"):
                member["phone"] = self.phone()
        return _Plan(final, [], [], data, members, consents)

    def consent(self, category: str, applicant: dict) -> dict:
        page = self.rng.randint(2, 9)
        return {"category": category, "given_by": applicant["name"], "evidence": f"书面授权书（档案第{page}页）"}

    def schedule(self, plan: _Plan) -> None:
        """The steps to the final status, with reasons, and the times they happened."""
        rng = self.rng
        final = plan.final
        if final == "ineligible":
            steps, ago = [], rng.randint(1, 60)
        elif final == S.CANCELLED:
            start = CANCEL_FROM[rng.randrange(len(CANCEL_FROM))]
            steps, ago = [*PATHS[start], S.CANCELLED], rng.randint(60, 900)
        else:
            steps = list(PATHS[final])
            ago = {S.DRAFT: (3, 90), S.SUBMITTED: (5, 60), S.REVIEWED: (10, 90), S.FILED: (60, 1000),
                   S.LIFTED: (200, 1000)}[final]  # fmt: skip
            ago = rng.randint(*ago)
        named = [(step, rng.choice(REASONS[step])) for step in steps]
        if final == S.DRAFT and rng.random() < 0.4:  # submitted once and returned for correction
            named = [(S.SUBMITTED, rng.choice(REASONS[S.SUBMITTED])), (S.DRAFT, rng.choice(REASONS["returned"]))]
        plan.steps = named
        opened = self.now - timedelta(days=ago, hours=rng.randint(0, 8), minutes=rng.randint(0, 59))
        span = (self.now - opened) - timedelta(hours=1)
        fractions = sorted(rng.uniform(0.02, 0.3) for _s in named)
        if named and named[-1][0] in (S.LIFTED, S.CANCELLED) and S.FILED in [s for s, _r in named]:
            fractions[-1] = rng.uniform(0.6, 0.95)  # a filed household is lifted or cancelled much later
        plan.times = [opened] + [opened + span * fraction for fraction in fractions]
        for (step, _reason), at in zip(named, plan.times[1:], strict=True):
            if step == S.FILED:
                plan.filed_on = timezone.localdate(at)
            elif step in (S.LIFTED, S.CANCELLED) and plan.filed_on:
                plan.ends_on = timezone.localdate(at)

    def plan_assistance(self, plans: list[_Plan]) -> None:
        rng = self.rng
        filed = [p for p in plans if p.filed_on]
        for plan in filed:
            if rng.random() > 0.65:
                continue
            causes = {plan.data["main_cause"], *plan.data["secondary_causes"]}
            likely = [Assistance.Kind.LIVING]
            likely += [Assistance.Kind.MEDICAL] * 2 if Dossier.Cause.ILLNESS in causes else []
            likely += [Assistance.Kind.SCHOOLING] * 2 if Dossier.Cause.SCHOOLING in causes else []
            likely += [Assistance.Kind.EMPLOYMENT] * 2 if Dossier.Cause.UNEMPLOYMENT in causes else []
            likely += [Assistance.Kind.ENTREPRENEURSHIP] if rng.random() < 0.1 else []
            likely += [Assistance.Kind.REFERRAL] if rng.random() < 0.15 else []
            for kind in dict.fromkeys(rng.choice(likely) for _n in range(rng.choice([1, 1, 2, 2, 3]))):
                plan.assistance.append(self.assistance(plan, kind))
        given = {a["kind"] for p in filed for a in p.assistance}
        for kind in Assistance.Kind.values:  # every kind at least once
            if kind not in given and filed:
                plan = rng.choice(filed)
                plan.assistance.append(self.assistance(plan, kind))

    def assistance(self, plan: _Plan, kind: str) -> dict:
        rng = self.rng
        end = plan.ends_on or self.today
        days = max((end - plan.filed_on).days, 0)
        given_on = plan.filed_on + timedelta(days=rng.randint(min(days, 1), days) if days else 0)
        share, low, high = CASH[kind]
        item = {"kind": kind, "given_on": given_on, "programme": rng.choice(PROGRAMMES[kind]), "note": ""}
        if rng.random() < share:
            item["amount"] = Decimal(rng.randint(low // 100, high // 100) * 100)
            if self.account is not None:
                item["fund_account_id"] = self.account.pk
                item["approver"] = rng.choice(APPROVERS)
        else:
            item["note"] = IN_KIND_NOTES.get(kind, "")
        return item

    # ----------------------------------------------------------------------------------------------- run
    def run(self) -> dict[str, int]:
        admin, tenant = self.admin, self.tenant
        # The standards of last year and this year (kept when the union has set them already).
        for year, amount in ((self.today.year - 1, STANDARD_LAST_YEAR), (self.today.year, STANDARD_THIS_YEAR)):
            if not LivingStandard.objects.filter(year=year).exists():
                services.set_living_standard(admin, tenant, year=year, monthly_per_capita=amount)
        self.standard = LivingStandard.objects.get(year=self.today.year).monthly_per_capita

        plans = []
        for final in self.finals():
            plan = self.household(final)
            self.schedule(plan)
            plans.append(plan)
        self.plan_assistance(plans)

        # Open the dossiers and move them to where they are before any help (lifting/cancelling a filed household
        # comes after its assistance).
        for plan in plans:
            dossier = services.file_dossier(admin, tenant, data=plan.data, members=plan.members, consents=plan.consents)
            plan.dossier_id = dossier.pk
            late = plan.ends_on is not None
            for to_status, reason in plan.steps[:-1] if late else plan.steps:
                services.transition(admin, tenant, dossier.pk, to_status=to_status, reason=reason)

        self.give_assistance(plans)
        for plan in plans:
            if plan.ends_on is not None:
                to_status, reason = plan.steps[-1]
                services.transition(admin, tenant, plan.dossier_id, to_status=to_status, reason=reason)

        self.backdate(plans)
        self.make_pairings(plans)
        campaign = self.review()
        return {
            "dossiers": Dossier.objects.count(),
            "members": HouseholdMember.objects.count(),
            "assistance": Assistance.objects.count(),
            "pairings": Pairing.objects.count(),
            "review_tasks": campaign.tasks.count(),
            "review_decided": campaign.tasks.exclude(outcome="").count(),
        }

    def give_assistance(self, plans: list[_Plan]) -> None:
        from stations import services as stations
        from stations.models import FundEntry

        items = sorted(
            ((item, plan) for plan in plans for item in plan.assistance), key=lambda pair: pair[0]["given_on"]
        )
        paid = sum((item["amount"] for item, _p in items if item.get("fund_account_id")), Decimal("0"))
        if paid:
            first = min(item["given_on"] for item, _p in items if item.get("fund_account_id"))
            # The upper union allocates what the demo will spend (rounded up to ten thousand), before it is spent.
            allocation = (paid / 10_000).to_integral_value(rounding=ROUND_CEILING) * 10_000
            stations.book_income(
                self.admin,
                self.tenant,
                self.account.pk,
                amount=allocation,
                source=FundEntry.Source.UPPER_UNION,
                note="上级工会下拨困难职工帮扶专项资金",
                booked_on=first - timedelta(days=3),
            )
        for item, plan in items:
            services.record_assistance(self.admin, self.tenant, plan.dossier_id, **item)

    def backdate(self, plans: list[_Plan]) -> None:
        """Spread each dossier's opening and transitions over the planned times (the services stamp 'now')."""
        by_id = {plan.dossier_id: plan for plan in plans}
        dossiers = list(Dossier.objects.filter(pk__in=by_id).only("pk", "created_at", "updated_at"))
        for dossier in dossiers:
            times = by_id[dossier.pk].times
            dossier.created_at, dossier.updated_at = times[0], times[-1]
        Dossier.objects.bulk_update(dossiers, ["created_at", "updated_at"], batch_size=500)
        transitions = list(DossierTransition.objects.filter(dossier_id__in=by_id).order_by("dossier_id", "id"))
        position: dict[int, int] = {}
        for item in transitions:
            index = position.get(item.dossier_id, 0)
            position[item.dossier_id] = index + 1
            times = by_id[item.dossier_id].times
            item.at = times[min(index, len(times) - 1)]
        DossierTransition.objects.bulk_update(transitions, ["at"], batch_size=1000)

    def make_pairings(self, plans: list[_Plan]) -> None:
        rng = self.rng
        candidates = [p for p in plans if p.filed_on and p.final in (S.FILED, S.LIFTED)]
        chosen = rng.sample(candidates, min(len(candidates), max(2, len(candidates) // 8)))
        pairings, visits = [], []
        for plan in chosen:
            cadre, position = rng.choice(CADRES)
            since = plan.filed_on + timedelta(days=rng.randint(1, 20))
            until = plan.ends_on if plan.final == S.LIFTED else None
            last = min(until or self.today, self.today)
            since = min(since, last)
            pairing = Pairing(dossier_id=plan.dossier_id, cadre_name=cadre, cadre_position=position, since=since,
                              until=until)  # fmt: skip
            pairings.append(pairing)
            span = (last - since).days
            for _n in range(rng.randint(1, 4)):
                visits.append((pairing, since + timedelta(days=rng.randint(0, span)), rng.choice(VISIT_NOTES)))
        Pairing.objects.bulk_create(pairings)
        PairingVisit.objects.bulk_create(
            [
                PairingVisit(pairing=pairing, visited_on=day, note=note, recorded_by=self.admin)
                for pairing, day, note in sorted(visits, key=lambda v: (v[0].pk, v[1]))
            ]
        )

    def review(self) -> ReviewCampaign:
        """This year's annual review, started and about a third of its tasks decided."""
        rng = self.rng
        campaign = services.start_annual_review(self.admin, self.tenant, year=self.today.year)
        tasks = list(ReviewTask.objects.filter(campaign=campaign).order_by("pk"))
        decide = rng.sample(tasks, math.ceil(len(tasks) / 3)) if tasks else []
        for task in sorted(decide, key=lambda t: t.pk):
            outcome = rng.choices(["keep", "supplement", "lift", "cancel"], weights=[60, 20, 12, 8])[0]
            services.decide_review(
                self.admin, self.tenant, task.pk, outcome=outcome, evidence=rng.choice(REVIEW_EVIDENCE[outcome])
            )
        return campaign


def _schooling(age: int, rng: random.Random) -> str:
    if age < 3:
        return ""
    if age <= 5:
        return "preschool"
    if age <= 11:
        return "primary"
    if age <= 14:
        return "junior"
    if age <= 17:
        return rng.choice(["senior", "senior", "vocational"])
    if age <= 22 and rng.random() < 0.55:
        return "college"
    return ""


def seed(tenant, admin, *, seed: int, scale: float = 1.0) -> dict[str, int]:
    """The dossiers app's part of ``manage.py seed_demo`` (the app contract's demo hook): 300 households at full
    scale."""
    return seed_dossiers_demo(tenant, admin, seed=seed, households=max(1, round(300 * scale)))
