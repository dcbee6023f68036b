//! 问题整改台账 — filing a problem, each step of its rectification (checked against
//! `domain::rectification::TRANSITIONS`, dated, audited), and the ledger read as a list or
//! summed by group as of any day.
//!
//! Who sees a problem follows the projects' rule (`service::unit_records_seen`): a department its own
//! problems, a township those given to it, county roles every problem of their area.
use super::audit::{self, Change};
use super::{Page, PageRequest, ServiceError, ServiceResult, begin_write, in_subtree, keyset_page};
use crate::domain::access::{Actor, Operation, Role, authorize};
use crate::domain::audit::AuditAction;
use crate::domain::calendar;
use crate::domain::fault::{ErrorCode, Fault, MAX_NOTE_CHARS, optional_text, required_text};
use crate::domain::rectification::{
    self as rules, ConcernKind, FILED, Grouping, IssueAction, IssueSource, IssueStatus, Need, ResponsibleUnit, Tally,
};
use crate::domain::region::{RegionCode, RegionLevel};
use chrono::{NaiveDate, Utc};
use entity::{
    app_user, department, fund_line, ledger_entry, project, rectification_concern, rectification_event,
    rectification_issue, region,
};
use sea_orm::sea_query::{Condition, Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};
use std::collections::{BTreeMap, HashMap};

/// The longest description or measures (问题描述, 整改措施).
pub const MAX_TEXT_CHARS: usize = 5000;
/// The most things one problem names as its concerns.
pub const MAX_CONCERNS: usize = 50;
/// The most attachment references a step carries.
pub const MAX_ATTACHMENTS: usize = 20;

/// Something a problem concerns, as the user names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Concern {
    pub kind: ConcernKind,
    /// An id (project, fund line, ledger entry, department) or a region code.
    pub reference: String,
}

/// A problem to file.
#[derive(Clone, Debug)]
pub struct IssueInput {
    pub county_code: String,
    pub source: IssueSource,
    pub batch: String,
    pub batch_document_no: Option<String>,
    pub batch_date: Option<NaiveDate>,
    pub category: String,
    pub description: String,
    pub concerns: Vec<Concern>,
    pub unit_department_id: Option<i64>,
    pub unit_township_code: Option<String>,
    pub responsible_person: String,
    pub responsible_user_id: Option<i64>,
    pub measures: String,
    pub deadline: NaiveDate,
    pub lasting_mechanism: bool,
    /// The day it was filed; today when absent.
    pub on: Option<NaiveDate>,
}

/// A step of a problem's rectification.
#[derive(Clone, Debug)]
pub struct StepInput {
    pub issue_id: i64,
    pub expected_version: i32,
    pub action: IssueAction,
    /// The day it happened; today when absent.
    pub on: Option<NaiveDate>,
    /// The verification note (核查意见) or the reason, as the step needs.
    pub note: Option<String>,
    /// 整改材料 — what was done, for a submission.
    pub evidence: Option<String>,
    /// References to attachments (file numbers, archive references).
    pub attachments: Vec<String>,
}

/// Which problems to list; every condition given must hold.
#[derive(Clone, Debug, Default)]
pub struct IssueFilter {
    pub region_code: Option<String>,
    pub source: Option<IssueSource>,
    pub batch: Option<String>,
    pub status: Option<IssueStatus>,
    pub department_id: Option<i64>,
    pub township_code: Option<String>,
    /// Past the deadline and not closed, as of today.
    pub overdue: Option<bool>,
    pub concerns: Option<Concern>,
}

pub fn status_of(row: &rectification_issue::Model) -> ServiceResult<IssueStatus> {
    IssueStatus::parse(&row.status).ok_or_else(|| ServiceError::Internal(format!("unknown status {}", row.status)))
}

pub fn source_of(row: &rectification_issue::Model) -> ServiceResult<IssueSource> {
    IssueSource::parse(&row.source).ok_or_else(|| ServiceError::Internal(format!("unknown source {}", row.source)))
}

/// The unit a problem is given to.
pub fn unit_of(row: &rectification_issue::Model) -> ServiceResult<ResponsibleUnit<'_>> {
    match (row.unit_department_id, row.unit_township_code.as_deref()) {
        (Some(id), _) => Ok(ResponsibleUnit::Department(id)),
        (None, Some(code)) => Ok(ResponsibleUnit::Township(code)),
        (None, None) => Err(ServiceError::Internal(format!("problem {} has no unit", row.id))),
    }
}

/// The SQL form of who sees which problems.
pub(crate) fn seen(actor: &Actor) -> Condition {
    use rectification_issue::Column as C;
    super::unit_records_seen(actor, C::CountyCode, C::UnitDepartmentId, C::UnitTownshipCode)
}

/// The same rule for a problem in hand.
fn sees(actor: &Actor, row: &rectification_issue::Model) -> bool {
    super::unit_record_seen(
        actor,
        &row.county_code,
        row.unit_department_id,
        row.unit_township_code.as_deref(),
    )
}

/// The problem with `id`, if the actor sees it.
pub async fn find(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> ServiceResult<Option<rectification_issue::Model>> {
    authorize(actor, Operation::ViewRectification)?;
    let row = rectification_issue::Entity::find_by_id(id).one(conn).await?;
    Ok(row.filter(|r| sees(actor, r)))
}

/// One page of the problems the actor sees, oldest filed first.
pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    filter: &IssueFilter,
    page: &PageRequest<i64>,
) -> ServiceResult<Page<rectification_issue::Model>> {
    use rectification_issue::Column as C;
    authorize(actor, Operation::ViewRectification)?;
    let mut query = rectification_issue::Entity::find().filter(seen(actor));
    if let Some(raw) = &filter.region_code {
        let region = RegionCode::parse(raw.trim())
            .map_err(|m| Fault::new(ErrorCode::InvalidInput, &["filter", "regionCode"], m))?;
        query = query.filter(in_region(&region));
    }
    if let Some(source) = filter.source {
        query = query.filter(C::Source.eq(source.as_str()));
    }
    if let Some(batch) = &filter.batch {
        query = query.filter(C::Batch.eq(batch.trim()));
    }
    if let Some(status) = filter.status {
        query = query.filter(C::Status.eq(status.as_str()));
    }
    if let Some(id) = filter.department_id {
        query = query.filter(C::UnitDepartmentId.eq(id));
    }
    if let Some(code) = &filter.township_code {
        query = query.filter(C::UnitTownshipCode.eq(code.trim()));
    }
    if let Some(overdue) = filter.overdue {
        // `rules::is_overdue` as SQL: not closed and the deadline before today.
        let past = Condition::all()
            .add(C::Status.ne(IssueStatus::Closed.as_str()))
            .add(C::Deadline.lt(calendar::today()));
        query = query.filter(if overdue { past } else { past.not() });
    }
    if let Some(concern) = &filter.concerns {
        query = query.filter(
            C::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(rectification_concern::Column::IssueId)
                    .from(rectification_concern::Entity)
                    .and_where(rectification_concern::Column::Kind.eq(concern.kind.as_str()))
                    .and_where(rectification_concern::Column::Reference.eq(concern.reference.as_str()))
                    .to_owned(),
            ),
        );
    }
    keyset_page(db, query, C::Id, sea_orm::Order::Asc, page).await
}

/// Problems whose county, or whose unit's township, lies in `region`.
pub(crate) fn in_region(region: &RegionCode) -> Condition {
    use rectification_issue::Column as C;
    if region.level() <= RegionLevel::County {
        in_subtree(C::CountyCode, region)
    } else {
        in_subtree(C::UnitTownshipCode, region)
    }
}

/// What the problems with `ids` concern, in the order given.
pub async fn concerns_of(
    db: &DatabaseConnection,
    ids: &[i64],
) -> ServiceResult<HashMap<i64, Vec<rectification_concern::Model>>> {
    let mut out: HashMap<i64, Vec<_>> = HashMap::new();
    for chunk in ids.chunks(super::IDS_PER_STATEMENT) {
        let rows = rectification_concern::Entity::find()
            .filter(rectification_concern::Column::IssueId.is_in(chunk.iter().copied()))
            .order_by_asc(rectification_concern::Column::Id)
            .all(db)
            .await?;
        for row in rows {
            out.entry(row.issue_id).or_default().push(row);
        }
    }
    Ok(out)
}

/// The steps of the problems with `ids`, each problem's by day and then recording.
pub async fn events_of(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> ServiceResult<HashMap<i64, Vec<rectification_event::Model>>> {
    use rectification_event::Column as E;
    let mut out: HashMap<i64, Vec<_>> = HashMap::new();
    for chunk in ids.chunks(super::IDS_PER_STATEMENT) {
        let rows = rectification_event::Entity::find()
            .filter(E::IssueId.is_in(chunk.iter().copied()))
            .order_by_asc(E::IssueId)
            .order_by_asc(E::HappenedOn)
            .order_by_asc(E::Id)
            .all(db)
            .await?;
        for row in rows {
            out.entry(row.issue_id).or_default().push(row);
        }
    }
    Ok(out)
}

/// Checks that each thing a problem concerns exists and lies in its county.
async fn check_concerns(conn: &impl ConnectionTrait, county: &RegionCode, concerns: &[Concern]) -> ServiceResult<()> {
    if concerns.len() > MAX_CONCERNS {
        return Err(Fault::invalid("concerns", format!("name at most {MAX_CONCERNS} things it concerns")).into());
    }
    for (i, concern) in concerns.iter().enumerate() {
        let index = i.to_string();
        let fault = |message: String| Fault::new(ErrorCode::NotFound, &["input", "concerns", &index], message);
        let id = || concern.reference.parse::<i64>().ok();
        let county_of_it: Option<String> = match concern.kind {
            ConcernKind::Project => match id() {
                Some(id) => project::Entity::find_by_id(id).one(conn).await?.map(|p| p.county_code),
                None => None,
            },
            ConcernKind::FundLine => match id() {
                Some(id) => fund_line::Entity::find_by_id(id)
                    .one(conn)
                    .await?
                    .map(|l| l.county_code),
                None => None,
            },
            ConcernKind::LedgerEntry => match id() {
                Some(id) => ledger_entry::Entity::find_by_id(id)
                    .one(conn)
                    .await?
                    .map(|e| e.county_code),
                None => None,
            },
            ConcernKind::Department => match id() {
                Some(id) => department::Entity::find_by_id(id)
                    .one(conn)
                    .await?
                    .map(|d| d.county_code),
                None => None,
            },
            ConcernKind::Region => match RegionCode::parse(&concern.reference) {
                Ok(code) if code.level() > RegionLevel::County && county.contains(&code) => {
                    region::Entity::find_by_id(code.to_string())
                        .one(conn)
                        .await?
                        .map(|_| county.to_string())
                }
                _ => None,
            },
        };
        if county_of_it.as_deref() != Some(county.as_str()) {
            return Err(fault(format!(
                "there is no {} {} in county {county}",
                concern.kind.as_str().to_lowercase().replace('_', " "),
                concern.reference
            ))
            .into());
        }
    }
    Ok(())
}

/// Checks the responsible unit: a department of the county, or one of its townships; and
/// the named user, if given, one of the unit's active accounts.
async fn check_unit(conn: &impl ConnectionTrait, county: &RegionCode, input: &IssueInput) -> ServiceResult<()> {
    match (input.unit_department_id, &input.unit_township_code) {
        (Some(_), Some(_)) | (None, None) => {
            return Err(Fault::invalid(
                "responsibleDepartment",
                "give the responsible unit (责任单位): a department or a township, one of them",
            )
            .into());
        }
        (Some(id), None) => {
            let found = department::Entity::find_by_id(id).one(conn).await?;
            if found.is_none_or(|d| d.county_code != county.as_str()) {
                return Err(Fault::not_found(
                    "responsibleDepartment",
                    format!("there is no such department in county {county}"),
                )
                .into());
            }
        }
        (None, Some(code)) => {
            let township = RegionCode::parse(code.trim()).map_err(|m| Fault::invalid("responsibleTownshipCode", m))?;
            let exists = region::Entity::find_by_id(township.to_string())
                .one(conn)
                .await?
                .is_some();
            if township.level() != RegionLevel::Township || !county.contains(&township) || !exists {
                return Err(Fault::not_found(
                    "responsibleTownshipCode",
                    format!("{code} is not a township of county {county}"),
                )
                .into());
            }
        }
    }
    if let Some(user_id) = input.responsible_user_id {
        let user = app_user::Entity::find_by_id(user_id).one(conn).await?;
        let of_unit = user.is_some_and(|u| {
            !u.disabled
                && match (input.unit_department_id, &input.unit_township_code) {
                    (Some(id), _) => u.role == Role::Department.as_str() && u.department_id == Some(id),
                    (None, Some(code)) => u.role == Role::Township.as_str() && u.region_code == code.trim(),
                    _ => false,
                }
        });
        if !of_unit {
            return Err(Fault::invalid(
                "responsibleUser",
                "the responsible user must be an active account of the responsible unit",
            )
            .into());
        }
    }
    Ok(())
}

/// Files a problem (— → OPEN): a verifier's step.
pub async fn file(
    db: &DatabaseConnection,
    actor: &Actor,
    input: IssueInput,
) -> ServiceResult<rectification_issue::Model> {
    let county =
        super::regions::county_in_reach(actor, Operation::VerifyRectification, &input.county_code, "problems")?;
    let today = calendar::today();
    let on = input.on.unwrap_or(today);
    calendar::check_not_future("date", on, today)?;
    let batch = required_text("batch", "the batch (批次)", &input.batch, 100)?;
    let batch_document_no = optional_text(
        "batchDocumentNo",
        "the batch's document number",
        input.batch_document_no.as_deref(),
        100,
    )?;
    if let Some(batch_date) = input.batch_date {
        calendar::check_not_future("batchDate", batch_date, today)?;
        if on < batch_date {
            return Err(Fault::invalid(
                "date",
                format!("a problem of a batch dated {batch_date} cannot be filed on {on}"),
            )
            .into());
        }
    }
    let category = required_text("category", "the category (问题类别)", &input.category, 50)?;
    let description = required_text(
        "description",
        "the description (问题描述)",
        &input.description,
        MAX_TEXT_CHARS,
    )?;
    let responsible_person = required_text(
        "responsiblePerson",
        "the person responsible (责任人)",
        &input.responsible_person,
        50,
    )?;
    let measures = required_text("measures", "the measures (整改措施)", &input.measures, MAX_TEXT_CHARS)?;
    if input.deadline < on {
        return Err(Fault::invalid(
            "deadline",
            format!("the deadline {} is before the filing ({on})", input.deadline),
        )
        .into());
    }
    let txn = begin_write(db).await?;
    check_unit(&txn, &county, &input).await?;
    check_concerns(&txn, &county, &input.concerns).await?;
    let row = rectification_issue::Entity::insert(rectification_issue::ActiveModel {
        county_code: Set(county.to_string()),
        source: Set(input.source.as_str().to_string()),
        batch: Set(batch),
        batch_document_no: Set(batch_document_no),
        batch_date: Set(input.batch_date),
        category: Set(category),
        description: Set(description),
        unit_department_id: Set(input.unit_department_id),
        unit_township_code: Set(input
            .unit_township_code
            .map(|c| c.trim().to_string())
            .filter(|_| input.unit_department_id.is_none())),
        responsible_person: Set(responsible_person),
        responsible_user_id: Set(input.responsible_user_id),
        measures: Set(measures),
        deadline: Set(input.deadline),
        lasting_mechanism: Set(input.lasting_mechanism),
        status: Set(IssueStatus::Open.as_str().to_string()),
        filed_on: Set(on),
        version: Set(1),
        created_by: Set(actor.username.clone()),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .exec_with_returning(&txn)
    .await?;
    let mut concerns = input.concerns;
    concerns.dedup();
    if !concerns.is_empty() {
        rectification_concern::Entity::insert_many(concerns.iter().map(|c| rectification_concern::ActiveModel {
            issue_id: Set(row.id),
            kind: Set(c.kind.as_str().to_string()),
            reference: Set(c.reference.clone()),
            ..Default::default()
        }))
        .exec(&txn)
        .await?;
    }
    insert_event(
        &txn,
        actor,
        &row,
        NewStep {
            action: FILED,
            on,
            ..Default::default()
        },
    )
    .await?;
    audit::record(
        &txn,
        actor,
        Change {
            action: AuditAction::of_rectification(None),
            entity_type: "RectificationIssue",
            entity_id: row.id.to_string(),
            region_code: Some(row.county_code.clone()),
            before: None,
            after: audit::json(&row),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// A step as recorded in a problem's history.
#[derive(Default)]
struct NewStep {
    action: &'static str,
    from: Option<IssueStatus>,
    on: NaiveDate,
    note: Option<String>,
    evidence: Option<String>,
    attachments: Option<String>,
}

async fn insert_event(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    row: &rectification_issue::Model,
    step: NewStep,
) -> ServiceResult<()> {
    rectification_event::Entity::insert(rectification_event::ActiveModel {
        issue_id: Set(row.id),
        action: Set(step.action.to_string()),
        from_status: Set(step.from.map(|s| s.as_str().to_string())),
        to_status: Set(row.status.clone()),
        actor_id: Set(actor.user_id),
        actor_username: Set(actor.username.clone()),
        actor_role: Set(actor.role.as_str().to_string()),
        happened_on: Set(step.on),
        occurred_at: Set(Utc::now()),
        note: Set(step.note),
        evidence: Set(step.evidence),
        attachments: Set(step.attachments),
        ..Default::default()
    })
    .exec(conn)
    .await?;
    Ok(())
}

/// Takes one step of a problem's rectification, as the lifecycle table allows.
pub async fn step(
    db: &DatabaseConnection,
    actor: &Actor,
    input: StepInput,
) -> ServiceResult<rectification_issue::Model> {
    authorize(actor, Operation::ViewRectification)?;
    let txn = begin_write(db).await?;
    let current = find(&txn, actor, input.issue_id)
        .await?
        .ok_or_else(|| Fault::not_found("issue", "there is no such problem in your area"))?;
    let from = status_of(&current)?;
    let row = rules::check(actor, from, input.action, unit_of(&current)?)?;
    if row.who == rules::Who::Verifier {
        let county = RegionCode::parse(&current.county_code).map_err(ServiceError::Internal)?;
        crate::domain::access::authorize_at(actor, Operation::VerifyRectification, &county)?;
    }
    if current.version != input.expected_version {
        return Err(Fault::stale("the problem", current.version, &current.status).into());
    }
    let today = calendar::today();
    let on = input.on.unwrap_or(today);
    let previous = rectification_event::Entity::find()
        .filter(rectification_event::Column::IssueId.eq(current.id))
        .order_by_desc(rectification_event::Column::HappenedOn)
        .one(&txn)
        .await?
        .map(|e| e.happened_on);
    crate::domain::timeline::check_step_date(on, today, previous)?;
    let note = optional_text("note", "a note", input.note.as_deref(), MAX_NOTE_CHARS)?;
    let evidence = optional_text("evidence", "the evidence", input.evidence.as_deref(), MAX_TEXT_CHARS)?;
    if input.attachments.len() > MAX_ATTACHMENTS {
        return Err(Fault::invalid(
            "attachments",
            format!("give at most {MAX_ATTACHMENTS} attachment references"),
        )
        .into());
    }
    let mut attachments = Vec::with_capacity(input.attachments.len());
    for (i, a) in input.attachments.iter().enumerate() {
        let text = required_text("attachments", "an attachment reference", a, 200)
            .map_err(|f| Fault::new(f.code, &["input", "attachments", &i.to_string()], f.message))?;
        attachments.push(text);
    }
    match row.needs {
        Need::Nothing => {}
        Need::Evidence if evidence.is_none() => {
            return Err(Fault::invalid("evidence", format!("give {}", Need::Evidence.describe())).into());
        }
        Need::VerificationNote | Need::Reason if note.is_none() => {
            return Err(Fault::invalid("note", format!("give {}", row.needs.describe())).into());
        }
        _ => {}
    }
    let updated = rectification_issue::Entity::update_many()
        .col_expr(rectification_issue::Column::Status, Expr::val(row.to.as_str()))
        .col_expr(
            rectification_issue::Column::Version,
            Expr::col(rectification_issue::Column::Version).add(1),
        )
        .filter(rectification_issue::Column::Id.eq(current.id))
        .filter(rectification_issue::Column::Version.eq(current.version))
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(ServiceError::Internal(format!(
            "problem {} changed under a write lock",
            current.id
        )));
    }
    let after = rectification_issue::Model {
        status: row.to.as_str().to_string(),
        version: current.version + 1,
        ..current.clone()
    };
    let attachments = (!attachments.is_empty()).then(|| serde_json::to_string(&attachments).unwrap_or_default());
    insert_event(
        &txn,
        actor,
        &after,
        NewStep {
            action: input.action.as_str(),
            from: Some(from),
            on,
            note,
            evidence,
            attachments,
        },
    )
    .await?;
    audit::record(
        &txn,
        actor,
        Change {
            action: AuditAction::of_rectification(Some(input.action)),
            entity_type: "RectificationIssue",
            entity_id: current.id.to_string(),
            region_code: Some(current.county_code.clone()),
            before: audit::json(&current),
            after: audit::json(&after),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// One group of `rectificationSummary`.
#[derive(Clone, Debug)]
pub struct SummaryGroup {
    /// The group's key: the source, batch, status or category as stored, or the unit
    /// (`department:<id>` / `township:<code>`).
    pub key: String,
    pub department_id: Option<i64>,
    pub township_code: Option<String>,
    pub tally: Tally,
}

/// The problems of `region_code` the actor sees, as they stood at the end of `as_of`,
/// grouped; groups in key order, and the whole.
pub async fn summary(
    db: &DatabaseConnection,
    actor: &Actor,
    region_code: &str,
    grouping: Grouping,
    as_of: NaiveDate,
) -> ServiceResult<(Vec<SummaryGroup>, Tally)> {
    authorize(actor, Operation::ViewRectification)?;
    let region =
        RegionCode::parse(region_code.trim()).map_err(|m| Fault::new(ErrorCode::InvalidInput, &["regionCode"], m))?;
    if !actor.scope.sees(&region) {
        return Err(Fault::forbidden(format!("region {region} is outside your area")).into());
    }
    let rows = rectification_issue::Entity::find()
        .filter(seen(actor))
        .filter(in_region(&region))
        .filter(rectification_issue::Column::FiledOn.lte(as_of))
        .order_by_asc(rectification_issue::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let events = events_of(db, &ids).await?;
    let mut groups: BTreeMap<String, SummaryGroup> = BTreeMap::new();
    let mut whole = Tally::default();
    for row in &rows {
        let steps: Vec<(NaiveDate, i64, IssueStatus)> = events
            .get(&row.id)
            .into_iter()
            .flatten()
            .filter_map(|e| IssueStatus::parse(&e.to_status).map(|s| (e.happened_on, e.id, s)))
            .collect();
        let Some(status) = rules::status_on(&steps, as_of) else {
            continue;
        };
        let key = match grouping {
            Grouping::Source => row.source.clone(),
            Grouping::Batch => row.batch.clone(),
            Grouping::Status => status.as_str().to_string(),
            Grouping::Category => row.category.clone(),
            Grouping::Unit => match (row.unit_department_id, &row.unit_township_code) {
                (Some(id), _) => format!("department:{id}"),
                (None, Some(code)) => format!("township:{code}"),
                (None, None) => String::new(),
            },
        };
        let group = groups.entry(key.clone()).or_insert_with(|| SummaryGroup {
            key,
            department_id: (grouping == Grouping::Unit).then_some(row.unit_department_id).flatten(),
            township_code: if grouping == Grouping::Unit && row.unit_department_id.is_none() {
                row.unit_township_code.clone()
            } else {
                None
            },
            tally: Tally::default(),
        });
        group.tally.add(status, row.deadline, as_of);
        whole.add(status, row.deadline, as_of);
    }
    Ok((groups.into_values().collect(), whole))
}
