//! 变更推送 — what a subscription follows: a project's step (STATUS), a progress report
//! (PROGRESS), a ledger entry (MONEY); and which region a change falls in.
use super::region::RegionCode;

/// What kind of change a project had.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    /// A lifecycle step (申报、批复、交办、认领、开工、竣工、验收 …).
    Status,
    /// A progress report (进度填报).
    Progress,
    /// A ledger entry (资金到位、安排、拨付、冲销).
    Money,
}

impl ChangeKind {
    pub const ALL: [ChangeKind; 3] = [ChangeKind::Status, ChangeKind::Progress, ChangeKind::Money];

    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Status => "STATUS",
            ChangeKind::Progress => "PROGRESS",
            ChangeKind::Money => "MONEY",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Whether a change in `county` (and `township`, for a project's) falls in `region`: a
/// project's change in the region holding its township, a county's own (a receipt) in the
/// region holding the county.
pub fn falls_in(region: &RegionCode, county: &str, township: Option<&str>) -> bool {
    let place = township.unwrap_or(county);
    RegionCode::parse(place).is_ok_and(|code| region.contains(&code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_falls_in_the_regions_above_its_place() {
        let county = RegionCode::parse("990101000000").unwrap();
        let township = RegionCode::parse("990101001000").unwrap();
        let other = RegionCode::parse("990101002000").unwrap();
        // A project's change in 990101001000.
        assert!(falls_in(&county, "990101000000", Some("990101001000")));
        assert!(falls_in(&township, "990101000000", Some("990101001000")));
        assert!(!falls_in(&other, "990101000000", Some("990101001000")));
        // The county's own receipt: not in any of its townships.
        assert!(falls_in(&county, "990101000000", None));
        assert!(!falls_in(&township, "990101000000", None));
        for kind in ChangeKind::ALL {
            assert_eq!(ChangeKind::parse(kind.as_str()), Some(kind));
        }
    }
}
