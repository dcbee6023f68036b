//! 公告公示 — public notices: what a notice discloses, where it is posted, its period, its
//! states ([`TRANSITIONS`]), the objections it draws, and the rules that make a notice a
//! condition of a project's approval and acceptance ([`Rules`], with their sources).
//!
//! A notice's status is read off its days: POSTED from the day it went up, ENDED after its
//! last day ([`status_on`]); a withdrawal is dated too. Every rule asks "as of the day of
//! the step", so a step entered weeks late is judged by what was posted then.
use super::access::{Actor, Operation, Role, permission};
use super::fault::{ErrorCode, Fault};
use super::region::RegionCode;
use chrono::{Datelike, NaiveDate, Weekday};

/// The national supervision hotline (全国扶贫监督举报电话), printed on every notice.
pub const NATIONAL_HOTLINE: &str = "12317";

/// 公示事项 — what a notice discloses.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[graphql(name = "DisclosureSubject")]
pub enum Subject {
    /// 项目申报(入库)公示 — a project's application, before it may be approved.
    Application,
    /// 实施前(开工)公示 — a project about to be built: content, money, builder, period.
    ConstructionStart,
    /// 竣工公告 — a completed project: what was built and what it cost; needed before acceptance.
    Completion,
    /// 验收公告 — the acceptance and its grade.
    Acceptance,
    /// 资金分配结果公告 — a fund line's money and where it went.
    FundAllocation,
    /// 年度计划公告 — the county's annual plan.
    AnnualPlan,
    /// 计划调整公告 — an approved adjustment of the annual plan (a version after the first).
    PlanAdjustment,
    /// 三单公示 — a published monthly task list.
    TaskList,
}

text_enum!(Subject {
    Application => "APPLICATION",
    ConstructionStart => "CONSTRUCTION_START",
    Completion => "COMPLETION",
    Acceptance => "ACCEPTANCE",
    FundAllocation => "FUND_ALLOCATION",
    AnnualPlan => "ANNUAL_PLAN",
    PlanAdjustment => "PLAN_ADJUSTMENT",
    TaskList => "TASK_LIST",
});

/// What a notice's subject is about.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Project,
    FundLine,
    Plan,
    TaskList,
}

impl Subject {
    pub const ALL: [Subject; 8] = [
        Subject::Application,
        Subject::ConstructionStart,
        Subject::Completion,
        Subject::Acceptance,
        Subject::FundAllocation,
        Subject::AnnualPlan,
        Subject::PlanAdjustment,
        Subject::TaskList,
    ];

    pub fn target(self) -> Target {
        match self {
            Subject::Application | Subject::ConstructionStart | Subject::Completion | Subject::Acceptance => {
                Target::Project
            }
            Subject::FundAllocation => Target::FundLine,
            Subject::AnnualPlan | Subject::PlanAdjustment => Target::Plan,
            Subject::TaskList => Target::TaskList,
        }
    }

    pub fn chinese_name(self) -> &'static str {
        match self {
            Subject::Application => "项目申报公示",
            Subject::ConstructionStart => "项目实施前公示",
            Subject::Completion => "项目竣工公告",
            Subject::Acceptance => "项目验收公告",
            Subject::FundAllocation => "资金分配结果公告",
            Subject::AnnualPlan => "年度计划公告",
            Subject::PlanAdjustment => "计划调整公告",
            Subject::TaskList => "三单公示",
        }
    }
}

/// 公示层级 — where a notice is posted.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[graphql(name = "DisclosureLevel")]
pub enum Level {
    /// 县级 — the county's portal and notice board.
    County,
    /// 乡镇 — the township's 政务公开栏.
    Township,
    /// 村级 — the village's 村务公开栏.
    Village,
    /// 项目现场 — the sign at the site (公示牌).
    Site,
}

text_enum!(Level {
    County => "COUNTY",
    Township => "TOWNSHIP",
    Village => "VILLAGE",
    Site => "SITE",
});

impl Level {
    pub fn chinese_name(self) -> &'static str {
        match self {
            Level::County => "县级",
            Level::Township => "乡镇",
            Level::Village => "村级",
            Level::Site => "项目现场",
        }
    }

    /// The level of region a notice of this level is posted in (a site is in a village).
    pub fn region_level(self) -> super::region::RegionLevel {
        use super::region::RegionLevel;
        match self {
            Level::County => RegionLevel::County,
            Level::Township => RegionLevel::Township,
            Level::Village | Level::Site => RegionLevel::Village,
        }
    }
}

/// Where a notice stands.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[graphql(name = "DisclosureStatus")]
pub enum Status {
    /// 草稿 — being written; its text follows the live figures until posted. Never public.
    Draft,
    /// 公示中 — posted and within its period.
    Posted,
    /// 公示期满 — its period is over.
    Ended,
    /// 已撤回 — taken down; it counts for no rule from that day.
    Withdrawn,
}

text_enum!(Status {
    Draft => "DRAFT",
    Posted => "POSTED",
    Ended => "ENDED",
    Withdrawn => "WITHDRAWN",
});

/// What can be done to a notice.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// 修改 — change the draft: place, days, title, text.
    Edit,
    /// 张贴 — post it: the day it went up is its first day; the text is frozen.
    Post,
    /// 撤回 — take it down, with the reason.
    Withdraw,
    /// 受理异议 — record an objection received.
    RecordObjection,
    /// 异议处理 — record how an objection was resolved.
    ResolveObjection,
}

impl Action {
    pub fn verb(self) -> &'static str {
        match self {
            Action::Edit => "edit",
            Action::Post => "post",
            Action::Withdraw => "withdraw",
            Action::RecordObjection => "record an objection to",
            Action::ResolveObjection => "resolve an objection to",
        }
    }
}

/// One row of the table, on the stored state (DRAFT, POSTED, WITHDRAWN; ENDED is a POSTED
/// notice past its last day, and still hears objections).
pub struct Transition {
    pub from: Status,
    pub action: Action,
    pub to: Status,
}

/// 草稿 → 公示 → (期满 | 撤回); objections are heard while posted and answered even after a
/// withdrawal.
pub const TRANSITIONS: &[Transition] = &[
    Transition {
        from: Status::Draft,
        action: Action::Edit,
        to: Status::Draft,
    },
    Transition {
        from: Status::Draft,
        action: Action::Post,
        to: Status::Posted,
    },
    Transition {
        from: Status::Posted,
        action: Action::Withdraw,
        to: Status::Withdrawn,
    },
    Transition {
        from: Status::Posted,
        action: Action::RecordObjection,
        to: Status::Posted,
    },
    Transition {
        from: Status::Posted,
        action: Action::ResolveObjection,
        to: Status::Posted,
    },
    // An objection heard before a withdrawal is still answered.
    Transition {
        from: Status::Withdrawn,
        action: Action::ResolveObjection,
        to: Status::Withdrawn,
    },
];

/// The stored state after `action`, or `INVALID_TRANSITION` saying why not.
pub fn check(from: Status, action: Action) -> Result<Status, Fault> {
    TRANSITIONS
        .iter()
        .find(|t| t.from == from && t.action == action)
        .map(|t| t.to)
        .ok_or_else(|| {
            Fault::new(
                ErrorCode::InvalidTransition,
                &[],
                format!("cannot {} a notice that is {}", action.verb(), from.as_str()),
            )
        })
}

/// A notice's days, as the rules read them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    /// The day it went up (None while a draft).
    pub posted_on: Option<NaiveDate>,
    /// Its last day.
    pub end_on: NaiveDate,
    /// The day it was taken down.
    pub withdrawn_on: Option<NaiveDate>,
}

impl Period {
    /// 公示天数 — the days it ran or will run, both ends counted (1–10 March is 10 days).
    pub fn days(&self) -> Option<i64> {
        self.posted_on.map(|start| (self.end_on - start).num_days() + 1)
    }

    /// Whether it was up (posted, not yet withdrawn) on `day`, its period over or not.
    pub fn up_on(&self, day: NaiveDate) -> bool {
        self.posted_on.is_some_and(|p| p <= day) && self.withdrawn_on.is_none_or(|w| w > day)
    }
}

/// The status on `day`.
pub fn status_on(period: &Period, day: NaiveDate) -> Status {
    match period.posted_on {
        _ if period.withdrawn_on.is_some_and(|w| w <= day) => Status::Withdrawn,
        Some(p) if p <= day => {
            if day > period.end_on {
                Status::Ended
            } else {
                Status::Posted
            }
        }
        _ => Status::Draft,
    }
}

/// An objection's days.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ObjectionDays {
    pub received_on: NaiveDate,
    pub resolved_on: Option<NaiveDate>,
}

impl ObjectionDays {
    /// Received by `day` and not resolved by then.
    pub fn open_on(&self, day: NaiveDate) -> bool {
        self.received_on <= day && self.resolved_on.is_none_or(|r| r > day)
    }
}

/// 异议渠道 — how an objection came in.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[graphql(name = "ObjectionChannel")]
pub enum Channel {
    /// 12317 或本地监督电话.
    Hotline,
    /// 来信.
    Letter,
    /// 来访.
    Visit,
    /// 网络留言.
    Online,
}

text_enum!(Channel {
    Hotline => "HOTLINE",
    Letter => "LETTER",
    Visit => "VISIT",
    Online => "ONLINE",
});

/// The disclosure rules a county works by, with their defaults ([`Rules::DEFAULT`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rules {
    /// A project may be approved (县级统筹) only after an application notice has run its
    /// full period, with no objection open.
    pub approval_needs_application: bool,
    /// The shortest application notice, in days counted both ends.
    pub application_min_days: i64,
    /// A project may be accepted (验收) only once its completion notice (竣工公告) is up.
    pub acceptance_needs_completion: bool,
    /// An approved plan adjustment is to be disclosed within this many working days.
    pub adjustment_deadline_working_days: i64,
}

/// Where a rule comes from.
pub struct RuleSource {
    pub rule: &'static str,
    pub document: &'static str,
}

impl Rules {
    pub const DEFAULT: Rules = Rules {
        approval_needs_application: true,
        application_min_days: 10,
        acceptance_needs_completion: true,
        adjustment_deadline_working_days: 10,
    };

    /// The documents the defaults follow.
    pub const SOURCES: &[RuleSource] = &[
        RuleSource {
            rule: "approvalNeedsApplication, applicationMinDays",
            document: "国务院扶贫办《关于完善扶贫资金项目公告公示制度的指导意见》(2017): 项目库入库前公示, 公示期不少于10天; 琼海 2017 allows 7 working days",
        },
        RuleSource {
            rule: "acceptanceNeedsCompletion",
            document: "汉阴县扶贫资金项目公告公示导引 (2020): 竣工后公告 at the project site before acceptance",
        },
        RuleSource {
            rule: "adjustmentDeadlineWorkingDays",
            document: "甘肃省 财政专项扶贫资金项目计划调整: republished within 10 working days of approval",
        },
    ];

    /// Checks values a county sets.
    pub fn check(&self) -> Result<(), Fault> {
        if !(1..=60).contains(&self.application_min_days) {
            return Err(Fault::invalid(
                "applicationMinDays",
                "an application notice runs between 1 and 60 days",
            ));
        }
        if !(1..=60).contains(&self.adjustment_deadline_working_days) {
            return Err(Fault::invalid(
                "adjustmentDeadlineWorkingDays",
                "give between 1 and 60 working days",
            ));
        }
        Ok(())
    }
}

/// 工作日 — Monday to Friday. Public holidays and their swapped working days (调休) are not
/// yet kept, so a deadline across a holiday comes earlier than the county's own count.
pub fn is_working_day(day: NaiveDate) -> bool {
    !matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The day `n` working days after `from` (the day itself not counted).
pub fn add_working_days(from: NaiveDate, n: i64) -> NaiveDate {
    let mut day = from;
    let mut left = n;
    while left > 0 {
        day = day.succ_opt().unwrap_or(day);
        if is_working_day(day) {
            left -= 1;
        }
    }
    day
}

/// The facts of one notice the approval and acceptance rules read.
#[derive(Clone, Debug)]
pub struct NoticeFacts {
    pub id: i64,
    pub subject: Subject,
    pub period: Period,
    pub objections: Vec<ObjectionDays>,
}

/// The code every refusal by these rules carries.
const REFUSED: ErrorCode = ErrorCode::DisclosureRequired;

/// Whether a project may be approved on `day`: an application notice up by then, its
/// period of at least the rule's days over before `day`, no objection to it open on `day`.
/// The refusal names what is missing.
pub fn check_approval(rules: &Rules, notices: &[NoticeFacts], day: NaiveDate) -> Result<(), Fault> {
    if !rules.approval_needs_application {
        return Ok(());
    }
    let min = rules.application_min_days;
    let applications: Vec<&NoticeFacts> = notices
        .iter()
        .filter(|n| n.subject == Subject::Application && n.period.up_on(day))
        .collect();
    let field = ["input", "project"];
    if applications.is_empty() {
        return Err(Fault::new(
            REFUSED,
            &field,
            format!(
                "the project has no application notice (项目申报公示) posted: post one for at least {min} days and approve after it ends"
            ),
        ));
    }
    // An objection open on any application notice of the project blocks, whichever notice
    // would otherwise do.
    if let Some((n, open)) = applications
        .iter()
        .find_map(|n| n.objections.iter().find(|o| o.open_on(day)).map(|o| (n, o)))
    {
        return Err(Fault::new(
            REFUSED,
            &field,
            format!(
                "the project's application notice {} has an objection received on {} that is not resolved by {day}: resolve it first",
                n.id, open.received_on
            ),
        ));
    }
    let mut why = Vec::new();
    for n in &applications {
        let days = n.period.days().unwrap_or(0);
        let start = n.period.posted_on.unwrap_or(n.period.end_on);
        if days < min {
            why.push(format!(
                "notice {} ran {days} days ({start} to {}), fewer than {min}",
                n.id, n.period.end_on
            ));
        } else if n.period.end_on >= day {
            why.push(format!(
                "notice {} runs until {}: approve after its period ends",
                n.id, n.period.end_on
            ));
        } else {
            return Ok(());
        }
    }
    Err(Fault::new(
        REFUSED,
        &field,
        format!(
            "the project's application notice (项目申报公示) does not allow approval on {day}: {}",
            why.join("; ")
        ),
    ))
}

/// Whether a project may be accepted on `day`: its completion notice (竣工公告) is up.
pub fn check_acceptance(rules: &Rules, notices: &[NoticeFacts], day: NaiveDate) -> Result<(), Fault> {
    if !rules.acceptance_needs_completion
        || notices
            .iter()
            .any(|n| n.subject == Subject::Completion && n.period.up_on(day))
    {
        return Ok(());
    }
    Err(Fault::new(
        REFUSED,
        &["input", "project"],
        format!("the project has no completion notice (竣工公告) posted by {day}: post it before acceptance"),
    ))
}

/// 计划调整公示逾期: the days past the deadline for disclosing an adjustment approved on
/// `approved_on`, when none of its notices (`periods`) is up on `as_of` and `as_of` is
/// after the deadline. A notice withdrawn and not replaced leaves it undisclosed again.
pub fn adjustment_days_overdue(
    rules: &Rules,
    approved_on: NaiveDate,
    periods: &[Period],
    as_of: NaiveDate,
) -> Option<i64> {
    let due = add_working_days(approved_on, rules.adjustment_deadline_working_days);
    if periods.iter().any(|p| p.up_on(as_of)) {
        return None;
    }
    super::alerts::days_past(due, as_of)
}

/// What a notice is about, for the manager rule.
#[derive(Clone, Copy, Debug)]
pub struct Scope<'a> {
    pub subject: Subject,
    /// The region it is posted in.
    pub region: &'a RegionCode,
    /// The department holding the project, for a project's notice.
    pub department_id: Option<i64>,
}

/// Whether `actor` manages (writes, posts, withdraws, hears objections to) a notice:
/// the poverty office any notice of its county; finance the fund-allocation and plan
/// notices; a township those posted in its township; a department the notices of the
/// projects it holds. "谁分配谁公开、谁使用谁公开、分配到哪里公开到哪里".
pub fn manager_admits(actor: &Actor, scope: Scope<'_>) -> bool {
    if !permission(Operation::ManageDisclosures).roles.contains(&actor.role) {
        return false;
    }
    match actor.role {
        Role::Coordinator => true,
        Role::Finance => matches!(scope.subject.target(), Target::FundLine | Target::Plan),
        Role::Township => actor.scope.contains(scope.region),
        Role::Department => {
            scope.subject.target() == Target::Project
                && scope.department_id.is_some()
                && scope.department_id == actor.department_id
        }
        _ => false,
    }
}

/// The facts a draft's text is written from.
#[derive(Clone, Debug, Default)]
pub struct TextFacts {
    pub title: String,
    /// Lines `名称：值`, in order.
    pub lines: Vec<(String, String)>,
    pub start_on: Option<NaiveDate>,
    pub end_on: Option<NaiveDate>,
    /// The local supervision phone, besides 12317.
    pub hotline: Option<String>,
    pub issuer: String,
}

/// The notice's text, as posted on a board: the facts, the period, the hotlines.
pub fn draft_text(facts: &TextFacts) -> String {
    let mut out = String::new();
    for (name, value) in &facts.lines {
        out.push_str(&format!("{name}：{value}\n"));
    }
    if let (Some(start), Some(end)) = (facts.start_on, facts.end_on) {
        let days = (end - start).num_days() + 1;
        out.push_str(&format!(
            "公示期：{}至{}（{days}天）\n",
            start.format("%Y年%m月%d日"),
            end.format("%Y年%m月%d日")
        ));
    }
    out.push_str("公示期内如有异议，请向公示单位反映，或拨打监督举报电话：");
    if let Some(local) = facts.hotline.as_deref().filter(|h| !h.is_empty()) {
        out.push_str(local);
        out.push('、');
    }
    out.push_str(NATIONAL_HOTLINE);
    out.push_str("（全国扶贫监督举报电话）。\n");
    out.push_str(&format!("公示单位：{}\n", facts.issuer));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn application(start: &str, end: &str) -> NoticeFacts {
        NoticeFacts {
            id: 1,
            subject: Subject::Application,
            period: Period {
                posted_on: Some(day(start)),
                end_on: day(end),
                withdrawn_on: None,
            },
            objections: vec![],
        }
    }

    #[test]
    fn ten_days_counted_both_ends_allow_approval_the_day_after() {
        let rules = Rules::DEFAULT;
        let ten = [application("2026-03-01", "2026-03-10")];
        assert!(check_approval(&rules, &ten, day("2026-03-11")).is_ok());
        // Still running on its last day.
        assert!(check_approval(&rules, &ten, day("2026-03-10")).is_err());
        let nine = [application("2026-03-01", "2026-03-09")];
        let refused = check_approval(&rules, &nine, day("2026-03-20")).unwrap_err();
        assert_eq!(refused.code, ErrorCode::DisclosureRequired);
        assert!(refused.message.contains("ran 9 days"), "{}", refused.message);
    }

    #[test]
    fn an_open_objection_blocks_until_resolved() {
        let rules = Rules::DEFAULT;
        let mut notice = application("2026-03-01", "2026-03-10");
        notice.objections.push(ObjectionDays {
            received_on: day("2026-03-05"),
            resolved_on: Some(day("2026-03-15")),
        });
        let notices = [notice];
        assert!(check_approval(&rules, &notices, day("2026-03-14")).is_err());
        assert!(check_approval(&rules, &notices, day("2026-03-15")).is_ok());
    }

    #[test]
    fn an_objection_on_any_application_notice_blocks() {
        let rules = Rules::DEFAULT;
        let good = application("2026-03-01", "2026-03-10");
        let mut village = application("2026-03-01", "2026-03-12");
        village.id = 2;
        village.objections.push(ObjectionDays {
            received_on: day("2026-03-04"),
            resolved_on: None,
        });
        let refused = check_approval(&rules, &[good, village], day("2026-03-20")).unwrap_err();
        assert!(
            refused.message.contains("notice 2 has an objection"),
            "{}",
            refused.message
        );
    }

    #[test]
    fn a_withdrawn_notice_counts_only_before_its_withdrawal() {
        let mut notice = application("2026-03-01", "2026-03-10");
        notice.period.withdrawn_on = Some(day("2026-03-20"));
        let notices = [notice];
        assert!(check_approval(&Rules::DEFAULT, &notices, day("2026-03-19")).is_ok());
        assert!(check_approval(&Rules::DEFAULT, &notices, day("2026-03-20")).is_err());
        assert_eq!(status_on(&notices[0].period, day("2026-03-05")), Status::Posted);
        assert_eq!(status_on(&notices[0].period, day("2026-03-11")), Status::Ended);
        assert_eq!(status_on(&notices[0].period, day("2026-03-20")), Status::Withdrawn);
        assert_eq!(status_on(&notices[0].period, day("2026-02-28")), Status::Draft);
    }

    #[test]
    fn working_days_skip_weekends() {
        // 2026-06-01 is a Monday: ten working days later is Monday 15 June.
        assert_eq!(add_working_days(day("2026-06-01"), 10), day("2026-06-15"));
        // From a Friday, one working day is the Monday.
        assert_eq!(add_working_days(day("2026-06-05"), 1), day("2026-06-08"));
        let rules = Rules::DEFAULT;
        assert_eq!(
            adjustment_days_overdue(&rules, day("2026-06-01"), &[], day("2026-06-15")),
            None
        );
        assert_eq!(
            adjustment_days_overdue(&rules, day("2026-06-01"), &[], day("2026-06-16")),
            Some(1)
        );
        let mut posted = Period {
            posted_on: Some(day("2026-06-20")),
            end_on: day("2026-07-19"),
            withdrawn_on: None,
        };
        assert_eq!(
            adjustment_days_overdue(&rules, day("2026-06-01"), &[posted], day("2026-06-20")),
            None
        );
        // Withdrawn on 1 July and not replaced: late again from then.
        posted.withdrawn_on = Some(day("2026-07-01"));
        assert_eq!(
            adjustment_days_overdue(&rules, day("2026-06-01"), &[posted], day("2026-06-30")),
            None
        );
        assert_eq!(
            adjustment_days_overdue(&rules, day("2026-06-01"), &[posted], day("2026-07-01")),
            Some(16)
        );
    }

    #[test]
    fn the_text_carries_the_period_and_both_hotlines() {
        let text = draft_text(&TextFacts {
            title: "t".into(),
            lines: vec![("项目名称".into(), "通村路".into())],
            start_on: Some(day("2026-03-01")),
            end_on: Some(day("2026-03-10")),
            hotline: Some("0915-1234567".into()),
            issuer: "城关镇人民政府".into(),
        });
        assert!(text.contains("项目名称：通村路"));
        assert!(text.contains("（10天）"));
        assert!(text.contains("0915-1234567、12317"));
    }
}
