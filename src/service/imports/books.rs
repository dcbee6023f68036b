//! 导出为导入格式 — a county's books in the import layout: each kind's rows as its template
//! has them, so that what one tracker holds can be brought into another (or checked in
//! Excel and brought back). Left out, as the import cannot express them: reversed ledger
//! entries with their reversals, preliminary-work milestones, and returned, declined or
//! failed steps (a project keeps the last day of each step on its way).
use crate::domain::access::{Actor, Operation, authorize_at};
use crate::domain::disclosure::Subject;
use crate::domain::funds::EntryKind;
use crate::domain::import::{self as rules, Kind};
use crate::domain::lifecycle::{ProjectAction, ProjectStatus};
use crate::domain::money::Money;
use crate::domain::quantity::Quantity;
use crate::domain::region::RegionCode;
use crate::domain::sector::Sector;
use crate::service::{ServiceError, ServiceResult};
use chrono::NaiveDate;
use entity::{
    annual_plan, department, disclosure, fund_line, ledger_entry, progress_report, project, project_event,
    project_village, region,
};
use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;

/// How a disbursement's note gives the reason for an early release.
const EARLY_RELEASE: &str = crate::service::funds::EARLY_RELEASE;

/// A row as the template's columns read it.
type Row = Vec<String>;

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn flag(on: bool) -> String {
    if on { "是".into() } else { String::new() }
}

/// A choice's name as the template's drop-down has it.
fn named(choices: &[(&str, &str)], code: &str) -> String {
    choices
        .iter()
        .find(|(c, _)| *c == code)
        .map_or_else(|| code.to_string(), |(_, name)| name.to_string())
}

/// The county's projects, as a subquery.
fn county_projects(county: &RegionCode) -> sea_orm::sea_query::SelectStatement {
    sea_orm::sea_query::Query::select()
        .column(project::Column::Id)
        .from(project::Entity)
        .and_where(project::Column::CountyCode.eq(county.as_str()))
        .to_owned()
}

fn money(fen: i64) -> String {
    Money::from_fen(fen).to_string()
}

fn quantity(milli: i64) -> String {
    Quantity::from_milli(milli).to_decimal().normalize().to_string()
}

/// The county asked for (`raw`), or the actor's own when it is a county user.
pub fn county_named(actor: &Actor, raw: Option<&str>) -> ServiceResult<RegionCode> {
    let code = match raw {
        Some(raw) => crate::service::regions::parse_code("county", raw)?,
        None => actor
            .scope
            .root()
            .cloned()
            .ok_or_else(|| crate::domain::fault::Fault::invalid("county", "say which county: ?county=CODE"))?,
    };
    if code.level() != crate::domain::region::RegionLevel::County {
        return Err(crate::domain::fault::Fault::invalid(
            "county",
            format!("{code} is not a county: the books are a county's"),
        )
        .into());
    }
    Ok(code)
}

/// The county's rows of `kind`, in the import's columns; the actor reads the county's
/// journal (ViewJournal) — regions need only ViewRegions.
pub async fn rows(db: &DatabaseConnection, actor: &Actor, kind: Kind, county: &RegionCode) -> ServiceResult<Vec<Row>> {
    let operation = match kind {
        Kind::Regions => Operation::ViewRegions,
        _ => Operation::ViewJournal,
    };
    authorize_at(actor, operation, county)?;
    let lines: HashMap<i64, fund_line::Model> = fund_line::Entity::find()
        .filter(fund_line::Column::CountyCode.eq(county.as_str()))
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.id, l))
        .collect();
    let projects: HashMap<i64, project::Model> = project::Entity::find()
        .filter(project::Column::CountyCode.eq(county.as_str()))
        .order_by_asc(project::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let code_of = |id: Option<i64>| {
        id.and_then(|id| projects.get(&id))
            .map_or(String::new(), |p| p.code.clone())
    };
    let line_cells = |id: i64| {
        lines
            .get(&id)
            .map_or((String::new(), String::new()), |l| (l.name.clone(), l.year.to_string()))
    };
    let entries = |kind: EntryKind| {
        crate::service::funds::standing_entries(
            db,
            Condition::all()
                .add(ledger_entry::Column::CountyCode.eq(county.as_str()))
                .add(ledger_entry::Column::Kind.eq(kind.as_str())),
        )
    };
    let mut rows: Vec<Row> = Vec::new();
    match kind {
        Kind::Regions => {
            for r in region::Entity::find()
                .filter(region::Column::Code.gte(county.subtree_prefix()))
                .filter(region::Column::Code.lt(county.subtree_end()))
                .order_by_asc(region::Column::Code)
                .all(db)
                .await?
            {
                rows.push(vec![
                    r.code,
                    r.name,
                    flag(r.is_poverty_village),
                    r.poor_households.to_string(),
                    r.poor_people.to_string(),
                ]);
            }
        }
        Kind::FundLines => {
            let mut all: Vec<&fund_line::Model> = lines.values().collect();
            all.sort_by_key(|l| l.id);
            for l in all {
                rows.push(vec![
                    l.name.clone(),
                    l.year.to_string(),
                    named(rules::FUND_KINDS, &l.kind),
                    named(rules::FUND_LEVELS, &l.level),
                    money(l.planned_fen),
                    if l.poverty_targeted { "是".into() } else { "否".into() },
                ]);
            }
        }
        Kind::Receipts => {
            for e in entries(EntryKind::Receipt).await? {
                let (name, year) = line_cells(e.fund_line_id);
                rows.push(vec![
                    name,
                    year,
                    e.document_no.unwrap_or_default(),
                    money(e.amount_fen),
                    day(e.entry_date),
                    e.note.unwrap_or_default(),
                ]);
            }
        }
        Kind::Allocations => {
            let mut entries = entries(EntryKind::Allocation).await?;
            entries.sort_by_key(|e| (e.entry_date, e.id));
            // Above the budget from the allocation that took the project past it.
            let mut allocated: HashMap<i64, i64> = HashMap::new();
            for e in entries {
                let (name, year) = line_cells(e.fund_line_id);
                let budget = e
                    .project_id
                    .and_then(|id| projects.get(&id))
                    .map_or(0, |p| p.budget_fen);
                let total = allocated.entry(e.project_id.unwrap_or_default()).or_default();
                *total += e.amount_fen;
                rows.push(vec![
                    name,
                    year,
                    code_of(e.project_id),
                    money(e.amount_fen),
                    day(e.entry_date),
                    flag(*total > budget),
                    flag(e.outside_plan),
                    e.note.unwrap_or_default(),
                ]);
            }
        }
        Kind::Disbursements => {
            for e in entries(EntryKind::Disbursement).await? {
                let (name, year) = line_cells(e.fund_line_id);
                // An early release keeps its reason in the note (`funds::disburse`).
                let note = e.note.unwrap_or_default();
                let (note, early) = match note.split_once(EARLY_RELEASE) {
                    Some((note, reason)) => (note.trim_end_matches('；').to_string(), reason.to_string()),
                    None => (note, String::new()),
                };
                rows.push(vec![
                    name,
                    year,
                    code_of(e.project_id),
                    e.document_no.unwrap_or_default(),
                    money(e.amount_fen),
                    day(e.entry_date),
                    flag(e.is_retention),
                    early,
                    note,
                ]);
            }
        }
        Kind::Progress => {
            let reports = progress_report::Entity::find()
                .filter(progress_report::Column::ProjectId.in_subquery(county_projects(county)))
                .order_by_asc(progress_report::Column::ReportedOn)
                .order_by_asc(progress_report::Column::Id)
                .all(db)
                .await?;
            for r in reports {
                let planned = projects.get(&r.project_id).map_or(0, |p| p.planned_quantity_milli);
                rows.push(vec![
                    code_of(Some(r.project_id)),
                    day(r.reported_on),
                    quantity(r.completed_quantity_milli),
                    money(r.invested_fen),
                    flag(r.is_correction),
                    flag(r.completed_quantity_milli > planned),
                    r.note.unwrap_or_default(),
                ]);
            }
        }
        Kind::Projects => rows = project_rows(db, county, &projects).await?,
        Kind::Plan => {
            let plans = annual_plan::Entity::find()
                .filter(annual_plan::Column::CountyCode.eq(county.as_str()))
                .order_by_asc(annual_plan::Column::Year)
                .order_by_asc(annual_plan::Column::Version)
                .all(db)
                .await?;
            for header in plans {
                let Some(plan) =
                    crate::service::plans::version_in(db, county, header.year, Some(header.version)).await?
                else {
                    continue;
                };
                let head = |rows: &mut Vec<Row>, rest: [String; 6]| {
                    let mut row = vec![
                        header.year.to_string(),
                        header.version.to_string(),
                        header.approved_on.map(day).unwrap_or_default(),
                        header.document_no.clone().unwrap_or_default(),
                        header.reason.clone().unwrap_or_default(),
                    ];
                    row.extend(rest);
                    rows.push(row);
                };
                for f in &plan.fund_lines {
                    let (name, _) = line_cells(f.fund_line_id);
                    head(
                        &mut rows,
                        [name, money(f.planned_fen), "".into(), "".into(), "".into(), "".into()],
                    );
                }
                for s in &plan.sectors {
                    let sector = s.sector.parse::<Sector>().map_err(ServiceError::Internal)?;
                    head(
                        &mut rows,
                        [
                            String::new(),
                            String::new(),
                            sector.chinese_name().into(),
                            quantity(s.target_quantity_milli),
                            s.target_project_count.to_string(),
                            String::new(),
                        ],
                    );
                }
                for p in &plan.projects {
                    let name = p.fund_line_id.map_or(String::new(), |id| line_cells(id).0);
                    head(
                        &mut rows,
                        [
                            name,
                            p.planned_fen.map(money).unwrap_or_default(),
                            String::new(),
                            String::new(),
                            String::new(),
                            code_of(Some(p.project_id)),
                        ],
                    );
                }
            }
        }
        Kind::VillageFigures | Kind::ExitRegister => {
            return Err(crate::domain::fault::Fault::invalid(
                "kind",
                format!("{} is not exported in the import layout yet", kind.as_str()),
            )
            .into());
        }
    }
    Ok(rows)
}

/// The projects with the last day of each step on their way, and their notices' days.
async fn project_rows(
    db: &DatabaseConnection,
    county: &RegionCode,
    projects: &HashMap<i64, project::Model>,
) -> ServiceResult<Vec<Row>> {
    let events = project_event::Entity::find()
        .filter(project_event::Column::ProjectId.in_subquery(county_projects(county)))
        .order_by_asc(project_event::Column::Id)
        .all(db)
        .await?;
    let villages = project_village::Entity::find()
        .filter(project_village::Column::ProjectId.in_subquery(county_projects(county)))
        .all(db)
        .await?;
    let notices = disclosure::Entity::find()
        .filter(disclosure::Column::ProjectId.in_subquery(county_projects(county)))
        .filter(disclosure::Column::PostedOn.is_not_null())
        .filter(disclosure::Column::WithdrawnOn.is_null())
        .order_by_asc(disclosure::Column::Id)
        .all(db)
        .await?;
    let townships: HashMap<String, String> = region::Entity::find()
        .filter(region::Column::ParentCode.eq(county.as_str()))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.code, r.name))
        .collect();
    let departments: HashMap<i64, String> = department::Entity::find()
        .filter(department::Column::CountyCode.eq(county.as_str()))
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.id, d.name))
        .collect();
    // Each project's events, villages and notices, in the order read.
    let mut sorted: Vec<&project::Model> = projects.values().collect();
    sorted.sort_by_key(|p| p.id);
    let ids: Vec<i64> = sorted.iter().map(|p| p.id).collect();
    let events = crate::db::rows::group_by(&ids, events, |e| Some((e.project_id, e)));
    let villages = crate::db::rows::group_by(&ids, villages, |v| Some((v.project_id, v.village_code)));
    let notices = crate::db::rows::group_by(&ids, notices, |n| n.project_id.map(|id| (id, n)));
    let mut rows = Vec::new();
    for p in sorted {
        let status = ProjectStatus::parse(&p.status).ok_or_else(|| ServiceError::Internal(p.status.clone()))?;
        let mine: &[project_event::Model] = events.get(&p.id).map_or(&[], Vec::as_slice);
        let last = |action: ProjectAction| mine.iter().rev().find(|e| e.action == action.as_str());
        let on = |action: ProjectAction| last(action).map(|e| day(e.happened_on)).unwrap_or_default();
        // How far along its way it came: a rejected one was submitted, a cancelled one stood
        // where the cancellation found it.
        let ended = match status {
            ProjectStatus::Rejected => last(ProjectAction::Reject),
            ProjectStatus::Cancelled => last(ProjectAction::Cancel),
            _ => None,
        };
        let came = match ended {
            Some(e) => e
                .from_status
                .as_deref()
                .and_then(ProjectStatus::parse)
                .unwrap_or(ProjectStatus::Draft),
            None => status,
        };
        let reached = |s: ProjectStatus| came >= s;
        let step = |action: ProjectAction, s: ProjectStatus| if reached(s) { on(action) } else { String::new() };
        let notice = |subject: Subject| {
            notices
                .get(&p.id)
                .and_then(|mine| mine.iter().rev().find(|n| n.subject == subject.as_str()))
        };
        let application = notice(Subject::Application).filter(|_| reached(ProjectStatus::Approved));
        let completion = notice(Subject::Completion).filter(|_| reached(ProjectStatus::Accepted));
        let assigned = reached(ProjectStatus::Assigned);
        let village_codes: &[String] = villages.get(&p.id).map_or(&[], Vec::as_slice);
        let targets: Vec<String> = crate::service::projects::targets_of(p)
            .into_iter()
            .map(|t| format!("{}:{}:{}", t.indicator, t.unit, t.target))
            .collect();
        // Preliminary work is not imported: a project in it stands as claimed.
        let shown = if status == ProjectStatus::Preparing {
            ProjectStatus::Claimed
        } else {
            status
        };
        rows.push(vec![
            p.code.clone(),
            p.name.clone(),
            mine.first().map(|e| day(e.happened_on)).unwrap_or_default(),
            p.year.to_string(),
            named(rules::SECTORS, &p.sector),
            townships
                .get(&p.township_code)
                .cloned()
                .unwrap_or_else(|| p.township_code.clone()),
            village_codes.join("、"),
            named(rules::NATURES, &p.construction_nature),
            p.content.clone(),
            quantity(p.planned_quantity_milli),
            money(p.budget_fen),
            p.beneficiary_households.to_string(),
            p.beneficiary_people.to_string(),
            p.poor_households.to_string(),
            p.poor_people.to_string(),
            targets.join("；"),
            p.planned_start.map(day).unwrap_or_default(),
            p.planned_finish.map(day).unwrap_or_default(),
            step(ProjectAction::Submit, ProjectStatus::Submitted),
            application.map(|n| day(n.start_on)).unwrap_or_default(),
            application.map(|n| day(n.end_on)).unwrap_or_default(),
            step(ProjectAction::Approve, ProjectStatus::Approved),
            step(ProjectAction::Assign, ProjectStatus::Assigned),
            if assigned {
                p.department_id
                    .and_then(|d| departments.get(&d))
                    .cloned()
                    .unwrap_or_default()
            } else {
                String::new()
            },
            if assigned {
                p.claim_deadline.map(day).unwrap_or_default()
            } else {
                String::new()
            },
            step(ProjectAction::Claim, ProjectStatus::Claimed),
            step(ProjectAction::StartConstruction, ProjectStatus::UnderConstruction),
            step(ProjectAction::Complete, ProjectStatus::Completed),
            if reached(ProjectStatus::Completed) {
                p.final_quantity_milli.map(quantity).unwrap_or_default()
            } else {
                String::new()
            },
            completion.and_then(|n| n.posted_on).map(day).unwrap_or_default(),
            step(ProjectAction::Accept, ProjectStatus::Accepted),
            p.acceptance_grade
                .as_deref()
                .map_or(String::new(), |g| named(rules::GRADES, g)),
            if status == ProjectStatus::Rejected {
                on(ProjectAction::Reject)
            } else {
                String::new()
            },
            if status == ProjectStatus::Cancelled {
                on(ProjectAction::Cancel)
            } else {
                String::new()
            },
            ended.and_then(|e| e.comment.clone()).unwrap_or_default(),
            shown.chinese_name().to_string(),
        ]);
    }
    Ok(rows)
}
