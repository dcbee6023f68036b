//! 部门 — what kind of county body a department is.
use std::str::FromStr;

/// The kind of county body: sector departments build; the poverty office coordinates;
/// the finance bureau keeps the fund ledger.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum DepartmentKind {
    /// 行业部门 — 交通局, 水利局, 卫健局, 供电公司, 教育局, 通信…
    Sector,
    /// 县扶贫办 — the county poverty-alleviation office.
    PovertyOffice,
    /// 财政局 — the county finance bureau.
    FinanceBureau,
}

impl DepartmentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DepartmentKind::Sector => "SECTOR",
            DepartmentKind::PovertyOffice => "POVERTY_OFFICE",
            DepartmentKind::FinanceBureau => "FINANCE_BUREAU",
        }
    }
}

impl FromStr for DepartmentKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            DepartmentKind::Sector,
            DepartmentKind::PovertyOffice,
            DepartmentKind::FinanceBureau,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == s)
        .ok_or_else(|| format!("unknown department kind `{s}`"))
    }
}
