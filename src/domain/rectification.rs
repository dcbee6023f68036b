//! 问题整改台账 — a problem fed back by an inspection, an audit or a self-check, tracked to
//! its closing (动态销号). Its state machine is one table, [`TRANSITIONS`], as the project
//! lifecycle is: the checks, the user errors and the README derive from it.
use super::access::{Actor, Operation, Role, permission};
use super::fault::{ErrorCode, Fault};
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// 问题来源 — who found the problem.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum IssueSource {
    /// 中央反馈 — fed back by a central inspection.
    CentralFeedback,
    /// 省级反馈 — fed back by the province.
    ProvincialFeedback,
    /// 市级反馈 — fed back by the city.
    CityFeedback,
    /// 交叉检查 — found by a cross-check between counties.
    CrossCheck,
    /// 审计 — found by an audit.
    Audit,
    /// 督查 — found by the county's own inspectors.
    Inspection,
    /// 自查 — found by the unit itself.
    SelfCheck,
}

text_enum!(IssueSource {
    CentralFeedback => "CENTRAL_FEEDBACK",
    ProvincialFeedback => "PROVINCIAL_FEEDBACK",
    CityFeedback => "CITY_FEEDBACK",
    CrossCheck => "CROSS_CHECK",
    Audit => "AUDIT",
    Inspection => "INSPECTION",
    SelfCheck => "SELF_CHECK",
});

/// 整改状态 — where a problem stands.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum IssueStatus {
    /// 待整改 — filed, not yet taken up.
    Open,
    /// 整改中 — the responsible unit is rectifying it.
    Rectifying,
    /// 待销号 — the unit says it is done, with evidence; awaiting verification.
    Submitted,
    /// 已销号 — verified and closed.
    Closed,
    /// 反弹 — closed, then found again.
    Reopened,
}

impl IssueSource {
    /// The source as the ledger writes it.
    pub fn chinese_name(self) -> &'static str {
        match self {
            IssueSource::CentralFeedback => "中央反馈",
            IssueSource::ProvincialFeedback => "省级反馈",
            IssueSource::CityFeedback => "市级反馈",
            IssueSource::CrossCheck => "交叉检查",
            IssueSource::Audit => "审计",
            IssueSource::Inspection => "督查",
            IssueSource::SelfCheck => "自查",
        }
    }
}

text_enum!(IssueStatus {
    Open => "OPEN",
    Rectifying => "RECTIFYING",
    Submitted => "SUBMITTED",
    Closed => "CLOSED",
    Reopened => "REOPENED",
});

impl IssueStatus {
    /// The state as the ledger writes it.
    pub fn chinese_name(self) -> &'static str {
        match self {
            IssueStatus::Open => "待整改",
            IssueStatus::Rectifying => "整改中",
            IssueStatus::Submitted => "待销号",
            IssueStatus::Closed => "已销号",
            IssueStatus::Reopened => "反弹",
        }
    }

    pub const ALL: [IssueStatus; 5] = [
        IssueStatus::Open,
        IssueStatus::Rectifying,
        IssueStatus::Submitted,
        IssueStatus::Closed,
        IssueStatus::Reopened,
    ];
}

/// 整改操作 — what can be done to a problem.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum IssueAction {
    /// 开始整改 — the responsible unit takes the problem up.
    Start,
    /// 申请销号 — the unit reports it rectified, with evidence.
    Submit,
    /// 销号 — the verifier closes it.
    Close,
    /// 退回整改 — verification failed: back to the unit.
    ReturnForRectification,
    /// 反弹 — a closed problem is found again.
    Reopen,
}

text_enum!(IssueAction {
    Start => "START",
    Submit => "SUBMIT",
    Close => "CLOSE",
    ReturnForRectification => "RETURN_FOR_RECTIFICATION",
    Reopen => "REOPEN",
});

impl IssueAction {
    pub const ALL: [IssueAction; 5] = [
        IssueAction::Start,
        IssueAction::Submit,
        IssueAction::Close,
        IssueAction::ReturnForRectification,
        IssueAction::Reopen,
    ];

    /// The action in words, for messages.
    pub fn verb(self) -> &'static str {
        match self {
            IssueAction::Start => "start rectifying",
            IssueAction::Submit => "submit as rectified",
            IssueAction::Close => "close (销号)",
            IssueAction::ReturnForRectification => "return for rectification",
            IssueAction::Reopen => "reopen",
        }
    }
}

/// The unit a problem is given to: a department or a township.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ResponsibleUnit<'a> {
    Department(i64),
    Township(&'a str),
}

/// Who may take a step.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Who {
    /// A user of the responsible unit: its department's users, or its township's.
    ResponsibleUnit,
    /// Those who verify: the county coordinator and the inspectors (the one write right an
    /// INSPECTOR has).
    Verifier,
}

impl Who {
    pub fn describe(self) -> &'static str {
        match self {
            Who::ResponsibleUnit => "the responsible unit (its DEPARTMENT or TOWNSHIP users)",
            Who::Verifier => "a verifier (COORDINATOR or INSPECTOR)",
        }
    }

    fn admits(self, actor: &Actor, unit: ResponsibleUnit<'_>) -> bool {
        match (self, unit) {
            (Who::ResponsibleUnit, ResponsibleUnit::Department(id)) => {
                actor.role == Role::Department && actor.department_id == Some(id)
            }
            (Who::ResponsibleUnit, ResponsibleUnit::Township(code)) => {
                actor.role == Role::Township && actor.scope.root().is_some_and(|r| r.as_str() == code)
            }
            (Who::Verifier, _) => permission(Operation::VerifyRectification).roles.contains(&actor.role),
        }
    }
}

/// What a step needs besides the right actor.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Need {
    Nothing,
    /// 整改材料 — what was done, and references to the attachments that show it.
    Evidence,
    /// 核查意见 — the verifier's note.
    VerificationNote,
    Reason,
}

impl Need {
    pub fn describe(self) -> &'static str {
        match self {
            Need::Nothing => "",
            Need::Evidence => "the evidence (整改材料)",
            Need::VerificationNote => "the verification note (核查意见)",
            Need::Reason => "a reason",
        }
    }
}

/// One row of the state machine.
#[derive(Copy, Clone, Debug)]
pub struct Transition {
    pub from: &'static [IssueStatus],
    pub action: IssueAction,
    pub to: IssueStatus,
    pub who: Who,
    pub needs: Need,
}

use IssueAction as A;
use IssueStatus as S;

/// 动态销号: taken up, reported done with evidence, verified and closed — or returned —
/// and reopened if it recurs. Filing (— → OPEN) is a verifier's.
pub const TRANSITIONS: &[Transition] = &[
    Transition {
        from: &[S::Open, S::Reopened],
        action: A::Start,
        to: S::Rectifying,
        who: Who::ResponsibleUnit,
        needs: Need::Nothing,
    },
    Transition {
        from: &[S::Rectifying],
        action: A::Submit,
        to: S::Submitted,
        who: Who::ResponsibleUnit,
        needs: Need::Evidence,
    },
    Transition {
        from: &[S::Submitted],
        action: A::Close,
        to: S::Closed,
        who: Who::Verifier,
        needs: Need::VerificationNote,
    },
    Transition {
        from: &[S::Submitted],
        action: A::ReturnForRectification,
        to: S::Rectifying,
        who: Who::Verifier,
        needs: Need::Reason,
    },
    Transition {
        from: &[S::Closed],
        action: A::Reopen,
        to: S::Reopened,
        who: Who::Verifier,
        needs: Need::Reason,
    },
];

/// The action a filing is recorded under in a problem's history (the table's rows start
/// from a state; a filing has none).
pub const FILED: &str = "FILE";

/// The row for `action` from `from`, if the table has one.
pub fn transition(from: IssueStatus, action: IssueAction) -> Option<&'static Transition> {
    TRANSITIONS
        .iter()
        .find(|t| t.action == action && t.from.contains(&from))
}

/// Checks that `actor` may take `action` on a problem in `from` given to `unit`:
/// `INVALID_TRANSITION` naming what is allowed, or `FORBIDDEN` naming who may.
pub fn check(
    actor: &Actor,
    from: IssueStatus,
    action: IssueAction,
    unit: ResponsibleUnit<'_>,
) -> Result<&'static Transition, Fault> {
    let Some(row) = transition(from, action) else {
        let allowed: Vec<&str> = TRANSITIONS
            .iter()
            .filter(|t| t.from.contains(&from))
            .map(|t| t.action.verb())
            .collect();
        let allowed = if allowed.is_empty() {
            "nothing".to_string()
        } else {
            allowed.join(", ")
        };
        return Err(Fault::new(
            ErrorCode::InvalidTransition,
            &[],
            format!(
                "cannot {} a problem that is {}; from {} you may: {allowed}",
                action.verb(),
                from.as_str(),
                from.as_str()
            ),
        ));
    };
    if !row.who.admits(actor, unit) {
        return Err(Fault::forbidden(format!(
            "only {} may {} a {} problem",
            row.who.describe(),
            action.verb(),
            from.as_str()
        )));
    }
    Ok(row)
}

/// 逾期 — a problem past its deadline and not closed (a problem reported done still counts
/// until it is verified: 销号 is the end).
pub fn is_overdue(status: IssueStatus, deadline: NaiveDate, as_of: NaiveDate) -> bool {
    days_overdue(status, deadline, as_of).is_some()
}

/// Days past the deadline on `as_of`, for an overdue problem.
pub fn days_overdue(status: IssueStatus, deadline: NaiveDate, as_of: NaiveDate) -> Option<i64> {
    (status != IssueStatus::Closed)
        .then(|| super::alerts::days_past(deadline, as_of))
        .flatten()
}

/// 涉及 — what kind of thing a problem concerns.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ConcernKind {
    /// A project (扶贫项目).
    Project,
    /// A fund line (资金项).
    FundLine,
    /// A ledger entry (台账分录).
    LedgerEntry,
    /// A township or village (by its code).
    Region,
    /// A department (部门).
    Department,
}

text_enum!(ConcernKind {
    Project => "PROJECT",
    FundLine => "FUND_LINE",
    LedgerEntry => "LEDGER_ENTRY",
    Region => "REGION",
    Department => "DEPARTMENT",
});

/// How `rectificationSummary` groups problems.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[graphql(name = "RectificationGrouping")]
pub enum Grouping {
    /// 问题来源.
    Source,
    /// 批次 — the feedback batch.
    Batch,
    /// 整改状态 on the day.
    Status,
    /// 责任单位 — the department or township.
    Unit,
    /// 问题类别.
    Category,
}

/// The state of a problem at the end of a day: its last step on or before it. `steps` are
/// (day, order of recording, state after), in any order; `None` before it was filed.
pub fn status_on(steps: &[(NaiveDate, i64, IssueStatus)], day: NaiveDate) -> Option<IssueStatus> {
    steps
        .iter()
        .filter(|(on, _, _)| *on <= day)
        .max_by_key(|(on, seq, _)| (*on, *seq))
        .map(|(_, _, status)| *status)
}

/// The counts of one group of problems on a day.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Problems filed by the day.
    pub issues: u32,
    /// 已销号 — closed on the day.
    pub closed: u32,
    /// 逾期 — past their deadline and not closed.
    pub overdue: u32,
    /// How many stand in each state, in the order of [`IssueStatus::ALL`].
    pub by_status: [u32; 5],
}

impl Tally {
    /// Counts a problem standing in `status` on `day`.
    pub fn add(&mut self, status: IssueStatus, deadline: NaiveDate, day: NaiveDate) {
        self.issues += 1;
        self.closed += u32::from(status == IssueStatus::Closed);
        self.overdue += u32::from(is_overdue(status, deadline, day));
        if let Some(i) = IssueStatus::ALL.iter().position(|s| *s == status) {
            self.by_status[i] += 1;
        }
    }

    /// 整改销号率 — closed of filed, in percent; `None` for no problems.
    pub fn closing_rate(&self) -> Option<Decimal> {
        super::metrics::rate(i64::from(self.closed), i64::from(self.issues))
    }

    /// How many stand in `status`.
    pub fn in_status(&self, status: IssueStatus) -> u32 {
        IssueStatus::ALL
            .iter()
            .position(|s| *s == status)
            .map_or(0, |i| self.by_status[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::access::Scope;
    use crate::domain::region::RegionCode;

    fn actor(role: Role, region: &str, department: Option<i64>) -> Actor {
        Actor {
            user_id: Some(1),
            username: "u".into(),
            role,
            scope: Scope::Subtree(RegionCode::parse(region).unwrap()),
            department_id: department,
        }
    }

    #[test]
    fn every_state_action_and_role_follows_the_table() {
        let unit_user = actor(Role::Department, "990101000000", Some(7));
        let other_department = actor(Role::Department, "990101000000", Some(8));
        let coordinator = actor(Role::Coordinator, "990101000000", None);
        let inspector = actor(Role::Inspector, "990101000000", None);
        let finance = actor(Role::Finance, "990101000000", None);
        let unit = ResponsibleUnit::Department(7);
        let mut allowed = 0;
        for from in IssueStatus::ALL {
            for action in IssueAction::ALL {
                let row = transition(from, action);
                for (who, a) in [
                    ("unit", &unit_user),
                    ("other", &other_department),
                    ("coordinator", &coordinator),
                    ("inspector", &inspector),
                    ("finance", &finance),
                ] {
                    let result = check(a, from, action, unit);
                    let expected = match row.map(|r| r.who) {
                        None => Err(ErrorCode::InvalidTransition),
                        Some(Who::ResponsibleUnit) if who == "unit" => Ok(()),
                        Some(Who::Verifier) if matches!(who, "coordinator" | "inspector") => Ok(()),
                        Some(_) => Err(ErrorCode::Forbidden),
                    };
                    assert_eq!(
                        result.map(|_| ()).map_err(|f| f.code),
                        expected,
                        "{who} {action:?} from {from:?}"
                    );
                    allowed += usize::from(expected.is_ok());
                }
            }
        }
        // Start twice (OPEN, REOPENED) and Submit by the unit; Close, Return, Reopen by two verifiers.
        assert_eq!(allowed, 3 + 3 * 2);
    }

    #[test]
    fn a_township_unit_is_its_own_townships_users() {
        let clerk = actor(Role::Township, "990101001000", None);
        let neighbour = actor(Role::Township, "990101002000", None);
        let unit = ResponsibleUnit::Township("990101001000");
        assert!(check(&clerk, IssueStatus::Open, IssueAction::Start, unit).is_ok());
        assert_eq!(
            check(&neighbour, IssueStatus::Open, IssueAction::Start, unit)
                .unwrap_err()
                .code,
            ErrorCode::Forbidden
        );
    }

    #[test]
    fn overdue_is_past_the_deadline_until_closed() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert!(
            !is_overdue(IssueStatus::Rectifying, d("2026-09-30"), d("2026-09-30")),
            "due that day"
        );
        assert!(is_overdue(IssueStatus::Rectifying, d("2026-09-30"), d("2026-10-01")));
        assert!(is_overdue(IssueStatus::Submitted, d("2026-09-30"), d("2026-10-01")));
        assert!(!is_overdue(IssueStatus::Closed, d("2026-09-30"), d("2026-10-01")));
        assert_eq!(
            days_overdue(IssueStatus::Open, d("2026-09-30"), d("2026-10-15")),
            Some(15)
        );
        assert_eq!(
            days_overdue(IssueStatus::Closed, d("2026-09-30"), d("2026-10-15")),
            None
        );
    }

    #[test]
    fn the_state_on_a_day_is_the_last_step_on_or_before_it() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let steps = [
            (d("2026-03-01"), 1, IssueStatus::Open),
            (d("2026-03-05"), 3, IssueStatus::Submitted),
            (d("2026-03-05"), 2, IssueStatus::Rectifying),
            (d("2026-04-01"), 4, IssueStatus::Closed),
        ];
        assert_eq!(status_on(&steps, d("2026-02-28")), None);
        assert_eq!(status_on(&steps, d("2026-03-04")), Some(IssueStatus::Open));
        assert_eq!(status_on(&steps, d("2026-03-05")), Some(IssueStatus::Submitted));
        assert_eq!(status_on(&steps, d("2026-04-01")), Some(IssueStatus::Closed));
    }

    #[test]
    fn a_tally_counts_closed_and_overdue_on_its_day() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let mut tally = Tally::default();
        tally.add(IssueStatus::Closed, d("2026-03-01"), d("2026-06-30"));
        tally.add(IssueStatus::Rectifying, d("2026-06-30"), d("2026-06-30"));
        tally.add(IssueStatus::Submitted, d("2026-06-29"), d("2026-06-30"));
        assert_eq!((tally.issues, tally.closed, tally.overdue), (3, 1, 1));
        assert_eq!(tally.closing_rate(), Some(Decimal::new(3333, 2)));
        assert_eq!(tally.in_status(IssueStatus::Submitted), 1);
        assert_eq!(Tally::default().closing_rate(), None);
    }

    #[test]
    fn names_round_trip() {
        for s in IssueStatus::ALL {
            assert_eq!(IssueStatus::parse(s.as_str()), Some(s));
        }
        for a in IssueAction::ALL {
            assert_eq!(IssueAction::parse(a.as_str()), Some(a));
        }
        assert_eq!(IssueSource::parse("AUDIT"), Some(IssueSource::Audit));
    }
}
