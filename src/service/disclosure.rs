//! 公告公示 — notices drafted from the live figures, posted for their period, withdrawn, and
//! the objections they draw; the county's disclosure rules; and the checks a project's
//! approval and acceptance make against its notices (`check_project_step`, called in the
//! step's transaction). Each change is checked against `domain::disclosure`, dated and
//! audited.
//!
//! Who sees a notice: county roles and departments every notice of their county, a
//! township those posted in its township and villages. What the public sees is
//! `public_*`: posted notices only, never drafts, withdrawn texts or objectors.
use super::audit::{self, Change};
use super::{Page, PageRequest, ServiceError, ServiceResult, begin_write, in_subtree, keyset_page};
use crate::domain::access::{Actor, Operation, Scope as ActorScope, authorize, authorize_at, permission};
use crate::domain::audit::AuditAction;
use crate::domain::calendar;
use crate::domain::disclosure::{
    self as rules, Action, Channel, Level, NoticeFacts, ObjectionDays, Period, Rules, Status, Subject, Target,
    TextFacts,
};
use crate::domain::fault::{ErrorCode, Fault, MAX_NOTE_CHARS, optional_text, required_text};
use crate::domain::lifecycle::ProjectAction;
use crate::domain::money::Money;
use crate::domain::quantity::Quantity;
use crate::domain::region::{RegionCode, RegionLevel};
use chrono::{NaiveDate, Utc};
use entity::{
    annual_plan, department, disclosure, disclosure_objection, disclosure_rules, fund_line, project, project_village,
    region, task_list, task_list_item,
};
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use std::collections::HashMap;

/// The longest a notice may run.
pub const MAX_PERIOD_DAYS: i64 = 366;

// ---------------------------------------------------------------------------------------
// Rules

/// The rules in force: a county's version, or the defaults (`row` is `None`).
#[derive(Clone, Debug)]
pub struct RulesInForce {
    pub row: Option<disclosure_rules::Model>,
    pub rules: Rules,
}

fn rules_of(row: &disclosure_rules::Model) -> Rules {
    Rules {
        approval_needs_application: row.approval_needs_application,
        application_min_days: row.application_min_days.into(),
        acceptance_needs_completion: row.acceptance_needs_completion,
        adjustment_deadline_working_days: row.adjustment_deadline_working_days.into(),
    }
}

/// The rules a county works by on `day`.
pub async fn rules_in_force(conn: &impl ConnectionTrait, county: &str, day: NaiveDate) -> ServiceResult<RulesInForce> {
    let row = disclosure_rules::Entity::find()
        .filter(disclosure_rules::Column::CountyCode.eq(county))
        .filter(disclosure_rules::Column::EffectiveFrom.lte(day))
        .order_by_desc(disclosure_rules::Column::EffectiveFrom)
        .one(conn)
        .await?;
    Ok(RulesInForce {
        rules: row.as_ref().map_or(Rules::DEFAULT, rules_of),
        row,
    })
}

fn county_code(raw: &str) -> ServiceResult<RegionCode> {
    let county = super::regions::parse_code("countyCode", raw.trim())?;
    if county.level() != RegionLevel::County {
        return Err(Fault::invalid(
            "countyCode",
            format!("disclosure rules belong to a county; {county} is not one"),
        )
        .into());
    }
    Ok(county)
}

/// The rules a reader asks for: the county's in force on `as_of` (today if none).
pub async fn rules(
    db: &DatabaseConnection,
    actor: &Actor,
    county_code_raw: &str,
    as_of: Option<NaiveDate>,
) -> ServiceResult<RulesInForce> {
    let county = county_code(county_code_raw)?;
    authorize(actor, Operation::ViewDisclosures)?;
    if !actor.scope.sees(&county) {
        return Err(Fault::forbidden(format!("county {county} is outside your area")).into());
    }
    rules_in_force(db, county.as_str(), as_of.unwrap_or_else(calendar::today)).await
}

/// Sets a county's rules from `effective_from` on (a new version).
pub async fn set_rules(
    db: &DatabaseConnection,
    actor: &Actor,
    county_code_raw: &str,
    effective_from: NaiveDate,
    new: Rules,
) -> ServiceResult<RulesInForce> {
    let county = county_code(county_code_raw)?;
    authorize_at(actor, Operation::ManageDisclosureRules, &county)?;
    new.check()?;
    let txn = begin_write(db).await?;
    let latest = disclosure_rules::Entity::find()
        .filter(disclosure_rules::Column::CountyCode.eq(county.as_str()))
        .order_by_desc(disclosure_rules::Column::EffectiveFrom)
        .one(&txn)
        .await?;
    if let Some(latest) = &latest
        && effective_from <= latest.effective_from
    {
        return Err(Fault::invalid(
            "effectiveFrom",
            format!(
                "the rules in force from {} are the latest: new rules take effect after that day",
                latest.effective_from
            ),
        )
        .into());
    }
    let row = disclosure_rules::Entity::insert(disclosure_rules::ActiveModel {
        county_code: Set(county.to_string()),
        effective_from: Set(effective_from),
        approval_needs_application: Set(new.approval_needs_application),
        application_min_days: Set(new.application_min_days as i32),
        acceptance_needs_completion: Set(new.acceptance_needs_completion),
        adjustment_deadline_working_days: Set(new.adjustment_deadline_working_days as i32),
        set_by: Set(actor.username.clone()),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .exec_with_returning(&txn)
    .await?;
    audit::record(
        &txn,
        actor,
        Change {
            action: AuditAction::DisclosureRulesSet,
            entity_type: "DisclosureRules",
            entity_id: row.id.to_string(),
            region_code: Some(county.to_string()),
            before: latest.as_ref().and_then(audit::json),
            after: audit::json(&row),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(RulesInForce {
        rules: rules_of(&row),
        row: Some(row),
    })
}

// ---------------------------------------------------------------------------------------
// The rules a project's steps meet

/// The facts of a project's notices, objections included.
async fn project_notice_facts(conn: &impl ConnectionTrait, project_id: i64) -> ServiceResult<Vec<NoticeFacts>> {
    let rows = disclosure::Entity::find()
        .filter(disclosure::Column::ProjectId.eq(project_id))
        .all(conn)
        .await?;
    let objections = objections_of(conn, &rows.iter().map(|r| r.id).collect::<Vec<_>>()).await?;
    rows.iter()
        .map(|row| {
            Ok(NoticeFacts {
                id: row.id,
                subject: subject_of(row)?,
                period: period_of(row),
                objections: objections
                    .get(&row.id)
                    .map(|list| list.iter().map(objection_days).collect())
                    .unwrap_or_default(),
            })
        })
        .collect()
}

/// Checks that a project's notices allow `action` on `on` (approval, acceptance); called
/// inside the step's transaction.
pub async fn check_project_step(
    conn: &impl ConnectionTrait,
    project: &project::Model,
    action: ProjectAction,
    on: NaiveDate,
) -> ServiceResult<()> {
    if !matches!(action, ProjectAction::Approve | ProjectAction::Accept) {
        return Ok(());
    }
    let in_force = rules_in_force(conn, &project.county_code, on).await?;
    let facts = project_notice_facts(conn, project.id).await?;
    let checked = if action == ProjectAction::Approve {
        rules::check_approval(&in_force.rules, &facts, on)
    } else {
        rules::check_acceptance(&in_force.rules, &facts, on)
    };
    Ok(checked?)
}

// ---------------------------------------------------------------------------------------
// Reading

pub fn subject_of(row: &disclosure::Model) -> ServiceResult<Subject> {
    Subject::parse(&row.subject).ok_or_else(|| ServiceError::Internal(format!("unknown subject {}", row.subject)))
}

pub fn level_of(row: &disclosure::Model) -> ServiceResult<Level> {
    Level::parse(&row.level).ok_or_else(|| ServiceError::Internal(format!("unknown level {}", row.level)))
}

fn stored_status(row: &disclosure::Model) -> ServiceResult<Status> {
    Status::parse(&row.status).ok_or_else(|| ServiceError::Internal(format!("unknown status {}", row.status)))
}

pub fn period_of(row: &disclosure::Model) -> Period {
    Period {
        posted_on: row.posted_on,
        end_on: row.end_on,
        withdrawn_on: row.withdrawn_on,
    }
}

/// The status on `day` (ENDED read off the last day).
pub fn status_on(row: &disclosure::Model, day: NaiveDate) -> Status {
    rules::status_on(&period_of(row), day)
}

pub fn objection_days(row: &disclosure_objection::Model) -> ObjectionDays {
    ObjectionDays {
        received_on: row.received_on,
        resolved_on: row.resolved_on,
    }
}

fn seen(actor: &Actor) -> Condition {
    use disclosure::Column as C;
    match (&actor.scope, actor.role) {
        (ActorScope::Everything, _) => Condition::all(),
        (ActorScope::Subtree(root), crate::domain::access::Role::Township) => {
            Condition::all().add(in_subtree(C::RegionCode, root))
        }
        (ActorScope::Subtree(root), _) => Condition::all().add(in_subtree(C::CountyCode, root)),
    }
}

/// Whether the actor sees the notice (the reading of [`seen`]).
pub fn sees(actor: &Actor, row: &disclosure::Model) -> bool {
    let code = |raw: &str| RegionCode::parse(raw).ok();
    match (&actor.scope, actor.role) {
        (ActorScope::Everything, _) => true,
        (ActorScope::Subtree(root), crate::domain::access::Role::Township) => {
            code(&row.region_code).is_some_and(|c| root.contains(&c))
        }
        (ActorScope::Subtree(root), _) => code(&row.county_code).is_some_and(|c| root.contains(&c)),
    }
}

/// The notice with `id`, if the actor sees it.
pub async fn find(conn: &impl ConnectionTrait, actor: &Actor, id: i64) -> ServiceResult<Option<disclosure::Model>> {
    authorize(actor, Operation::ViewDisclosures)?;
    let row = disclosure::Entity::find_by_id(id).one(conn).await?;
    Ok(row.filter(|r| sees(actor, r)))
}

/// The objection with `id` and its notice, if the actor sees the notice.
pub async fn find_objection(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> ServiceResult<Option<(disclosure::Model, disclosure_objection::Model)>> {
    let Some(objection) = disclosure_objection::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    Ok(find(conn, actor, objection.disclosure_id)
        .await?
        .map(|notice| (notice, objection)))
}

/// Which notices to read; every condition given must hold.
#[derive(Clone, Debug, Default)]
pub struct NoticeFilter {
    pub region_code: Option<String>,
    pub subject: Option<Subject>,
    /// The status today.
    pub status: Option<Status>,
    pub project_id: Option<i64>,
}

/// One page of the notices the actor sees, newest first.
pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    filter: &NoticeFilter,
    page: &PageRequest<i64>,
) -> ServiceResult<Page<disclosure::Model>> {
    use disclosure::Column as C;
    authorize(actor, Operation::ViewDisclosures)?;
    let mut query = disclosure::Entity::find().filter(seen(actor));
    if let Some(raw) = &filter.region_code {
        let region = RegionCode::parse(raw.trim())
            .map_err(|m| Fault::new(ErrorCode::InvalidInput, &["filter", "regionCode"], m))?;
        query = query.filter(in_subtree(C::RegionCode, &region));
    }
    if let Some(subject) = filter.subject {
        query = query.filter(C::Subject.eq(subject.as_str()));
    }
    if let Some(id) = filter.project_id {
        query = query.filter(C::ProjectId.eq(id));
    }
    if let Some(status) = filter.status {
        query = query.filter(status_condition(status, calendar::today()));
    }
    keyset_page(db, query, C::Id, sea_orm::Order::Desc, page).await
}

/// The notices whose status on `day` is `status`, as a condition (the same reading as
/// `domain::disclosure::status_on`).
fn status_condition(status: Status, day: NaiveDate) -> Condition {
    use disclosure::Column as C;
    let not_withdrawn = Condition::any()
        .add(C::WithdrawnOn.is_null())
        .add(C::WithdrawnOn.gt(day));
    let up = Condition::all().add(C::PostedOn.lte(day)).add(not_withdrawn.clone());
    match status {
        Status::Draft => Condition::all()
            .add(Condition::any().add(C::PostedOn.is_null()).add(C::PostedOn.gt(day)))
            .add(not_withdrawn),
        Status::Posted => up.add(C::EndOn.gte(day)),
        Status::Ended => up.add(C::EndOn.lt(day)),
        Status::Withdrawn => Condition::all().add(C::WithdrawnOn.lte(day)),
    }
}

/// The objections to the notices with `ids`, each notice's in the order received.
pub async fn objections_of(
    conn: &impl ConnectionTrait,
    ids: &[i64],
) -> ServiceResult<HashMap<i64, Vec<disclosure_objection::Model>>> {
    let mut out: HashMap<i64, Vec<_>> = HashMap::new();
    for chunk in ids.chunks(super::IDS_PER_STATEMENT) {
        let rows = disclosure_objection::Entity::find()
            .filter(disclosure_objection::Column::DisclosureId.is_in(chunk.iter().copied()))
            .order_by_asc(disclosure_objection::Column::ReceivedOn)
            .order_by_asc(disclosure_objection::Column::Id)
            .all(conn)
            .await?;
        for row in rows {
            out.entry(row.disclosure_id).or_default().push(row);
        }
    }
    Ok(out)
}

/// The notices of the projects with `ids`, each project's newest first; a reader keeps
/// those it [`sees`].
pub async fn of_projects(
    conn: &impl ConnectionTrait,
    ids: &[i64],
) -> ServiceResult<HashMap<i64, Vec<disclosure::Model>>> {
    let mut out: HashMap<i64, Vec<_>> = HashMap::new();
    for chunk in ids.chunks(super::IDS_PER_STATEMENT) {
        let rows = disclosure::Entity::find()
            .filter(disclosure::Column::ProjectId.is_in(chunk.iter().copied()))
            .order_by_desc(disclosure::Column::Id)
            .all(conn)
            .await?;
        for row in rows {
            if let Some(id) = row.project_id {
                out.entry(id).or_default().push(row);
            }
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Writing

/// What a notice is about: one of these, as its subject needs.
#[derive(Clone, Copy, Debug, Default)]
pub struct TargetInput {
    pub project_id: Option<i64>,
    pub fund_line_id: Option<i64>,
    pub plan_id: Option<i64>,
    pub task_list_id: Option<i64>,
}

/// A new notice.
#[derive(Clone, Debug)]
pub struct NoticeInput {
    pub subject: Subject,
    pub target: TargetInput,
    pub level: Level,
    pub region_code: String,
    pub place: String,
    pub start_on: NaiveDate,
    pub end_on: NaiveDate,
    pub title: Option<String>,
    pub body: Option<String>,
    pub hotline: Option<String>,
    pub issuer: Option<String>,
}

/// Changes to a draft; `None` keeps what is there.
#[derive(Clone, Debug, Default)]
pub struct NoticeChanges {
    pub place: Option<String>,
    pub start_on: Option<NaiveDate>,
    pub end_on: Option<NaiveDate>,
    pub title: Option<String>,
    /// A text written by hand; it is kept as written.
    pub body: Option<String>,
    /// Go back to the text generated from the live figures.
    pub regenerate: bool,
    pub hotline: Option<String>,
    pub issuer: Option<String>,
}

/// The thing a notice is about, loaded.
enum Subjected {
    Project(project::Model),
    FundLine(fund_line::Model),
    Plan(annual_plan::Model),
    TaskList(task_list::Model),
}

impl Subjected {
    fn county(&self) -> &str {
        match self {
            Subjected::Project(p) => &p.county_code,
            Subjected::FundLine(l) => &l.county_code,
            Subjected::Plan(p) => &p.county_code,
            Subjected::TaskList(l) => &l.county_code,
        }
    }

    fn department_id(&self) -> Option<i64> {
        match self {
            Subjected::Project(p) => p.department_id,
            _ => None,
        }
    }
}

/// Loads what the notice is about, checking that the subject names exactly the thing it needs.
async fn load_target(conn: &impl ConnectionTrait, subject: Subject, target: TargetInput) -> ServiceResult<Subjected> {
    let given = [
        ("project", target.project_id, Target::Project),
        ("fundLine", target.fund_line_id, Target::FundLine),
        ("annualPlan", target.plan_id, Target::Plan),
        ("taskList", target.task_list_id, Target::TaskList),
    ];
    for (field, id, kind) in given {
        if id.is_some() != (kind == subject.target()) {
            let message = if id.is_some() {
                format!("a {} notice is not about a {field}: leave it out", subject.as_str())
            } else {
                format!("say which {field} the {} notice is about", subject.as_str())
            };
            return Err(Fault::invalid(field, message).into());
        }
    }
    let missing = |field: &str, what: &str| -> ServiceError {
        Fault::not_found(field, format!("there is no such {what}")).into()
    };
    Ok(match subject.target() {
        Target::Project => Subjected::Project(
            project::Entity::find_by_id(target.project_id.unwrap_or_default())
                .one(conn)
                .await?
                .ok_or_else(|| missing("project", "project"))?,
        ),
        Target::FundLine => Subjected::FundLine(
            fund_line::Entity::find_by_id(target.fund_line_id.unwrap_or_default())
                .one(conn)
                .await?
                .ok_or_else(|| missing("fundLine", "fund line"))?,
        ),
        Target::Plan => {
            let plan = annual_plan::Entity::find_by_id(target.plan_id.unwrap_or_default())
                .one(conn)
                .await?
                .ok_or_else(|| missing("annualPlan", "annual plan"))?;
            if plan.approved_on.is_none() {
                return Err(Fault::invalid("annualPlan", "a plan is disclosed once approved: approve it first").into());
            }
            if subject == Subject::PlanAdjustment && plan.version < 2 {
                return Err(Fault::invalid(
                    "annualPlan",
                    "version 1 is the plan itself (ANNUAL_PLAN); an adjustment is a later version",
                )
                .into());
            }
            Subjected::Plan(plan)
        }
        Target::TaskList => {
            let list = task_list::Entity::find_by_id(target.task_list_id.unwrap_or_default())
                .one(conn)
                .await?
                .ok_or_else(|| missing("taskList", "task list"))?;
            if list.published_on.is_none() {
                return Err(Fault::invalid("taskList", "a task list is disclosed once published (晒单)").into());
            }
            Subjected::TaskList(list)
        }
    })
}

/// What the actor may not see is not there: a project outside what it sees, a fund line,
/// plan or list outside its area answer NOT_FOUND, as if they did not exist.
fn check_seen(actor: &Actor, subjected: &Subjected, subject: Subject) -> ServiceResult<()> {
    let seen = match subjected {
        Subjected::Project(p) => super::projects::seen_by(actor, p)?,
        other => RegionCode::parse(other.county()).is_ok_and(|c| actor.scope.sees(&c)),
    };
    if seen {
        return Ok(());
    }
    let (field, what) = match subject.target() {
        Target::Project => ("project", "project"),
        Target::FundLine => ("fundLine", "fund line"),
        Target::Plan => ("annualPlan", "annual plan"),
        Target::TaskList => ("taskList", "task list"),
    };
    Err(Fault::not_found(field, format!("there is no such {what} in your area")).into())
}

/// Checks where a notice is posted: a region of the level's kind, in the county, and for a
/// project's notice the project's own county, township or villages.
async fn check_place(
    conn: &impl ConnectionTrait,
    subjected: &Subjected,
    level: Level,
    raw: &str,
) -> ServiceResult<RegionCode> {
    let code = RegionCode::parse(raw.trim()).map_err(|m| Fault::invalid("regionCode", m))?;
    let county = RegionCode::parse(subjected.county()).map_err(ServiceError::Internal)?;
    if code.level() != level.region_level() || !county.contains(&code) {
        return Err(Fault::invalid(
            "regionCode",
            format!(
                "a {} notice is posted in a {} of county {county}",
                level.as_str(),
                level.region_level().chinese_name()
            ),
        )
        .into());
    }
    if region::Entity::find_by_id(code.to_string()).one(conn).await?.is_none() {
        return Err(Fault::not_found("regionCode", format!("there is no region {code}")).into());
    }
    if let Subjected::Project(p) = subjected {
        let ok = match level {
            Level::County => true,
            Level::Township => p.township_code == code.as_str(),
            Level::Village | Level::Site => project_village::Entity::find()
                .filter(project_village::Column::ProjectId.eq(p.id))
                .filter(project_village::Column::VillageCode.eq(code.as_str()))
                .one(conn)
                .await?
                .is_some(),
        };
        if !ok {
            return Err(Fault::invalid(
                "regionCode",
                format!(
                    "project {} is not in {code}: post its notice where it is built (its township or villages)",
                    p.code
                ),
            )
            .into());
        }
    }
    Ok(code)
}

fn check_days(start: NaiveDate, end: NaiveDate) -> Result<(), Fault> {
    if end < start {
        return Err(Fault::invalid(
            "endDate",
            format!("the last day {end} is before the first {start}"),
        ));
    }
    if (end - start).num_days() + 1 > MAX_PERIOD_DAYS {
        return Err(Fault::invalid(
            "endDate",
            format!("a notice runs at most {MAX_PERIOD_DAYS} days"),
        ));
    }
    Ok(())
}

fn check_manager(
    actor: &Actor,
    subject: Subject,
    region: &RegionCode,
    department_id: Option<i64>,
) -> Result<(), Fault> {
    authorize(actor, Operation::ManageDisclosures)?;
    let scope = rules::Scope {
        subject,
        region,
        department_id,
    };
    if authorize_at(actor, Operation::ManageDisclosures, region).is_ok() && rules::manager_admits(actor, scope) {
        return Ok(());
    }
    Err(Fault::forbidden(format!(
        "you do not post this {} notice: {}; the poverty office posts any, finance the money's and plans', a township those in its area, a department its projects'",
        subject.as_str(),
        permission(Operation::ManageDisclosures).description
    )))
}

fn yuan(fen: i64) -> String {
    format!("{}元", Money::from_fen(fen))
}

async fn region_name(conn: &impl ConnectionTrait, code: &str) -> ServiceResult<String> {
    Ok(region::Entity::find_by_id(code.to_string())
        .one(conn)
        .await?
        .map_or_else(|| code.to_string(), |r| r.name))
}

/// The facts a notice's text is written from, read live.
async fn text_facts(
    conn: &impl ConnectionTrait,
    subject: Subject,
    subjected: &Subjected,
    issuer: &str,
) -> ServiceResult<TextFacts> {
    let mut lines: Vec<(String, String)> = Vec::new();
    let mut push = |name: &str, value: String| lines.push((name.to_string(), value));
    let title = match subjected {
        Subjected::Project(p) => {
            let villages = project_village::Entity::find()
                .filter(project_village::Column::ProjectId.eq(p.id))
                .all(conn)
                .await?;
            let names: std::collections::HashMap<String, String> = region::Entity::find()
                .filter(region::Column::Code.is_in(villages.iter().map(|v| v.village_code.clone())))
                .all(conn)
                .await?
                .into_iter()
                .map(|r| (r.code, r.name))
                .collect();
            let places: Vec<String> = villages
                .iter()
                .map(|v| {
                    names
                        .get(&v.village_code)
                        .cloned()
                        .unwrap_or_else(|| v.village_code.clone())
                })
                .collect();
            let sector = p.sector.parse::<crate::domain::sector::Sector>().ok();
            let unit = sector.map_or("", |s| s.unit());
            push("项目名称", p.name.clone());
            push("项目编号", p.code.clone());
            push(
                "实施地点",
                format!("{} {}", region_name(conn, &p.township_code).await?, places.join("、")),
            );
            push("建设内容", p.content.clone());
            push(
                "建设规模",
                format!(
                    "{}{unit}",
                    Quantity::from_milli(p.planned_quantity_milli).to_decimal().normalize()
                ),
            );
            push("项目预算", yuan(p.budget_fen));
            push("已下达资金", yuan(p.allocated_fen));
            push(
                "受益对象",
                format!(
                    "{}户{}人，其中建档立卡贫困户{}户{}人",
                    p.beneficiary_households, p.beneficiary_people, p.poor_households, p.poor_people
                ),
            );
            if let Some(id) = p.department_id
                && let Some(d) = department::Entity::find_by_id(id).one(conn).await?
            {
                push("实施单位", d.name);
            }
            if let (Some(s), Some(f)) = (p.planned_start, p.planned_finish) {
                push("计划工期", format!("{s}至{f}"));
            }
            if matches!(subject, Subject::Completion | Subject::Acceptance) {
                if let Some(q) = p.final_quantity_milli {
                    push(
                        "完成量",
                        format!("{}{unit}", Quantity::from_milli(q).to_decimal().normalize()),
                    );
                }
                if let Some(day) = p.actual_finish {
                    push("竣工日期", day.to_string());
                }
                push("已支付资金", yuan(p.disbursed_fen));
            }
            if subject == Subject::Acceptance
                && let Some(grade) = p.acceptance_grade.as_deref()
            {
                push("验收结论", grade.to_string());
            }
            format!("{}：{}", subject.chinese_name(), p.name)
        }
        Subjected::FundLine(l) => {
            push("资金名称", l.name.clone());
            push("资金年度", l.year.to_string());
            push("资金类型", l.kind.clone());
            push("计划金额", yuan(l.planned_fen));
            let projects = project::Entity::find()
                .filter(project::Column::CountyCode.eq(l.county_code.as_str()))
                .filter(project::Column::Year.eq(l.year))
                .filter(project::Column::AllocatedFen.gt(0))
                .order_by_asc(project::Column::Code)
                .all(conn)
                .await?;
            let total: i64 = projects.iter().map(|p| p.allocated_fen).sum();
            push(
                "本年已下达到项目",
                format!("{}（{}个项目）", yuan(total), projects.len()),
            );
            format!("{}：{}", subject.chinese_name(), l.name)
        }
        Subjected::Plan(plan) => {
            push("计划年度", plan.year.to_string());
            push("版本", format!("第{}版", plan.version));
            if let Some(no) = &plan.document_no {
                push("文号", no.clone());
            }
            if let Some(day) = plan.approved_on {
                push("批复日期", day.to_string());
            }
            if let Some(reason) = &plan.reason {
                push("调整原因", reason.clone());
            }
            format!("{}：{}年度（第{}版）", subject.chinese_name(), plan.year, plan.version)
        }
        Subjected::TaskList(list) => {
            let items = task_list_item::Entity::find()
                .filter(task_list_item::Column::ListId.eq(list.id))
                .order_by_asc(task_list_item::Column::Position)
                .all(conn)
                .await?;
            push("月份", list.month.clone());
            for item in &items {
                push(
                    &format!("事项{}", item.position),
                    format!("{}（{}）", item.content, item.planned_result),
                );
            }
            format!("{}：{}", subject.chinese_name(), list.month)
        }
    };
    Ok(TextFacts {
        title,
        lines,
        start_on: None,
        end_on: None,
        hotline: None,
        issuer: issuer.to_string(),
    })
}

async fn generated(
    conn: &impl ConnectionTrait,
    row: &disclosure::Model,
    subjected: &Subjected,
) -> ServiceResult<(String, String)> {
    let mut facts = text_facts(conn, subject_of(row)?, subjected, &row.issuer).await?;
    facts.start_on = Some(row.start_on);
    facts.end_on = Some(row.end_on);
    facts.hotline = row.hotline.clone();
    Ok((facts.title.clone(), rules::draft_text(&facts)))
}

async fn subjected_of(conn: &impl ConnectionTrait, row: &disclosure::Model) -> ServiceResult<Subjected> {
    load_target(
        conn,
        subject_of(row)?,
        TargetInput {
            project_id: row.project_id,
            fund_line_id: row.fund_line_id,
            plan_id: row.plan_id,
            task_list_id: row.task_list_id,
        },
    )
    .await
}

async fn record(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    action: AuditAction,
    before: Option<&disclosure::Model>,
    after: &disclosure::Model,
) -> ServiceResult<()> {
    audit::record(
        conn,
        actor,
        Change {
            action,
            entity_type: "Disclosure",
            entity_id: after.id.to_string(),
            region_code: Some(after.region_code.clone()),
            before: before.and_then(audit::json),
            after: audit::json(after),
        },
    )
    .await?;
    Ok(())
}

fn text_input(field: &str, label: &str, raw: Option<&str>, max: usize) -> Result<Option<String>, Fault> {
    optional_text(field, label, raw, max)
}

/// Drafts a notice; its text is generated from the live figures unless given.
pub async fn create(db: &DatabaseConnection, actor: &Actor, input: NoticeInput) -> ServiceResult<disclosure::Model> {
    let txn = begin_write(db).await?;
    let row = create_in(&txn, actor, input).await?;
    txn.commit().await?;
    Ok(row)
}

/// [`create`] in a transaction the caller holds (an import's).
pub(crate) async fn create_in(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    input: NoticeInput,
) -> ServiceResult<disclosure::Model> {
    authorize(actor, Operation::ManageDisclosures)?;
    let place = required_text("place", "where it is posted (公示地点)", &input.place, 200)?;
    check_days(input.start_on, input.end_on)?;
    let hotline = text_input("hotline", "the supervision phone", input.hotline.as_deref(), 40)?;
    let title = text_input("title", "the title", input.title.as_deref(), 200)?;
    let body = text_input("body", "the text", input.body.as_deref(), 20_000)?;
    let issuer = text_input("issuer", "the issuing office", input.issuer.as_deref(), 100)?;
    let subjected = load_target(txn, input.subject, input.target).await?;
    check_seen(actor, &subjected, input.subject)?;
    let region = check_place(txn, &subjected, input.level, &input.region_code).await?;
    check_manager(actor, input.subject, &region, subjected.department_id())?;
    let issuer = match issuer {
        Some(i) => i,
        None => format!("{}人民政府", region_name(txn, subjected.county()).await?),
    };
    let now = Utc::now();
    let mut row = disclosure::Model {
        id: 0,
        county_code: subjected.county().to_string(),
        subject: input.subject.as_str().to_string(),
        project_id: input.target.project_id,
        fund_line_id: input.target.fund_line_id,
        plan_id: input.target.plan_id,
        task_list_id: input.target.task_list_id,
        level: input.level.as_str().to_string(),
        region_code: region.to_string(),
        place,
        title: String::new(),
        body: String::new(),
        body_edited: body.is_some(),
        hotline,
        issuer,
        start_on: input.start_on,
        end_on: input.end_on,
        status: Status::Draft.as_str().to_string(),
        posted_on: None,
        withdrawn_on: None,
        withdrawn_reason: None,
        version: 1,
        created_by: actor.username.clone(),
        created_at: now,
        updated_at: now,
    };
    let (generated_title, generated_body) = generated(txn, &row, &subjected).await?;
    row.title = title.unwrap_or(generated_title);
    row.body = body.unwrap_or(generated_body);
    let mut active: disclosure::ActiveModel = row.into();
    active.id = sea_orm::ActiveValue::NotSet;
    let row = disclosure::Entity::insert(active).exec_with_returning(txn).await?;
    record(txn, actor, AuditAction::DisclosureCreate, None, &row).await?;
    Ok(row)
}

/// Loads a notice for `action` by its manager, at the version read.
async fn load_for(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    expected_version: Option<i32>,
    action: Action,
) -> ServiceResult<(disclosure::Model, Status)> {
    authorize(actor, Operation::ManageDisclosures)?;
    let row = find(conn, actor, id)
        .await?
        .ok_or_else(|| Fault::not_found("disclosure", "there is no such notice in your area"))?;
    let region = RegionCode::parse(&row.region_code).map_err(ServiceError::Internal)?;
    let department_id = match row.project_id {
        Some(pid) => project::Entity::find_by_id(pid)
            .one(conn)
            .await?
            .and_then(|p| p.department_id),
        None => None,
    };
    check_manager(actor, subject_of(&row)?, &region, department_id)?;
    let to = rules::check(stored_status(&row)?, action)?;
    if let Some(expected) = expected_version
        && row.version != expected
    {
        return Err(Fault::stale("the notice", row.version, &row.status).into());
    }
    Ok((row, to))
}

async fn save(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    action: AuditAction,
    before: &disclosure::Model,
    after: disclosure::Model,
) -> ServiceResult<disclosure::Model> {
    // Every column written (a model converts to unchanged values), the key kept.
    let mut active = disclosure::ActiveModel::from(after.clone()).reset_all();
    active.id = sea_orm::ActiveValue::Unchanged(before.id);
    // The writer holds the write lock and `load_for` checked the version read.
    active.update(conn).await?;
    record(conn, actor, action, Some(before), &after).await?;
    Ok(after)
}

/// Changes a draft.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    expected_version: i32,
    changes: NoticeChanges,
) -> ServiceResult<disclosure::Model> {
    let txn = begin_write(db).await?;
    let (row, to) = load_for(&txn, actor, id, Some(expected_version), Action::Edit).await?;
    let mut after = row.clone();
    if let Some(place) = &changes.place {
        after.place = required_text("place", "where it is posted (公示地点)", place, 200)?;
    }
    after.start_on = changes.start_on.unwrap_or(row.start_on);
    after.end_on = changes.end_on.unwrap_or(row.end_on);
    check_days(after.start_on, after.end_on)?;
    if let Some(h) = text_input("hotline", "the supervision phone", changes.hotline.as_deref(), 40)? {
        after.hotline = Some(h);
    }
    if let Some(i) = text_input("issuer", "the issuing office", changes.issuer.as_deref(), 100)? {
        after.issuer = i;
    }
    if let Some(t) = text_input("title", "the title", changes.title.as_deref(), 200)? {
        after.title = t;
    }
    if changes.regenerate && changes.body.is_some() {
        return Err(Fault::invalid("body", "give a text or ask to regenerate it, not both").into());
    }
    if let Some(b) = text_input("body", "the text", changes.body.as_deref(), 20_000)? {
        after.body = b;
        after.body_edited = true;
    }
    if changes.regenerate {
        after.body_edited = false;
    }
    if !after.body_edited {
        after.body = generated(&txn, &after, &subjected_of(&txn, &after).await?).await?.1;
    }
    after.status = to.as_str().to_string();
    after.version = row.version + 1;
    after.updated_at = Utc::now();
    let after = save(&txn, actor, AuditAction::DisclosureUpdate, &row, after).await?;
    txn.commit().await?;
    Ok(after)
}

/// 张贴 — posts a draft on `on` (its first day; today if none), to run until `end_on` (the
/// draft's last day if none). An unedited text is written from the figures of that moment
/// and then frozen.
pub async fn post(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    expected_version: i32,
    on: Option<NaiveDate>,
    end_on: Option<NaiveDate>,
) -> ServiceResult<disclosure::Model> {
    let txn = begin_write(db).await?;
    let after = post_in(&txn, actor, id, expected_version, on, end_on).await?;
    txn.commit().await?;
    Ok(after)
}

/// [`post`] in a transaction the caller holds (an import's).
pub(crate) async fn post_in(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    expected_version: i32,
    on: Option<NaiveDate>,
    end_on: Option<NaiveDate>,
) -> ServiceResult<disclosure::Model> {
    let (row, to) = load_for(txn, actor, id, Some(expected_version), Action::Post).await?;
    posting(txn, actor, row, to, on, end_on, None).await
}

/// Drafts a notice and posts it on its first day, in a transaction the caller holds: a
/// notice that went up on a past day, brought in by an import. The same checks as
/// [`create`] then [`post`]; the text is written once.
pub(crate) async fn post_new_in(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    input: NoticeInput,
) -> ServiceResult<disclosure::Model> {
    let (start, end) = (input.start_on, input.end_on);
    let draft = create_in(txn, actor, input).await?;
    let to = rules::check(Status::Draft, Action::Post)?;
    let text = draft.body.clone();
    posting(txn, actor, draft, to, Some(start), Some(end), Some(text)).await
}

/// Posts `row` (checked for posting, going `to`) on `on`; an unedited text is written from
/// the figures of that moment, unless `fresh` is the text just written from them for the
/// same days.
async fn posting(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    row: disclosure::Model,
    to: Status,
    on: Option<NaiveDate>,
    end_on: Option<NaiveDate>,
    fresh: Option<String>,
) -> ServiceResult<disclosure::Model> {
    let on = on.unwrap_or_else(calendar::today);
    calendar::check_not_future("date", on, calendar::today())?;
    let mut after = row.clone();
    after.start_on = on;
    after.end_on = end_on.unwrap_or(row.end_on);
    check_days(after.start_on, after.end_on)?;
    if !after.body_edited {
        after.body = match fresh {
            Some(text) => text,
            None => generated(txn, &after, &subjected_of(txn, &after).await?).await?.1,
        };
    }
    after.posted_on = Some(on);
    after.status = to.as_str().to_string();
    after.version = row.version + 1;
    after.updated_at = Utc::now();
    save(txn, actor, AuditAction::DisclosurePost, &row, after).await
}

/// 撤回 — takes a posted notice down on `on`, with the reason; it counts for no rule from then.
pub async fn withdraw(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    expected_version: i32,
    on: Option<NaiveDate>,
    reason: &str,
) -> ServiceResult<disclosure::Model> {
    let txn = begin_write(db).await?;
    let (row, to) = load_for(&txn, actor, id, Some(expected_version), Action::Withdraw).await?;
    let on = on.unwrap_or_else(calendar::today);
    crate::domain::timeline::check_step_date(on, calendar::today(), row.posted_on)?;
    let reason = required_text("reason", "why it is withdrawn", reason, MAX_NOTE_CHARS)?;
    let after = disclosure::Model {
        status: to.as_str().to_string(),
        withdrawn_on: Some(on),
        withdrawn_reason: Some(reason),
        version: row.version + 1,
        updated_at: Utc::now(),
        ..row.clone()
    };
    let after = save(&txn, actor, AuditAction::DisclosureWithdraw, &row, after).await?;
    txn.commit().await?;
    Ok(after)
}

/// An objection received.
#[derive(Clone, Debug)]
pub struct ObjectionInput {
    pub received_on: Option<NaiveDate>,
    pub channel: Channel,
    pub objector: String,
    pub contact: Option<String>,
    pub content: String,
}

/// 受理异议 — records an objection to a posted notice, received on or after its first day.
pub async fn record_objection(
    db: &DatabaseConnection,
    actor: &Actor,
    disclosure_id: i64,
    input: ObjectionInput,
) -> ServiceResult<(disclosure::Model, disclosure_objection::Model)> {
    let txn = begin_write(db).await?;
    let (row, _) = load_for(&txn, actor, disclosure_id, None, Action::RecordObjection).await?;
    let on = input.received_on.unwrap_or_else(calendar::today);
    calendar::check_not_future("receivedOn", on, calendar::today())?;
    if row.posted_on.is_some_and(|p| on < p) {
        return Err(Fault::invalid(
            "receivedOn",
            format!(
                "the notice went up on {}: an objection to it comes after",
                row.posted_on.unwrap_or(on)
            ),
        )
        .into());
    }
    let objector = required_text("objector", "who objects (异议人)", &input.objector, 100)?;
    let contact = text_input("contact", "how to reach them", input.contact.as_deref(), 100)?;
    let content = required_text("content", "what the objection is", &input.content, MAX_NOTE_CHARS)?;
    let objection = disclosure_objection::Entity::insert(disclosure_objection::ActiveModel {
        disclosure_id: Set(row.id),
        received_on: Set(on),
        channel: Set(input.channel.as_str().to_string()),
        objector: Set(objector),
        contact: Set(contact),
        content: Set(content),
        recorded_by: Set(actor.username.clone()),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .exec_with_returning(&txn)
    .await?;
    audit::record(
        &txn,
        actor,
        Change {
            action: AuditAction::DisclosureObjectionRecord,
            entity_type: "DisclosureObjection",
            entity_id: objection.id.to_string(),
            region_code: Some(row.region_code.clone()),
            before: None,
            after: audit::json(&objection),
        },
    )
    .await?;
    txn.commit().await?;
    Ok((row, objection))
}

/// Whether `actor` may read who objected and how to reach them: the poverty office, the
/// inspectors, and whoever recorded the objection — not the unit complained of.
pub fn may_see_objector(actor: &Actor, objection: &disclosure_objection::Model) -> bool {
    use crate::domain::access::Role;
    matches!(actor.role, Role::Coordinator | Role::Inspector) || objection.recorded_by == actor.username
}

/// 异议处理 — records how an objection was resolved, on or after the day it came in.
pub async fn resolve_objection(
    db: &DatabaseConnection,
    actor: &Actor,
    objection_id: i64,
    on: Option<NaiveDate>,
    resolution: &str,
) -> ServiceResult<(disclosure::Model, disclosure_objection::Model)> {
    let txn = begin_write(db).await?;
    let (_, objection) = find_objection(&txn, actor, objection_id)
        .await?
        .ok_or_else(|| Fault::not_found("objection", "there is no such objection in your area"))?;
    let (row, _) = load_for(&txn, actor, objection.disclosure_id, None, Action::ResolveObjection).await?;
    if let Some(day) = objection.resolved_on {
        return Err(Fault::invalid("objection", format!("this objection was resolved on {day}")).into());
    }
    let on = on.unwrap_or_else(calendar::today);
    calendar::check_not_future("date", on, calendar::today())?;
    if on < objection.received_on {
        return Err(Fault::invalid(
            "date",
            format!(
                "the objection came in on {}: it is resolved after that",
                objection.received_on
            ),
        )
        .into());
    }
    let resolution = required_text(
        "resolution",
        "how it was resolved (处理结果)",
        resolution,
        MAX_NOTE_CHARS,
    )?;
    let after = disclosure_objection::Model {
        resolved_on: Some(on),
        resolution: Some(resolution),
        resolved_by: Some(actor.username.clone()),
        ..objection.clone()
    };
    disclosure_objection::Entity::update_many()
        .col_expr(disclosure_objection::Column::ResolvedOn, Expr::val(after.resolved_on))
        .col_expr(
            disclosure_objection::Column::Resolution,
            Expr::val(after.resolution.clone()),
        )
        .col_expr(
            disclosure_objection::Column::ResolvedBy,
            Expr::val(after.resolved_by.clone()),
        )
        .filter(disclosure_objection::Column::Id.eq(objection.id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        actor,
        Change {
            action: AuditAction::DisclosureObjectionResolve,
            entity_type: "DisclosureObjection",
            entity_id: objection.id.to_string(),
            region_code: Some(row.region_code.clone()),
            before: audit::json(&objection),
            after: audit::json(&after),
        },
    )
    .await?;
    txn.commit().await?;
    Ok((row, after))
}

// ---------------------------------------------------------------------------------------
// Deadlines

/// 计划调整公示逾期 — the plan adjustments approved in `region`'s counties by `as_of` and
/// not disclosed within the county's working days, with the days overdue.
pub async fn adjustments_overdue_on(
    db: &DatabaseConnection,
    actor: &Actor,
    region: &RegionCode,
    as_of: NaiveDate,
) -> ServiceResult<Vec<(annual_plan::Model, NaiveDate, i64)>> {
    authorize(actor, Operation::ViewDisclosures)?;
    if actor.role == crate::domain::access::Role::Township || actor.role == crate::domain::access::Role::Department {
        // A plan is the county's: its disclosure is the poverty office's to chase.
        return Ok(Vec::new());
    }
    let county_of = match region.county() {
        // Below a county (or the county itself): that county's plans.
        Some(county) => Condition::all().add(annual_plan::Column::CountyCode.eq(county.as_str())),
        None => in_subtree(annual_plan::Column::CountyCode, region),
    };
    let plans = annual_plan::Entity::find()
        .filter(county_of)
        .filter(annual_plan::Column::Version.gt(1))
        .filter(annual_plan::Column::ApprovedOn.lte(as_of))
        .all(db)
        .await?;
    // The adjustment notices of all these plans, in one read.
    let mut periods: HashMap<i64, Vec<Period>> = HashMap::new();
    let ids: Vec<i64> = plans.iter().map(|p| p.id).collect();
    for chunk in ids.chunks(super::IDS_PER_STATEMENT) {
        for notice in disclosure::Entity::find()
            .filter(disclosure::Column::PlanId.is_in(chunk.iter().copied()))
            .filter(disclosure::Column::Subject.eq(Subject::PlanAdjustment.as_str()))
            .all(db)
            .await?
        {
            if let Some(plan_id) = notice.plan_id {
                periods.entry(plan_id).or_default().push(period_of(&notice));
            }
        }
    }
    let mut out = Vec::new();
    for plan in plans {
        let Some(approved_on) = plan.approved_on else { continue };
        let county = RegionCode::parse(&plan.county_code).map_err(ServiceError::Internal)?;
        if !actor.scope.contains(&county) {
            continue;
        }
        let in_force = rules_in_force(db, &plan.county_code, approved_on).await?;
        let notices = periods.get(&plan.id).map_or(&[][..], Vec::as_slice);
        if let Some(days) = rules::adjustment_days_overdue(&in_force.rules, approved_on, notices, as_of) {
            let due = rules::add_working_days(approved_on, in_force.rules.adjustment_deadline_working_days);
            out.push((plan, due, days));
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// The public's view: posted notices only

/// The notices posted in `region` whose status today is `status` (POSTED or ENDED — the
/// public ones), the latest first, at most `limit`.
pub async fn public_in_region(
    conn: &impl ConnectionTrait,
    region: &RegionCode,
    status: Status,
    today: NaiveDate,
    limit: u64,
) -> ServiceResult<Vec<disclosure::Model>> {
    use disclosure::Column as C;
    if !matches!(status, Status::Posted | Status::Ended) {
        return Ok(Vec::new());
    }
    Ok(disclosure::Entity::find()
        .filter(in_subtree(C::RegionCode, region))
        .filter(status_condition(status, today))
        .order_by_desc(C::StartOn)
        .order_by_desc(C::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

/// The projects of `county` with a notice up today, as a subquery of their ids.
pub fn public_project_ids(county: &str, today: NaiveDate) -> sea_orm::sea_query::SelectStatement {
    use disclosure::Column as C;
    sea_orm::sea_query::Query::select()
        .column(C::ProjectId)
        .from(disclosure::Entity)
        .and_where(C::CountyCode.eq(county))
        .and_where(C::ProjectId.is_not_null())
        .cond_where(
            Condition::any()
                .add(status_condition(Status::Posted, today))
                .add(status_condition(Status::Ended, today)),
        )
        .to_owned()
}

/// A notice the public may read: posted by today and not withdrawn.
pub async fn public_notice(
    conn: &impl ConnectionTrait,
    id: i64,
    today: NaiveDate,
) -> ServiceResult<Option<disclosure::Model>> {
    let row = disclosure::Entity::find_by_id(id).one(conn).await?;
    Ok(row.filter(|r| matches!(status_on(r, today), Status::Posted | Status::Ended)))
}

/// The public notices of one project.
pub async fn public_of_project(
    conn: &impl ConnectionTrait,
    project_id: i64,
    today: NaiveDate,
) -> ServiceResult<Vec<disclosure::Model>> {
    use disclosure::Column as C;
    Ok(disclosure::Entity::find()
        .filter(C::ProjectId.eq(project_id))
        .filter(
            Condition::any()
                .add(status_condition(Status::Posted, today))
                .add(status_condition(Status::Ended, today)),
        )
        .order_by_asc(C::StartOn)
        .order_by_asc(C::Id)
        .all(conn)
        .await?)
}
