//! 项目类别 — what a project is, as the project library (项目库) classes it, and the
//! negative list (负面清单): which categories a kind of fund may not pay for.
//!
//! The sector fixes a project's unit of quantity; the category says what it builds or
//! buys, which is what the negative list is written in. The national list binds every
//! county and is defined here once; a county adds its own entries (`service::negative_list`)
//! and cannot take national ones away.
use super::fault::{ErrorCode, Fault};
use super::funds::FundKind;
use super::sector::Sector;

/// 项目类别 — what a project builds or buys.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProjectCategory {
    /// 产业发展
    Industry,
    /// 农村道路
    Road,
    /// 饮水安全
    DrinkingWater,
    /// 农田水利
    Irrigation,
    /// 农村电网
    PowerGrid,
    /// 通信网络
    Telecom,
    /// 住房安全 (危房改造、易地搬迁)
    Housing,
    /// 人居环境整治
    LivingEnvironment,
    /// 村级办公场所
    VillageOffice,
    /// 村卫生室
    Clinic,
    /// 村文化室
    CultureRoom,
    /// 文化广场
    CultureSquare,
    /// 学校等教育设施
    School,
    /// 大中型基础设施
    LargeInfrastructure,
    /// 医疗保障
    MedicalSecurity,
    /// 购买保险
    Insurance,
    /// 偿还债务或垫资
    DebtRepayment,
    /// 行政事业单位基本支出
    AdministrativeCost,
    /// 其他
    Other,
}

text_enum!(ProjectCategory {
    Industry => "INDUSTRY",
    Road => "ROAD",
    DrinkingWater => "DRINKING_WATER",
    Irrigation => "IRRIGATION",
    PowerGrid => "POWER_GRID",
    Telecom => "TELECOM",
    Housing => "HOUSING",
    LivingEnvironment => "LIVING_ENVIRONMENT",
    VillageOffice => "VILLAGE_OFFICE",
    Clinic => "CLINIC",
    CultureRoom => "CULTURE_ROOM",
    CultureSquare => "CULTURE_SQUARE",
    School => "SCHOOL",
    LargeInfrastructure => "LARGE_INFRASTRUCTURE",
    MedicalSecurity => "MEDICAL_SECURITY",
    Insurance => "INSURANCE",
    DebtRepayment => "DEBT_REPAYMENT",
    AdministrativeCost => "ADMINISTRATIVE_COST",
    Other => "OTHER",
});

impl ProjectCategory {
    pub fn chinese_name(self) -> &'static str {
        use ProjectCategory::*;
        match self {
            Industry => "产业发展",
            Road => "农村道路",
            DrinkingWater => "饮水安全",
            Irrigation => "农田水利",
            PowerGrid => "农村电网",
            Telecom => "通信网络",
            Housing => "住房安全",
            LivingEnvironment => "人居环境整治",
            VillageOffice => "村级办公场所",
            Clinic => "村卫生室",
            CultureRoom => "村文化室",
            CultureSquare => "文化广场",
            School => "学校等教育设施",
            LargeInfrastructure => "大中型基础设施",
            MedicalSecurity => "医疗保障",
            Insurance => "购买保险",
            DebtRepayment => "偿还债务或垫资",
            AdministrativeCost => "行政事业单位基本支出",
            Other => "其他",
        }
    }

    /// The category a project of `sector` has unless its township says otherwise.
    pub fn default_for(sector: Sector) -> ProjectCategory {
        match sector {
            Sector::Road => ProjectCategory::Road,
            Sector::DrinkingWater => ProjectCategory::DrinkingWater,
            Sector::Clinic => ProjectCategory::Clinic,
            Sector::PowerGrid => ProjectCategory::PowerGrid,
            Sector::Education => ProjectCategory::School,
            Sector::Telecom => ProjectCategory::Telecom,
            Sector::Industry => ProjectCategory::Industry,
            Sector::Housing => ProjectCategory::Housing,
            Sector::Other => ProjectCategory::Other,
        }
    }
}

/// The documents the national list comes from.
pub const INTEGRATION_NOTICE_2019: &str = "财政部、国务院扶贫办《关于做好2019年贫困县涉农资金统筹整合试点工作的通知》";
pub const POVERTY_FUND_MEASURES: &str = "《中央财政专项扶贫资金管理办法》(财农〔2017〕8号)";

/// One entry of a negative list: money of `fund_kind` may not pay for `category`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Barred {
    pub category: ProjectCategory,
    pub fund_kind: FundKind,
    /// 依据 — the document that bars it.
    pub source: String,
}

/// 负面清单 (national) — what integrated agricultural funds may not pay for, in every county.
pub const NATIONAL: [(ProjectCategory, FundKind, &str); 10] = {
    use FundKind::IntegratedAgricultural as I;
    use ProjectCategory::*;
    [
        (VillageOffice, I, INTEGRATION_NOTICE_2019),
        (Clinic, I, INTEGRATION_NOTICE_2019),
        (CultureRoom, I, INTEGRATION_NOTICE_2019),
        (CultureSquare, I, INTEGRATION_NOTICE_2019),
        (School, I, INTEGRATION_NOTICE_2019),
        (LargeInfrastructure, I, INTEGRATION_NOTICE_2019),
        (MedicalSecurity, I, INTEGRATION_NOTICE_2019),
        (Insurance, I, INTEGRATION_NOTICE_2019),
        (DebtRepayment, I, INTEGRATION_NOTICE_2019),
        (AdministrativeCost, I, POVERTY_FUND_MEASURES),
    ]
};

/// The national list as entries.
pub fn national() -> Vec<Barred> {
    NATIONAL
        .iter()
        .map(|(category, fund_kind, source)| Barred {
            category: *category,
            fund_kind: *fund_kind,
            source: (*source).to_string(),
        })
        .collect()
}

/// Whether the national list already bars `category` for `kind` (a county entry would repeat it).
pub fn nationally_barred(category: ProjectCategory, kind: FundKind) -> bool {
    NATIONAL.iter().any(|(c, k, _)| *c == category && *k == kind)
}

/// 负面清单 — refuses money of `kind` for a project whose category, or whose sector's usual
/// category, the national list or the county's own entries (`county`) bar, naming the
/// document that bars it. The sector counts too, so that a clinic or school drafted under
/// another category is still what it is.
pub fn check_negative_list(
    kind: FundKind,
    sector: Sector,
    category: ProjectCategory,
    county: &[Barred],
) -> Result<(), Fault> {
    let national = national();
    let is = [category, ProjectCategory::default_for(sector)];
    let Some(entry) = national
        .iter()
        .chain(county)
        .find(|b| is.contains(&b.category) && b.fund_kind == kind)
    else {
        return Ok(());
    };
    let category = entry.category;
    Err(Fault::new(
        ErrorCode::NegativeList,
        &["input", "fundLine"],
        format!(
            "{} ({}) may not pay for {} ({}) projects: they are on the negative list (负面清单) under {}; use another fund line",
            kind.chinese_name(),
            kind.as_str(),
            category.chinese_name(),
            category.as_str(),
            entry.source
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_national_list_bars_integrated_funds_by_category_and_a_county_adds_to_it() {
        use FundKind::{CountyMatching, IntegratedAgricultural};
        use ProjectCategory::{Insurance, Road};
        let other = Sector::Other;
        for (category, kind, _) in NATIONAL {
            assert!(check_negative_list(kind, other, category, &[]).is_err(), "{category:?}");
            assert!(
                check_negative_list(FundKind::Sector, other, category, &[]).is_ok(),
                "{category:?}"
            );
        }
        assert!(check_negative_list(IntegratedAgricultural, Sector::Road, Road, &[]).is_ok());
        // A clinic drafted as something else is still a clinic.
        let other_category = ProjectCategory::Other;
        assert!(check_negative_list(IntegratedAgricultural, Sector::Clinic, other_category, &[]).is_err());
        let fault = check_negative_list(IntegratedAgricultural, other, ProjectCategory::Clinic, &[]).unwrap_err();
        assert!(fault.message.contains(INTEGRATION_NOTICE_2019), "{}", fault.message);
        let county = [Barred {
            category: Insurance,
            fund_kind: CountyMatching,
            source: "示范县财政局文件".into(),
        }];
        let fault = check_negative_list(CountyMatching, other, Insurance, &county).unwrap_err();
        assert!(fault.message.contains("示范县财政局文件"));
        assert!(check_negative_list(CountyMatching, other, Insurance, &[]).is_ok());
    }

    #[test]
    fn every_sector_defaults_to_a_category_and_names_round_trip() {
        for sector in Sector::ALL {
            let category = ProjectCategory::default_for(sector);
            assert_eq!(ProjectCategory::parse(category.as_str()), Some(category));
        }
        assert_eq!(ProjectCategory::default_for(Sector::Education), ProjectCategory::School);
    }
}
