//! 扶贫项目 — the rules of a project's record: its enumerations, what a complete
//! application has, and how its code is made.
use super::fault::{ErrorCode, Fault};
use super::money::Money;
use super::quantity::Quantity;
use super::sector::Sector;
use chrono::NaiveDate;

/// 建设性质 — the nature of the construction.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ConstructionNature {
    /// 新建
    New,
    /// 续建
    Continued,
    /// 改扩建
    Renovation,
}

/// 前期工作节点 — a milestone of preliminary work.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum PreparationMilestone {
    /// 立项
    Establishment,
    /// 审批
    Approval,
    /// 设计
    Design,
    /// 招标
    Tendering,
}

/// 验收等次 — the grade of an accepted project.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum AcceptanceGrade {
    /// 合格
    Qualified,
    /// 优质
    Excellent,
}

text_enum!(ConstructionNature { New => "NEW", Continued => "CONTINUED", Renovation => "RENOVATION" });
text_enum!(PreparationMilestone { Establishment => "ESTABLISHMENT", Approval => "APPROVAL", Design => "DESIGN", Tendering => "TENDERING" });
text_enum!(AcceptanceGrade { Qualified => "QUALIFIED", Excellent => "EXCELLENT" });

impl ConstructionNature {
    /// The nature as the county's ledgers name it.
    pub fn chinese_name(self) -> &'static str {
        match self {
            Self::New => "新建",
            Self::Continued => "续建",
            Self::Renovation => "改扩建",
        }
    }
}

impl PreparationMilestone {
    /// The milestone as a clerk names it.
    pub fn chinese_name(self) -> &'static str {
        match self {
            Self::Establishment => "立项",
            Self::Approval => "审批",
            Self::Design => "设计",
            Self::Tendering => "招标",
        }
    }
}

/// 绩效目标 — one performance target: an indicator, its unit and the target value.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PerformanceTarget {
    pub indicator: String,
    pub unit: String,
    /// A decimal number as text, e.g. "12.5".
    pub target: String,
}

/// Who a project benefits (受益对象), of whom registered poor (建档立卡).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Beneficiaries {
    pub households: i32,
    pub people: i32,
    pub poor_households: i32,
    pub poor_people: i32,
}

impl Beneficiaries {
    /// The counts' faults, each naming its field of `input.beneficiaries`.
    pub fn check(&self) -> Vec<Fault> {
        let invalid = |field: &str, message: String| {
            Fault::new(ErrorCode::InvalidInput, &["input", "beneficiaries", field], message)
        };
        let mut faults = Vec::new();
        for (field, label, value) in [
            ("households", "beneficiary households", self.households),
            ("people", "beneficiary people", self.people),
            ("poorHouseholds", "registered poor households", self.poor_households),
            ("poorPeople", "registered poor people", self.poor_people),
        ] {
            if value < 0 {
                faults.push(invalid(field, format!("{label} cannot be negative (got {value})")));
            }
        }
        if self.poor_households > self.households {
            faults.push(invalid(
                "poorHouseholds",
                "registered poor households cannot outnumber all beneficiary households".into(),
            ));
        }
        if self.poor_people > self.people {
            faults.push(invalid(
                "poorPeople",
                "registered poor people cannot outnumber all beneficiary people".into(),
            ));
        }
        if self.households > self.people {
            faults.push(invalid(
                "people",
                "every beneficiary household has at least one person".into(),
            ));
        }
        faults
    }
}

/// A finish before its start is refused, naming the finish field.
pub fn check_dates(start: Option<NaiveDate>, finish: Option<NaiveDate>, finish_field: &str) -> Result<(), Fault> {
    match (start, finish) {
        (Some(start), Some(finish)) if finish < start => Err(Fault::invalid(
            finish_field,
            format!("the finish date {finish} is before the start date {start}"),
        )),
        _ => Ok(()),
    }
}

/// The years a project may belong to.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

pub fn check_year(year: i32) -> Result<(), Fault> {
    if YEARS.contains(&year) {
        Ok(())
    } else {
        Err(Fault::invalid(
            "year",
            format!(
                "the year must be between {} and {}, not {year}",
                YEARS.start(),
                YEARS.end()
            ),
        ))
    }
}

/// What an application holds when it is submitted.
pub struct SubmissionRecord<'a> {
    pub content: &'a str,
    pub planned_quantity: Quantity,
    pub budget: Money,
    pub villages: usize,
    pub beneficiaries: Beneficiaries,
    pub performance_targets: usize,
    pub planned_start: Option<NaiveDate>,
    pub planned_finish: Option<NaiveDate>,
}

/// The fields a complete application (镇村申报) still lacks, as faults naming each.
pub fn missing_for_submission(record: &SubmissionRecord<'_>) -> Vec<Fault> {
    let mut missing = Vec::new();
    // The draft is at fault, not the submission's input: the fault names the field to edit
    // (with `projectUpdate`) in its message, and blames no input path.
    let mut need = |ok: bool, field: &str, what: &str| {
        if !ok {
            missing.push(Fault::new(
                ErrorCode::InvalidInput,
                &[],
                format!("an application needs {what} before it is submitted (set `{field}` with projectUpdate)"),
            ));
        }
    };
    need(
        !record.content.trim().is_empty(),
        "content",
        "its construction content (建设内容)",
    );
    need(
        record.planned_quantity.milli() > 0,
        "plannedQuantity",
        "a planned quantity above 0",
    );
    need(record.budget.fen() > 0, "budget", "a budget above 0");
    need(record.villages > 0, "villages", "at least one village");
    need(
        record.beneficiaries.people > 0,
        "beneficiaries",
        "its beneficiaries (受益人口)",
    );
    need(
        record.performance_targets > 0,
        "performanceTargets",
        "at least one performance target (绩效目标)",
    );
    need(record.planned_start.is_some(), "plannedStart", "a planned start date");
    need(
        record.planned_finish.is_some(),
        "plannedFinish",
        "a planned finish date",
    );
    missing
}

/// The county-unique, human-readable code: `2025-ROAD-0042`.
pub fn project_code(year: i32, sector: Sector, sequence: u32) -> String {
    format!("{year}-{}-{sequence:04}", sector.as_str())
}

/// The sequence number of a code made by [`project_code`].
pub fn code_sequence(code: &str) -> Option<u32> {
    code.rsplit('-').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_year_sector_sequence() {
        let code = project_code(2025, Sector::DrinkingWater, 42);
        assert_eq!(code, "2025-DRINKING_WATER-0042");
        assert_eq!(code_sequence(&code), Some(42));
    }

    #[test]
    fn an_incomplete_application_names_every_missing_field() {
        let record = SubmissionRecord {
            content: " ",
            planned_quantity: Quantity::from_milli(0),
            budget: Money::from_fen(100),
            villages: 1,
            beneficiaries: Beneficiaries::default(),
            performance_targets: 0,
            planned_start: None,
            planned_finish: None,
        };
        let faults = missing_for_submission(&record);
        assert!(
            faults.iter().all(|f| f.field.is_empty()),
            "the draft is at fault, not the input"
        );
        let fields: Vec<&str> = faults
            .iter()
            .map(|f| f.message.split('`').nth(1).unwrap_or(""))
            .collect();
        assert_eq!(
            fields,
            [
                "content",
                "plannedQuantity",
                "beneficiaries",
                "performanceTargets",
                "plannedStart",
                "plannedFinish"
            ]
        );
    }

    #[test]
    fn beneficiaries_must_add_up() {
        let ok = Beneficiaries {
            households: 10,
            people: 30,
            poor_households: 4,
            poor_people: 12,
        };
        assert!(ok.check().is_empty());
        let bad = Beneficiaries {
            households: 10,
            people: 30,
            poor_households: 11,
            poor_people: -1,
        };
        assert_eq!(bad.check().len(), 2);
    }

    #[test]
    fn finish_before_start_is_refused() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(check_dates(Some(d("2025-05-01")), Some(d("2025-04-30")), "plannedFinish").is_err());
        assert!(check_dates(Some(d("2025-05-01")), Some(d("2025-05-01")), "plannedFinish").is_ok());
        assert!(check_dates(None, Some(d("2025-05-01")), "plannedFinish").is_ok());
    }
}
