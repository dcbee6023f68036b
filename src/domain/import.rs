//! 导入 — bringing the county's own spreadsheets in: the kinds that can be imported, each
//! kind's columns (Chinese and English headings, required or not, what a cell holds), and
//! how a clerk's cell is read — full-width digits, thousands separators, amounts in 万元 with
//! the unit in the heading or a note above the table, dates written 2026-03-05, 2026/3/5,
//! 2026.3.5, 2026年3月5日 or as an Excel day number.
//!
//! The rules a row must then pass are the API's own: an imported row goes through the same
//! use case as the mutation would.
use super::fault::Fault;
use super::money::Money;
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// What a file holds.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[graphql(name = "ImportKind")]
pub enum Kind {
    /// 资金项 — fund lines (资金名称, 年度, 类型, 级次, 计划金额).
    FundLines,
    /// 资金到位 — receipts on a line (文号 is the key).
    Receipts,
    /// 资金安排 — allocations of a line's money to projects (the line, project and day are
    /// the key).
    Allocations,
    /// 资金拨付 — payments of an allocation (凭证号 is the key).
    Disbursements,
    /// 进度填报 — progress reports of projects under construction (the project and the
    /// day are the key), by the department building them.
    Progress,
    /// 行政区划 — regions with their poverty-village flag and registered poor (the code is
    /// the key), parents before children.
    Regions,
    /// 村级数据 — a poverty village's population, poor and exited for a year (the village
    /// and year are the key), by its township or the poverty office.
    VillageFigures,
    /// 达标登记 — the exit register's judgements: a village's indicator on a day (the
    /// village, indicator and day are the key).
    ExitRegister,
    /// 项目库 — the project-library record with its history as of its dates (申报, 批复,
    /// 交办, 认领, 开工, 竣工, 验收 and their notices); 项目编码 is the key.
    Projects,
    /// 年度计划 — the annual plan's versions: the fund lines' amounts, the sectors'
    /// targets and the project rows (整合方案); the year and version are the key.
    Plan,
}

text_enum!(Kind {
    FundLines => "fund-lines",
    Receipts => "receipts",
    Allocations => "allocations",
    Disbursements => "disbursements",
    Progress => "progress",
    Regions => "regions",
    VillageFigures => "village-figures",
    ExitRegister => "exit-register",
    Projects => "projects",
    Plan => "plan",
});

impl Kind {
    /// In the order a county brings its books in: each kind after those it refers to.
    pub const ALL: [Kind; 10] = [
        Kind::Regions,
        Kind::VillageFigures,
        Kind::ExitRegister,
        Kind::FundLines,
        Kind::Projects,
        Kind::Plan,
        Kind::Receipts,
        Kind::Allocations,
        Kind::Disbursements,
        Kind::Progress,
    ];

    pub fn chinese_name(self) -> &'static str {
        match self {
            Kind::FundLines => "资金项",
            Kind::Receipts => "资金到位",
            Kind::Allocations => "资金安排",
            Kind::Disbursements => "资金拨付",
            Kind::Progress => "进度填报",
            Kind::Regions => "行政区划",
            Kind::VillageFigures => "村级数据",
            Kind::ExitRegister => "达标登记",
            Kind::Projects => "项目库",
            Kind::Plan => "年度计划",
        }
    }

    /// The columns, in the template's order.
    pub fn columns(self) -> &'static [Column] {
        match self {
            Kind::FundLines => FUND_LINE_COLUMNS,
            Kind::Receipts => RECEIPT_COLUMNS,
            Kind::Allocations => ALLOCATION_COLUMNS,
            Kind::Disbursements => DISBURSEMENT_COLUMNS,
            Kind::Progress => PROGRESS_COLUMNS,
            Kind::Regions => REGION_COLUMNS,
            Kind::VillageFigures => VILLAGE_FIGURE_COLUMNS,
            Kind::ExitRegister => EXIT_REGISTER_COLUMNS,
            Kind::Projects => PROJECT_COLUMNS,
            Kind::Plan => PLAN_COLUMNS,
        }
    }

    /// The column with `key`.
    pub fn column(self, key: &str) -> Option<&'static Column> {
        self.columns().iter().find(|c| c.key == key)
    }
}

/// How a run writes.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[graphql(name = "ImportMode")]
pub enum Mode {
    /// Check every row; write nothing.
    DryRun,
    /// Write every row, or none if any is refused or in conflict (the default).
    All,
    /// Write the rows that pass; report the others.
    Partial,
}

text_enum!(Mode {
    DryRun => "DRY_RUN",
    All => "ALL",
    Partial => "PARTIAL",
});

/// What became of a row.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[graphql(name = "ImportRowStatus")]
pub enum RowStatus {
    /// Passed every check: written (or, in a dry run or a refused ALL run, would be).
    Accepted,
    /// Already in the tracker as the row says: nothing to write.
    Unchanged,
    /// Its key is in the tracker with other values: not overwritten.
    Conflict,
    /// Refused: see its errors.
    Refused,
}

text_enum!(RowStatus {
    Accepted => "ACCEPTED",
    Unchanged => "UNCHANGED",
    Conflict => "CONFLICT",
    Refused => "REFUSED",
});

/// What a cell holds.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Text,
    /// Yuan, to the fen (or 万元 when the heading or a note says so).
    Money,
    Date,
    Integer,
    /// A quantity in the sector's unit (three decimals at most).
    Quantity,
    /// Yes or no (是/否).
    Flag,
    /// One of a list: the template offers it as a drop-down.
    Choice(&'static [(&'static str, &'static str)]),
}

/// One column of a kind.
#[derive(Copy, Clone, Debug)]
pub struct Column {
    /// The input field it fills (and the English heading).
    pub key: &'static str,
    /// The heading in the template.
    pub chinese: &'static str,
    /// Other headings clerks use for it.
    pub aliases: &'static [&'static str],
    pub required: bool,
    pub value: Value,
    /// What to write, for the instructions sheet.
    pub help: &'static str,
}

/// 资金类型, as the API names them and as a clerk does.
pub const FUND_KINDS: &[(&str, &str)] = &[
    ("INTEGRATED_AGRICULTURAL", "统筹整合涉农资金"),
    ("COUNTY_MATCHING", "县本级配套资金"),
    ("POLICY_LOAN", "政策性金融贷款"),
    ("SECTOR", "行业资金"),
    ("EAST_WEST", "东西部协作资金"),
    ("SOCIAL", "社会帮扶资金"),
    ("SELF_RAISED", "自筹资金"),
];

/// 资金级次.
pub const FUND_LEVELS: &[(&str, &str)] = &[
    ("CENTRAL", "中央"),
    ("PROVINCIAL", "省级"),
    ("MUNICIPAL", "市级"),
    ("COUNTY", "县级"),
];

const LINE: Column = Column {
    key: "fundLine",
    chinese: "资金名称",
    aliases: &["资金项", "资金项目", "fund line"],
    required: true,
    value: Value::Text,
    help: "the fund line's name as entered under 资金项 (of the same year)",
};
const YEAR: Column = Column {
    key: "year",
    chinese: "年度",
    aliases: &["资金年度"],
    required: true,
    value: Value::Integer,
    help: "the programme year, e.g. 2026",
};
const AMOUNT: Column = Column {
    key: "amount",
    chinese: "金额",
    aliases: &[],
    required: true,
    value: Value::Money,
    help: "yuan to the fen; in 万元 when the heading or a note above the table says 万元",
};
const DATE: Column = Column {
    key: "date",
    chinese: "日期",
    aliases: &["业务日期", "发生日期"],
    required: true,
    value: Value::Date,
    help: "the day it happened: 2026-03-05, 2026/3/5, 2026.3.5 or 2026年3月5日",
};
const NOTE: Column = Column {
    key: "note",
    chinese: "备注",
    aliases: &["说明"],
    required: false,
    value: Value::Text,
    help: "at most 2000 characters",
};

const FUND_LINE_COLUMNS: &[Column] = &[
    Column { key: "name", ..LINE },
    YEAR,
    Column {
        key: "kind",
        chinese: "资金类型",
        aliases: &["类型", "资金性质"],
        required: true,
        value: Value::Choice(FUND_KINDS),
        help: "one of the list",
    },
    Column {
        key: "level",
        chinese: "资金级次",
        aliases: &["级次", "资金来源"],
        required: true,
        value: Value::Choice(FUND_LEVELS),
        help: "中央, 省级, 市级 or 县级",
    },
    Column {
        key: "plannedAmount",
        chinese: "计划金额",
        aliases: &["年计划"],
        ..AMOUNT
    },
    Column {
        key: "povertyTargeted",
        chinese: "扶贫资金",
        aliases: &["是否扶贫资金"],
        required: false,
        value: Value::Flag,
        help: "是 or 否; by the kind when left empty",
    },
];

const RECEIPT_COLUMNS: &[Column] = &[
    LINE,
    YEAR,
    Column {
        key: "documentNo",
        chinese: "文号",
        aliases: &["下达文号", "指标文号"],
        required: true,
        value: Value::Text,
        help: "the document that sent the money; with the line, the row's key",
    },
    Column {
        key: "amount",
        chinese: "到位金额",
        aliases: &["金额"],
        ..AMOUNT
    },
    Column {
        key: "date",
        chinese: "到位日期",
        ..DATE
    },
    NOTE,
];

const PROJECT: Column = Column {
    key: "project",
    chinese: "项目编码",
    aliases: &["项目编号", "project code"],
    required: true,
    value: Value::Text,
    help: "the project's code in the tracker, e.g. 2026-ROAD-0001",
};

const ALLOCATION_COLUMNS: &[Column] = &[
    LINE,
    YEAR,
    PROJECT,
    Column {
        key: "amount",
        chinese: "安排金额",
        aliases: &["金额"],
        ..AMOUNT
    },
    Column {
        key: "date",
        chinese: "安排日期",
        ..DATE
    },
    Column {
        key: "confirmAboveBudget",
        chinese: "超概算",
        aliases: &["是否超概算"],
        required: false,
        value: Value::Flag,
        help: "是 to allocate above the project's budget (then 备注 says why)",
    },
    Column {
        key: "outsidePlan",
        chinese: "计划外",
        aliases: &["是否计划外"],
        required: false,
        value: Value::Flag,
        help: "是 when the allocation is outside the plan in force (then 备注 says why)",
    },
    NOTE,
];

const DISBURSEMENT_COLUMNS: &[Column] = &[
    LINE,
    YEAR,
    PROJECT,
    Column {
        key: "voucherNo",
        chinese: "凭证号",
        aliases: &["支付凭证号", "凭证编号"],
        required: true,
        value: Value::Text,
        help: "the payment voucher; the row's key",
    },
    Column {
        key: "amount",
        chinese: "拨付金额",
        aliases: &["支付金额", "金额"],
        ..AMOUNT
    },
    Column {
        key: "date",
        chinese: "拨付日期",
        aliases: &["支付日期"],
        ..DATE
    },
    Column {
        key: "isRetention",
        chinese: "质保金",
        aliases: &["是否质保金"],
        required: false,
        value: Value::Flag,
        help: "是 when this pays out retention (质保金)",
    },
    Column {
        key: "earlyReleaseReason",
        chinese: "提前退还原因",
        aliases: &["提前退还理由"],
        required: false,
        value: Value::Text,
        help: "for retention paid before it falls due (acceptance + the guarantee period): why it is released early",
    },
    NOTE,
];

const REGION_COLUMNS: &[Column] = &[
    Column {
        key: "code",
        chinese: "区划代码",
        aliases: &["行政区划代码", "代码"],
        required: true,
        value: Value::Text,
        help: "the 12-digit code; its parent (the code with its last level zeroed) must exist or come in the same file",
    },
    Column {
        key: "name",
        chinese: "名称",
        aliases: &["区划名称", "单位名称"],
        required: true,
        value: Value::Text,
        help: "the region's name",
    },
    Column {
        key: "isPovertyVillage",
        chinese: "贫困村",
        aliases: &["是否贫困村", "is_poverty_village"],
        required: false,
        value: Value::Flag,
        help: "是 for a poverty village (villages only)",
    },
    Column {
        key: "poorHouseholds",
        chinese: "贫困户数",
        aliases: &["建档立卡贫困户", "poor_households"],
        required: false,
        value: Value::Integer,
        help: "registered poor households",
    },
    Column {
        key: "poorPeople",
        chinese: "贫困人口",
        aliases: &["建档立卡贫困人口", "poor_people"],
        required: false,
        value: Value::Integer,
        help: "registered poor people",
    },
];

const fn count(key: &'static str, chinese: &'static str, aliases: &'static [&'static str]) -> Column {
    Column {
        key,
        chinese,
        aliases,
        required: true,
        value: Value::Integer,
        help: "a whole number, 0 or more",
    }
}

const VILLAGE_FIGURE_COLUMNS: &[Column] = &[
    Column {
        key: "villageCode",
        chinese: "村代码",
        aliases: &["行政村代码", "区划代码"],
        required: true,
        value: Value::Text,
        help: "the poverty village's 12-digit code",
    },
    YEAR,
    count("population", "总人口", &["户籍人口", "乡村人口"]),
    count("poorHouseholds", "贫困户数", &["建档立卡贫困户数"]),
    count("poorPeople", "贫困人口", &["建档立卡贫困人口"]),
    count("exitedHouseholds", "已脱贫户数", &["脱贫户数"]),
    count("exitedPeople", "已脱贫人口", &["脱贫人口"]),
];

/// 是否达标, as the register writes it.
pub const EXIT_STATES: &[(&str, &str)] = &[("MET", "达标"), ("GAP", "未达标"), ("NOT_APPLICABLE", "不涉及")];

const EXIT_REGISTER_COLUMNS: &[Column] = &[
    Column {
        key: "villageCode",
        chinese: "村代码",
        aliases: &["行政村代码", "区划代码"],
        required: true,
        value: Value::Text,
        help: "the poverty village's 12-digit code",
    },
    Column {
        key: "indicator",
        chinese: "指标",
        aliases: &["退出指标", "指标代码"],
        required: true,
        value: Value::Text,
        help: "the indicator as the county's standard names it (通硬化路…) or its code (ROAD…)",
    },
    Column {
        key: "state",
        chinese: "是否达标",
        aliases: &["达标情况"],
        required: false,
        value: Value::Choice(EXIT_STATES),
        help: "达标, 未达标 or 不涉及; for a measured indicator leave it empty and give 数值",
    },
    Column {
        key: "value",
        chinese: "数值",
        aliases: &["测算值"],
        required: false,
        value: Value::Quantity,
        help: "for a measured indicator (贫困发生率 %, 集体经济收入 万元…)",
    },
    Column {
        key: "date",
        chinese: "认定日期",
        aliases: &["核验日期"],
        ..DATE
    },
    Column {
        key: "evidence",
        chinese: "佐证说明",
        aliases: &["佐证"],
        required: false,
        value: Value::Text,
        help: "at most 2000 characters",
    },
];

const PROGRESS_COLUMNS: &[Column] = &[
    PROJECT,
    Column {
        key: "reportedOn",
        chinese: "填报日期",
        aliases: &["进度日期", "截至日期"],
        ..DATE
    },
    Column {
        key: "completedQuantity",
        chinese: "累计完成量",
        aliases: &["完成工程量", "累计完成工程量"],
        required: true,
        value: Value::Quantity,
        help: "cumulative, in the sector's unit (公里, 处, 户…), at most 3 decimals",
    },
    Column {
        key: "investedAmount",
        chinese: "累计完成投资",
        aliases: &["完成投资"],
        ..AMOUNT
    },
    Column {
        key: "correction",
        chinese: "更正",
        aliases: &["是否更正"],
        required: false,
        value: Value::Flag,
        help: "是 when the report lowers the last one (a correction)",
    },
    Column {
        key: "confirmAbovePlan",
        chinese: "超计划",
        aliases: &["是否超计划"],
        required: false,
        value: Value::Flag,
        help: "是 when the quantity is above the project's plan (then 备注 says why)",
    },
    NOTE,
];

/// 行业, as the API names them and as a clerk does.
pub const SECTORS: &[(&str, &str)] = &[
    ("ROAD", "道路"),
    ("DRINKING_WATER", "人饮工程"),
    ("CLINIC", "标准化卫生室"),
    ("POWER_GRID", "农网改造"),
    ("EDUCATION", "教育基础设施"),
    ("TELECOM", "通讯网络"),
    ("INDUSTRY", "产业"),
    ("HOUSING", "危房改造/易地搬迁"),
    ("OTHER", "其他"),
];

/// 建设性质.
pub const NATURES: &[(&str, &str)] = &[("NEW", "新建"), ("CONTINUED", "续建"), ("RENOVATION", "改扩建")];

/// 验收等级.
pub const GRADES: &[(&str, &str)] = &[("QUALIFIED", "合格"), ("EXCELLENT", "优质")];

/// 当前状态 — where the steps of a row lead (the history is the dates; this checks them).
pub const STATUSES: &[(&str, &str)] = &[
    ("DRAFT", "草稿"),
    ("SUBMITTED", "已申报"),
    ("APPROVED", "已纳入计划"),
    ("ASSIGNED", "已交办"),
    ("CLAIMED", "已认领"),
    ("UNDER_CONSTRUCTION", "在建"),
    ("COMPLETED", "已竣工"),
    ("ACCEPTED", "已验收"),
    ("REJECTED", "未通过"),
    ("CANCELLED", "已取消"),
];

const fn date(key: &'static str, chinese: &'static str, help: &'static str) -> Column {
    Column {
        key,
        chinese,
        aliases: &[],
        required: false,
        value: Value::Date,
        help,
    }
}

const fn optional_count(key: &'static str, chinese: &'static str, aliases: &'static [&'static str]) -> Column {
    Column {
        required: false,
        ..count(key, chinese, aliases)
    }
}

/// The project library: the record, then each step's day in lifecycle order. A step's day
/// given means the step happened; the steps before it must be given too.
const PROJECT_COLUMNS: &[Column] = &[
    Column {
        key: "code",
        chinese: "项目编码",
        aliases: &["项目编号", "project code"],
        required: false,
        value: Value::Text,
        help: "the county's own code (the row's key); empty: the tracker numbers it (2026-ROAD-0001) and the name, township and year are the key",
    },
    Column {
        key: "name",
        chinese: "项目名称",
        aliases: &[],
        required: true,
        value: Value::Text,
        help: "at most 200 characters",
    },
    Column {
        key: "createdOn",
        chinese: "入库日期",
        aliases: &["录入日期"],
        required: true,
        value: Value::Date,
        help: "the day the township drafted it",
    },
    YEAR,
    Column {
        key: "sector",
        chinese: "行业",
        aliases: &["项目类型", "行业类别"],
        required: true,
        value: Value::Choice(SECTORS),
        help: "one of the list",
    },
    Column {
        key: "township",
        chinese: "乡镇",
        aliases: &["实施乡镇", "所属乡镇"],
        required: true,
        value: Value::Text,
        help: "the township's name or 12-digit code",
    },
    Column {
        key: "villageCodes",
        chinese: "实施村",
        aliases: &["项目村", "受益村", "村"],
        required: true,
        value: Value::Text,
        help: "the villages served, by name or code, separated by 、 or ；",
    },
    Column {
        key: "nature",
        chinese: "建设性质",
        aliases: &[],
        required: true,
        value: Value::Choice(NATURES),
        help: "新建, 续建 or 改扩建",
    },
    Column {
        key: "content",
        chinese: "建设内容",
        aliases: &["建设内容及规模"],
        required: false,
        value: Value::Text,
        help: "at most 5000 characters",
    },
    Column {
        key: "plannedQuantity",
        chinese: "建设规模",
        aliases: &["计划工程量", "工程量"],
        required: true,
        value: Value::Quantity,
        help: "in the sector's unit (公里, 处, 户, 个), at most 3 decimals",
    },
    Column {
        key: "budget",
        chinese: "项目预算",
        aliases: &["预算", "总投资", "概算投资"],
        ..AMOUNT
    },
    optional_count("households", "受益户数", &["受益户"]),
    optional_count("people", "受益人口", &["受益人数"]),
    optional_count("poorHouseholds", "受益贫困户数", &["贫困户数", "受益贫困户"]),
    optional_count("poorPeople", "受益贫困人口", &["贫困人口", "受益贫困人数"]),
    Column {
        key: "performanceTargets",
        chinese: "绩效目标",
        aliases: &[],
        required: false,
        value: Value::Text,
        help: "指标:单位:目标, several separated by ；, e.g. 新建硬化路:公里:5.2；受益人口:人:860",
    },
    date("plannedStart", "计划开工", "the planned start"),
    date("plannedFinish", "计划完工", "the planned finish"),
    date(
        "submittedOn",
        "申报日期",
        "the day the township submitted it (镇村申报)",
    ),
    date(
        "noticeStart",
        "申报公示开始",
        "the application notice's first day, at the township board (needed before 批复 where the county's rules ask for it)",
    ),
    date("noticeEnd", "申报公示结束", "the application notice's last day"),
    date(
        "approvedOn",
        "批复日期",
        "the day the county approved it into the plan (县级统筹)",
    ),
    date(
        "assignedOn",
        "交办日期",
        "the day it was handed to the department (清单交办)",
    ),
    Column {
        key: "department",
        chinese: "责任部门",
        aliases: &["实施单位", "主管部门"],
        required: false,
        value: Value::Text,
        help: "the department's name as the tracker has it; with 交办日期",
    },
    date("deadline", "认领期限", "the claim deadline; with 交办日期"),
    date("claimedOn", "认领日期", "the day the department claimed it (部门认领)"),
    date("startedOn", "开工日期", "the day construction started"),
    date("finishedOn", "竣工日期", "the day construction finished"),
    Column {
        key: "finalQuantity",
        chinese: "完成工程量",
        aliases: &["竣工工程量"],
        required: false,
        value: Value::Quantity,
        help: "the quantity built; with 竣工日期",
    },
    date(
        "completionNoticeOn",
        "竣工公告日期",
        "the day the completion notice went up at the township board (needed before 验收 where the county's rules ask for it)",
    ),
    date("acceptedOn", "验收日期", "the day of acceptance (验收)"),
    Column {
        key: "grade",
        chinese: "验收等级",
        aliases: &["验收结论"],
        required: false,
        value: Value::Choice(GRADES),
        help: "合格 or 优质; with 验收日期",
    },
    date(
        "rejectedOn",
        "否决日期",
        "the day the county rejected the application (after 申报日期)",
    ),
    date("cancelledOn", "取消日期", "the day the project was cancelled"),
    Column {
        key: "reason",
        chinese: "否决或取消原因",
        aliases: &["取消原因", "否决原因"],
        required: false,
        value: Value::Text,
        help: "why; with 否决日期 or 取消日期",
    },
    Column {
        key: "status",
        chinese: "当前状态",
        aliases: &["项目状态", "状态"],
        required: false,
        value: Value::Choice(STATUSES),
        help: "optional: where the dates lead; a row whose dates lead elsewhere is refused",
    },
];

/// The annual plan: one row per fund line's amount, sector's target or project row; the
/// rows of a year and version make that version, approved on its 批复日期.
const PLAN_COLUMNS: &[Column] = &[
    YEAR,
    Column {
        key: "version",
        chinese: "版本",
        aliases: &["计划版本"],
        required: true,
        value: Value::Integer,
        help: "1 for the plan, 2, 3… for each adjustment (计划调整), in order",
    },
    Column {
        key: "approvedOn",
        chinese: "批复日期",
        aliases: &["批准日期"],
        required: false,
        value: Value::Date,
        help: "the day the version was approved; empty: it stays a draft",
    },
    Column {
        key: "documentNo",
        chinese: "文号",
        aliases: &["批复文号"],
        required: false,
        value: Value::Text,
        help: "the document setting or adjusting the plan",
    },
    Column {
        key: "reason",
        chinese: "调整原因",
        aliases: &["调整理由"],
        required: false,
        value: Value::Text,
        help: "why the version adjusts the one before",
    },
    Column {
        key: "fundLine",
        required: false,
        help: "a fund line of the year: with 计划金额 alone, its planned amount; with 项目编码, the project row's line",
        ..LINE
    },
    Column {
        key: "plannedAmount",
        chinese: "计划金额",
        aliases: &["金额", "安排金额"],
        required: false,
        ..AMOUNT
    },
    Column {
        key: "sector",
        chinese: "行业",
        aliases: &["项目类型"],
        required: false,
        value: Value::Choice(SECTORS),
        help: "with 目标工程量 and 目标项目数: the sector's target",
    },
    Column {
        key: "targetQuantity",
        chinese: "目标工程量",
        aliases: &["计划建设规模"],
        required: false,
        value: Value::Quantity,
        help: "in the sector's unit",
    },
    Column {
        key: "targetCount",
        chinese: "目标项目数",
        aliases: &["计划项目数"],
        required: false,
        value: Value::Integer,
        help: "a whole number",
    },
    Column {
        key: "project",
        required: false,
        help: "a project row of the plan (整合方案): the project's code; with 资金名称 and 计划金额 the money planned for it",
        ..PROJECT
    },
];

/// Reads 绩效目标: `指标:单位:目标` items separated by ；, ; or a new line.
pub fn parse_targets(raw: &str) -> Result<Vec<(String, String, Decimal)>, String> {
    raw.split(['；', ';', '\n'])
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            let parts: Vec<&str> = item.split([':', '：']).map(str::trim).collect();
            match parts.as_slice() {
                [indicator, unit, target] if !indicator.is_empty() => parse_quantity(target)
                    .map(|t| (indicator.to_string(), unit.to_string(), t))
                    .map_err(|m| format!("`{item}`: {m}")),
                _ => Err(format!("`{item}` is not 指标:单位:目标")),
            }
        })
        .collect()
}

/// Splits a list of names or codes (实施村) at 、, ，, comma, ；, ; or a new line.
pub fn split_list(raw: &str) -> Vec<String> {
    raw.split(['、', '，', ',', '；', ';', '\n'])
        .map(half_width)
        .filter(|s| !s.is_empty())
        .collect()
}

/// Money's unit in a file.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Unit {
    Yuan,
    /// 万元: ten thousand yuan; six decimals reach the fen.
    Wan,
}

/// Turns full-width digits, letters and punctuation (０-９, ．, ，, －, ／, （）) into their
/// ASCII forms and trims; ideographic spaces go too.
pub fn half_width(raw: &str) -> String {
    raw.chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '。' => '.',
            _ => c,
        })
        .collect::<String>()
        .trim()
        .to_string()
}

/// A heading as compared: half-width, without spaces, lower case.
pub fn heading_key(raw: &str) -> String {
    half_width(raw)
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '*')
        .collect::<String>()
        .to_lowercase()
}

/// The unit a note above a table names: a cell that begins 单位：万元 (or 元). Other text
/// that merely mentions 万元 (a title's 第一批3000万元) names none.
pub fn unit_note(raw: &str) -> Option<Unit> {
    let text: String = half_width(raw).chars().filter(|c| !c.is_whitespace()).collect();
    let rest = text.strip_prefix("单位:")?;
    if rest.starts_with("万元") {
        Some(Unit::Wan)
    } else if rest.starts_with('元') {
        Some(Unit::Yuan)
    } else {
        None
    }
}

/// The unit a money column's heading names in brackets at its end: 金额（万元）, 金额(元).
pub fn heading_unit(raw: &str) -> Option<Unit> {
    let text: String = half_width(raw).chars().filter(|c| !c.is_whitespace()).collect();
    if text.ends_with("(万元)") {
        Some(Unit::Wan)
    } else if text.ends_with("(元)") {
        Some(Unit::Yuan)
    } else {
        None
    }
}

/// Which of `kind`'s columns a heading names: its key, its Chinese heading, or an alias,
/// compared without spaces, width or case, and without a unit in brackets.
pub fn match_heading(kind: Kind, raw: &str) -> Option<&'static Column> {
    let key = heading_key(raw);
    if key.is_empty() {
        return None;
    }
    let bare = strip_unit(&key);
    kind.columns().iter().find(|c| {
        [c.key, c.chinese]
            .iter()
            .chain(c.aliases.iter())
            .map(|name| heading_key(name))
            .any(|name| name == key || name == bare)
    })
}

/// A heading without a trailing unit in brackets: 金额(万元) → 金额.
fn strip_unit(key: &str) -> String {
    match key.rfind('(') {
        Some(open) if key.ends_with(')') => key[..open].to_string(),
        _ => key.to_string(),
    }
}

/// Reads an amount: digits (any width), an optional sign, thousands separators in groups
/// of three, a trailing 元 or 万元 (which wins over `unit`); exact to the fen or refused —
/// no exponents, no rounding.
pub fn parse_money(raw: &str, unit: Unit) -> Result<Money, String> {
    let bad = || format!("`{}` is not an amount", raw.trim());
    let half = half_width(raw).replace([' ', '¥', '￥'], "");
    let whole = half.split('.').next().unwrap_or("");
    if whole.contains(',') {
        let groups: Vec<&str> = whole.trim_start_matches(['-', '+']).split(',').collect();
        if groups[0].is_empty() || groups[0].len() > 3 || groups[1..].iter().any(|g| g.len() != 3) {
            return Err(bad());
        }
    }
    let mut text = half.replace(',', "");
    let mut unit = unit;
    if let Some(stripped) = text.strip_suffix("万元") {
        text = stripped.to_string();
        unit = Unit::Wan;
    } else if let Some(stripped) = text.strip_suffix('元') {
        text = stripped.to_string();
        unit = Unit::Yuan;
    }
    if !text.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+')) {
        return Err(bad());
    }
    let value = Decimal::from_str_exact(&text).map_err(|_| bad())?;
    let yuan = match unit {
        Unit::Yuan => Some(value),
        Unit::Wan => value.checked_mul(Decimal::from(10_000)),
    }
    .ok_or_else(bad)?;
    if yuan.normalize().scale() > 2 {
        return Err(format!(
            "`{}` {} is not a whole number of fen",
            raw.trim(),
            if unit == Unit::Wan { "万元" } else { "元" }
        ));
    }
    Money::parse(yuan).map_err(|e| e.to_string())
}

/// The day Excel counts from (its day 0 is 1899-12-30, after its 1900 leap-year bug).
fn excel_epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1899, 12, 30).unwrap_or_default()
}

/// Reads a date: 2026-03-05, 2026/3/5, 2026.3.5, 2026年3月5日, 20260305, or an Excel day
/// number (46086); any width of digits.
pub fn parse_date(raw: &str) -> Result<NaiveDate, String> {
    let mut text = half_width(raw);
    let bad = || format!("`{}` is not a date: write it as 2026-03-05", raw.trim());
    // A time of day after the date (2026-03-05 00:00:00, as some exports write it) is left out.
    if let Some((day, time)) = text.split_once([' ', 'T'])
        && time.contains(':')
    {
        text = day.to_string();
    }
    if text.chars().all(|c| c.is_ascii_digit()) {
        if text.len() == 8 {
            return NaiveDate::parse_from_str(&text, "%Y%m%d").map_err(|_| bad());
        }
        // An Excel day number, as a workbook's date cell reads when its format is lost.
        // (36526 is 2000-01-01 and 73050 is 2099-12-31: other numbers are no dates.)
        if let Ok(days) = text.parse::<i64>()
            && (36_526..=73_050).contains(&days)
        {
            return Ok(excel_epoch() + chrono::Duration::days(days));
        }
        return Err(bad());
    }
    let unified: String = text.replace(['年', '月', '/', '.'], "-").replace('日', "");
    let parts: Vec<&str> = unified.split('-').map(str::trim).collect();
    if parts.len() != 3 {
        return Err(bad());
    }
    let (y, m, d) = (
        parts[0].parse::<i32>().map_err(|_| bad())?,
        parts[1].parse::<u32>().map_err(|_| bad())?,
        parts[2].parse::<u32>().map_err(|_| bad())?,
    );
    if parts[0].len() != 4 {
        return Err(bad());
    }
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(bad)
}

/// Reads a quantity: digits (any width), at most three decimals, not negative.
pub fn parse_quantity(raw: &str) -> Result<Decimal, String> {
    let text = half_width(raw).replace(',', "");
    if !text.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Err(format!("`{}` is not a quantity", raw.trim()));
    }
    Decimal::from_str_exact(&text).map_err(|_| format!("`{}` is not a quantity", raw.trim()))
}

/// Reads a whole number (any width of digits).
pub fn parse_integer(raw: &str) -> Result<i64, String> {
    let text = half_width(raw).replace(',', "");
    text.strip_suffix(".0")
        .unwrap_or(&text)
        .parse::<i64>()
        .map_err(|_| format!("`{}` is not a whole number", raw.trim()))
}

/// Reads yes or no: 是/否, Y/N, true/false, 1/0.
pub fn parse_flag(raw: &str) -> Result<bool, String> {
    match heading_key(raw).as_str() {
        "是" | "y" | "yes" | "true" | "1" | "√" => Ok(true),
        "否" | "n" | "no" | "false" | "0" | "" => Ok(false),
        _ => Err(format!("`{}` is not 是 or 否", raw.trim())),
    }
}

/// Reads a choice by its code or its Chinese name.
pub fn parse_choice(raw: &str, choices: &[(&'static str, &'static str)]) -> Result<&'static str, String> {
    let key = heading_key(raw);
    choices
        .iter()
        .find(|(code, name)| heading_key(code) == key || heading_key(name) == key)
        .map(|(code, _)| *code)
        .ok_or_else(|| {
            let names: Vec<&str> = choices.iter().map(|(_, n)| *n).collect();
            format!("`{}` is not one of {}", raw.trim(), names.join("、"))
        })
}

/// A cell's fault, named by the column's heading.
pub fn cell_fault(column: &Column, message: impl Into<String>) -> Fault {
    Fault::invalid(column.key, format!("{}: {}", column.chinese, message.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn dates_as_clerks_write_them() {
        for raw in [
            "2026-03-05",
            "2026/3/5",
            "2026.3.5",
            "2026年3月5日",
            "２０２６年３月５日",
            "20260305",
            " 2026-3-5 ",
        ] {
            assert_eq!(parse_date(raw), Ok(day("2026-03-05")), "{raw}");
        }
        // Excel's day number for 2026-03-05.
        assert_eq!(parse_date("46086"), Ok(day("2026-03-05")));
        assert_eq!(parse_date("2026-03-05 00:00:00"), Ok(day("2026-03-05")));
        for raw in ["2026-02-30", "26.3.5", "三月五日", "2026-03", "", "30000"] {
            assert!(parse_date(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn amounts_in_yuan_and_wan_to_the_fen() {
        assert_eq!(parse_money("1,234.56", Unit::Yuan).unwrap().fen(), 123_456);
        assert_eq!(parse_money("１２３４．５６", Unit::Yuan).unwrap().fen(), 123_456);
        assert_eq!(parse_money("12.5", Unit::Wan).unwrap().fen(), 12_500_000);
        assert_eq!(parse_money("0.000001", Unit::Wan).unwrap().fen(), 1);
        assert_eq!(parse_money("3.5万元", Unit::Yuan).unwrap().fen(), 3_500_000);
        assert_eq!(parse_money("¥300元", Unit::Wan).unwrap().fen(), 30_000);
        assert!(parse_money("1.234", Unit::Yuan).unwrap_err().contains("fen"));
        assert!(parse_money("0.0000001", Unit::Wan).is_err());
        assert!(parse_money("十万", Unit::Yuan).is_err());
        for raw in ["1.5e3", "1_000", "12,50", "1,2345", "100.009999999999999999999999999"] {
            assert!(parse_money(raw, Unit::Yuan).is_err(), "{raw}");
        }
        assert!(parse_money("99999999999999999999999999", Unit::Wan).is_err());
        assert_eq!(parse_money("-1,234.50", Unit::Yuan).unwrap().fen(), -123_450);
    }

    #[test]
    fn headings_match_in_either_language_and_width() {
        let kind = Kind::Disbursements;
        assert_eq!(match_heading(kind, "凭证号").map(|c| c.key), Some("voucherNo"));
        assert_eq!(match_heading(kind, " voucherNo ").map(|c| c.key), Some("voucherNo"));
        assert_eq!(match_heading(kind, "拨付金额（万元）").map(|c| c.key), Some("amount"));
        assert_eq!(match_heading(kind, "拨付金额(元)").map(|c| c.key), Some("amount"));
        assert_eq!(match_heading(kind, "*项目编码").map(|c| c.key), Some("project"));
        assert!(match_heading(kind, "无关的列").is_none());
        assert_eq!(heading_unit("拨付金额（万元）"), Some(Unit::Wan));
        assert_eq!(heading_unit("金额(元)"), Some(Unit::Yuan));
        assert_eq!(heading_unit("金额"), None);
        assert_eq!(unit_note("单位：万元　　填表单位：县财政局"), Some(Unit::Wan));
        assert_eq!(unit_note("单位: 元"), Some(Unit::Yuan));
        // A title that mentions 万元 names no unit.
        assert_eq!(unit_note("2026年第一批3000万元到位台账"), None);
        assert_eq!(heading_unit("单位：元（合计1.2万元）"), None);
    }

    #[test]
    fn every_column_is_named_once_per_kind() {
        for kind in Kind::ALL {
            let mut seen = std::collections::HashSet::new();
            for column in kind.columns() {
                for name in [column.key, column.chinese].iter().chain(column.aliases.iter()) {
                    let key = heading_key(name);
                    let bare = strip_unit(&key);
                    let owner = kind.columns().iter().find(|c| {
                        [c.key, c.chinese]
                            .iter()
                            .chain(c.aliases.iter())
                            .any(|n| heading_key(n) == key || heading_key(n) == bare)
                    });
                    assert_eq!(owner.map(|c| c.key), Some(column.key), "{kind:?}: {name}");
                    assert!(seen.insert(key.clone()) || key == bare, "{kind:?}: {name} twice");
                }
            }
        }
    }

    #[test]
    fn flags_and_choices() {
        assert_eq!(parse_flag("是"), Ok(true));
        assert_eq!(parse_flag(""), Ok(false));
        assert!(parse_flag("也许").is_err());
        assert_eq!(parse_choice("县本级配套资金", FUND_KINDS), Ok("COUNTY_MATCHING"));
        assert_eq!(parse_choice("policy_loan", FUND_KINDS), Ok("POLICY_LOAN"));
        assert!(
            parse_choice("别的", FUND_KINDS)
                .unwrap_err()
                .contains("统筹整合涉农资金")
        );
        assert_eq!(parse_integer("２０２６"), Ok(2026));
    }
}
