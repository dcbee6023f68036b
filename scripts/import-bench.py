#!/usr/bin/env python3
"""Writes the import yardstick's files for the demo county 示范县: N projects (default
10,000) of 2024 (a year the demo has no plan for) in the sectors integrated funds may pay
for, with their whole history to acceptance, their notices, and their funds — a fund
line, a receipt, an allocation and a payment for each project.

    python3 scripts/import-bench.py /tmp/bench 10000
    tracker seed demo
    for kind in fund-lines receipts projects allocations disbursements; do ... done

(see docs/performance.md, "Import yardstick", for the commands and the figures).
"""
import csv
import datetime as dt
import os
import sys

DEPARTMENTS = [
    ("道路", "示范县交通运输局"),
    ("人饮工程", "示范县水利局"),
    ("农网改造", "示范县供电公司"),
    ("通讯网络", "示范县通信发展办公室"),
    ("产业", "示范县农业农村局"),
    ("危房改造/易地搬迁", "示范县住房和城乡建设局"),
    ("其他", "示范县扶贫开发办公室"),
]
BUDGET = 150_000
LINE = "2024年统筹整合涉农资金（导入测试）"


def day(start, offset):
    return (start + dt.timedelta(days=offset)).isoformat()


def main():
    out, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    os.makedirs(out, exist_ok=True)

    def write(name, heading, rows):
        with open(os.path.join(out, name), "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(heading)
            w.writerows(rows)

    write(
        "fund-lines.csv",
        ["资金名称", "年度", "资金类型", "资金级次", "计划金额"],
        [[LINE, 2024, "统筹整合涉农资金", "中央", f"{n * BUDGET}.00"]],
    )
    write(
        "receipts.csv",
        ["资金名称", "年度", "文号", "到位金额", "到位日期"],
        [[LINE, 2024, "财农〔2024〕900号", f"{n * BUDGET}.00", "2024-01-02"]],
    )
    projects, allocations, payments = [], [], []
    for i in range(n):
        sector, department = DEPARTMENTS[i % len(DEPARTMENTS)]
        township = i % 10 + 1
        village = (i // 10) % 15 + 1
        start = dt.date(2024, 1, 5) + dt.timedelta(days=i % 30)
        code = f"IMP-{i + 1:05d}"
        projects.append([
            code, f"导入项目{i + 1}", day(start, 0), 2024, sector,
            f"990101{township:03d}000", f"990101{township:03d}{village:03d}", "新建", "建设内容",
            3, BUDGET, 50, 180, 5, 15, "建设任务:个:3",
            day(start, 40), day(start, 160),
            day(start, 5), day(start, 6), day(start, 17), day(start, 20),
            day(start, 22), department, day(start, 40), day(start, 25),
            day(start, 40), day(start, 150), 3, day(start, 152), day(start, 165), "合格", "已验收",
        ])
        allocations.append([LINE, 2024, code, f"{BUDGET}.00", day(start, 30)])
        payments.append([LINE, 2024, code, f"记-IMP-{i + 1:05d}", f"{BUDGET * 6 // 10}.00", day(start, 70)])
    write(
        "projects.csv",
        ["项目编码", "项目名称", "入库日期", "年度", "行业", "乡镇", "实施村", "建设性质", "建设内容",
         "建设规模", "项目预算", "受益户数", "受益人口", "受益贫困户数", "受益贫困人口", "绩效目标",
         "计划开工", "计划完工", "申报日期", "申报公示开始", "申报公示结束", "批复日期", "交办日期",
         "责任部门", "认领期限", "认领日期", "开工日期", "竣工日期", "完成工程量", "竣工公告日期",
         "验收日期", "验收等级", "当前状态"],
        projects,
    )
    write("allocations.csv", ["资金名称", "年度", "项目编码", "安排金额", "安排日期"], allocations)
    write("disbursements.csv", ["资金名称", "年度", "项目编码", "凭证号", "拨付金额", "拨付日期"], payments)
    print(f"wrote {n} projects with their funds to {out}")


if __name__ == "__main__":
    main()
