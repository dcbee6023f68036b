//! The demo county's notices (公告公示): every project's application notice before its
//! approval and completion notice before its acceptance ([`notice_for_step`], also what the
//! tests use to move a project along), and a few more in every state — a draft, a running
//! notice with an objection heard and resolved, a withdrawn one, the annual plan's, a fund
//! line's and a published three-list's.
use crate::domain::access::Actor;
use crate::domain::disclosure::{Channel, Level, Subject};
use crate::domain::lifecycle::{ProjectAction, ProjectStatus};
use crate::service::ServiceResult;
use crate::service::disclosure::{self as svc, NoticeInput, ObjectionInput, TargetInput};
use chrono::{Duration, NaiveDate};
use entity::{annual_plan, disclosure, fund_line, project, region, task_list};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

/// The township board a project's notices go on.
async fn board(db: &DatabaseConnection, township_code: &str) -> ServiceResult<String> {
    let name = region::Entity::find_by_id(township_code.to_string())
        .one(db)
        .await?
        .map_or_else(|| township_code.to_string(), |r| r.name);
    Ok(format!("{name}政务公开栏"))
}

/// Drafts and posts a notice as `actor`, from `start` to `end`.
pub async fn post_notice(
    db: &DatabaseConnection,
    actor: &Actor,
    input: NoticeInput,
) -> ServiceResult<disclosure::Model> {
    let (start, end) = (input.start_on, input.end_on);
    let draft = svc::create(db, actor, input).await?;
    svc::post(db, actor, draft.id, draft.version, Some(start), Some(end)).await
}

fn project_notice(
    p: &project::Model,
    subject: Subject,
    place: String,
    start: NaiveDate,
    end: NaiveDate,
) -> NoticeInput {
    NoticeInput {
        subject,
        target: TargetInput {
            project_id: Some(p.id),
            ..Default::default()
        },
        level: Level::Township,
        region_code: p.township_code.clone(),
        place,
        start_on: start,
        end_on: end,
        title: None,
        body: None,
        hotline: Some("0915-3212317".into()),
        issuer: None,
    }
}

/// Posts, as the poverty office (`coordinator`), the notice the project's `action` on
/// `day` needs: an application notice that ran the twelve days before an approval, a
/// completion notice from the day of an acceptance. Other actions need none.
pub async fn notice_for_step(
    db: &DatabaseConnection,
    coordinator: &Actor,
    project: &project::Model,
    action: ProjectAction,
    day: NaiveDate,
) -> ServiceResult<Option<disclosure::Model>> {
    let (subject, start, end) = match action {
        ProjectAction::Approve => (Subject::Application, day - Duration::days(12), day - Duration::days(1)),
        ProjectAction::Accept => (Subject::Completion, day, day + Duration::days(9)),
        _ => return Ok(None),
    };
    let place = board(db, &project.township_code).await?;
    let input = project_notice(project, subject, place, start, end);
    Ok(Some(post_notice(db, coordinator, input).await?))
}

/// The demo's notices beyond those its projects' steps needed.
pub async fn seed(db: &DatabaseConnection, county: &str, today: NaiveDate) -> ServiceResult<()> {
    let coordinator = super::demo::demo_actor(db, "coordinator").await?;
    let finance = super::demo::demo_actor(db, "finance").await?;
    let of_status = |status: ProjectStatus| {
        project::Entity::find()
            .filter(project::Column::CountyCode.eq(county))
            .filter(project::Column::Status.eq(status.as_str()))
            .order_by_asc(project::Column::Id)
            .one(db)
    };
    // A submitted project: its application notice up now, with an objection heard and resolved.
    if let Some(p) = of_status(ProjectStatus::Submitted).await? {
        let place = board(db, &p.township_code).await?;
        let running = post_notice(
            db,
            &coordinator,
            project_notice(
                &p,
                Subject::Application,
                place.clone(),
                today - Duration::days(3),
                today + Duration::days(6),
            ),
        )
        .await?;
        let (_, objection) = svc::record_objection(
            db,
            &coordinator,
            running.id,
            ObjectionInput {
                received_on: Some(today - Duration::days(2)),
                channel: Channel::Hotline,
                objector: "村民王某".into(),
                contact: Some("138****0000".into()),
                content: "受益户名单中有一户已于去年搬迁。".into(),
            },
        )
        .await?;
        svc::resolve_objection(
            db,
            &coordinator,
            objection.id,
            Some(today - Duration::days(1)),
            "经村两委核实属实，已将该户移出受益名单并重新张榜。",
        )
        .await?;
    }
    // A claimed project: its pre-construction notice, still a draft.
    if let Some(p) = of_status(ProjectStatus::Claimed).await? {
        let place = board(db, &p.township_code).await?;
        let input = project_notice(
            &p,
            Subject::ConstructionStart,
            place.clone(),
            today,
            today + Duration::days(9),
        );
        svc::create(db, &coordinator, input).await?;
    }
    // A notice posted with a wrong figure and withdrawn.
    if let Some(p) = of_status(ProjectStatus::UnderConstruction).await? {
        let place = board(db, &p.township_code).await?;
        let wrong = post_notice(
            db,
            &coordinator,
            project_notice(
                &p,
                Subject::ConstructionStart,
                place.clone(),
                today - Duration::days(20),
                today - Duration::days(11),
            ),
        )
        .await?;
        svc::withdraw(
            db,
            &coordinator,
            wrong.id,
            wrong.version,
            Some(today - Duration::days(15)),
            "公示的建设规模有误，更正后重新公示",
        )
        .await?;
        post_notice(
            db,
            &coordinator,
            project_notice(
                &p,
                Subject::ConstructionStart,
                place.clone(),
                today - Duration::days(14),
                today - Duration::days(5),
            ),
        )
        .await?;
    }
    // The annual plan, a fund line's allocation, and this month's published three lists.
    let year = chrono::Datelike::year(&today);
    if let Some(plan) = annual_plan::Entity::find()
        .filter(annual_plan::Column::CountyCode.eq(county))
        .filter(annual_plan::Column::Year.eq(year))
        .filter(annual_plan::Column::ApprovedOn.is_not_null())
        .order_by_asc(annual_plan::Column::Version)
        .one(db)
        .await?
    {
        let from = plan.approved_on.unwrap_or(today).min(today);
        post_notice(
            db,
            &coordinator,
            county_notice(
                Subject::AnnualPlan,
                TargetInput {
                    plan_id: Some(plan.id),
                    ..Default::default()
                },
                county,
                from,
            ),
        )
        .await?;
    }
    // Each approved adjustment (a version after the first), disclosed within the deadline.
    let adjustments = annual_plan::Entity::find()
        .filter(annual_plan::Column::CountyCode.eq(county))
        .filter(annual_plan::Column::Version.gt(1))
        .filter(annual_plan::Column::ApprovedOn.is_not_null())
        .all(db)
        .await?;
    for plan in adjustments {
        let from = (plan.approved_on.unwrap_or(today) + Duration::days(3)).min(today);
        post_notice(
            db,
            &coordinator,
            county_notice(
                Subject::PlanAdjustment,
                TargetInput {
                    plan_id: Some(plan.id),
                    ..Default::default()
                },
                county,
                from,
            ),
        )
        .await?;
    }
    if let Some(line) = fund_line::Entity::find()
        .filter(fund_line::Column::CountyCode.eq(county))
        .filter(fund_line::Column::Year.eq(year))
        .order_by_asc(fund_line::Column::Id)
        .one(db)
        .await?
    {
        post_notice(
            db,
            &finance,
            county_notice(
                Subject::FundAllocation,
                TargetInput {
                    fund_line_id: Some(line.id),
                    ..Default::default()
                },
                county,
                today - Duration::days(30),
            ),
        )
        .await?;
    }
    let lists = task_list::Entity::find()
        .filter(task_list::Column::CountyCode.eq(county))
        .filter(task_list::Column::PublishedOn.is_not_null())
        .order_by_asc(task_list::Column::Id)
        .all(db)
        .await?;
    for list in lists
        .iter()
        .filter(|l| l.unit_kind == "LEADER" || l.unit_kind == "DEPARTMENT")
    {
        let from = list.published_on.unwrap_or(today);
        post_notice(
            db,
            &coordinator,
            county_notice(
                Subject::TaskList,
                TargetInput {
                    task_list_id: Some(list.id),
                    ..Default::default()
                },
                county,
                from,
            ),
        )
        .await?;
    }
    Ok(())
}

fn county_notice(subject: Subject, target: TargetInput, county: &str, from: NaiveDate) -> NoticeInput {
    NoticeInput {
        subject,
        target,
        level: Level::County,
        region_code: county.to_string(),
        place: "县人民政府门户网站 · 县政务公开栏".into(),
        start_on: from,
        end_on: from + Duration::days(29),
        title: None,
        body: None,
        hotline: Some("0915-3212317".into()),
        issuer: None,
    }
}
