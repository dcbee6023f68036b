//! 三单 — the monthly three lists: at the start of a month a unit publishes what it will do
//! (晒单), follows each item up mid-month (跟单) and clears the list at the month's end
//! (清单), each item done, partly done or not done. The list's states are one table,
//! [`TRANSITIONS`]; who keeps a unit's list is [`keeper_admits`].
use super::access::{Actor, Operation, Role, permission};
use super::fault::{ErrorCode, Fault};
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

/// Whose list it is.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[graphql(name = "TaskListUnitKind")]
pub enum UnitKind {
    /// 县级领导 — a county leader's list, kept by the poverty office.
    Leader,
    /// 部门 — a department's.
    Department,
    /// 乡镇 — a township's.
    Township,
    /// 贫困村 — a village's, kept by its township.
    Village,
}

text_enum!(UnitKind {
    Leader => "LEADER",
    Department => "DEPARTMENT",
    Township => "TOWNSHIP",
    Village => "VILLAGE",
});

/// Where a list stands.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[graphql(name = "TaskListStatus")]
pub enum ListStatus {
    /// 草拟 — items being written; not yet public.
    Draft,
    /// 已晒单 — published: the planned items are locked; follow-ups may be added.
    Published,
    /// 已清单 — cleared at the month's end: every item has its outcome.
    Cleared,
}

text_enum!(ListStatus {
    Draft => "DRAFT",
    Published => "PUBLISHED",
    Cleared => "CLEARED",
});

/// What can be done to a list.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ListAction {
    /// 修改 — change the planned items.
    Edit,
    /// 晒单 — publish.
    Publish,
    /// 跟单 — record the mid-month follow-up of items.
    FollowUp,
    /// 清单 — give every item its outcome and close the list.
    Clear,
}

impl ListAction {
    pub fn verb(self) -> &'static str {
        match self {
            ListAction::Edit => "change the items of",
            ListAction::Publish => "publish (晒单)",
            ListAction::FollowUp => "follow up (跟单)",
            ListAction::Clear => "clear (清单)",
        }
    }
}

/// One row of the table: from which states an action may be taken, and where it leads.
pub struct Transition {
    pub from: ListStatus,
    pub action: ListAction,
    pub to: ListStatus,
}

/// 晒单 → 跟单 → 清单: edited while a draft, locked by publishing, closed by clearing.
pub const TRANSITIONS: &[Transition] = &[
    Transition {
        from: ListStatus::Draft,
        action: ListAction::Edit,
        to: ListStatus::Draft,
    },
    Transition {
        from: ListStatus::Draft,
        action: ListAction::Publish,
        to: ListStatus::Published,
    },
    Transition {
        from: ListStatus::Published,
        action: ListAction::FollowUp,
        to: ListStatus::Published,
    },
    Transition {
        from: ListStatus::Published,
        action: ListAction::Clear,
        to: ListStatus::Cleared,
    },
];

/// The state after `action` on a list in `from`, or `INVALID_TRANSITION` saying why not.
pub fn check(from: ListStatus, action: ListAction) -> Result<ListStatus, Fault> {
    TRANSITIONS
        .iter()
        .find(|t| t.from == from && t.action == action)
        .map(|t| t.to)
        .ok_or_else(|| {
            Fault::new(
                ErrorCode::InvalidTransition,
                &[],
                format!("cannot {} a list that is {}", action.verb(), from.as_str()),
            )
        })
}

/// The unit a list belongs to.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Unit<'a> {
    Leader,
    Department(i64),
    /// A township's own list, or one of its villages' (by the township's or village's code).
    Place(&'a str),
}

/// Whether `actor` keeps the list of `unit`: the poverty office a leader's, a department's
/// users their department's, a township's users their township's and its villages'.
pub fn keeper_admits(actor: &Actor, unit: Unit<'_>) -> bool {
    if !permission(Operation::KeepTaskLists).roles.contains(&actor.role) {
        return false;
    }
    match unit {
        Unit::Leader => actor.role == Role::Coordinator,
        Unit::Department(id) => actor.role == Role::Department && actor.department_id == Some(id),
        Unit::Place(code) => {
            actor.role == Role::Township
                && super::region::RegionCode::parse(code).is_ok_and(|place| actor.scope.contains(&place))
        }
    }
}

/// How an item ended the month.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[graphql(name = "TaskOutcome")]
pub enum Outcome {
    /// 已完成.
    Done,
    /// 部分完成 — needs the reason.
    Partly,
    /// 未完成 — needs the reason.
    NotDone,
}

text_enum!(Outcome {
    Done => "DONE",
    Partly => "PARTLY",
    NotDone => "NOT_DONE",
});

impl Outcome {
    pub fn needs_reason(self) -> bool {
        self != Outcome::Done
    }
}

/// A month, `YYYY-MM`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    pub fn parse(raw: &str) -> Option<Month> {
        let (y, m) = raw.trim().split_once('-')?;
        let (year, month) = (y.parse().ok()?, m.parse().ok()?);
        (y.len() == 4 && m.len() == 2 && (1..=12).contains(&month) && (2000..=2100).contains(&year))
            .then_some(Month { year, month })
    }

    pub fn of(day: NaiveDate) -> Month {
        Month {
            year: day.year(),
            month: day.month(),
        }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or_default()
    }

    /// 月底 — the month's last day, by which the list is to be cleared.
    pub fn last_day(self) -> NaiveDate {
        let next = if self.month == 12 {
            NaiveDate::from_ymd_opt(self.year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(self.year, self.month + 1, 1)
        };
        next.and_then(|d| d.pred_opt()).unwrap_or_default()
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// 逾期未清 — an item of a published list not cleared by the end of its month: overdue from
/// the next day until the list is cleared.
pub fn item_is_overdue(month: Month, cleared_on: Option<NaiveDate>, as_of: NaiveDate) -> bool {
    item_days_overdue(month, cleared_on, as_of).is_some()
}

/// Days past the month's end on `as_of`, for an item not cleared.
pub fn item_days_overdue(month: Month, cleared_on: Option<NaiveDate>, as_of: NaiveDate) -> Option<i64> {
    cleared_on
        .is_none_or(|d| d > as_of)
        .then(|| super::alerts::days_past(month.last_day(), as_of))
        .flatten()
}

/// 完成率 — items done of items, in percent; a partly done item is not done. `None` for a
/// list without items or not yet cleared.
pub fn completion_rate(outcomes: &[Option<Outcome>]) -> Option<Decimal> {
    if outcomes.iter().any(Option::is_none) {
        return None;
    }
    let done = outcomes.iter().filter(|o| **o == Some(Outcome::Done)).count();
    super::metrics::rate(done as i64, outcomes.len() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_is_edited_as_a_draft_locked_by_publishing_and_closed_by_clearing() {
        use ListAction as A;
        use ListStatus as S;
        let allowed: Vec<(S, A)> = [S::Draft, S::Published, S::Cleared]
            .into_iter()
            .flat_map(|s| [A::Edit, A::Publish, A::FollowUp, A::Clear].map(|a| (s, a)))
            .filter(|(s, a)| check(*s, *a).is_ok())
            .collect();
        assert_eq!(
            allowed,
            [
                (S::Draft, A::Edit),
                (S::Draft, A::Publish),
                (S::Published, A::FollowUp),
                (S::Published, A::Clear)
            ]
        );
        assert_eq!(
            check(S::Published, A::Edit).unwrap_err().code,
            ErrorCode::InvalidTransition
        );
    }

    #[test]
    fn months_and_their_last_days() {
        assert_eq!(
            Month::parse("2026-02").unwrap().last_day(),
            NaiveDate::from_ymd_opt(2026, 2, 28).unwrap()
        );
        assert_eq!(
            Month::parse("2026-12").unwrap().last_day(),
            NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()
        );
        assert_eq!(Month::parse("2026-13"), None);
        assert_eq!(Month::parse("2026-1"), None);
        assert_eq!(Month::parse("2026-11").unwrap().to_string(), "2026-11");
    }

    #[test]
    fn an_item_is_overdue_from_the_day_after_its_month_until_cleared() {
        let m = Month::parse("2026-10").unwrap();
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert!(!item_is_overdue(m, None, d("2026-10-31")));
        assert!(item_is_overdue(m, None, d("2026-11-01")));
        assert!(item_is_overdue(m, Some(d("2026-11-05")), d("2026-11-04")));
        assert!(!item_is_overdue(m, Some(d("2026-11-05")), d("2026-11-05")));
    }

    #[test]
    fn completion_counts_done_items_only_once_cleared() {
        use Outcome::*;
        assert_eq!(
            completion_rate(&[Some(Done), Some(Partly), Some(NotDone)]),
            Some(Decimal::new(3333, 2))
        );
        assert_eq!(completion_rate(&[Some(Done), None]), None);
        assert_eq!(completion_rate(&[]), None);
    }
}
