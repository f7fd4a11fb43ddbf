"""Lived-in demo data for the stations of one county or enterprise-group tenant.

``seed_stations_demo(tenant, admin_user, seed=…)`` runs in the tenant's schema (the caller switches the connection)
and goes through ``stations.services`` as the tenant administrator, so every rule holds: the tenant's union, zones,
townships and communities (for an enterprise group: the group company with subsidiaries two levels deep and its
parks), about a dozen enterprises with valid credit codes, stations of all three kinds with staff, service points
and partly complete checklists, coverage targets from 2023, a reception register with records in every stage
(some overdue) and fund ledgers with income from every source, spending and one reversal.

The same seed gives the same data (relative to today). A tenant that already has units is left alone.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from core.people.models import Unit
from core.people.validators import USCC_ALPHABET, uscc_check_character
from stations import services
from stations.models import FundAccount, FundEntry, ReceptionRecord, Station, StationPolicy

TARGET_START_YEAR = 2023

BRANDS = [
    "恒达",
    "华信",
    "金鼎",
    "瑞丰",
    "宏远",
    "天润",
    "博源",
    "德昌",
    "安泰",
    "汇通",
    "鸿运",
    "嘉禾",
    "永盛",
    "新锐",
]
PEOPLE = [
    "王建国", "李秀英", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄丽", "周强", "吴敏", "徐明", "孙燕", "马超",
    "朱红", "胡军", "郭芳", "何平", "林娜", "高峰", "罗琳", "郑毅", "梁晨", "谢婷", "宋涛", "韩雪", "唐亮",
]  # fmt: skip


@dataclass(frozen=True)
class EnterpriseSpec:
    trade: str  # 精密机械 → "恒达精密机械有限公司"
    industry: str
    employees: int
    has_union: bool
    sound: bool
    above_size: bool
    without_premises: bool = False
    station: str = ""  # "own", "attached", "virtual" or "" (none yet); 200 employees is the own-station line


ENTERPRISES = [
    EnterpriseSpec("精密机械", "制造业", 650, True, True, True, station="own"),
    EnterpriseSpec("新能源科技", "电力、热力生产和供应业", 420, True, True, True, station="own"),
    EnterpriseSpec("纺织", "制造业", 310, True, True, True, station="own"),
    EnterpriseSpec("物流", "交通运输、仓储和邮政业", 236, True, True, True),  # must have its own station, has none
    EnterpriseSpec("食品", "制造业", 199, True, True, True, station="attached"),
    EnterpriseSpec("电子", "制造业", 185, True, False, True, station="attached"),
    EnterpriseSpec("建材", "制造业", 262, True, False, True, station="attached"),
    EnterpriseSpec("医药", "医药制造业", 128, True, True, False, station="attached"),
    EnterpriseSpec("网络科技", "信息传输、软件和信息技术服务业", 46, True, True, False, True, station="virtual"),
    EnterpriseSpec("文化传媒", "文化、体育和娱乐业", 28, True, False, False, True, station="virtual"),
    EnterpriseSpec("家政服务", "居民服务业", 150, True, False, False),  # attached or virtual required, none yet
    EnterpriseSpec("餐饮管理", "住宿和餐饮业", 80, False, False, False),  # no union yet: nothing required
]

REQUESTS = {
    ReceptionRecord.Category.LIVING: "家庭收入骤降，申请生活困难救助。",
    ReceptionRecord.Category.MEDICAL: "配偶住院治疗，自付费用较高，申请大病医疗救助。",
    ReceptionRecord.Category.SCHOOLING: "子女考入大学，学费有困难，申请金秋助学。",
    ReceptionRecord.Category.EMPLOYMENT: "企业减员后待岗，希望参加技能培训并推荐就业。",
    ReceptionRecord.Category.RIGHTS: "反映加班费未足额发放，请求工会协调。",
    ReceptionRecord.Category.POLICY: "咨询困难职工建档标准和申报材料。",
    ReceptionRecord.Category.OTHER: "咨询职工互助保障参保事宜。",
}
ACTIONS = {
    ReceptionRecord.Category.LIVING: "入户核实家庭情况，发放临时生活救助金。",
    ReceptionRecord.Category.MEDICAL: "审核医疗票据，按标准发放医疗救助。",
    ReceptionRecord.Category.SCHOOLING: "审核录取通知书和家庭情况，纳入金秋助学。",
    ReceptionRecord.Category.EMPLOYMENT: "登记求职意向，推荐参加职业技能培训班。",
    ReceptionRecord.Category.RIGHTS: "约谈企业工会，协调企业补发加班费。",
    ReceptionRecord.Category.POLICY: "讲解政策并发放申报指南。",
    ReceptionRecord.Category.OTHER: "介绍互助保障项目并协助办理参保。",
}
REFERRALS = {
    ReceptionRecord.Category.RIGHTS: "县劳动人事争议仲裁院",
    ReceptionRecord.Category.EMPLOYMENT: "县人力资源和社会保障局",
}
PURPOSES = ["困难职工生活救助", "大病医疗救助", "金秋助学", "职工技能培训补贴", "送温暖慰问", "节日慰问困难职工"]


def seed_stations_demo(tenant, admin_user, *, seed: int) -> dict[str, int]:
    """Fill the tenant's stations data (in the current schema); returns counts, or {} when the tenant already has
    units and nothing was done."""
    if Unit.objects.exists():
        return {}
    with transaction.atomic():
        return _Seeder(tenant, admin_user, random.Random(seed)).run()  # noqa: S311 (demo data, not secrets)


class _Seeder:
    def __init__(self, tenant, admin, rng: random.Random):
        self.tenant, self.admin, self.rng = tenant, admin, rng
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.is_group = getattr(tenant, "kind", "") == "enterprise_group"
        self.place = tenant.name.replace("总工会", "").replace("工会", "") or tenant.name
        division = "".join(ch for ch in (getattr(tenant, "division_code", "") or "") if ch.isdigit())
        self.division = (division + "330100")[:6]
        self.codes: set[str] = set()
        self.people = list(PEOPLE)
        rng.shuffle(self.people)
        self.person_index = 0

    # ------------------------------------------------------------------------------------------- helpers
    def person(self) -> str:
        name = self.people[self.person_index % len(self.people)]
        self.person_index += 1
        return name

    def credit_code(self) -> str:
        while True:
            body = "91" + self.division + "".join(self.rng.choice(USCC_ALPHABET) for _ in range(9))
            code = body + uscc_check_character(body)
            if code not in self.codes:
                self.codes.add(code)
                return code

    def money(self, low: int, high: int) -> Decimal:
        """A random amount in yuan between low and high, with fen."""
        return Decimal(self.rng.randint(low * 100, high * 100)).scaleb(-2)

    def unit(self, **data) -> Unit:
        return services.save_unit(self.admin, self.tenant, data)

    def station(self, **data) -> Station:
        return services.save_station(self.admin, self.tenant, data)

    # ----------------------------------------------------------------------------------------------- run
    def run(self) -> dict[str, int]:
        services.set_default_targets(self.admin, self.tenant, TARGET_START_YEAR)
        StationPolicy.current()
        self.make_units()
        self.make_stations()
        self.make_receptions()
        self.make_funds()
        return {
            "units": Unit.objects.count(),
            "stations": Station.objects.count(),
            "receptions": ReceptionRecord.objects.count(),
            "accounts": FundAccount.objects.count(),
            "entries": FundEntry.objects.count(),
        }

    def make_units(self) -> None:
        rng = self.rng
        self.union = self.unit(kind=Unit.Kind.UNION, name=self.tenant.name)
        self.hosts: list[Unit] = []  # zones, townships and communities: each gets an own station
        if self.is_group:
            for name in (f"{self.place}产业园区", f"{self.place}物流园区"):
                self.hosts.append(self.unit(kind=Unit.Kind.ZONE, name=name, parent=self.union))
        else:
            zones = [
                self.unit(kind=Unit.Kind.ZONE, name=f"{self.place}{name}", parent=self.union)
                for name in ("经济开发区", "高新技术产业园")
            ]
            townships = [
                self.unit(kind=Unit.Kind.TOWNSHIP, name=name, parent=self.union) for name in ("城关镇", "东城街道")
            ]
            communities = [
                self.unit(kind=Unit.Kind.COMMUNITY, name="城北社区", parent=townships[0]),
                self.unit(kind=Unit.Kind.COMMUNITY, name="东湖村", parent=townships[1]),
            ]
            self.hosts = zones + townships + communities

        brands = rng.sample(BRANDS, len(ENTERPRISES) + 1)
        self.enterprises: list[tuple[Unit, EnterpriseSpec]] = []
        if self.is_group:
            group_brand = brands.pop()
            self.group = self.unit(
                kind=Unit.Kind.ENTERPRISE,
                name=f"{group_brand}集团有限公司",
                parent=self.union,
                credit_code=self.credit_code(),
                employee_count=3200,
                has_union=True,
                union_is_sound=True,
                above_designated_size=True,
                industry="制造业",
            )
            self.enterprises.append(
                (self.group, EnterpriseSpec("集团", "制造业", 3200, True, True, True, station="own"))
            )
            first_level: list[Unit] = []
        for index, spec in enumerate(ENTERPRISES):
            if self.is_group:
                name = f"{group_brand}集团{brands[index]}{spec.trade}有限公司"
                # three subsidiaries under the group, the others one level further down
                parent = self.group if index < 3 else first_level[index % 3]
            else:
                name = f"{brands[index]}{spec.trade}有限公司"
                parent = self.hosts[index % len(self.hosts)]
            unit = self.unit(
                kind=Unit.Kind.ENTERPRISE,
                name=name,
                parent=parent,
                credit_code=self.credit_code(),
                employee_count=spec.employees,
                has_union=spec.has_union,
                union_is_sound=spec.sound,
                above_designated_size=spec.above_size,
                industry=spec.industry,
                without_premises=spec.without_premises,
            )
            if self.is_group and index < 3:
                first_level.append(unit)
            self.enterprises.append((unit, spec))

    def established(self) -> date:
        year = self.rng.choice([TARGET_START_YEAR, TARGET_START_YEAR, TARGET_START_YEAR + 1, TARGET_START_YEAR + 2])
        return min(date(year, self.rng.randint(1, 12), self.rng.randint(1, 28)), self.today - timedelta(days=90))

    def hardware_and_rules(self, *, complete: bool) -> dict:
        rng = self.rng
        chance = 1.0 if complete else 0.65
        data = {name: rng.random() < chance for name in Station.RULE_FIELDS}
        data.update(
            has_service_window=complete or rng.random() < 0.8,
            has_sign=complete or rng.random() < 0.7,
            archive_and_it_ready=complete or rng.random() < 0.6,
            head_name=self.person() if complete or rng.random() < 0.85 else "",
        )
        if complete or rng.random() < 0.5:
            data["office_area"] = Decimal(rng.randint(12, 80))
        else:
            data["co_located_with"] = rng.choice(
                [Station.CoLocation.WORKERS_HOME, Station.CoLocation.UNION_OFFICE, ""]
            )  # "" and no area: the office requirement is missing
        return data

    def staff(self, station: Station, count: int) -> None:
        for number in range(count):
            services.add_station_staff(
                self.admin,
                self.tenant,
                station.pk,
                name=self.person(),
                full_time=number == 0,
                duty=["接待登记", "档案管理", "救助审核"][number % 3],
            )

    def make_stations(self) -> None:
        rng = self.rng
        self.own_stations: list[Station] = []
        self.host_stations: list[Station] = []
        for index, unit in enumerate(self.hosts):
            station = self.station(
                unit=unit,
                kind=Station.Kind.OWN,
                established_on=self.established(),
                is_pilot=index == 0,
                is_exemplary=index == 0,
                **self.hardware_and_rules(complete=index == 0),
            )
            self.staff(station, 3 if index == 0 else rng.randint(0, 2))
            for place in rng.sample(["职工服务中心", "党群服务中心", "职工食堂", "一号厂区"], rng.randint(1, 2)):
                services.add_service_point(
                    self.admin, self.tenant, station.pk, name=f"{unit.name}{place}帮扶服务点", location=place
                )
            self.host_stations.append(station)
        self.own_stations.extend(self.host_stations)

        self.all_stations: list[Station] = list(self.host_stations)
        for index, (unit, spec) in enumerate(self.enterprises):
            if spec.station == "own":
                station = self.station(
                    unit=unit,
                    kind=Station.Kind.OWN,
                    established_on=self.established(),
                    **self.hardware_and_rules(complete=index % 2 == 1),
                )
                self.staff(station, rng.randint(1, 3))
                self.own_stations.append(station)
            elif spec.station == "attached":
                host = self.host_stations[index % len(self.host_stations)]
                station = self.station(
                    unit=unit,
                    kind=Station.Kind.ATTACHED,
                    host_station=host,
                    established_on=self.established(),
                    head_name=self.person() if rng.random() < 0.7 else "",
                    **{name: rng.random() < 0.6 for name in Station.RULE_FIELDS},
                )
                self.staff(station, rng.randint(0, 1))
            elif spec.station == "virtual":
                domain = f"{self.tenant.short_code}.example.cn" if getattr(self.tenant, "short_code", "") else ""
                station = self.station(
                    unit=unit,
                    kind=Station.Kind.VIRTUAL,
                    hotline="12351",
                    website=f"https://{domain}/bangfu/" if domain and index % 2 == 0 else "",
                    mailbox=f"bangfu@{domain}" if domain and index % 2 == 1 else "",
                    established_on=self.established(),
                    head_name=self.person(),
                    **{name: rng.random() < 0.5 for name in Station.RULE_FIELDS},
                )
                self.staff(station, 1)
            else:
                continue
            self.all_stations.append(station)

    # ------------------------------------------------------------------------------------------- receptions
    def make_receptions(self) -> None:
        rng = self.rng
        stage = ReceptionRecord.Stage
        limit = StationPolicy.current().reception_time_limit_days
        plan: list[tuple[str, int]] = []  # (stage, days ago)
        for final, count, overdue in ((stage.CLOSED, 9, 0), (stage.HANDLED, 6, 2), (stage.ARCHIVED, 5, 2),
                                      (stage.REGISTERED, 5, 2)):  # fmt: skip
            for number in range(count):
                if final == stage.CLOSED:
                    days = rng.randint(3, 60)
                elif number < overdue:
                    days = rng.randint(limit + 3, 58)  # past the time limit and still open
                else:
                    days = rng.randint(0, limit - 3)
                plan.append((final, days))
        rng.shuffle(plan)
        plan.sort(key=lambda item: -item[1])  # oldest first, so ids follow the visits

        employers = [unit for unit, spec in self.enterprises if spec.has_union]
        categories = list(ReceptionRecord.Category)
        local_now = timezone.localtime(self.now)
        for sequence, (final, days) in enumerate(plan, start=1):
            category = rng.choice(categories)
            visited = (local_now - timedelta(days=days)).replace(
                hour=rng.randint(8, 16), minute=rng.choice([0, 10, 20, 30, 40, 50]), second=0, microsecond=0
            )
            if visited > self.now:
                visited = self.now - timedelta(minutes=30)
            station = rng.choice(self.all_stations)
            record = services.register_visit(
                self.admin,
                self.tenant,
                station=station,
                visitor_name=self.person(),
                category=category,
                request=REQUESTS[category],
                visited_at=visited,
                visitor_phone=f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}",
                employer=rng.choice(employers),
            )
            order = ReceptionRecord.STAGE_ORDER
            reached = order.index(final)
            if reached >= 1:
                services.archive_visit(
                    self.admin, self.tenant, record.pk, archive_ref=f"BF-{visited.year}-{sequence:04d}"
                )
            if reached >= 2:
                services.handle_visit(
                    self.admin,
                    self.tenant,
                    record.pk,
                    action_taken=ACTIONS[category],
                    handler_name=station.head_name or self.person(),
                    referred_to=REFERRALS.get(category, ""),
                )
            if reached >= 3:
                services.close_visit(
                    self.admin, self.tenant, record.pk, completion_report=f"已办结：{ACTIONS[category]}职工表示满意。"
                )
            self.backdate(record.pk, visited, final)

    def backdate(self, record_id: int, visited: datetime, final: str) -> None:
        """The services stamp each stage with the current time; spread the stages over the days since the visit."""
        span = self.now - visited
        if final == ReceptionRecord.Stage.CLOSED:
            span = min(span, timedelta(days=self.rng.randint(4, 14), hours=self.rng.randint(0, 8)))
        times = {"registered_at": visited + min(timedelta(minutes=5), span)}
        stage_index = ReceptionRecord.STAGE_ORDER.index(final)
        for index, (field, share) in enumerate((("archived_at", 0.1), ("handled_at", 0.5), ("closed_at", 1.0)), 1):
            if stage_index >= index:
                times[field] = visited + span * share
        ReceptionRecord.objects.filter(pk=record_id).update(**times)

    # ------------------------------------------------------------------------------------------------ funds
    def booking_days(self, count: int) -> list[date]:
        return sorted(self.today - timedelta(days=self.rng.randint(0, 120)) for _ in range(count))

    def make_funds(self) -> None:
        rng = self.rng
        source = FundEntry.Source
        donors = [unit.name for unit, spec in self.enterprises if spec.above_size]

        union_account = services.open_account(self.admin, self.tenant, name=f"{self.tenant.name}帮扶资金")
        incomes = [
            (source.UPPER_UNION, self.money(150_000, 250_000), ""),
            (source.UNION_FUNDS, self.money(80_000, 150_000), ""),
            (source.ENTERPRISE, self.money(20_000, 60_000), ""),
            (source.DONATION, self.money(5_000, 20_000), ""),
            (source.NAMED_DONATION, self.money(30_000, 80_000), f"{rng.choice(donors)}（冠名帮扶基金）"),
            (source.PAIRED_DONATION, self.money(10_000, 30_000), rng.choice(donors)),
        ]
        self.book(union_account, incomes, expenditures=5)

        # The one correction of the demo: an expenditure booked with the wrong amount, reversed and booked again.
        wrong = services.book_expenditure(
            self.admin,
            self.tenant,
            union_account.pk,
            amount=Decimal("8600.00"),
            purpose="春节送温暖慰问",
            approver=self.person(),
            booked_on=self.today - timedelta(days=2),
        )
        services.reverse_entry(self.admin, self.tenant, wrong.pk, note="金额录入错误（应为6800.00），冲销后重新登记。")
        services.book_expenditure(
            self.admin,
            self.tenant,
            union_account.pk,
            amount=Decimal("6800.00"),
            purpose="春节送温暖慰问",
            approver=wrong.approver,
            note="更正后重新登记",
            booked_on=self.today - timedelta(days=1),
        )

        for station in self.own_stations:
            account = services.open_account(self.admin, self.tenant, name=f"{station.name}帮扶资金", station=station)
            choices = [source.ENTERPRISE, source.UPPER_UNION, source.UNION_FUNDS, source.DONATION]
            incomes = [(kind, self.money(3_000, 30_000), "") for kind in rng.sample(choices, rng.randint(2, 4))]
            if rng.random() < 0.5:
                kind = rng.choice([source.NAMED_DONATION, source.PAIRED_DONATION])
                incomes.append((kind, self.money(2_000, 10_000), rng.choice(donors)))
            self.book(account, incomes, expenditures=rng.randint(1, 4))

    def book(self, account: FundAccount, incomes: list, *, expenditures: int) -> None:
        days = self.booking_days(len(incomes) + expenditures)
        total = Decimal("0")
        for (kind, amount, donor), day in zip(incomes, days, strict=False):
            services.book_income(
                self.admin, self.tenant, account.pk, amount=amount, source=kind, donor=donor, booked_on=day
            )
            total += amount
        for day in days[len(incomes) :]:
            amount = min(self.money(500, 5_000), (total / 4).quantize(Decimal("0.01")))
            if amount <= 0:
                break
            services.book_expenditure(
                self.admin,
                self.tenant,
                account.pk,
                amount=amount,
                purpose=self.rng.choice(PURPOSES),
                approver=self.person(),
                booked_on=day,
            )
            total -= amount


def seed(tenant, admin, *, seed: int, scale: float = 1.0) -> dict[str, int]:
    """The stations app's part of ``manage.py seed_demo`` (the app contract's demo hook)."""
    return seed_stations_demo(tenant, admin, seed=seed)
