//! 质保金 — each county's retention terms, a project's retention (held back, paid, owed,
//! due, overdue), the retentions falling due in a region, and the check a retention
//! payment passes. The figures are `domain::retention`'s.
use super::audit::{self, Change};
use super::projects::{self, ProjectFilter, ProjectOrder};
use super::{PageRequest, ServiceError, ServiceResult, begin_write};
use crate::domain::access::{Actor, Operation, authorize, authorize_at};
use crate::domain::audit::AuditAction;
use crate::domain::fault::required_text;
use crate::domain::funds::EntryKind;
use crate::domain::lifecycle::{ProjectAction, ProjectStatus};
use crate::domain::money::Money;
use crate::domain::region::RegionCode;
use crate::domain::retention::{NATIONAL_DEFAULT, NATIONAL_SOURCE, Retention, RetentionTerms, retention};
use chrono::NaiveDate;
use entity::{ledger_entry, project, project_event, retention_policy};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect,
};
use std::collections::HashMap;

/// A county's terms as read: its own, or the national ones.
#[derive(Clone, Debug)]
pub struct Policy {
    pub county_code: String,
    pub terms: RetentionTerms,
    pub source: String,
    /// The county's own row; `None` while the national terms apply.
    pub row: Option<retention_policy::Model>,
}

fn terms_of(row: &retention_policy::Model) -> RetentionTerms {
    RetentionTerms {
        rate_bp: row.rate_bp,
        guarantee_months: u32::try_from(row.guarantee_months).unwrap_or(0),
    }
}

/// The terms of each of `counties`.
async fn policies(conn: &impl ConnectionTrait, counties: &[String]) -> ServiceResult<HashMap<String, Policy>> {
    let rows = retention_policy::Entity::find()
        .filter(retention_policy::Column::CountyCode.is_in(counties.iter().cloned()))
        .all(conn)
        .await?;
    let mut found: HashMap<String, Policy> = rows
        .into_iter()
        .map(|row| {
            let policy = Policy {
                county_code: row.county_code.clone(),
                terms: terms_of(&row),
                source: row.source.clone(),
                row: Some(row),
            };
            (policy.county_code.clone(), policy)
        })
        .collect();
    for county in counties {
        found.entry(county.clone()).or_insert_with(|| Policy {
            county_code: county.clone(),
            terms: NATIONAL_DEFAULT,
            source: NATIONAL_SOURCE.to_string(),
            row: None,
        });
    }
    Ok(found)
}

fn county_of(actor: &Actor, operation: Operation, raw: &str) -> ServiceResult<RegionCode> {
    super::regions::county_in_reach(actor, operation, raw, "retention terms")
}

/// A county's retention terms.
pub async fn policy(db: &DatabaseConnection, actor: &Actor, county_code: &str) -> ServiceResult<Policy> {
    authorize(actor, Operation::ViewFunds)?;
    let county = county_of(actor, Operation::ViewFunds, county_code)?;
    policies(db, &[county.to_string()])
        .await?
        .remove(county.as_str())
        .ok_or_else(|| ServiceError::Internal("a county without terms".into()))
}

/// Sets a county's retention terms (a percentage and months) with the document that sets them.
pub async fn set_policy(
    db: &DatabaseConnection,
    actor: &Actor,
    county_code: &str,
    rate_percent: Decimal,
    guarantee_months: i32,
    source: &str,
) -> ServiceResult<Policy> {
    authorize(actor, Operation::ManageFundRules)?;
    let county = county_of(actor, Operation::ManageFundRules, county_code)?;
    let terms = RetentionTerms::parse(rate_percent, guarantee_months)?;
    let source = required_text("source", "the document that sets the terms", source, 200)?;
    let txn = begin_write(db).await?;
    let before = retention_policy::Entity::find_by_id(county.to_string())
        .one(&txn)
        .await?;
    let row = retention_policy::ActiveModel {
        county_code: Set(county.to_string()),
        rate_bp: Set(terms.rate_bp),
        guarantee_months: Set(i32::try_from(terms.guarantee_months).unwrap_or(0)),
        source: Set(source),
        updated_by: Set(actor.username.clone()),
        updated_at: Set(chrono::Utc::now()),
    };
    let row = match &before {
        Some(_) => retention_policy::Entity::update(row).exec(&txn).await?,
        None => retention_policy::Entity::insert(row).exec_with_returning(&txn).await?,
    };
    audit::record(
        &txn,
        actor,
        Change {
            action: AuditAction::RetentionPolicySet,
            entity_type: "RetentionPolicy",
            entity_id: county.to_string(),
            region_code: Some(county.to_string()),
            before: before.as_ref().and_then(audit::json),
            after: audit::json(&row),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(Policy {
        county_code: county.to_string(),
        terms,
        source: row.source.clone(),
        row: Some(row),
    })
}

/// The day each of `projects` was last accepted (验收), for those accepted.
async fn accepted_on(conn: &impl ConnectionTrait, projects: &[i64]) -> ServiceResult<HashMap<i64, NaiveDate>> {
    let mut found = HashMap::new();
    for chunk in projects.chunks(super::IDS_PER_STATEMENT) {
        let rows: Vec<(i64, Option<NaiveDate>)> = project_event::Entity::find()
            .select_only()
            .column(project_event::Column::ProjectId)
            .column_as(project_event::Column::HappenedOn.max(), "accepted_on")
            .filter(project_event::Column::ProjectId.is_in(chunk.iter().copied()))
            .filter(project_event::Column::Action.eq(ProjectAction::Accept.as_str()))
            .group_by(project_event::Column::ProjectId)
            .into_tuple()
            .all(conn)
            .await?;
        found.extend(rows.into_iter().filter_map(|(id, day)| Some((id, day?))));
    }
    Ok(found)
}

/// The retention paid to each of `projects` (reversals included).
async fn paid(conn: &impl ConnectionTrait, projects: &[i64]) -> ServiceResult<HashMap<i64, Money>> {
    let mut found = HashMap::new();
    for chunk in projects.chunks(super::IDS_PER_STATEMENT) {
        let rows: Vec<(i64, i64)> = ledger_entry::Entity::find()
            .select_only()
            .column(ledger_entry::Column::ProjectId)
            .column_as(Expr::cust("CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT)"), "paid")
            .filter(ledger_entry::Column::ProjectId.is_in(chunk.iter().copied()))
            .filter(ledger_entry::Column::Kind.eq(EntryKind::Disbursement.as_str()))
            .filter(ledger_entry::Column::IsRetention.eq(true))
            .group_by(ledger_entry::Column::ProjectId)
            .into_tuple()
            .all(conn)
            .await?;
        found.extend(rows.into_iter().map(|(id, fen)| (id, Money::from_fen(fen))));
    }
    Ok(found)
}

/// The retention of each of `projects` as of `today` (a batch read for the loaders: the
/// projects are already in the caller's scope).
pub async fn of_projects(
    conn: &impl ConnectionTrait,
    projects: &[project::Model],
    today: NaiveDate,
) -> ServiceResult<HashMap<i64, Retention>> {
    let ids: Vec<i64> = projects.iter().map(|p| p.id).collect();
    let counties = crate::db::rows::distinct(projects.iter().map(|p| p.county_code.clone()));
    let policies = policies(conn, &counties).await?;
    let accepted = accepted_on(conn, &ids).await?;
    let paid = paid(conn, &ids).await?;
    projects
        .iter()
        .map(|p| {
            let terms = policies
                .get(&p.county_code)
                .map(|policy| policy.terms)
                .ok_or_else(|| ServiceError::Internal("a county without terms".into()))?;
            let accepted = accepted
                .get(&p.id)
                .copied()
                .filter(|_| projects::status_of(p).is_ok_and(|s| s == ProjectStatus::Accepted));
            Ok((
                p.id,
                retention(
                    terms,
                    Money::from_fen(p.allocated_fen),
                    Money::from_fen(p.disbursed_fen),
                    paid.get(&p.id).copied().unwrap_or(Money::ZERO),
                    accepted,
                    today,
                ),
            ))
        })
        .collect()
}

/// The retention of projects by id, for the loaders.
pub async fn of_project_ids(db: &DatabaseConnection, ids: &[i64]) -> ServiceResult<HashMap<i64, Retention>> {
    let projects = projects::by_ids(db, ids).await?;
    of_projects(db, &projects, crate::domain::calendar::today()).await
}

/// 到期质保金 — the accepted projects of `region` (as the actor sees them) that still owe
/// retention falling due on or before `before`, the earliest first.
pub async fn due(
    db: &DatabaseConnection,
    actor: &Actor,
    region_code: &str,
    before: NaiveDate,
) -> ServiceResult<Vec<(project::Model, Retention)>> {
    authorize(actor, Operation::ViewFunds)?;
    let region = super::regions::parse_code("regionCode", region_code.trim())?;
    authorize_at(actor, Operation::ViewFunds, &region)?;
    let filter = ProjectFilter {
        region_code: Some(region.to_string()),
        statuses: vec![ProjectStatus::Accepted],
        ..Default::default()
    };
    let page = PageRequest {
        first: super::MAX_ROWS,
        after: None,
        count_total: false,
    };
    let accepted = projects::list(db, actor, &filter, ProjectOrder::default(), &page)
        .await?
        .items;
    let retentions = of_projects(db, &accepted, crate::domain::calendar::today()).await?;
    let mut owed: Vec<(project::Model, Retention)> = accepted
        .into_iter()
        .filter_map(|p| {
            let r = *retentions.get(&p.id)?;
            (r.due.fen() > 0 && r.due_on.is_some_and(|d| d <= before)).then_some((p, r))
        })
        .collect();
    owed.sort_by_key(|(p, r)| (r.due_on, p.id));
    Ok(owed)
}

/// The day a project's retention falls due, for the payment check (`of_projects`' own
/// `due_on`): the acceptance day plus its county's guarantee period as the terms stand now
/// (terms keep no history: setting them applies to every project of the county); `None`
/// while it is not accepted.
pub async fn due_on(conn: &impl ConnectionTrait, project: &project::Model) -> ServiceResult<Option<NaiveDate>> {
    let today = crate::domain::calendar::today();
    Ok(of_projects(conn, std::slice::from_ref(project), today)
        .await?
        .get(&project.id)
        .and_then(|r| r.due_on))
}
