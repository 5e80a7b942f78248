"""A synthetic records repository of any size: realistic Chinese records, one commit per record.

An estate's customer-service centre over several years: customers (owners and a few companies with
equipment), repair and install orders, callbacks for nearly every order, complaints with their
handling steps and follow-up visits, routine visits and the odd open letter. Every record is one
commit by the clerk who wrote it, squash-merged with a ``Reviewed-by:`` trailer naming the
supervisor (most of the time), so provenance has real work to do. ``git fast-import`` writes the
history in seconds; a checkout fills the work tree.

Deterministic: the same (n, years, seed) gives the same repository, byte for byte.

    python bench/synth.py /tmp/repo-10k 10000 [--years 3]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

TZ = timezone(timedelta(hours=8))
END = date(2026, 11, 30)  # the last day with records; benchmarks judge as of this day
AS_OF = END.isoformat()

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
         "秀兰", "霞", "平", "刚", "桂英", "建华", "志强", "雨欣", "子涵", "浩然", "思远", "晓燕", "海燕", "国平",
         "文斌", "慧", "婷婷", "建军", "永康", "雅琴", "晨", "建国"]
ESTATES = ["翠湖花园", "金桂苑", "锦绣华庭", "滨江一号", "书香名邸", "云栖里", "梧桐公馆", "和光里"]
REGIONS = ["城东", "城西", "城南", "城北", "滨江"]
COMPANIES = ["联创电气设备有限公司", "恒通机电工程有限公司", "华东精密制造有限公司", "绿源物流有限公司",
             "中天建设集团有限公司", "明德医院后勤服务中心", "新世纪商业广场管理有限公司", "东方纺织印染厂"]
CITIES = ["杭州", "宁波", "绍兴", "嘉兴", "湖州", "金华"]
MODELS = ["KYN28A-12 铠装移开式开关柜", "GCS 低压抽出式开关柜", "XGN15-12 环网柜", "SCB13-1000 干式变压器",
          "MNS 低压开关柜"]
CATEGORIES_ORDER = ["空调", "水电", "门窗", "电梯", "热水器", "管道", "照明", "门禁"]
PROBLEMS = {
    "空调": ["空调不制冷", "空调外机噪音大", "空调漏水", "空调遥控失灵"],
    "水电": ["卫生间跳闸", "厨房插座没电", "水表走得快", "电闸经常跳"],
    "门窗": ["阳台推拉门关不严", "入户门锁芯卡住", "窗户漏风", "纱窗脱轨"],
    "电梯": ["电梯按键失灵", "轿厢照明不亮", "电梯门关得太快"],
    "热水器": ["热水器忽冷忽热", "热水器点不着火", "热水器漏水"],
    "管道": ["厨房下水堵塞", "卫生间地漏返味", "阳台排水管渗水", "楼上漏水到天花板"],
    "照明": ["楼道声控灯不亮", "地库照明不足", "单元门口路灯坏了"],
    "门禁": ["门禁卡刷不开", "可视对讲没有图像", "单元门闭门器损坏"],
}
COMPLAINT_TOPICS = [
    ("工程质量", "外墙渗水", "雨天外墙渗水，卧室墙面发霉，希望尽快修补外墙。"),
    ("工程质量", "电梯异响", "电梯运行时有异响，轿厢轻微抖动，老人不敢坐。"),
    ("服务过程", "保洁不到位", "楼道保洁不及时，垃圾桶周围有异味，希望增加清运次数。"),
    ("服务过程", "维修迟到", "约好上午维修，师傅下午才到，也没有提前打电话说明。"),
    ("设计规划", "停车位不足", "地库车位紧张，晚上经常没有车位，希望重新规划访客车位。"),
    ("其他", "噪音扰民", "楼下商铺晚上装修噪音很大，影响休息，希望物业出面协调。"),
    ("产品质量", "门禁故障", "单元门禁经常失灵，外来人员随意进出，存在安全隐患。"),
    ("销售承诺", "绿化未兑现", "购房时承诺的中心花园绿化至今没有完成，业主意见很大。"),
]
VISIT_LINES = [
    "师傅当天就修好了，{who}表示满意。",
    "{who}说维修后使用正常，师傅态度很好，现场也清理干净了。",
    "{who}反映比约定时间晚到了二十分钟，但问题已经解决，表示可以理解。",
    "{who}说修完第二天又有点小问题，已约师傅再上门看看。",
    "{who}对处理结果满意，建议以后提前一天短信通知上门时间。",
    "{who}说家里老人很满意，希望夏季高峰期多安排几位师傅。",
    "回访时{who}不在家，由家人代为回答，家人表示一切正常。",
    "{who}认为收费合理，未收取额外费用，对服务评价较高。",
]
ROUTINE_LINES = [
    "例行走访，了解{who}对小区环境和物业服务的意见。{who}希望夜间加强巡逻。",
    "季度例行回访，{who}对保洁和绿化比较满意，提出地库照明可以再亮一些。",
    "例行回访，{who}反映快递柜不够用，建议增加一组快递柜。",
    "电话征询意见，{who}对物业费使用公示表示认可，希望公布维修基金使用情况。",
]
HAPPY = ["非常满意", "满意", "满意", "满意", "非常满意"]
CLERKS = [("孙婷婷", "sunting@example.com"), ("郑国平", "zhengguoping@example.com"), ("顾晨", "guchen@example.com"),
          ("林慧", "linhui@example.com"), ("王丽娟", "wanglijuan@example.com"), ("陈静", "chenjing@example.com")]
SUPERVISORS = [("吴雅琴", "wuyaqin@example.com"), ("周建华", "zhoujianhua@example.com")]
TECHNICIANS = ["张志强", "刘建军", "何建军", "李明", "赵刚", "黄涛"]

STAFF_YML = "".join(
    f"- name: {name}\n  role: {'客服主管' if (name, mail) in SUPERVISORS else '客服专员'}\n"
    f"  reviewer: {'true' if (name, mail) in SUPERVISORS else 'false'}\n  emails: [{mail}]\n"
    for name, mail in SUPERVISORS + CLERKS
)


def _dt(d: datetime) -> str:
    return d.strftime("%Y-%m-%d %H:%M:00+08:00")


def _block(text: str) -> str:
    return "|\n  " + text + "\n"


@dataclass
class Rec:
    path: str
    text: str
    when: datetime  # commit time
    clerk: tuple[str, str]


class Synth:
    def __init__(self, n: int, years: int, seed: int):
        self.rnd = random.Random(seed)
        self.n = n
        self.start = date(END.year - years, END.month, END.day) + timedelta(days=1)
        self.days = (END - self.start).days + 1
        self.seq: dict[str, int] = {}
        self.records: list[Rec] = []
        self.customers: list[tuple[str, str]] = []  # (id, display name)
        self.by_issue: dict[str, list[str]] = {}

    def person(self) -> str:
        r = self.rnd
        return r.choice(SURNAMES) + r.choice(GIVEN)

    def next_id(self, prefix: str, day: date) -> str:
        key = f"{prefix}-{day:%Y%m%d}"
        self.seq[key] = self.seq.get(key, 0) + 1
        return f"{key}-{self.seq[key]:03d}"

    def add(self, folder: str, rid: str, text: str, when: datetime, day: date | None) -> None:
        sub = f"{day:%Y/%m}/" if day else ""
        self.records.append(Rec(f"records/{folder}/{sub}{rid}.yml", text, when, self.rnd.choice(CLERKS)))

    def customer(self, i: int) -> None:
        r = self.rnd
        cid = f"CUST-{i:05d}"
        estate, region = r.choice(ESTATES), r.choice(REGIONS)
        if i % 25 == 0:  # a company with equipment under the lifecycle rules
            name = r.choice(CITIES) + r.choice(COMPANIES)
            shipped = self.start + timedelta(days=r.randrange(max(1, self.days - 60)))
            text = (f"id: {cid}\nname: {name}\nclass: {r.choice('ABC')}\ntype: 企业\n"
                    f"phone: \"0571{r.randrange(10**7, 10**8)}\"\naddress: {region}工业园 {r.randrange(1, 99)} 号\n"
                    f"region: {region}\ncontract_amount: {r.randrange(20, 400) * 10000}\nproducts:\n"
                    f"  - model: {r.choice(MODELS)}\n    quantity: {r.randrange(1, 12)}\n    shipped: {shipped}\n"
                    f"    supporting: true\n")
        else:
            name = self.person()
            text = (f"id: {cid}\nname: {name}\nclass: {r.choice('ABCD')}\ntype: {r.choice(['业主', '业主', '住户'])}\n"
                    f"phone: \"13{r.randrange(10**8, 10**9)}\"\n"
                    f"address: {estate} {r.randrange(1, 30)} 栋 {r.randrange(1, 5)} 单元 {r.randrange(1, 33)}0{r.randrange(1, 5)}\n"
                    f"region: {region}\n")
        self.customers.append((cid, name))
        when = datetime.combine(self.start, datetime.min.time(), TZ) + timedelta(minutes=i)
        self.add("customers", cid, text, when, None)

    def order_and_callback(self, day: date, callback: bool) -> int:
        r = self.rnd
        cid, who = r.choice(self.customers)
        kind = "维修" if r.random() < 0.8 else "安装"
        cat = r.choice(CATEGORIES_ORDER)
        done = datetime.combine(day, datetime.min.time(), TZ) + timedelta(hours=r.randrange(8, 18), minutes=r.choice([0, 15, 30, 45]))
        oid = self.next_id("WO", day)
        text = (f"id: {oid}\ncustomer: {cid}\ntype: {kind}\ncompleted: {_dt(done)}\ntechnician: {r.choice(TECHNICIANS)}\n"
                f"region: {r.choice(REGIONS)}\ncategory: {cat}\ncharge: {r.choice([0, 0, 0, 50, 80, 120])}\n"
                f"service_mode: 上门\n")
        if kind == "维修":
            reported = done - timedelta(hours=r.randrange(2, 30))
            text += f"reported: {_dt(reported)}\nurgency: {r.choice(['一般', '一般', '紧急'])}\n"
            text += f"first_response: {_dt(reported + timedelta(minutes=r.randrange(10, 50)))}\n"
        self.add("orders", oid, text, done + timedelta(hours=1), day)
        made = 1
        if callback:
            vday = day + timedelta(days=1 if kind == "安装" else r.randrange(1, 3))
            if vday <= END:
                made += self.visit(vday, cid, who, purpose="维修回访" if kind == "维修" else "安装回访",
                                   related=[oid], line=r.choice(VISIT_LINES), problem=r.choice(PROBLEMS[cat]))
        return made

    def visit(self, day: date, cid: str, who: str, purpose: str, related=(), line: str = "", problem: str = "",
              method: str | None = None) -> int:
        r = self.rnd
        method = method or ("上门" if r.random() < 0.45 else "电话")
        at = datetime.combine(day, datetime.min.time(), TZ) + timedelta(hours=r.randrange(9, 19), minutes=r.choice([0, 10, 20, 30, 40, 50]))
        vid = self.next_id("HF", day)
        head = f"{method}回访{who}" + (f"（{problem}）" if problem else "") + "："
        text = (f"id: {vid}\ndate: {_dt(at)}\nrecorded: {_dt(at + timedelta(minutes=r.randrange(20, 90)))}\n"
                f"method: {method}\npurpose: {purpose}\ncustomer: {cid}\n")
        if related:
            text += "related:\n" + "".join(f"  - {x}\n" for x in related)
        text += (f"visitor: {r.choice(CLERKS)[0]}\ninterviewee: {who}\ncontent: {_block(head + line.format(who=who[0] + '女士' if r.random() < .5 else who[0] + '先生'))}"
                 f"satisfaction:\n  product: {r.choice(HAPPY)}\n  service: {r.choice(HAPPY)}\n")
        if purpose in ("维修回访", "安装回访"):
            text += "result: 正常\n"
        if method == "上门":
            text += "signature: " + ("已签名\n" if r.random() < 0.9 else "拒签\nrefusal_note: 客户说不习惯签字，口头表示满意\n")
        if r.random() < 0.1:
            text += f"needs: {r.choice(['希望增加夜间巡逻', '建议公布维修基金使用情况', '希望快递柜扩容', '希望维修前电话预约'])}\n"
        rev = day + timedelta(days=r.randrange(0, 2))
        sup = r.choice(SUPERVISORS)[0]
        text += f"review:\n  by: {sup}\n  date: {rev}\n  comment: {r.choice(['记录完整，同意', '问题已闭环', '请跟进客户建议', '同意'])}\n"
        self.add("visits", vid, text, at + timedelta(hours=2), day)
        return 1

    def complaint(self, day: date) -> int:
        r = self.rnd
        cid, who = r.choice(self.customers)
        category, topic, desc = r.choice(COMPLAINT_TOPICS)
        building = r.randrange(1, 12)
        issue = f"{building}栋-{topic}-{day.year}{(day.month - 1) // 3 + 1}"
        received = datetime.combine(day, datetime.min.time(), TZ) + timedelta(hours=r.randrange(9, 17), minutes=r.choice([0, 20, 40]))
        tid = self.next_id("TS", day)
        first = received + timedelta(minutes=r.randrange(5, 50))
        done = received + timedelta(days=r.randrange(1, 6), hours=r.randrange(0, 6))
        closed = done + timedelta(days=r.randrange(1, 4))
        handler, clerk = r.choice(TECHNICIANS), r.choice(CLERKS)[0]
        open_case = closed.date() > END
        text = (f"id: {tid}\nreceived: {_dt(received)}\nchannel: {r.choice(['电话', '电话', '来访', '网站', '邮件'])}\n"
                f"type: 投诉\ncategory: {category}\ncustomer: {cid}\nissue: {issue}\n"
                f"description: {_block(f'{who}反映{building}栋{desc}')}valid: true\ndepartment: 工程部\n"
                f"first_response: {_dt(first)}\nreply_by: {_dt(received + timedelta(hours=24))}\nactions:\n"
                f"  - at: {_dt(received)}\n    by: {clerk}\n    action: 受理\n    note: 业主{r.choice(['来电', '来访', '网上留言'])}\n"
                f"  - at: {_dt(first)}\n    by: {clerk}\n    action: 回复\n    note: 已向业主说明处理安排\n")
        if self.by_issue.get(issue):
            text += f"  - at: {_dt(first + timedelta(minutes=5))}\n    by: {clerk}\n    action: 升级\n    note: 同一问题再次投诉，已上报经理\n"
        if not open_case:
            text += (f"  - at: {_dt(done)}\n    by: {handler}\n    action: 处理\n    note: 现场处理完毕\n"
                     f"  - at: {_dt(closed)}\n    by: {clerk}\n    action: 结案\n    note: 回访满意，结案\n"
                     f"resolved: {_dt(done)}\nstatus: 已结案\n")
        else:
            text += "status: 处理中\n"
        self.add("complaints", tid, text, received + timedelta(hours=1), day)
        self.by_issue.setdefault(issue, []).append(tid)
        made = 1
        if not open_case:
            vday = done.date() + timedelta(days=r.randrange(1, 3))
            if vday <= END:
                made += self.visit(vday, cid, who, "投诉回访", [tid], r.choice(VISIT_LINES), topic)
            again = vday + timedelta(days=r.randrange(5, 10))
            if category in ("工程质量", "产品质量") and again <= END:
                made += self.visit(again, cid, who, "投诉回访", [tid], r.choice(VISIT_LINES), topic, method="电话")
        return made

    def letter(self, day: date, issue: str, complaints: list[str]) -> int:
        r = self.rnd
        lid = self.next_id("GKX", day)
        building, topic, _ = issue.split("-", 2)
        body = (f"尊敬的{building}各位业主：\n\n近期陆续有业主反映{topic}的问题。我司已会同相关单位现场检查，"
                f"制定了整改方案，计划于{(day + timedelta(days=7)):%m月%d日}前完成整改。\n\n"
                f"给大家带来不便，敬请谅解。整改完成后我们将逐户回访。\n\n客户服务中心\n{day:%Y 年 %m 月 %d 日}")
        text = (f"id: {lid}\nissue: {issue}\ndate: {day}\ntitle: 关于{building}{topic}问题处理安排的公开信\n"
                f"body: |\n" + "".join(f"  {ln}\n" if ln else "\n" for ln in body.split("\n"))
                + "complaints:\n" + "".join(f"  - {c}\n" for c in complaints[-5:])
                + f"approved_by: {r.choice(['钱文斌（总经理）', '周建华（客服经理）'])}\n")
        self.add("letters", lid, text, datetime.combine(day, datetime.min.time(), TZ) + timedelta(hours=17), day)
        return 1

    def make(self) -> list[Rec]:
        r = self.rnd
        n_customers = max(20, self.n // 16)
        for i in range(1, n_customers + 1):
            self.customer(i)
        left = self.n - n_customers
        made, day_i = 0, 0
        per_day = max(1.0, left / self.days)
        budget = 0.0
        while made < left:
            day = self.start + timedelta(days=day_i % self.days)
            day_i += 1
            budget += per_day
            while budget >= 1 and made < left:
                x = r.random()
                if x < 0.62:
                    k = self.order_and_callback(day, callback=left - made >= 2 and r.random() < 0.97)
                elif x < 0.74:
                    k = self.complaint(day) if left - made >= 2 else 0
                else:
                    cid, who = r.choice(self.customers)
                    k = self.visit(day, cid, who, r.choice(["例行回访", "意见征询"]), line=r.choice(ROUTINE_LINES))
                if k == 0:
                    cid, who = r.choice(self.customers)
                    k = self.visit(day, cid, who, "例行回访", line=r.choice(ROUTINE_LINES))
                made += k
                budget -= k
                if made < left and day.day == 28:
                    for issue, ts in list(self.by_issue.items()):
                        if len(ts) >= 3 and made < left:
                            made += self.letter(day, issue, ts)
                            budget -= 1
                            self.by_issue[issue] = []
        # a day's records are committed in time order, like clerks submitting them
        customers = [x for x in self.records if "/customers/" in x.path]
        rest = sorted((x for x in self.records if "/customers/" not in x.path), key=lambda x: (x.when, x.path))
        self.records = customers + rest
        return self.records


def fast_import_stream(records: list[Rec], seed: int) -> bytes:
    rnd = random.Random(seed + 1)
    out: list[bytes] = []
    staff = STAFF_YML.encode("utf-8")
    epoch0 = int(records[0].when.timestamp()) - 3600
    out.append(b"commit refs/heads/main\nmark :1\n")
    sup = SUPERVISORS[0]
    out.append(f"author {sup[0]} <{sup[1]}> {epoch0} +0800\ncommitter {sup[0]} <{sup[1]}> {epoch0} +0800\n".encode())
    msg = "初始化记录仓库".encode()
    out.append(b"data %d\n%s\n" % (len(msg), msg))
    readme = "# 回访记录（合成数据，用于性能基准）\n".encode()
    out.append(b"M 100644 inline staff.yml\ndata %d\n%s\n" % (len(staff), staff))
    out.append(b"M 100644 inline README.md\ndata %d\n%s\n\n" % (len(readme), readme))
    last = epoch0
    for i, rec in enumerate(records, start=1):
        when = max(int(rec.when.timestamp()), last + 1)
        last = when
        data = rec.text.encode("utf-8")
        rid = rec.path.rsplit("/", 1)[-1][:-4]
        clerk = rec.clerk
        body = f"提交记录 {rid} (#{i})\n"
        if rnd.random() < 0.9:
            s = rnd.choice(SUPERVISORS)
            body += f"\nReviewed-by: {s[0]} <{s[1]}>\n"
        b = body.encode("utf-8")
        out.append(f"commit refs/heads/main\nauthor {clerk[0]} <{clerk[1]}> {when} +0800\n"
                   f"committer {clerk[0]} <{clerk[1]}> {when} +0800\n".encode())
        out.append(b"data %d\n%s\n" % (len(b), b))
        out.append(b"M 100644 inline %s\ndata %d\n%s\n\n" % (rec.path.encode(), len(data), data))
    return b"".join(out)


GIT_ENV = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def make_repo(root: Path, n: int, years: int = 3, seed: int = 7) -> int:
    """Write the repository at root (which must not exist). Returns the number of record files."""
    records = Synth(n, years, seed).make()
    root.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True, env=GIT_ENV)
    subprocess.run(["git", "fast-import", "--quiet", "--done"], cwd=root,
                   input=fast_import_stream(records, seed) + b"done\n", check=True, env=GIT_ENV)
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=root, check=True, env=GIT_ENV)
    (root / "huifang.yml").write_text("thresholds:\n  households: %d\n" % max(1200, n // 8), encoding="utf-8")
    subprocess.run(["git", "add", "huifang.yml"], cwd=root, check=True, env=GIT_ENV)
    subprocess.run(["git", "-c", "user.name=吴雅琴", "-c", "user.email=wuyaqin@example.com", "commit", "-q", "-m",
                    "配置"], cwd=root, check=True, env=GIT_ENV)
    return len(records)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("root", type=Path)
    ap.add_argument("n", type=int)
    ap.add_argument("--years", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    if args.root.exists():
        print(f"{args.root} 已存在", file=sys.stderr)
        return 2
    made = make_repo(args.root, args.n, args.years, args.seed)
    print(f"{args.root}: {made} 条记录")
    return 0


if __name__ == "__main__":
    sys.exit(main())
