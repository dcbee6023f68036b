//! 计划调整 — what one version of an annual plan changes against another.
use super::fault::{ErrorCode, Fault};
use super::money::Money;
use super::quantity::Quantity;
use super::sector::Sector;
use std::collections::BTreeMap;

/// Whether a plan version may still change.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum PlanStatus {
    /// 草案 — editable.
    Draft,
    /// 已批准 — locked; a change makes a new version.
    Approved,
}

impl PlanStatus {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Draft => "DRAFT",
            PlanStatus::Approved => "APPROVED",
        }
    }

    /// From storage; anything but an approval is a draft.
    pub fn of_stored(text: &str) -> PlanStatus {
        if text == PlanStatus::Approved.as_str() {
            PlanStatus::Approved
        } else {
            PlanStatus::Draft
        }
    }
}

/// How an item of the plan changed.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum PlanChangeKind {
    /// 新增 — in the later version only.
    Added,
    /// 调减 — in the earlier version only.
    Removed,
    /// 调整 — in both, with other figures.
    Changed,
}

/// A sector's targets: quantity and project count.
pub type Targets = (Quantity, i32);

/// 整合方案 — the plan's rows by project: (project, fund line) → planned amount, or a
/// project listed before it has money: (project, None) → None.
pub type ProjectRows = BTreeMap<ProjectRowKey, Option<Money>>;

/// A project row's key: (project, fund line).
pub type ProjectRowKey = (i64, Option<i64>);

/// One fund line, sector or project row that differs between two versions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlanChange {
    /// A project's row: its money from a line, or (without a line) its being listed.
    Project {
        project_id: i64,
        fund_line_id: Option<i64>,
        kind: PlanChangeKind,
        before: Option<Money>,
        after: Option<Money>,
    },
    FundLine {
        fund_line_id: i64,
        kind: PlanChangeKind,
        before: Option<Money>,
        after: Option<Money>,
    },
    Sector {
        sector: Sector,
        kind: PlanChangeKind,
        before: Option<Targets>,
        after: Option<Targets>,
    },
}

fn kind_of<T: PartialEq>(before: Option<&T>, after: Option<&T>) -> Option<PlanChangeKind> {
    match (before, after) {
        (None, Some(_)) => Some(PlanChangeKind::Added),
        (Some(_), None) => Some(PlanChangeKind::Removed),
        (Some(b), Some(a)) if b != a => Some(PlanChangeKind::Changed),
        _ => None,
    }
}

/// One version's contents, as a diff compares them.
pub struct Contents<'a> {
    pub lines: &'a BTreeMap<i64, Money>,
    pub sectors: &'a BTreeMap<Sector, Targets>,
    pub projects: &'a ProjectRows,
}

/// The changes from `before` to `after`: fund lines by id, then sectors in their order,
/// then project rows by project and line.
pub fn diff(before: Contents<'_>, after: Contents<'_>) -> Vec<PlanChange> {
    let (lines_before, lines_after) = (before.lines, after.lines);
    let (sectors_before, sectors_after) = (before.sectors, after.sectors);
    let mut changes = Vec::new();
    let mut lines: Vec<i64> = lines_before.keys().chain(lines_after.keys()).copied().collect();
    lines.sort_unstable();
    lines.dedup();
    for id in lines {
        let (before, after) = (lines_before.get(&id), lines_after.get(&id));
        if let Some(kind) = kind_of(before, after) {
            changes.push(PlanChange::FundLine {
                fund_line_id: id,
                kind,
                before: before.copied(),
                after: after.copied(),
            });
        }
    }
    for sector in Sector::ALL {
        let (before, after) = (sectors_before.get(&sector), sectors_after.get(&sector));
        if let Some(kind) = kind_of(before, after) {
            changes.push(PlanChange::Sector {
                sector,
                kind,
                before: before.copied(),
                after: after.copied(),
            });
        }
    }
    let mut rows: Vec<(i64, Option<i64>)> = before.projects.keys().chain(after.projects.keys()).copied().collect();
    rows.sort_unstable();
    rows.dedup();
    for key in rows {
        let (was, is) = (before.projects.get(&key), after.projects.get(&key));
        if let Some(kind) = kind_of(was, is) {
            changes.push(PlanChange::Project {
                project_id: key.0,
                fund_line_id: key.1,
                kind,
                before: was.copied().flatten(),
                after: is.copied().flatten(),
            });
        }
    }
    changes
}

/// Checks a version's project rows against its fund lines: a row's line is in the version,
/// and a line's rows together plan no more than the line's planned amount.
pub fn check_project_rows(lines: &BTreeMap<i64, Money>, rows: &ProjectRows) -> Result<(), Fault> {
    let mut per_line: BTreeMap<i64, i64> = BTreeMap::new();
    for ((_, line), amount) in rows {
        if let (Some(line), Some(amount)) = (line, amount) {
            *per_line.entry(*line).or_default() += amount.fen();
        }
    }
    for (line, fen) in per_line {
        let Some(planned) = lines.get(&line) else {
            return Err(Fault::invalid(
                "projects",
                format!("fund line {line} pays for projects in the plan but is not in it: add it to `fundLines`"),
            ));
        };
        if fen > planned.fen() {
            return Err(Fault::invalid(
                "projects",
                format!(
                    "the projects' amounts from fund line {line} add up to {}, above its planned {}",
                    Money::from_fen(fen).to_yuan(),
                    planned.to_yuan()
                ),
            ));
        }
    }
    Ok(())
}

/// 计划外 — why an allocation from `line` to `project` that brings the project's money from
/// the line to `with_this` is outside the plan in force, whose rows are `rows`; `None`
/// when it is within it, or when the plan lists no projects (a plan of totals only).
pub fn outside_plan(rows: &ProjectRows, line: i64, project: i64, with_this: Money) -> Option<String> {
    if rows.is_empty() {
        return None;
    }
    match rows.get(&(project, Some(line))) {
        None => Some("the plan in force (整合方案) does not list this project for this fund line".into()),
        Some(planned) => {
            let planned = planned.unwrap_or(Money::ZERO);
            (with_this.fen() > planned.fen()).then(|| {
                format!(
                    "the project would then have {} from this line, above the {} the plan in force gives it",
                    with_this.to_yuan(),
                    planned.to_yuan()
                )
            })
        }
    }
}

/// An allocation outside the plan goes ahead only marked so, with its reason.
pub fn check_outside_plan(why: Option<String>, marked: bool, reason: Option<&str>) -> Result<bool, Fault> {
    match why {
        None => Ok(false),
        Some(why) if !marked => Err(Fault::new(
            ErrorCode::OutsidePlan,
            &["input", "outsidePlan"],
            format!(
                "{why} (计划外); to allocate anyway, send it again with `outsidePlan: true` and the reason in `note`"
            ),
        )),
        Some(_) if reason.is_none_or(|r| r.trim().is_empty()) => Err(Fault::invalid(
            "note",
            "an allocation outside the plan (计划外) needs its reason in `note`",
        )),
        Some(_) => Ok(true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diff_names_what_was_added_removed_and_changed() {
        let m = Money::from_fen;
        let lines_before = BTreeMap::from([(1, m(100)), (2, m(200))]);
        let lines_after = BTreeMap::from([(2, m(250)), (3, m(300))]);
        let q = Quantity::from_milli;
        let sectors_before = BTreeMap::from([(Sector::Road, (q(10_000), 3)), (Sector::Clinic, (q(2_000), 2))]);
        let sectors_after = BTreeMap::from([(Sector::Road, (q(10_000), 3)), (Sector::Clinic, (q(3_000), 3))]);
        let none = ProjectRows::new();
        let contents = |lines, sectors| Contents {
            lines,
            sectors,
            projects: &none,
        };
        let changes = diff(
            contents(&lines_before, &sectors_before),
            contents(&lines_after, &sectors_after),
        );
        let kinds: Vec<PlanChangeKind> = changes
            .iter()
            .map(|c| match c {
                PlanChange::FundLine { kind, .. }
                | PlanChange::Sector { kind, .. }
                | PlanChange::Project { kind, .. } => *kind,
            })
            .collect();
        assert_eq!(
            kinds,
            vec![
                PlanChangeKind::Removed,
                PlanChangeKind::Changed,
                PlanChangeKind::Added,
                PlanChangeKind::Changed
            ]
        );
        assert!(
            diff(
                contents(&lines_after, &sectors_after),
                contents(&lines_after, &sectors_after)
            )
            .is_empty()
        );
    }

    #[test]
    fn project_rows_stay_within_their_lines_and_judge_allocations() {
        let m = Money::from_fen;
        let lines = BTreeMap::from([(1, m(1000))]);
        let rows: ProjectRows = BTreeMap::from([((10, Some(1)), Some(m(600))), ((11, None), None)]);
        assert!(check_project_rows(&lines, &rows).is_ok());
        let over: ProjectRows = BTreeMap::from([((10, Some(1)), Some(m(600))), ((12, Some(1)), Some(m(401)))]);
        assert!(check_project_rows(&lines, &over).is_err());
        let stray: ProjectRows = BTreeMap::from([((10, Some(2)), Some(m(1)))]);
        assert!(check_project_rows(&lines, &stray).is_err());
        // Allocations: within the row, above it, not listed, a plan of totals only.
        assert_eq!(outside_plan(&rows, 1, 10, m(600)), None);
        assert!(outside_plan(&rows, 1, 10, m(601)).is_some());
        assert!(outside_plan(&rows, 1, 11, m(1)).is_some(), "listed without money");
        assert!(outside_plan(&rows, 1, 99, m(1)).is_some());
        assert_eq!(outside_plan(&ProjectRows::new(), 1, 99, m(1)), None);
        let why = Some("x".to_string());
        assert_eq!(
            check_outside_plan(why.clone(), false, Some("r")).unwrap_err().code,
            ErrorCode::OutsidePlan
        );
        assert_eq!(
            check_outside_plan(why.clone(), true, None).unwrap_err().field,
            vec!["input", "note"]
        );
        assert_eq!(check_outside_plan(why, true, Some("急需")), Ok(true));
        assert_eq!(check_outside_plan(None, true, None), Ok(false));
        // A diff names the rows that changed.
        let after: ProjectRows = BTreeMap::from([((10, Some(1)), Some(m(700))), ((12, None), None)]);
        let none = BTreeMap::new();
        let changes = diff(
            Contents {
                lines: &lines,
                sectors: &none,
                projects: &rows,
            },
            Contents {
                lines: &lines,
                sectors: &none,
                projects: &after,
            },
        );
        assert_eq!(changes.len(), 3, "{changes:?}");
    }
}
