//! The lifecycle transitions of DESIGN §3: each checked against `domain::lifecycle`,
//! given what its row needs, and written with its event, the running totals and the audit
//! entry in one transaction.
use super::{
    EventRecord, TransitionDetails, load_for_change, project_change, record_event, sector_of, status_of, targets_of,
    write_guarded,
};
use crate::domain::access::Actor;
use crate::domain::audit::AuditAction;
use crate::domain::calendar;
use crate::domain::fault::{ErrorCode, Fault};
use crate::domain::lifecycle::{self, Need, ProjectAction};
use crate::domain::money::Money;
use crate::domain::project::{self as rules, Beneficiaries, SubmissionRecord, check_dates};
use crate::domain::quantity::Quantity;
use crate::domain::timeline::{self, History};
use crate::service::audit;
use crate::service::{ServiceError, ServiceResult, begin_write};
use chrono::NaiveDate;
use entity::{project, project_event, project_village};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};

/// Checks what a transition needs and turns it into the project's new values.
async fn apply_needs(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    current: &project::Model,
    need: Need,
    details: &mut TransitionDetails,
    on: NaiveDate,
) -> ServiceResult<(project::ActiveModel, Option<Quantity>)> {
    let mut changes = project::ActiveModel::default();
    let mut final_quantity = None;
    details.comment = crate::domain::fault::optional_text(
        "comment",
        "a comment",
        details.comment.as_deref(),
        crate::domain::fault::MAX_NOTE_CHARS,
    )?;
    let require_comment = |field: &str, what: &str| -> Result<(), Fault> {
        match &details.comment {
            Some(_) => Ok(()),
            None => Err(Fault::invalid(field, format!("give {what}"))),
        }
    };
    match need {
        Need::Nothing => {}
        Need::CompleteRecord => {
            let villages = project_village::Entity::find()
                .filter(project_village::Column::ProjectId.eq(current.id))
                .count(conn)
                .await? as usize;
            let record = SubmissionRecord {
                content: &current.content,
                planned_quantity: Quantity::from_milli(current.planned_quantity_milli),
                budget: Money::from_fen(current.budget_fen),
                villages,
                beneficiaries: Beneficiaries {
                    households: current.beneficiary_households,
                    people: current.beneficiary_people,
                    poor_households: current.poor_households,
                    poor_people: current.poor_people,
                },
                performance_targets: targets_of(current).len(),
                planned_start: current.planned_start,
                planned_finish: current.planned_finish,
            };
            let missing = rules::missing_for_submission(&record);
            if !missing.is_empty() {
                return Err(ServiceError::Rejected(missing));
            }
        }
        Need::Reason => require_comment("reason", "a reason")?,
        Need::Findings => require_comment("findings", "the findings of the acceptance inspection")?,
        Need::DepartmentAndDeadline => {
            let department_id = details
                .department_id
                .ok_or_else(|| Fault::invalid("department", "say which department the project is assigned to"))?;
            let deadline = details
                .deadline
                .ok_or_else(|| Fault::invalid("deadline", "give the deadline for claiming it"))?;
            if deadline < on {
                return Err(Fault::invalid(
                    "deadline",
                    format!("the deadline {deadline} is before the assignment ({on})"),
                )
                .into());
            }
            let department = crate::service::departments::find(conn, actor, department_id)
                .await?
                .ok_or_else(|| Fault::not_found("department", "there is no such department in your area"))?;
            if department.county_code != current.county_code {
                return Err(Fault::invalid(
                    "department",
                    format!(
                        "{} belongs to another county than project {}",
                        department.name, current.code
                    ),
                )
                .into());
            }
            let sector = sector_of(current)?;
            if !crate::service::departments::sectors_of(&department).contains(&sector) {
                return Err(Fault::invalid(
                    "department",
                    format!(
                        "{} does not handle {} ({}) projects",
                        department.name,
                        sector.as_str(),
                        sector.chinese_name()
                    ),
                )
                .into());
            }
            changes.department_id = Set(Some(department_id));
            changes.claim_deadline = Set(Some(deadline));
        }
        Need::MilestoneAndDate => {
            let milestone = details
                .milestone
                .ok_or_else(|| Fault::invalid("milestone", "say which milestone (立项、审批、设计、招标)"))?;
            let date = on;
            // A milestone is reached once: recording it again corrects the record, and the
            // clerk says so (the event's comment then says so too).
            let earlier = project_event::Entity::find()
                .filter(project_event::Column::ProjectId.eq(current.id))
                .filter(project_event::Column::Action.eq(ProjectAction::RecordPreparation.as_str()))
                .filter(project_event::Column::Milestone.eq(milestone.as_str()))
                .order_by_desc(project_event::Column::Id)
                .one(conn)
                .await?;
            if let Some(earlier) = earlier {
                let on = earlier.event_date.map_or_else(String::new, |d| format!(" on {d}"));
                if !details.correction {
                    return Err(Fault::invalid(
                        "milestone",
                        format!(
                            "the milestone {} ({}) was already recorded{on}; send it with correction: true to correct that record",
                            milestone.as_str(),
                            milestone.chinese_name()
                        ),
                    )
                    .into());
                }
                let note = details.comment.take().map_or_else(String::new, |c| format!(": {c}"));
                details.comment = Some(format!("更正{}{on} → {date}{note}", milestone.chinese_name()));
            }
        }
        Need::Date => {
            changes.actual_start = Set(Some(on));
        }
        Need::DateAndFinalQuantity => {
            let date = on;
            check_dates(current.actual_start, Some(date), "date")?;
            let raw = details
                .final_quantity
                .ok_or_else(|| Fault::invalid("finalQuantity", "give the quantity built"))?;
            let quantity = Quantity::parse(raw).map_err(|m| Fault::invalid("finalQuantity", m))?;
            changes.actual_finish = Set(Some(date));
            changes.final_quantity_milli = Set(Some(quantity.milli()));
            final_quantity = Some(quantity);
        }
        Need::Grade => {
            let grade = details
                .grade
                .ok_or_else(|| Fault::invalid("grade", "give the grade: QUALIFIED (合格) or EXCELLENT (优质)"))?;
            changes.acceptance_grade = Set(Some(grade.as_str().to_string()));
        }
        Need::Progress => {
            return Err(Fault::invalid("action", "progress is reported with progressReportCreate").into());
        }
        Need::Changes => {
            return Err(Fault::invalid("action", "a draft is edited with projectUpdate").into());
        }
    }
    Ok((changes, final_quantity))
}

/// The day before which a step may not be dated: the previous step's; for a milestone
/// recorded again to correct it, the claim's (preliminary work is recorded from then on).
fn step_floor(history: &History, action: ProjectAction, correction: bool) -> Option<NaiveDate> {
    if action == ProjectAction::RecordPreparation && correction {
        history.last_step_of(ProjectAction::Claim)
    } else {
        history.last_step_on()
    }
}

/// Takes `action` on a project: checks the table (state, then role), the version, what
/// the action needs; writes the new state, the event and the audit entry together.
pub async fn transition(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    expected_version: i32,
    action: ProjectAction,
    details: TransitionDetails,
) -> ServiceResult<project::Model> {
    let txn = begin_write(db).await?;
    let updated = transition_in(&txn, actor, id, expected_version, action, details).await?;
    txn.commit().await?;
    Ok(updated)
}

/// [`transition`] in a transaction the caller holds (an import's, one row at a time).
pub(crate) async fn transition_in(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    expected_version: i32,
    action: ProjectAction,
    mut details: TransitionDetails,
) -> ServiceResult<project::Model> {
    let today = calendar::today();
    let on = details.date.unwrap_or(today);
    let current = load_for_change(conn, actor, id, expected_version).await?;
    let from = status_of(&current)?;
    let row = lifecycle::check(actor, from, action, current.department_id)?;
    let history = crate::service::timeline::history(conn, current.id).await?;
    timeline::check_step_date(on, today, step_floor(&history, action, details.correction))?;
    // 公告公示: approval needs the application notice run, acceptance the completion notice.
    crate::service::disclosure::check_project_step(conn, &current, action, on).await?;
    if action == ProjectAction::Cancel {
        // Money allocated and not paid would sit on a cancelled project with nothing for
        // finance to act on: it is released (reversed) first.
        let unpaid = crate::service::funds::unpaid_allocations(conn, current.id).await?;
        if !unpaid.is_empty() {
            let list: Vec<String> = unpaid
                .iter()
                .map(|(a, left)| format!("{left} yuan of the allocation of {} ({})", a.entry_date, a.id))
                .collect();
            return Err(Fault::new(
                ErrorCode::WrongProjectStage,
                &["input", "project"],
                format!(
                    "project {} still holds money allocated and not paid: {}; finance must release it (ledgerEntryReverse) before the project is cancelled",
                    current.code,
                    list.join(", ")
                ),
            )
            .into());
        }
    }
    let (mut changes, final_quantity) = apply_needs(conn, actor, &current, row.needs, &mut details, on).await?;
    match action {
        ProjectAction::Decline => {
            changes.department_id = Set(None);
            changes.claim_deadline = Set(None);
        }
        ProjectAction::FailAcceptance => {
            changes.actual_finish = Set(None);
            changes.final_quantity_milli = Set(None);
        }
        _ => {}
    }
    changes.status = Set(row.to.as_str().to_string());
    let updated = write_guarded(conn, &current, changes).await?;
    let event = EventRecord {
        action,
        on,
        from: Some(from),
        to: row.to,
        details,
        final_quantity,
    };
    let mut after = history.clone();
    after.push_step(timeline::Step {
        on,
        seq: 0,
        action,
        status: row.to,
        department_id: event.details.department_id,
        quantity: final_quantity,
    });
    record_event(conn, actor, &updated, event).await?;
    crate::service::timeline::record(conn, &updated, &history, &after).await?;
    if action == ProjectAction::Accept {
        // 验收销号: the gaps this project closes are met from its acceptance day.
        crate::service::exit::on_project_accepted(conn, actor, &updated, on).await?;
    }
    let change = project_change(AuditAction::of_project(action), Some(&current), &updated);
    audit::record(conn, actor, change).await?;
    Ok(updated)
}
