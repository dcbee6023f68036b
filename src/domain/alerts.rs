//! 逾期预警 — what is late, one definition per kind. Every kind has a day something was due
//! by; it is overdue from the next day on ([`days_past`]) while it still applies: a project
//! still unclaimed, unstarted or unfinished, a building site still without a report, a
//! problem not closed, a list item not cleared.
use super::lifecycle::ProjectStatus;
use super::metrics::{counts_as_completed, counts_as_started, counts_in_programme};
use chrono::NaiveDate;

/// The kinds of lateness `alerts` lists.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AlertKind {
    /// 逾期未认领 — assigned (清单交办) and not claimed by the claim deadline.
    ClaimOverdue,
    /// 逾期未开工 — in the programme and not started by the planned start.
    StartOverdue,
    /// 逾期未完工 — started and not completed by the planned finish.
    FinishOverdue,
    /// 进度停滞 — under construction with no progress report for the set number of days
    /// (30 unless asked otherwise), counted from the start or the latest report.
    NoProgress,
    /// 整改逾期 — a rectification problem past its deadline and not closed (销号).
    RectificationOverdue,
    /// 三单逾期未清 — an item of a published monthly list not cleared by the month's end.
    TaskItemNotCleared,
    /// 缺项逾期 — a village's exit gap (缺项清单) not closed by the deadline it was handed
    /// out with.
    ExitGapOverdue,
    /// 计划调整公示逾期 — an approved plan adjustment not disclosed (计划调整公告) within the
    /// county's working days (`domain::disclosure::adjustment_days_overdue`).
    DisclosureOverdue,
}

text_enum!(AlertKind {
    ClaimOverdue => "CLAIM_OVERDUE",
    StartOverdue => "START_OVERDUE",
    FinishOverdue => "FINISH_OVERDUE",
    NoProgress => "NO_PROGRESS",
    RectificationOverdue => "RECTIFICATION_OVERDUE",
    TaskItemNotCleared => "TASK_ITEM_NOT_CLEARED",
    ExitGapOverdue => "EXIT_GAP_OVERDUE",
    DisclosureOverdue => "DISCLOSURE_OVERDUE",
});

impl AlertKind {
    pub const ALL: [AlertKind; 8] = [
        AlertKind::ClaimOverdue,
        AlertKind::StartOverdue,
        AlertKind::FinishOverdue,
        AlertKind::NoProgress,
        AlertKind::RectificationOverdue,
        AlertKind::TaskItemNotCleared,
        AlertKind::ExitGapOverdue,
        AlertKind::DisclosureOverdue,
    ];

    pub fn chinese_name(self) -> &'static str {
        match self {
            AlertKind::ClaimOverdue => "逾期未认领",
            AlertKind::StartOverdue => "逾期未开工",
            AlertKind::FinishOverdue => "逾期未完工",
            AlertKind::NoProgress => "进度停滞",
            AlertKind::RectificationOverdue => "整改逾期",
            AlertKind::TaskItemNotCleared => "三单逾期未清",
            AlertKind::ExitGapOverdue => "缺项逾期",
            AlertKind::DisclosureOverdue => "计划调整公示逾期",
        }
    }
}

/// The default for [`AlertKind::NoProgress`]: a site reports at least every 30 days.
pub const NO_PROGRESS_DAYS: u32 = 30;

/// How late something due by `due_on` is on `as_of`: the days after the due day, or
/// `None` on the due day and before it.
pub fn days_past(due_on: NaiveDate, as_of: NaiveDate) -> Option<i64> {
    (as_of > due_on).then(|| (as_of - due_on).num_days())
}

/// 逾期未认领: still ASSIGNED after its claim deadline.
pub fn claim_overdue(status: ProjectStatus, deadline: Option<NaiveDate>, as_of: NaiveDate) -> Option<i64> {
    (status == ProjectStatus::Assigned)
        .then_some(deadline)
        .flatten()
        .and_then(|d| days_past(d, as_of))
}

/// 逾期未开工: in the programme, not started, after the planned start.
pub fn start_overdue(status: ProjectStatus, planned_start: Option<NaiveDate>, as_of: NaiveDate) -> Option<i64> {
    (counts_in_programme(status) && !counts_as_started(status))
        .then_some(planned_start)
        .flatten()
        .and_then(|d| days_past(d, as_of))
}

/// 逾期未完工: started, not completed, after the planned finish.
pub fn finish_overdue(status: ProjectStatus, planned_finish: Option<NaiveDate>, as_of: NaiveDate) -> Option<i64> {
    (counts_as_started(status) && !counts_as_completed(status))
        .then_some(planned_finish)
        .flatten()
        .and_then(|d| days_past(d, as_of))
}

/// The day the next progress report of a site is due: `days` after the later of the start
/// and the latest report.
pub fn next_report_due(last_progress: NaiveDate, days: u32) -> NaiveDate {
    last_progress + chrono::Duration::days(i64::from(days))
}

/// 进度停滞: under construction and no report since the due day.
pub fn no_progress(
    status: ProjectStatus,
    last_progress: Option<NaiveDate>,
    days: u32,
    as_of: NaiveDate,
) -> Option<i64> {
    (status == ProjectStatus::UnderConstruction)
        .then_some(last_progress)
        .flatten()
        .and_then(|last| days_past(next_report_due(last, days), as_of))
}

/// What a project's dates say is late on `as_of`: (kind, due day, days overdue) for each of
/// the four project kinds that applies. `last_progress` is the later of the start and the
/// latest progress report.
pub struct ProjectDates {
    pub status: ProjectStatus,
    pub claim_deadline: Option<NaiveDate>,
    pub planned_start: Option<NaiveDate>,
    pub planned_finish: Option<NaiveDate>,
    pub last_progress: Option<NaiveDate>,
}

pub fn project_alerts(p: &ProjectDates, no_progress_days: u32, as_of: NaiveDate) -> Vec<(AlertKind, NaiveDate, i64)> {
    [
        (
            AlertKind::ClaimOverdue,
            p.claim_deadline,
            claim_overdue(p.status, p.claim_deadline, as_of),
        ),
        (
            AlertKind::StartOverdue,
            p.planned_start,
            start_overdue(p.status, p.planned_start, as_of),
        ),
        (
            AlertKind::FinishOverdue,
            p.planned_finish,
            finish_overdue(p.status, p.planned_finish, as_of),
        ),
        (
            AlertKind::NoProgress,
            p.last_progress.map(|d| next_report_due(d, no_progress_days)),
            no_progress(p.status, p.last_progress, no_progress_days, as_of),
        ),
    ]
    .into_iter()
    .filter_map(|(kind, due, days)| Some((kind, due?, days?)))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProjectStatus as S;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn late_from_the_day_after_the_due_day() {
        assert_eq!(days_past(d("2026-09-30"), d("2026-09-30")), None);
        assert_eq!(days_past(d("2026-09-30"), d("2026-10-01")), Some(1));
    }

    #[test]
    fn each_project_kind_applies_only_while_its_step_is_missing() {
        let (due, after) = (Some(d("2026-05-01")), d("2026-05-03"));
        assert_eq!(claim_overdue(S::Assigned, due, after), Some(2));
        assert_eq!(claim_overdue(S::Claimed, due, after), None);
        assert_eq!(start_overdue(S::Claimed, due, after), Some(2));
        assert_eq!(start_overdue(S::Draft, due, after), None);
        assert_eq!(start_overdue(S::UnderConstruction, due, after), None);
        assert_eq!(finish_overdue(S::UnderConstruction, due, after), Some(2));
        assert_eq!(finish_overdue(S::Completed, due, after), None);
        assert_eq!(finish_overdue(S::Cancelled, due, after), None);
        assert_eq!(
            no_progress(S::UnderConstruction, Some(d("2026-04-01")), 30, d("2026-05-01")),
            None
        );
        assert_eq!(
            no_progress(S::UnderConstruction, Some(d("2026-04-01")), 30, d("2026-05-02")),
            Some(1)
        );
        assert_eq!(
            no_progress(S::Completed, Some(d("2026-01-01")), 30, d("2026-05-02")),
            None
        );
    }
}
