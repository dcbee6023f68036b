//! 年度计划 — the annual plan of a county: the fund lines' planned amounts and each
//! sector's targets. A draft is edited in place; approval locks it; a change after that
//! is a new version, and every version stays readable.
use super::audit::{self, Change};
use super::{ServiceError, ServiceResult, begin_write};
use crate::domain::access::{Actor, Operation, authorize, authorize_at};
use crate::domain::audit::AuditAction;
use crate::domain::fault::{ErrorCode, Fault};
use crate::domain::money::Money;
use crate::domain::plan::{Contents, PlanChange, PlanStatus, ProjectRowKey, ProjectRows, Targets};
use crate::domain::quantity::Quantity;
use crate::domain::region::RegionCode;
use crate::domain::sector::Sector;
use chrono::NaiveDate;
use entity::{annual_plan, annual_plan_fund, annual_plan_project, annual_plan_sector, fund_line, project};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    sea_query::{Alias, Condition, Expr, ExprTrait, Query, SelectStatement},
};
use std::collections::{BTreeMap, HashMap};

#[derive(Clone, Debug)]
pub struct PlanInput {
    pub county_code: String,
    pub year: i32,
    /// The version being edited; `None` edits the latest draft or starts a new version
    /// after the latest approved one.
    pub version: Option<i32>,
    /// Fund lines to add to the version or change: (line, planned amount).
    pub fund_lines: Vec<(i64, Decimal)>,
    /// Sectors to add or change: (sector, target quantity, target project count).
    pub sectors: Vec<(Sector, Decimal, i32)>,
    /// Project rows to add or change (整合方案): (project, fund line, amount), or a project
    /// listed without money yet: (project, None, None).
    pub projects: Vec<(i64, Option<i64>, Option<Decimal>)>,
    /// Project rows to take out: (project, fund line or None).
    pub remove_projects: Vec<(i64, Option<i64>)>,
    /// Fund lines to take out of the version.
    pub remove_fund_lines: Vec<i64>,
    /// Sectors to take out of the version.
    pub remove_sectors: Vec<Sector>,
    /// 文号 — the document setting or adjusting the plan; kept when left out.
    pub document_no: Option<String>,
    /// Why the version adjusts the one before; kept when left out.
    pub reason: Option<String>,
}

/// One version of a plan with its contents.
#[derive(Clone, Debug)]
pub struct Plan {
    pub plan: annual_plan::Model,
    pub fund_lines: Vec<annual_plan_fund::Model>,
    pub sectors: Vec<annual_plan_sector::Model>,
    /// 整合方案 — the rows by project, by project and line.
    pub projects: Vec<annual_plan_project::Model>,
}

impl Plan {
    /// The project rows as the domain reads them.
    pub fn project_rows(&self) -> ProjectRows {
        self.projects
            .iter()
            .map(|r| ((r.project_id, r.fund_line_id), r.planned_fen.map(Money::from_fen)))
            .collect()
    }
}

fn county_of(actor: &Actor, operation: Operation, raw: &str) -> ServiceResult<RegionCode> {
    super::regions::county_in_reach(actor, operation, raw, "annual plans")
}

async fn load(conn: &impl ConnectionTrait, plan: annual_plan::Model) -> ServiceResult<Plan> {
    load_many(conn, vec![plan])
        .await?
        .pop()
        .ok_or_else(|| ServiceError::Internal("a plan read without its parts".into()))
}

/// Reads the fund lines and sector targets of `plans`, two queries for all of them (a
/// province's rollup reads a plan for each of its hundred counties).
async fn load_many(conn: &impl ConnectionTrait, plans: Vec<annual_plan::Model>) -> ServiceResult<Vec<Plan>> {
    if plans.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = plans.iter().map(|p| p.id).collect();
    let fund_lines = annual_plan_fund::Entity::find()
        .filter(annual_plan_fund::Column::PlanId.is_in(ids.iter().copied()))
        .order_by_asc(annual_plan_fund::Column::FundLineId)
        .all(conn)
        .await?;
    let sectors = annual_plan_sector::Entity::find()
        .filter(annual_plan_sector::Column::PlanId.is_in(ids.iter().copied()))
        .all(conn)
        .await?;
    let projects = annual_plan_project::Entity::find()
        .filter(annual_plan_project::Column::PlanId.is_in(ids.iter().copied()))
        .order_by_asc(annual_plan_project::Column::ProjectId)
        .order_by_asc(annual_plan_project::Column::FundLineId)
        .all(conn)
        .await?;
    let mut fund_lines = crate::db::rows::group_by(&ids, fund_lines, |f| Some((f.plan_id, f)));
    let mut sectors = crate::db::rows::group_by(&ids, sectors, |s| Some((s.plan_id, s)));
    let mut projects = crate::db::rows::group_by(&ids, projects, |p| Some((p.plan_id, p)));
    Ok(plans
        .into_iter()
        .map(|plan| {
            let mut plan_sectors = sectors.remove(&plan.id).unwrap_or_default();
            plan_sectors.sort_by_key(|s| Sector::ALL.iter().position(|x| x.as_str() == s.sector));
            Plan {
                fund_lines: fund_lines.remove(&plan.id).unwrap_or_default(),
                sectors: plan_sectors,
                projects: projects.remove(&plan.id).unwrap_or_default(),
                plan,
            }
        })
        .collect())
}

async fn latest(conn: &impl ConnectionTrait, county: &str, year: i32) -> ServiceResult<Option<annual_plan::Model>> {
    Ok(annual_plan::Entity::find()
        .filter(annual_plan::Column::CountyCode.eq(county))
        .filter(annual_plan::Column::Year.eq(year))
        .order_by_desc(annual_plan::Column::Version)
        .one(conn)
        .await?)
}

/// Reads one version of the plan (the latest when `version` is `None`).
pub async fn get(
    db: &DatabaseConnection,
    actor: &Actor,
    county_code: &str,
    year: i32,
    version: Option<i32>,
) -> ServiceResult<Option<Plan>> {
    authorize(actor, Operation::ViewFunds)?;
    let county = super::regions::parse_code("countyCode", county_code)?;
    if authorize_at(actor, Operation::ViewFunds, &county).is_err() {
        return Ok(None);
    }
    let plan = match version {
        None => latest(db, county.as_str(), year).await?,
        Some(v) => {
            annual_plan::Entity::find()
                .filter(annual_plan::Column::CountyCode.eq(county.as_str()))
                .filter(annual_plan::Column::Year.eq(year))
                .filter(annual_plan::Column::Version.eq(v))
                .one(db)
                .await?
        }
    };
    match plan {
        Some(plan) => Ok(Some(seen_by(db, actor, load(db, plan).await?).await?)),
        None => Ok(None),
    }
}

/// One version of a county's plan, whole (the latest when `version` is `None`), for an
/// import to compare its rows with; the caller has checked the right.
pub(crate) async fn version_in(
    conn: &impl ConnectionTrait,
    county: &RegionCode,
    year: i32,
    version: Option<i32>,
) -> ServiceResult<Option<Plan>> {
    let plan = match version {
        None => latest(conn, county.as_str(), year).await?,
        Some(v) => {
            annual_plan::Entity::find()
                .filter(annual_plan::Column::CountyCode.eq(county.as_str()))
                .filter(annual_plan::Column::Year.eq(year))
                .filter(annual_plan::Column::Version.eq(v))
                .one(conn)
                .await?
        }
    };
    match plan {
        Some(plan) => Ok(Some(load(conn, plan).await?)),
        None => Ok(None),
    }
}

/// The plan as `actor` reads it: its project rows only for the projects the actor sees (a
/// department sees the county's plan, not every project in it).
async fn seen_by(db: &DatabaseConnection, actor: &Actor, mut plan: Plan) -> ServiceResult<Plan> {
    let ids: Vec<i64> = plan.projects.iter().map(|r| r.project_id).collect();
    let visible = super::projects::visible_ids(db, actor, &ids).await?;
    plan.projects.retain(|r| visible.contains(&r.project_id));
    Ok(plan)
}

/// One plan version by its id, if the actor may see its county's funds.
pub async fn find(db: &DatabaseConnection, actor: &Actor, id: i64) -> ServiceResult<Option<Plan>> {
    if authorize(actor, Operation::ViewFunds).is_err() {
        return Ok(None);
    }
    let Some(plan) = annual_plan::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let county = super::regions::parse_code("id", &plan.county_code)?;
    if authorize_at(actor, Operation::ViewFunds, &county).is_err() {
        return Ok(None);
    }
    Ok(Some(seen_by(db, actor, load(db, plan).await?).await?))
}

/// Changes the plan: the draft being edited, or a new version that starts as a copy of
/// the latest approved one (计划调整). Lines and sectors named are added or changed, those
/// in `remove_*` taken out, the rest kept.
pub async fn set(db: &DatabaseConnection, actor: &Actor, input: PlanInput) -> ServiceResult<Plan> {
    let txn = begin_write(db).await?;
    let done = set_in(&txn, actor, input).await?;
    txn.commit().await?;
    Ok(done)
}

/// [`set`] in a transaction the caller holds (an import's).
pub(crate) async fn set_in(conn: &impl ConnectionTrait, actor: &Actor, input: PlanInput) -> ServiceResult<Plan> {
    authorize(actor, Operation::ManagePlan)?;
    let county = county_of(actor, Operation::ManagePlan, &input.county_code)?;
    crate::domain::project::check_year(input.year)?;
    let mut faults = Vec::new();
    let mut amounts = Vec::new();
    for (i, (line_id, raw)) in input.fund_lines.iter().enumerate() {
        match Money::parse(*raw) {
            Ok(m) if m.fen() >= 0 => amounts.push((*line_id, m)),
            Ok(_) => faults.push(Fault::new(
                ErrorCode::InvalidInput,
                &["input", "fundLines", &i.to_string(), "plannedAmount"],
                "a planned amount cannot be negative",
            )),
            Err(e) => faults.push(Fault::new(
                ErrorCode::InvalidInput,
                &["input", "fundLines", &i.to_string(), "plannedAmount"],
                e.to_string(),
            )),
        }
    }
    let mut targets = Vec::new();
    for (i, (sector, quantity, count)) in input.sectors.iter().enumerate() {
        let at = |field: &str| {
            vec![
                "input".to_string(),
                "sectors".to_string(),
                i.to_string(),
                field.to_string(),
            ]
        };
        match Quantity::parse(*quantity) {
            Ok(q) if *count >= 0 => targets.push((*sector, q, *count)),
            Ok(_) => faults.push(Fault {
                code: ErrorCode::InvalidInput,
                field: at("targetProjectCount"),
                message: "a target project count cannot be negative".into(),
            }),
            Err(m) => faults.push(Fault {
                code: ErrorCode::InvalidInput,
                field: at("targetQuantity"),
                message: m,
            }),
        }
        if input.sectors.iter().filter(|(s, _, _)| s == sector).count() > 1 {
            faults.push(Fault {
                code: ErrorCode::InvalidInput,
                field: at("sector"),
                message: format!("{} is listed twice", sector.as_str()),
            });
        }
    }
    let mut seen = std::collections::HashSet::new();
    for (line_id, _) in &input.fund_lines {
        if !seen.insert(*line_id) {
            faults.push(Fault::invalid("fundLines", "a fund line is listed twice"));
        }
        if input.remove_fund_lines.contains(line_id) {
            faults.push(Fault::invalid(
                "removeFundLines",
                "a fund line cannot be both set and removed",
            ));
        }
    }
    for (sector, _, _) in &input.sectors {
        if input.remove_sectors.contains(sector) {
            faults.push(Fault::invalid(
                "removeSectors",
                format!("{} cannot be both set and removed", sector.as_str()),
            ));
        }
    }
    let mut rows_in: Vec<(ProjectRowKey, Option<Money>)> = Vec::new();
    for (i, (project_id, line_id, raw)) in input.projects.iter().enumerate() {
        let at = |field: &str| -> Vec<String> {
            ["input", "projects", &i.to_string(), field]
                .iter()
                .map(|s| s.to_string())
                .collect()
        };
        let amount = match (line_id, raw) {
            (Some(_), Some(raw)) => match Money::parse(*raw) {
                Ok(m) if m.fen() >= 0 => Some(m),
                Ok(_) => {
                    faults.push(Fault {
                        code: ErrorCode::InvalidInput,
                        field: at("plannedAmount"),
                        message: "a planned amount cannot be negative".into(),
                    });
                    continue;
                }
                Err(e) => {
                    faults.push(Fault {
                        code: ErrorCode::InvalidInput,
                        field: at("plannedAmount"),
                        message: e.to_string(),
                    });
                    continue;
                }
            },
            (None, None) => None,
            (Some(_), None) => {
                faults.push(Fault {
                    code: ErrorCode::InvalidInput,
                    field: at("plannedAmount"),
                    message: "give the amount the fund line plans for the project".into(),
                });
                continue;
            }
            (None, Some(_)) => {
                faults.push(Fault {
                    code: ErrorCode::InvalidInput,
                    field: at("fundLine"),
                    message:
                        "an amount needs the fund line that pays it; list a project without money by leaving both out"
                            .into(),
                });
                continue;
            }
        };
        let key = (*project_id, *line_id);
        if rows_in.iter().any(|(k, _)| *k == key) {
            faults.push(Fault {
                code: ErrorCode::InvalidInput,
                field: at("project"),
                message: "a project is listed twice with the same fund line".into(),
            });
        }
        if input.remove_projects.contains(&key) {
            faults.push(Fault::invalid(
                "removeProjects",
                "a project row cannot be both set and removed",
            ));
        }
        rows_in.push((key, amount));
    }
    let document_no = optional_text(
        &mut faults,
        "documentNo",
        "the document number",
        &input.document_no,
        200,
    );
    let reason = optional_text(
        &mut faults,
        "reason",
        "the reason",
        &input.reason,
        crate::domain::fault::MAX_NOTE_CHARS,
    );
    if !faults.is_empty() {
        return Err(ServiceError::Rejected(faults));
    }
    let named_lines: Vec<i64> = amounts
        .iter()
        .map(|(id, _)| *id)
        .chain(rows_in.iter().filter_map(|((_, line), _)| *line))
        .collect();
    let lines = fund_line::Entity::find()
        .filter(fund_line::Column::Id.is_in(named_lines.iter().copied()))
        .all(conn)
        .await?;
    for line_id in &named_lines {
        match lines.iter().find(|l| l.id == *line_id) {
            Some(line) if line.county_code == county.as_str() && line.year == input.year => {}
            Some(line) => {
                return Err(Fault::invalid(
                    "fundLines",
                    format!(
                        "fund line {} is not one of county {county}'s lines for {}",
                        line.name, input.year
                    ),
                )
                .into());
            }
            None => return Err(Fault::not_found("fundLines", "one of the fund lines does not exist").into()),
        }
    }
    let named_projects: Vec<i64> = rows_in.iter().map(|((p, _), _)| *p).collect();
    let found_projects = project::Entity::find()
        .filter(project::Column::Id.is_in(named_projects.iter().copied()))
        .all(conn)
        .await?;
    for (i, project_id) in named_projects.iter().enumerate() {
        match found_projects.iter().find(|p| p.id == *project_id) {
            Some(p) if p.county_code == county.as_str() => {}
            _ => {
                return Err(Fault::new(
                    ErrorCode::NotFound,
                    &["input", "projects", &i.to_string(), "project"],
                    format!("that project is not one of county {county}'s"),
                )
                .into());
            }
        }
    }
    let current = latest(conn, county.as_str(), input.year).await?;
    if let Some(asked) = input.version {
        let target = annual_plan::Entity::find()
            .filter(annual_plan::Column::CountyCode.eq(county.as_str()))
            .filter(annual_plan::Column::Year.eq(input.year))
            .filter(annual_plan::Column::Version.eq(asked))
            .one(conn)
            .await?;
        match target {
            Some(plan) if plan.status == PlanStatus::Approved.as_str() => {
                return Err(Fault::new(
                    ErrorCode::PlanLocked,
                    &["input", "version"],
                    format!("version {asked} of the {} plan is approved and locked; leave out the version to make a new one", input.year),
                )
                .into());
            }
            Some(_) => {}
            None if current
                .as_ref()
                .is_none_or(|c| c.status == PlanStatus::Approved.as_str() && asked == c.version + 1) => {}
            None => {
                return Err(Fault::not_found(
                    "version",
                    format!("there is no version {asked} of the {} plan", input.year),
                )
                .into());
            }
        }
    }
    let now = chrono::Utc::now();
    let before = match &current {
        Some(plan) => Some(load(conn, plan.clone()).await?),
        None => None,
    };
    // What the edited version holds now: the draft's contents, or for a new version those
    // of the approved one it adjusts.
    let mut lines_now: std::collections::BTreeMap<i64, i64> = before
        .iter()
        .flat_map(|b| b.fund_lines.iter().map(|f| (f.fund_line_id, f.planned_fen)))
        .collect();
    let mut sectors_now: std::collections::BTreeMap<String, (i64, i32)> = before
        .iter()
        .flat_map(|b| {
            b.sectors
                .iter()
                .map(|s| (s.sector.clone(), (s.target_quantity_milli, s.target_project_count)))
        })
        .collect();
    let mut rows_now: ProjectRows = before.iter().flat_map(Plan::project_rows).collect();
    for (line_id, amount) in &amounts {
        lines_now.insert(*line_id, amount.fen());
    }
    for (key, amount) in &rows_in {
        rows_now.insert(*key, *amount);
    }
    for (i, key) in input.remove_projects.iter().enumerate() {
        if rows_now.remove(key).is_none() {
            return Err(Fault::new(
                ErrorCode::NotFound,
                &["input", "removeProjects", &i.to_string()],
                "that project row is not in the plan",
            )
            .into());
        }
    }
    for (sector, quantity, count) in &targets {
        sectors_now.insert(sector.as_str().to_string(), (quantity.milli(), *count));
    }
    for (i, line_id) in input.remove_fund_lines.iter().enumerate() {
        if lines_now.remove(line_id).is_none() {
            return Err(Fault::new(
                ErrorCode::NotFound,
                &["input", "removeFundLines", &i.to_string()],
                "that fund line is not in the plan",
            )
            .into());
        }
    }
    for (i, sector) in input.remove_sectors.iter().enumerate() {
        if sectors_now.remove(sector.as_str()).is_none() {
            return Err(Fault::new(
                ErrorCode::NotFound,
                &["input", "removeSectors", &i.to_string()],
                format!("{} is not in the plan", sector.as_str()),
            )
            .into());
        }
    }
    let line_amounts: BTreeMap<i64, Money> = lines_now.iter().map(|(id, fen)| (*id, Money::from_fen(*fen))).collect();
    crate::domain::plan::check_project_rows(&line_amounts, &rows_now)?;
    let plan = match current {
        Some(plan) if plan.status == PlanStatus::Draft.as_str() => {
            annual_plan_fund::Entity::delete_many()
                .filter(annual_plan_fund::Column::PlanId.eq(plan.id))
                .exec(conn)
                .await?;
            annual_plan_sector::Entity::delete_many()
                .filter(annual_plan_sector::Column::PlanId.eq(plan.id))
                .exec(conn)
                .await?;
            annual_plan_project::Entity::delete_many()
                .filter(annual_plan_project::Column::PlanId.eq(plan.id))
                .exec(conn)
                .await?;
            annual_plan::Entity::update(annual_plan::ActiveModel {
                id: Set(plan.id),
                updated_at: Set(now),
                document_no: Set(document_no.or(plan.document_no.clone())),
                reason: Set(reason.or(plan.reason.clone())),
                ..Default::default()
            })
            .exec(conn)
            .await?
        }
        previous => {
            annual_plan::Entity::insert(annual_plan::ActiveModel {
                county_code: Set(county.to_string()),
                year: Set(input.year),
                version: Set(previous.map_or(1, |p| p.version + 1)),
                status: Set(PlanStatus::Draft.as_str().to_string()),
                approved_at: Set(None),
                approved_by: Set(None),
                approved_on: Set(None),
                document_no: Set(document_no),
                reason: Set(reason),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            })
            .exec_with_returning(conn)
            .await?
        }
    };
    if !lines_now.is_empty() {
        annual_plan_fund::Entity::insert_many(lines_now.iter().map(|(line_id, fen)| annual_plan_fund::ActiveModel {
            plan_id: Set(plan.id),
            fund_line_id: Set(*line_id),
            planned_fen: Set(*fen),
        }))
        .exec_without_returning(conn)
        .await?;
    }
    if !sectors_now.is_empty() {
        annual_plan_sector::Entity::insert_many(sectors_now.iter().map(|(sector, (quantity, count))| {
            annual_plan_sector::ActiveModel {
                plan_id: Set(plan.id),
                sector: Set(sector.clone()),
                target_quantity_milli: Set(*quantity),
                target_project_count: Set(*count),
            }
        }))
        .exec_without_returning(conn)
        .await?;
    }
    if !rows_now.is_empty() {
        annual_plan_project::Entity::insert_many(rows_now.iter().map(|((project_id, line), amount)| {
            annual_plan_project::ActiveModel {
                plan_id: Set(plan.id),
                project_id: Set(*project_id),
                fund_line_id: Set(*line),
                planned_fen: Set(amount.map(Money::fen)),
                ..Default::default()
            }
        }))
        .exec_without_returning(conn)
        .await?;
    }
    let after = load(conn, plan).await?;
    audit::record(
        conn,
        actor,
        Change {
            action: AuditAction::AnnualPlanSet,
            entity_type: "AnnualPlan",
            entity_id: after.plan.id.to_string(),
            region_code: Some(county.to_string()),
            before: before.filter(|b| b.plan.id == after.plan.id).map(|b| snapshot(&b)),
            after: Some(snapshot(&after)),
        },
    )
    .await?;
    Ok(after)
}

/// A trimmed optional text, or none with a fault where it is too long.
fn optional_text(
    faults: &mut Vec<Fault>,
    field: &str,
    label: &str,
    raw: &Option<String>,
    max: usize,
) -> Option<String> {
    crate::domain::fault::optional_text(field, label, raw.as_deref(), max).unwrap_or_else(|fault| {
        faults.push(fault);
        None
    })
}

fn snapshot(plan: &Plan) -> String {
    serde_json::json!({"plan": plan.plan, "fundLines": plan.fund_lines, "sectors": plan.sectors, "projects": plan.projects})
        .to_string()
}

/// Approves (locks) a draft version.
pub async fn approve(
    db: &DatabaseConnection,
    actor: &Actor,
    county_code: &str,
    year: i32,
    version: i32,
    date: Option<NaiveDate>,
) -> ServiceResult<Plan> {
    let txn = begin_write(db).await?;
    let done = approve_in(&txn, actor, county_code, year, version, date).await?;
    txn.commit().await?;
    Ok(done)
}

/// [`approve`] in a transaction the caller holds (an import's).
pub(crate) async fn approve_in(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    county_code: &str,
    year: i32,
    version: i32,
    date: Option<NaiveDate>,
) -> ServiceResult<Plan> {
    authorize(actor, Operation::ManagePlan)?;
    let county = county_of(actor, Operation::ManagePlan, county_code)?;
    let today = crate::domain::calendar::today();
    let approved_on = date.unwrap_or(today);
    crate::domain::calendar::check_not_future("date", approved_on, today)?;
    let plan = annual_plan::Entity::find()
        .filter(annual_plan::Column::CountyCode.eq(county.as_str()))
        .filter(annual_plan::Column::Year.eq(year))
        .filter(annual_plan::Column::Version.eq(version))
        .one(conn)
        .await?
        .ok_or_else(|| Fault::not_found("version", format!("there is no version {version} of the {year} plan")))?;
    if plan.status == PlanStatus::Approved.as_str() {
        return Err(Fault::new(
            ErrorCode::PlanLocked,
            &["input", "version"],
            format!("version {version} is already approved"),
        )
        .into());
    }
    // Versions are approved in order: an adjustment is not dated before what it adjusts.
    let earlier = annual_plan::Entity::find()
        .filter(annual_plan::Column::CountyCode.eq(county.as_str()))
        .filter(annual_plan::Column::Year.eq(year))
        .filter(annual_plan::Column::Status.eq(PlanStatus::Approved.as_str()))
        .order_by_desc(annual_plan::Column::Version)
        .one(conn)
        .await?;
    if let Some(earlier) = earlier
        && let Some(on) = earlier.approved_on.filter(|on| approved_on < *on)
    {
        return Err(Fault::invalid(
            "date",
            format!(
                "version {} was approved on {on}; version {version} cannot be approved before it ({approved_on})",
                earlier.version
            ),
        )
        .into());
    }
    let updated = annual_plan::Entity::update(annual_plan::ActiveModel {
        id: Set(plan.id),
        status: Set(PlanStatus::Approved.as_str().to_string()),
        approved_on: Set(Some(approved_on)),
        approved_at: Set(Some(chrono::Utc::now())),
        approved_by: Set(Some(actor.username.clone())),
        updated_at: Set(chrono::Utc::now()),
        ..Default::default()
    })
    .exec(conn)
    .await?;
    let after = load(conn, updated).await?;
    audit::record(
        conn,
        actor,
        Change {
            action: AuditAction::AnnualPlanApprove,
            entity_type: "AnnualPlan",
            entity_id: after.plan.id.to_string(),
            region_code: Some(county.to_string()),
            before: Some(serde_json::json!({"plan": plan}).to_string()),
            after: Some(snapshot(&after)),
        },
    )
    .await?;
    Ok(after)
}

/// The plan in force in each county of `region` at the end of `as_of` (or now), by county.
pub async fn in_force(
    conn: &impl ConnectionTrait,
    region: &RegionCode,
    year: i32,
    as_of: Option<NaiveDate>,
) -> ServiceResult<HashMap<String, Plan>> {
    let headers = annual_plan::Entity::find()
        .filter(annual_plan::Column::Id.in_subquery(in_force_ids(region, year, as_of)))
        .all(conn)
        .await?;
    Ok(load_many(conn, headers)
        .await?
        .into_iter()
        .map(|plan| (plan.plan.county_code.clone(), plan))
        .collect())
}

/// The one definition of the plan in force, as a subquery of plan ids for `in_force` to
/// read and a rollup to join: in each county of `region`, the latest version of the
/// year's plan approved (by its business date) on or before `as_of` (by now when `None`).
pub fn in_force_ids(region: &RegionCode, year: i32, as_of: Option<NaiveDate>) -> SelectStatement {
    in_force_ids_where(PlanScope {
        counties_from: Expr::val(region.subtree_prefix()),
        counties_to: Expr::val(region.subtree_end()),
        year: Expr::val(year),
        approved_by_day: as_of.map(Expr::val),
    })
}

/// Which plans [`in_force_ids_where`] looks at, each an expression: a value, or a
/// parameter of a statement built once per shape (`db::statements`).
pub struct PlanScope {
    /// The counties' codes from this one (inclusive)…
    pub counties_from: Expr,
    /// …to this one (exclusive): a region's subtree.
    pub counties_to: Expr,
    pub year: Expr,
    /// Approved on or before this day; any approved plan when `None`.
    pub approved_by_day: Option<Expr>,
}

/// [`in_force_ids`] over a [`PlanScope`].
pub fn in_force_ids_where(scope: PlanScope) -> SelectStatement {
    let approved = |plan: &Alias| {
        let column = |c: annual_plan::Column| Expr::col((plan.clone(), c));
        let mut condition = Condition::all()
            .add(column(annual_plan::Column::Year).eq(scope.year.clone()))
            .add(column(annual_plan::Column::Status).eq(PlanStatus::Approved.as_str()));
        if let Some(day) = &scope.approved_by_day {
            condition = condition.add(column(annual_plan::Column::ApprovedOn).lte(day.clone()));
        }
        condition
    };
    let (plan, later) = (Alias::new("plan"), Alias::new("later"));
    let county = |p: &Alias| Expr::col((p.clone(), annual_plan::Column::CountyCode));
    Query::select()
        .column((plan.clone(), annual_plan::Column::Id))
        .from_as(annual_plan::Entity, plan.clone())
        // A range rather than LIKE, so that the (county, year, version) index answers it.
        .and_where(county(&plan).gte(scope.counties_from.clone()))
        .and_where(county(&plan).lt(scope.counties_to.clone()))
        .cond_where(approved(&plan))
        .and_where(
            Expr::exists(
                Query::select()
                    .expr(Expr::val(1))
                    .from_as(annual_plan::Entity, later.clone())
                    .and_where(county(&later).equals((plan.clone(), annual_plan::Column::CountyCode)))
                    .and_where(
                        Expr::col((later.clone(), annual_plan::Column::Version))
                            .gt(Expr::col((plan.clone(), annual_plan::Column::Version))),
                    )
                    .cond_where(approved(&later))
                    .to_owned(),
            )
            .not(),
        )
        .to_owned()
}

/// 计划调整 — what version `to` of a county-year plan changes against version `from`.
pub async fn diff(
    db: &DatabaseConnection,
    actor: &Actor,
    county_code: &str,
    year: i32,
    from: i32,
    to: i32,
) -> ServiceResult<Vec<PlanChange>> {
    let read = |version: i32| async move {
        get(db, actor, county_code, year, Some(version)).await?.ok_or_else(|| {
            ServiceError::from(Fault::not_found(
                if version == from { "from" } else { "to" },
                format!("there is no version {version} of county {county_code}'s {year} plan in your area"),
            ))
        })
    };
    let (before, after) = (read(from).await?, read(to).await?);
    let lines = |plan: &Plan| -> BTreeMap<i64, Money> {
        plan.fund_lines
            .iter()
            .map(|f| (f.fund_line_id, Money::from_fen(f.planned_fen)))
            .collect()
    };
    let sectors = |plan: &Plan| -> ServiceResult<BTreeMap<Sector, Targets>> {
        plan.sectors
            .iter()
            .map(|s| {
                let sector: Sector = s.sector.parse().map_err(ServiceError::Internal)?;
                Ok((
                    sector,
                    (Quantity::from_milli(s.target_quantity_milli), s.target_project_count),
                ))
            })
            .collect()
    };
    let (lines_before, lines_after) = (lines(&before), lines(&after));
    let (sectors_before, sectors_after) = (sectors(&before)?, sectors(&after)?);
    let (rows_before, rows_after) = (before.project_rows(), after.project_rows());
    Ok(crate::domain::plan::diff(
        Contents {
            lines: &lines_before,
            sectors: &sectors_before,
            projects: &rows_before,
        },
        Contents {
            lines: &lines_after,
            sectors: &sectors_after,
            projects: &rows_after,
        },
    ))
}
