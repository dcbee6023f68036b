//! 项目库导入 — a project-library row: the record drafted by its township on 入库日期, then
//! each step its dates give, in lifecycle order, each taken by the role the lifecycle table
//! names (the importer holds the permission table's ImportProjectLibrary row; the steps
//! carry the comment 导入 and the importer's name), with the notices the county's
//! disclosure rules ask for posted before approval and acceptance.
use super::{Applied, CellError, Cells, RowError, conflict, fault_error, refused};
use crate::domain::access::{Actor, Role, Scope};
use crate::domain::disclosure::{Level, Subject};
use crate::domain::import as rules;
use crate::domain::lifecycle::{self, ProjectAction, ProjectStatus, Who};
use crate::domain::money::Money;
use crate::domain::project::{AcceptanceGrade, Beneficiaries, ConstructionNature};
use crate::domain::region::{RegionCode, RegionLevel};
use crate::domain::sector::Sector;
use crate::service::ServiceError;
use crate::service::disclosure::{self, NoticeInput, TargetInput};
use crate::service::projects::{self, ProjectInput, TransitionDetails};
use chrono::{Duration, NaiveDate};
use entity::{department, project, region};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// The steps a row's dates can give, in lifecycle order, with the column of each day.
const STEPS: [(ProjectAction, &str); 7] = [
    (ProjectAction::Submit, "submittedOn"),
    (ProjectAction::Approve, "approvedOn"),
    (ProjectAction::Assign, "assignedOn"),
    (ProjectAction::Claim, "claimedOn"),
    (ProjectAction::StartConstruction, "startedOn"),
    (ProjectAction::Complete, "finishedOn"),
    (ProjectAction::Accept, "acceptedOn"),
];

/// The comment every imported step carries.
const IMPORTED: &str = "导入";

/// A row read: the record, the steps with their days, and what the steps need.
struct Row {
    code: Option<String>,
    township: region::Model,
    input: ProjectInput,
    steps: Vec<(ProjectAction, NaiveDate, &'static str)>,
    department: Option<department::Model>,
    deadline: Option<NaiveDate>,
    final_quantity: Option<rust_decimal::Decimal>,
    grade: Option<AcceptanceGrade>,
    /// Why it was rejected or cancelled.
    reason: Option<String>,
    notice: Option<(NaiveDate, NaiveDate)>,
    completion_notice: Option<NaiveDate>,
    /// Where the steps lead.
    status: ProjectStatus,
}

pub(super) async fn project_row(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    county: &RegionCode,
    cells: &Cells<'_>,
) -> Result<Applied, RowError> {
    let row = read(conn, county, cells).await?;
    let existing = match &row.code {
        Some(code) => {
            project::Entity::find()
                .filter(project::Column::CountyCode.eq(county.as_str()))
                .filter(project::Column::Code.eq(code.as_str()))
                .one(conn)
                .await?
        }
        None => {
            project::Entity::find()
                .filter(project::Column::TownshipCode.eq(row.township.code.as_str()))
                .filter(project::Column::Year.eq(row.input.year))
                .filter(project::Column::Name.eq(row.input.name.as_str()))
                .one(conn)
                .await?
        }
    };
    if let Some(existing) = existing {
        return Ok(compare(cells, &row, &existing));
    }
    write(conn, actor, county, cells, row).await?;
    Ok(Applied::Written)
}

/// A project already in the tracker under the row's key: unchanged if the record and the
/// stage agree, else a conflict naming what differs.
fn compare(cells: &Cells<'_>, row: &Row, existing: &project::Model) -> Applied {
    let mut differs = Vec::new();
    if existing.name != row.input.name {
        differs.push(format!("named {}", existing.name));
    }
    if existing.sector != row.input.sector.as_str() || existing.year != row.input.year {
        differs.push(format!("{} of {}", existing.sector, existing.year));
    }
    if existing.township_code != row.township.code {
        differs.push(format!("in township {}", existing.township_code));
    }
    let budget = Money::parse(row.input.budget).map(|m| m.fen()).unwrap_or_default();
    if existing.budget_fen != budget {
        differs.push(format!("budget {} yuan", Money::from_fen(existing.budget_fen)));
    }
    if existing.status != row.status.as_str() {
        differs.push(format!("at {}", existing.status));
    }
    let started = row
        .steps
        .iter()
        .find(|s| s.0 == ProjectAction::StartConstruction)
        .map(|s| s.1);
    if existing.actual_start != started {
        differs.push(format!(
            "started {}",
            existing.actual_start.map_or("—".to_string(), |d| d.to_string())
        ));
    }
    if differs.is_empty() {
        Applied::Unchanged
    } else {
        let key = if row.code.is_some() { "code" } else { "name" };
        conflict(
            cells.column(key),
            format!(
                "project {} is already in the tracker ({}): not overwritten",
                existing.code,
                differs.join(", ")
            ),
        )
    }
}

async fn read(conn: &impl ConnectionTrait, county: &RegionCode, cells: &Cells<'_>) -> Result<Row, RowError> {
    let code = cells.text("code")?;
    let name = cells.required_text("name")?;
    let created_on = cells.date("createdOn")?;
    let year = cells.year()?;
    let sector: Sector = cells
        .required_choice("sector")?
        .parse()
        .map_err(|m: String| refused(cells.column("sector"), m))?;
    let township = township_of(conn, county, cells).await?;
    let village_codes = villages_of(conn, &township, cells).await?;
    let nature = ConstructionNature::parse(cells.required_choice("nature")?)
        .ok_or_else(|| refused(cells.column("nature"), "unknown nature"))?;
    let count = |key: &str| -> Result<i32, RowError> {
        let n = cells.parsed(key, rules::parse_integer)?.unwrap_or_default();
        i32::try_from(n).map_err(|_| refused(cells.column(key), "is too large"))
    };
    let beneficiaries = Beneficiaries {
        households: count("households")?,
        people: count("people")?,
        poor_households: count("poorHouseholds")?,
        poor_people: count("poorPeople")?,
    };
    let performance_targets = cells
        .parsed("performanceTargets", rules::parse_targets)?
        .unwrap_or_default()
        .into_iter()
        .map(|(indicator, unit, target)| projects::TargetInput {
            indicator,
            unit,
            target,
        })
        .collect();
    let input = ProjectInput {
        name,
        sector,
        category: None,
        year,
        village_codes,
        nature,
        content: cells.text("content")?.unwrap_or_default(),
        planned_quantity: cells
            .parsed("plannedQuantity", rules::parse_quantity)?
            .unwrap_or_default(),
        budget: cells.money("budget")?.to_yuan(),
        beneficiaries,
        performance_targets,
        planned_start: cells.optional_date("plannedStart")?,
        planned_finish: cells.optional_date("plannedFinish")?,
        created_on: Some(created_on),
    };
    // The steps given, each after every step before it in the lifecycle.
    let mut steps = Vec::new();
    let mut missing: Option<&'static str> = None;
    for (action, key) in STEPS {
        match cells.optional_date(key)? {
            Some(day) => {
                if let Some(gap) = missing {
                    return Err(refused(
                        cells.column(gap),
                        format!(
                            "give the day of this step: a later one ({}) is given",
                            cells.column(key).chinese
                        ),
                    ));
                }
                steps.push((action, day, key));
            }
            None => missing = missing.or(Some(key)),
        }
    }
    let needs = |key: &str, step: &str| -> Result<(), RowError> {
        if cells.raw(key).trim().is_empty() {
            return Err(refused(
                cells.column(key),
                format!("must not be empty when {} is given", cells.column(step).chinese),
            ));
        }
        Ok(())
    };
    // A rejection or a cancellation ends the way.
    match (cells.optional_date("rejectedOn")?, cells.optional_date("cancelledOn")?) {
        (Some(_), Some(_)) => {
            return Err(refused(
                cells.column("cancelledOn"),
                "a project is rejected or cancelled, not both",
            ));
        }
        (Some(day), None) => steps.push((ProjectAction::Reject, day, "rejectedOn")),
        (None, Some(day)) => steps.push((ProjectAction::Cancel, day, "cancelledOn")),
        (None, None) => {}
    }
    let took = |action: ProjectAction| steps.iter().any(|s| s.0 == action);
    if took(ProjectAction::Reject) {
        needs("reason", "rejectedOn")?;
    }
    if took(ProjectAction::Cancel) {
        needs("reason", "cancelledOn")?;
    }
    let mut department = None;
    if took(ProjectAction::Assign) {
        needs("department", "assignedOn")?;
        needs("deadline", "assignedOn")?;
        department = Some(department_of(conn, county, cells).await?);
    }
    if took(ProjectAction::Complete) {
        needs("finalQuantity", "finishedOn")?;
    }
    if took(ProjectAction::Accept) {
        needs("grade", "acceptedOn")?;
    }
    let notice = match (cells.optional_date("noticeStart")?, cells.optional_date("noticeEnd")?) {
        (Some(start), Some(end)) => Some((start, end)),
        (None, None) => None,
        (Some(_), None) => return Err(refused(cells.column("noticeEnd"), "give the notice's last day")),
        (None, Some(_)) => return Err(refused(cells.column("noticeStart"), "give the notice's first day")),
    };
    let status = steps.iter().try_fold(ProjectStatus::Draft, |from, (action, _, key)| {
        lifecycle::transition(from, *action).map(|t| t.to).ok_or_else(|| {
            refused(
                cells.column(key),
                format!("cannot {} a {} project", action.verb(), from.as_str()),
            )
        })
    })?;
    if let Some(stated) = cells.choice("status")?
        && stated != status.as_str()
    {
        return Err(refused(
            cells.column("status"),
            format!(
                "the dates lead to {} ({}), not {stated}",
                status.chinese_name(),
                status.as_str()
            ),
        ));
    }
    Ok(Row {
        code,
        township,
        input,
        steps,
        department,
        deadline: cells.optional_date("deadline")?,
        final_quantity: cells.parsed("finalQuantity", rules::parse_quantity)?,
        grade: cells.choice("grade")?.and_then(AcceptanceGrade::parse),
        reason: cells.text("reason")?,
        notice,
        completion_notice: cells.optional_date("completionNoticeOn")?,
        status,
    })
}

/// The row's township: by its code or by its name in the county.
async fn township_of(
    conn: &impl ConnectionTrait,
    county: &RegionCode,
    cells: &Cells<'_>,
) -> Result<region::Model, RowError> {
    let raw = rules::half_width(&cells.required_text("township")?);
    let column = cells.column("township");
    let found = match RegionCode::parse(&raw) {
        Ok(code) => region::Entity::find_by_id(code.to_string()).one(conn).await?,
        Err(_) => {
            region::Entity::find()
                .filter(region::Column::ParentCode.eq(county.as_str()))
                .filter(region::Column::Name.eq(raw.as_str()))
                .one(conn)
                .await?
        }
    };
    match found {
        Some(t) if t.level == RegionLevel::Township.as_str() && t.parent_code.as_deref() == Some(county.as_str()) => {
            Ok(t)
        }
        _ => Err(refused(column, format!("county {county} has no township `{raw}`"))),
    }
}

/// The villages served, by code or by name in the township.
async fn villages_of(
    conn: &impl ConnectionTrait,
    township: &region::Model,
    cells: &Cells<'_>,
) -> Result<Vec<String>, RowError> {
    let column = cells.column("villageCodes");
    let villages = region::Entity::find()
        .filter(region::Column::ParentCode.eq(township.code.as_str()))
        .all(conn)
        .await?;
    rules::split_list(&cells.required_text("villageCodes")?)
        .into_iter()
        .map(|item| {
            villages
                .iter()
                .find(|v| v.code == item || v.name == item)
                .map(|v| v.code.clone())
                .ok_or_else(|| refused(column, format!("township {} has no village `{item}`", township.name)))
        })
        .collect()
}

async fn department_of(
    conn: &impl ConnectionTrait,
    county: &RegionCode,
    cells: &Cells<'_>,
) -> Result<department::Model, RowError> {
    let name = cells.required_text("department")?;
    department::Entity::find()
        .filter(department::Column::CountyCode.eq(county.as_str()))
        .filter(department::Column::Name.eq(name.as_str()))
        .one(conn)
        .await?
        .ok_or_else(|| {
            refused(
                cells.column("department"),
                format!("county {county} has no department `{name}`"),
            )
        })
}

/// The importer acting as `role` over `scope` (and for `department`).
pub(super) fn acting(importer: &Actor, role: Role, scope: RegionCode, department_id: Option<i64>) -> Actor {
    Actor {
        user_id: importer.user_id,
        username: importer.username.clone(),
        role,
        scope: Scope::Subtree(scope),
        department_id,
    }
}

async fn write(
    conn: &impl ConnectionTrait,
    importer: &Actor,
    county: &RegionCode,
    cells: &Cells<'_>,
    row: Row,
) -> Result<(), RowError> {
    let township = RegionCode::parse(&row.township.code).map_err(|e| RowError::Failed(ServiceError::Internal(e)))?;
    let drafter = acting(importer, Role::Township, township.clone(), None);
    let mut current = projects::create_in(conn, &drafter, &row.input, row.code.as_deref())
        .await
        .map_err(|e| at_column(cells, e, None))?;
    let coordinator = acting(importer, Role::Coordinator, county.clone(), None);
    let board = format!("{}政务公开栏", row.township.name);
    for (action, day, key) in &row.steps {
        let from = projects::status_of(&current)?;
        let who = lifecycle::transition(from, *action).map(|t| t.who);
        let actor = match who {
            Some(Who::Role(Role::Township)) => drafter.clone(),
            Some(Who::Role(role)) => acting(importer, role, county.clone(), None),
            Some(Who::AssignedDepartment) | None => {
                acting(importer, Role::Department, county.clone(), current.department_id)
            }
        };
        let notice = match action {
            ProjectAction::Approve => row
                .notice
                .map(|(start, end)| (Subject::Application, start, end, "noticeStart")),
            ProjectAction::Accept => row.completion_notice.map(|start| {
                (
                    Subject::Completion,
                    start,
                    start + Duration::days(9),
                    "completionNoticeOn",
                )
            }),
            _ => None,
        };
        if let Some((subject, start, end, notice_key)) = notice {
            let input = NoticeInput {
                subject,
                target: TargetInput {
                    project_id: Some(current.id),
                    ..Default::default()
                },
                level: Level::Township,
                region_code: row.township.code.clone(),
                place: board.clone(),
                start_on: start,
                end_on: end,
                title: None,
                body: None,
                hotline: None,
                issuer: None,
            };
            disclosure::post_new_in(conn, &coordinator, input)
                .await
                .map_err(|e| at_column(cells, e, Some(notice_key)))?;
        }
        let comment = match (action, &row.reason) {
            (ProjectAction::Reject | ProjectAction::Cancel, Some(reason)) => format!("{reason}（{IMPORTED}）"),
            _ => IMPORTED.to_string(),
        };
        let details = TransitionDetails {
            comment: Some(comment),
            department_id: row
                .department
                .as_ref()
                .map(|d| d.id)
                .filter(|_| *action == ProjectAction::Assign),
            deadline: row.deadline.filter(|_| *action == ProjectAction::Assign),
            date: Some(*day),
            final_quantity: row.final_quantity.filter(|_| *action == ProjectAction::Complete),
            grade: row.grade.filter(|_| *action == ProjectAction::Accept),
            ..Default::default()
        };
        current = projects::transition_in(conn, &actor, current.id, current.version, *action, details)
            .await
            .map_err(|e| at_column(cells, e, Some(key)))?;
    }
    Ok(())
}

/// A use case's refusal on the row's column: its own field where that is a column, else
/// the step's day (`step`), else the row as a whole.
fn at_column(cells: &Cells<'_>, error: ServiceError, step: Option<&str>) -> RowError {
    let ServiceError::Rejected(faults) = error else {
        return RowError::Failed(error);
    };
    RowError::Refused(
        faults
            .into_iter()
            .map(|fault| {
                let mut e: CellError = fault_error(fault);
                let own = e.column.as_deref().and_then(|c| cells.kind.column(c));
                if own.is_none() {
                    e.column = step.map(str::to_string);
                    if let Some(step) = step {
                        e.message = format!("{}: {}", cells.column(step).chinese, e.message);
                    }
                }
                e
            })
            .collect(),
    )
}
