//! 督考 — a county's scoring schemes, and the quarterly scores of its townships or
//! departments computed by `domain::assessment` from the figures the other use cases give,
//! all as they stood at the quarter's end (or today, for a quarter not yet over):
//! construction progress, fund utilization, the rectification summary, the alerts and the
//! monthly lists. So a past quarter scores the same whenever it is asked.
use super::audit::{self, Change};
use super::{ServiceError, ServiceResult, begin_write};
use crate::domain::access::{Actor, Operation, Role, authorize, authorize_at};
use crate::domain::alerts::NO_PROGRESS_DAYS;
use crate::domain::assessment::{self as rules, AssessedUnit, Indicator, Quarter, Rule, Value, default_rules};
use crate::domain::audit::AuditAction;
use crate::domain::calendar;
use crate::domain::department::DepartmentKind;
use crate::domain::fault::{Fault, required_text};
use crate::domain::metrics::{Dimension, ProgressDimension, ranks, rate};
use crate::domain::rectification::Grouping;
use crate::domain::region::{RegionCode, RegionLevel};
use crate::domain::task_list::{Month, Outcome};
use chrono::{NaiveDate, Utc};
use entity::{assessment_rule, assessment_scheme, department, region, task_list};
use rust_decimal::Decimal;
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;

/// A scheme: a county's version, or the default (`row` is `None`).
#[derive(Clone, Debug)]
pub struct Scheme {
    pub row: Option<assessment_scheme::Model>,
    pub rules: Vec<Rule>,
}

impl Scheme {
    pub fn rules_for(&self, unit: AssessedUnit) -> Vec<Rule> {
        self.rules.iter().copied().filter(|r| r.unit == unit).collect()
    }
}

fn hundredths(value: Decimal) -> i64 {
    // Checked to 2 decimals by `rules::check_rules`.
    (value * Decimal::ONE_HUNDRED).trunc().try_into().unwrap_or(i64::MAX)
}

fn rule_of(row: &assessment_rule::Model) -> ServiceResult<Rule> {
    Ok(Rule {
        unit: AssessedUnit::parse(&row.unit)
            .ok_or_else(|| ServiceError::Internal(format!("unknown unit {}", row.unit)))?,
        indicator: Indicator::parse(&row.indicator)
            .ok_or_else(|| ServiceError::Internal(format!("unknown indicator {}", row.indicator)))?,
        weight: Decimal::new(row.weight_hundredths, 2),
        deduction_per_item: row.deduction_hundredths.map(|d| Decimal::new(d, 2)),
    })
}

/// The scheme in force in `county` on `day`: its latest version taking effect by then.
pub async fn in_force(db: &DatabaseConnection, county: &RegionCode, day: NaiveDate) -> ServiceResult<Scheme> {
    let row = assessment_scheme::Entity::find()
        .filter(assessment_scheme::Column::CountyCode.eq(county.as_str()))
        .filter(assessment_scheme::Column::EffectiveFrom.lte(day))
        .order_by_desc(assessment_scheme::Column::EffectiveFrom)
        .order_by_desc(assessment_scheme::Column::Version)
        .one(db)
        .await?;
    let Some(row) = row else {
        return Ok(Scheme {
            row: None,
            rules: default_rules(),
        });
    };
    let rules = assessment_rule::Entity::find()
        .filter(assessment_rule::Column::SchemeId.eq(row.id))
        .order_by_asc(assessment_rule::Column::Id)
        .all(db)
        .await?
        .iter()
        .map(rule_of)
        .collect::<ServiceResult<_>>()?;
    Ok(Scheme { row: Some(row), rules })
}

fn county_of(raw: &str) -> ServiceResult<RegionCode> {
    let county = super::regions::parse_code("countyCode", raw.trim())?;
    if county.level() != RegionLevel::County {
        return Err(Fault::invalid("countyCode", format!("scores are a county's; {county} is not a county")).into());
    }
    Ok(county)
}

/// Which rows of a county's scores the actor reads: all of them, or its own unit's.
enum Reader {
    All,
    Department(i64),
    Township(RegionCode),
}

fn reader(actor: &Actor, county: &RegionCode) -> ServiceResult<Reader> {
    authorize(actor, Operation::ViewAssessment)?;
    match (actor.role, actor.department_id, actor.scope.root()) {
        (Role::Department, Some(id), _) => {
            authorize_at(actor, Operation::ViewAssessment, county)?;
            Ok(Reader::Department(id))
        }
        (Role::Township, _, Some(root)) if county.contains(root) => Ok(Reader::Township(root.clone())),
        _ => {
            authorize_at(actor, Operation::ViewAssessment, county)?;
            Ok(Reader::All)
        }
    }
}

/// The scheme in force in a county on a day (today when `None`).
pub async fn scheme(
    db: &DatabaseConnection,
    actor: &Actor,
    county_code: &str,
    as_of: Option<NaiveDate>,
) -> ServiceResult<Scheme> {
    let county = county_of(county_code)?;
    reader(actor, &county)?;
    in_force(db, &county, as_of.unwrap_or_else(calendar::today)).await
}

/// A new version of a county's scheme.
#[derive(Clone, Debug)]
pub struct SchemeInput {
    pub county_code: String,
    pub effective_from: NaiveDate,
    pub name: String,
    pub rules: Vec<Rule>,
}

/// Sets a new version of a county's scheme, in force from its day on.
pub async fn set_scheme(db: &DatabaseConnection, actor: &Actor, input: SchemeInput) -> ServiceResult<Scheme> {
    let county = super::regions::county_in_reach(actor, Operation::ManageAssessment, &input.county_code, "schemes")?;
    let name = required_text("name", "the scheme's name or document (方案)", &input.name, 200)?;
    rules::check_rules(&input.rules)?;
    let txn = begin_write(db).await?;
    let latest = assessment_scheme::Entity::find()
        .filter(assessment_scheme::Column::CountyCode.eq(county.as_str()))
        .order_by_desc(assessment_scheme::Column::Version)
        .lock_exclusive()
        .one(&txn)
        .await?;
    // A new version scores from its day on: it may not rescore quarters an earlier one scored.
    calendar::check_new_version_day(
        latest.as_ref().map(|l| (l.version, l.effective_from)),
        input.effective_from,
    )?;
    let row = assessment_scheme::Entity::insert(assessment_scheme::ActiveModel {
        county_code: Set(county.to_string()),
        version: Set(latest.map_or(1, |l| l.version + 1)),
        effective_from: Set(input.effective_from),
        name: Set(name),
        created_by: Set(actor.username.clone()),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .exec_with_returning(&txn)
    .await?;
    let rule_rows: Vec<assessment_rule::ActiveModel> = input
        .rules
        .iter()
        .map(|r| assessment_rule::ActiveModel {
            scheme_id: Set(row.id),
            unit: Set(r.unit.as_str().to_string()),
            indicator: Set(r.indicator.as_str().to_string()),
            weight_hundredths: Set(hundredths(r.weight)),
            deduction_hundredths: Set(r.deduction_per_item.map(hundredths)),
            ..Default::default()
        })
        .collect();
    assessment_rule::Entity::insert_many(rule_rows).exec(&txn).await?;
    let after = serde_json::json!({
        "scheme": row,
        "rules": input.rules.iter().map(|r| serde_json::json!({
            "unit": r.unit.as_str(),
            "indicator": r.indicator.as_str(),
            "weight": r.weight.to_string(),
            "deductionPerItem": r.deduction_per_item.map(|d| d.to_string()),
        })).collect::<Vec<_>>(),
    });
    audit::record(
        &txn,
        actor,
        Change {
            action: AuditAction::AssessmentSchemeSet,
            entity_type: "AssessmentScheme",
            entity_id: row.id.to_string(),
            region_code: Some(county.to_string()),
            before: None,
            after: Some(after.to_string()),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(Scheme {
        row: Some(row),
        rules: input.rules,
    })
}

/// One indicator of a unit's score.
#[derive(Clone, Debug)]
pub struct IndicatorScore {
    pub rule: Rule,
    pub value: Value,
    pub points: Decimal,
}

/// A township's or department's score for a quarter.
#[derive(Clone, Debug)]
pub struct UnitScore {
    pub department_id: Option<i64>,
    pub township_code: Option<String>,
    pub indicators: Vec<IndicatorScore>,
    pub total: Decimal,
    pub rank: Option<u32>,
}

/// The scores of a county's townships or departments for a quarter.
#[derive(Clone, Debug)]
pub struct Scores {
    pub quarter: Quarter,
    /// The day the figures are as of: the quarter's last day, or today for a quarter not
    /// yet over.
    pub as_of: NaiveDate,
    pub scheme: Scheme,
    /// How many units were ranked (the rows may be fewer: a unit reads its own).
    pub ranked: u32,
    pub rows: Vec<UnitScore>,
}

/// The unit a figure belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum UnitKey {
    Department(i64),
    Township(String),
}

/// The township a township's or village's code belongs to.
fn township_of(code: &str) -> Option<String> {
    let code = RegionCode::parse(code).ok()?;
    match code.level() {
        RegionLevel::Township => Some(code.to_string()),
        RegionLevel::Village => code.parent().map(|p| p.to_string()),
        _ => None,
    }
}

/// 督考 — the quarter's scores of a county's townships or departments, by place.
pub async fn scores(
    db: &DatabaseConnection,
    actor: &Actor,
    quarter: Quarter,
    county_code: &str,
    by: AssessedUnit,
) -> ServiceResult<Scores> {
    let county = county_of(county_code)?;
    let reader = reader(actor, &county)?;
    let today = calendar::today();
    if quarter.first_day() > today {
        return Err(Fault::new(
            crate::domain::fault::ErrorCode::InvalidInput,
            &["quarter"],
            format!("{}Q{} has not begun", quarter.year, quarter.number),
        )
        .into());
    }
    let as_of = quarter.last_day().min(today);
    let scheme = in_force(db, &county, quarter.last_day()).await?;
    // The county's figures are computed whole — a unit's place depends on every other
    // unit's — and only the rows the actor may read are returned.
    let system = Actor::system();
    let figures = figures(db, &system, &county, quarter, as_of, by).await?;
    let units: Vec<UnitKey> = match by {
        AssessedUnit::Township => region::Entity::find()
            .filter(region::Column::ParentCode.eq(county.as_str()))
            .filter(region::Column::Level.eq(RegionLevel::Township.as_str()))
            .order_by_asc(region::Column::Code)
            .all(db)
            .await?
            .into_iter()
            .map(|r| UnitKey::Township(r.code))
            .collect(),
        AssessedUnit::Department => department::Entity::find()
            .filter(department::Column::CountyCode.eq(county.as_str()))
            .filter(department::Column::Kind.eq(DepartmentKind::Sector.as_str()))
            .order_by_asc(department::Column::Id)
            .all(db)
            .await?
            .into_iter()
            .map(|d| UnitKey::Department(d.id))
            .collect(),
    };
    let unit_rules = scheme.rules_for(by);
    let mut rows: Vec<UnitScore> = units
        .into_iter()
        .map(|unit| {
            let indicators: Vec<IndicatorScore> = unit_rules
                .iter()
                .map(|rule| {
                    let value = figures.value(rule.indicator, &unit);
                    IndicatorScore {
                        rule: *rule,
                        value,
                        points: rules::points(rule, value),
                    }
                })
                .collect();
            let total = indicators.iter().map(|i| i.points).sum();
            let (department_id, township_code) = match unit {
                UnitKey::Department(id) => (Some(id), None),
                UnitKey::Township(code) => (None, Some(code)),
            };
            UnitScore {
                department_id,
                township_code,
                indicators,
                total,
                rank: None,
            }
        })
        .collect();
    let places = ranks(&rows.iter().map(|r| Some(r.total)).collect::<Vec<_>>());
    for (row, place) in rows.iter_mut().zip(places) {
        row.rank = place;
    }
    rows.sort_by_key(|r| r.rank.unwrap_or(u32::MAX));
    let ranked = rows.iter().filter(|r| r.rank.is_some()).count() as u32;
    rows.retain(|r| match &reader {
        Reader::All => true,
        Reader::Department(id) => r.department_id == Some(*id),
        Reader::Township(code) => r.township_code.as_deref() == Some(code.as_str()),
    });
    Ok(Scores {
        quarter,
        as_of,
        scheme,
        ranked,
        rows,
    })
}

/// The figures the indicators read, per unit.
#[derive(Default)]
struct Figures {
    start_rate: HashMap<UnitKey, Option<Decimal>>,
    completion_rate: HashMap<UnitKey, Option<Decimal>>,
    disbursement_rate: HashMap<UnitKey, Option<Decimal>>,
    closing_rate: HashMap<UnitKey, Option<Decimal>>,
    overdue: HashMap<UnitKey, u32>,
    /// (items done, items) on the unit's lists.
    task_items: HashMap<UnitKey, (i64, i64)>,
}

impl Figures {
    fn value(&self, indicator: Indicator, unit: &UnitKey) -> Value {
        let rate_of = |m: &HashMap<UnitKey, Option<Decimal>>| Value::Rate(m.get(unit).copied().flatten());
        match indicator {
            Indicator::StartRate => rate_of(&self.start_rate),
            Indicator::CompletionRate => rate_of(&self.completion_rate),
            Indicator::DisbursementRate => rate_of(&self.disbursement_rate),
            Indicator::RectificationClosingRate => rate_of(&self.closing_rate),
            Indicator::OverdueItems => Value::Count(self.overdue.get(unit).copied().unwrap_or(0)),
            Indicator::TaskListCompletion => {
                Value::Rate(self.task_items.get(unit).and_then(|(done, all)| rate(*done, *all)))
            }
        }
    }
}

async fn figures(
    db: &DatabaseConnection,
    system: &Actor,
    county: &RegionCode,
    quarter: Quarter,
    as_of: NaiveDate,
    by: AssessedUnit,
) -> ServiceResult<Figures> {
    let mut f = Figures::default();
    let key = |township: Option<String>, department: Option<i64>| match by {
        AssessedUnit::Township => township.map(UnitKey::Township),
        AssessedUnit::Department => department.map(UnitKey::Department),
    };
    let (progress_by, money_by) = match by {
        AssessedUnit::Township => (ProgressDimension::Township, Dimension::Township),
        AssessedUnit::Department => (ProgressDimension::Department, Dimension::Department),
    };
    let year = quarter.year;
    for row in
        super::construction::construction_progress(db, system, year, county.as_str(), &[progress_by], Some(as_of))
            .await?
    {
        if let Some(unit) = key(row.key.township, row.key.department_id) {
            f.start_rate.insert(unit.clone(), row.figures.start_rate());
            f.completion_rate.insert(unit, row.figures.completion_rate());
        }
    }
    for row in super::utilization::fund_utilization(db, system, year, county.as_str(), &[money_by], Some(as_of)).await?
    {
        if let Some(unit) = key(row.key.township, row.key.department_id) {
            f.disbursement_rate
                .insert(unit, row.figures.allocation_disbursement_rate());
        }
    }
    let (groups, _) = super::rectification::summary(db, system, county.as_str(), Grouping::Unit, as_of).await?;
    for group in groups {
        if let Some(unit) = key(group.township_code.clone(), group.department_id) {
            f.closing_rate.insert(unit, group.tally.closing_rate());
        }
    }
    for alert in super::alerts::alerts(db, system, county.as_str(), &[], as_of, NO_PROGRESS_DAYS).await? {
        if let Some(unit) = key(alert.region_code.as_deref().and_then(township_of), alert.department_id) {
            *f.overdue.entry(unit).or_default() += 1;
        }
    }
    let months: Vec<String> = quarter.months().iter().map(Month::to_string).collect();
    let lists = task_list::Entity::find()
        .filter(task_list::Column::CountyCode.eq(county.as_str()))
        .filter(task_list::Column::Month.is_in(months))
        .filter(task_list::Column::PublishedOn.lte(as_of))
        .all(db)
        .await?;
    let ids: Vec<i64> = lists.iter().map(|l| l.id).collect();
    let mut items = super::task_lists::items_of(db, &ids).await?;
    for list in lists {
        let Some(unit) = key(
            list.unit_region_code.as_deref().and_then(township_of),
            list.unit_department_id,
        ) else {
            continue;
        };
        let cleared = list.cleared_on.is_some_and(|d| d <= as_of);
        let tally = f.task_items.entry(unit).or_default();
        for item in items.remove(&list.id).unwrap_or_default() {
            tally.0 += i64::from(cleared && super::task_lists::outcome_of(&item) == Some(Outcome::Done));
            tally.1 += 1;
        }
    }
    Ok(f)
}
