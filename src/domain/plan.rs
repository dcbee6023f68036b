//! 计划调整 — what one version of an annual plan changes against another.
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

/// One fund line or sector that differs between two versions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlanChange {
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

/// The changes from `before` to `after`: fund lines by id, then sectors in their order.
pub fn diff(
    lines_before: &BTreeMap<i64, Money>,
    lines_after: &BTreeMap<i64, Money>,
    sectors_before: &BTreeMap<Sector, Targets>,
    sectors_after: &BTreeMap<Sector, Targets>,
) -> Vec<PlanChange> {
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
    changes
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
        let changes = diff(&lines_before, &lines_after, &sectors_before, &sectors_after);
        let kinds: Vec<PlanChangeKind> = changes
            .iter()
            .map(|c| match c {
                PlanChange::FundLine { kind, .. } | PlanChange::Sector { kind, .. } => *kind,
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
        assert!(diff(&lines_after, &lines_after, &sectors_after, &sectors_after).is_empty());
    }
}
