//! One mutation per action of the lifecycle table, each taking the project and its
//! `expectedVersion`, and the draft's creation and edit.
use super::{BeneficiaryCounts, PerformanceTargetInput, Project};
use crate::domain::category::ProjectCategory;
use crate::domain::fault::Fault;
use crate::domain::lifecycle::ProjectAction;
use crate::domain::project::{AcceptanceGrade, ConstructionNature, PreparationMilestone};
use crate::domain::sector::Sector;
use crate::graphql::context::ContextExt;
use crate::graphql::errors::{UserError, payload};
use crate::graphql::node::decode_numeric;
use crate::graphql::scalars::{Date, Decimal};
use crate::service::projects::{self as svc, ProjectChanges, ProjectInput, TargetInput, TransitionDetails};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

/// What a project mutation did: the project as it now is, or why nothing changed.
#[derive(SimpleObject)]
pub struct ProjectPayload {
    /// The project after the change; null when it was refused.
    pub project: Option<Project>,
    /// Why the change was refused; empty when it was made.
    pub user_errors: Vec<UserError>,
}

/// 新建 — a new project application (a draft), by a township for its own villages. What
/// submitting it needs beyond this (建设内容, the planned dates, the beneficiaries, a
/// performance target) may be added later with `projectUpdate`.
#[derive(InputObject)]
pub struct ProjectCreateInput {
    /// 项目名称; required, at most 200 characters.
    pub name: String,
    /// 行业; with the year it makes the project's code, so neither can change later.
    pub sector: Sector,
    /// 项目类别 — what it builds or buys, which the negative list (负面清单) is written in;
    /// the sector's usual one when left out (EDUCATION: SCHOOL, CLINIC: CLINIC, …).
    pub category: Option<ProjectCategory>,
    /// 年度 — the programme year, 2000–2100.
    pub year: i32,
    /// The villages served, all in your township.
    pub village_codes: Vec<String>,
    /// 建设性质 — new, continued or renovated works.
    pub construction_nature: ConstructionNature,
    /// 建设内容 — what will be built, at most 5000 characters.
    #[graphql(default)]
    pub content: String,
    /// In the sector's unit, at most 3 decimals.
    pub planned_quantity: Decimal,
    /// In yuan, at most 2 decimals.
    pub budget: Decimal,
    /// 受益对象; none when left out.
    pub beneficiaries: Option<BeneficiaryCounts>,
    /// 绩效目标, at most 50.
    #[graphql(default)]
    pub performance_targets: Vec<PerformanceTargetInput>,
    /// 计划开工日期.
    pub planned_start: Option<Date>,
    /// 计划完工日期, not before the planned start.
    pub planned_finish: Option<Date>,
    /// The day the application was drafted (China time, UTC+8); today if omitted, not in
    /// the future. Its later steps may not be dated before it.
    pub date: Option<Date>,
}

/// Changes to a draft: a field left out (or null) keeps its value; a list given replaces
/// the whole list. The sector and year cannot change.
#[derive(InputObject)]
pub struct ProjectUpdateInput {
    /// The draft to change (its global ID).
    pub project: ID,
    /// The `version` you read; if the project has changed since, nothing changes
    /// (`STALE_VERSION`).
    pub expected_version: i32,
    /// 项目名称, at most 200 characters.
    pub name: Option<String>,
    /// 项目类别.
    pub category: Option<ProjectCategory>,
    /// The villages served, all in your township.
    pub village_codes: Option<Vec<String>>,
    /// 建设性质.
    pub construction_nature: Option<ConstructionNature>,
    /// 建设内容, at most 5000 characters.
    pub content: Option<String>,
    /// In the sector's unit, at most 3 decimals.
    pub planned_quantity: Option<Decimal>,
    /// In yuan, at most 2 decimals.
    pub budget: Option<Decimal>,
    /// 受益对象.
    pub beneficiaries: Option<BeneficiaryCounts>,
    /// 绩效目标, at most 50.
    pub performance_targets: Option<Vec<PerformanceTargetInput>>,
    /// 计划开工日期.
    pub planned_start: Option<Date>,
    /// 计划完工日期, not before the planned start.
    pub planned_finish: Option<Date>,
}

fn targets(input: Vec<PerformanceTargetInput>) -> Vec<TargetInput> {
    input
        .into_iter()
        .map(|t| TargetInput {
            indicator: t.indicator,
            unit: t.unit,
            target: t.target.0,
        })
        .collect()
}

/// Inputs of the transitions that need nothing but an optional comment.
#[derive(InputObject)]
#[graphql(name = "ProjectCommentInput")]
pub struct CommentInput {
    /// The project (its global ID).
    pub project: ID,
    /// The `version` you read; if the project has changed since, nothing changes
    /// (`STALE_VERSION`).
    pub expected_version: i32,
    /// A comment kept with the step, at most 2000 characters.
    pub comment: Option<String>,
    /// 发生日期 — the day the step happened (China time, UTC+8); today if omitted. Not in
    /// the future, not before the project's previous step.
    pub date: Option<Date>,
}

/// Inputs of the transitions that need a reason.
#[derive(InputObject)]
#[graphql(name = "ProjectReasonInput")]
pub struct ReasonInput {
    /// The project (its global ID).
    pub project: ID,
    /// The `version` you read; if the project has changed since, nothing changes
    /// (`STALE_VERSION`).
    pub expected_version: i32,
    /// Why; required.
    pub reason: String,
    /// 发生日期 — the day the step happened (China time, UTC+8); today if omitted. Not in
    /// the future, not before the project's previous step.
    pub date: Option<Date>,
}

/// 清单交办 — which department builds the project, and by when it must claim it.
#[derive(InputObject)]
pub struct ProjectAssignInput {
    /// The project (its global ID).
    pub project: ID,
    /// The `version` you read; if the project has changed since, nothing changes
    /// (`STALE_VERSION`).
    pub expected_version: i32,
    /// A department of the project's county that handles its sector.
    pub department: ID,
    /// The date by which the department must claim it; not before the assignment.
    pub deadline: Date,
    /// A comment kept with the step, at most 2000 characters.
    pub comment: Option<String>,
    /// 发生日期 — the day the step happened (China time, UTC+8); today if omitted. Not in
    /// the future, not before the project's previous step.
    pub date: Option<Date>,
}

/// 前期工作 — a preliminary-work milestone and the day it was reached.
#[derive(InputObject)]
pub struct ProjectRecordPreparationInput {
    /// The project (its global ID).
    pub project: ID,
    /// The `version` you read; if the project has changed since, nothing changes
    /// (`STALE_VERSION`).
    pub expected_version: i32,
    /// Which milestone (立项、审批、设计、招标); required.
    pub milestone: PreparationMilestone,
    /// The day it was reached (China time, UTC+8); today if omitted. Not in the future,
    /// not before the project's previous step — unless this corrects an earlier record,
    /// when it may go back to the claim.
    pub date: Option<Date>,
    /// A comment kept with the step, at most 2000 characters.
    pub comment: Option<String>,
    /// Set to correct a milestone already recorded (each is reached once; recording it
    /// again without this is refused, naming the earlier record).
    #[graphql(default)]
    pub correction: bool,
}

/// 开工 — the day construction started.
#[derive(InputObject)]
pub struct ProjectStartConstructionInput {
    /// The project (its global ID).
    pub project: ID,
    /// The `version` you read; if the project has changed since, nothing changes
    /// (`STALE_VERSION`).
    pub expected_version: i32,
    /// 开工日期 (China time, UTC+8); today if omitted. Not in the future, not before the
    /// project's previous step.
    pub date: Option<Date>,
    /// A comment kept with the step, at most 2000 characters.
    pub comment: Option<String>,
}

/// 竣工 — the day construction was completed and the quantity built.
#[derive(InputObject)]
pub struct ProjectCompleteInput {
    /// The project (its global ID).
    pub project: ID,
    /// The `version` you read; if the project has changed since, nothing changes
    /// (`STALE_VERSION`).
    pub expected_version: i32,
    /// 竣工日期 (China time, UTC+8); today if omitted. Not in the future, not before the
    /// project's previous step.
    pub date: Option<Date>,
    /// The quantity built, in the sector's unit.
    pub final_quantity: Decimal,
    /// A comment kept with the step, at most 2000 characters.
    pub comment: Option<String>,
}

/// 验收 — the grade of the accepted work.
#[derive(InputObject)]
pub struct ProjectAcceptInput {
    /// The project (its global ID).
    pub project: ID,
    /// The `version` you read; if the project has changed since, nothing changes
    /// (`STALE_VERSION`).
    pub expected_version: i32,
    /// 验收等次 — QUALIFIED (合格) or EXCELLENT (优质); required.
    pub grade: AcceptanceGrade,
    /// A comment kept with the step, at most 2000 characters.
    pub comment: Option<String>,
    /// 验收日期 (China time, UTC+8); today if omitted. Not in the future, not before
    /// completion. Retention money (质保金) is paid from this day on.
    pub date: Option<Date>,
}

/// 验收不合格 — what the acceptance inspection found; construction resumes.
#[derive(InputObject)]
pub struct ProjectFailAcceptanceInput {
    /// The project (its global ID).
    pub project: ID,
    /// The `version` you read; if the project has changed since, nothing changes
    /// (`STALE_VERSION`).
    pub expected_version: i32,
    /// What the inspection found; required.
    pub findings: String,
    /// 发生日期 — the day the step happened (China time, UTC+8); today if omitted. Not in
    /// the future, not before the project's previous step.
    pub date: Option<Date>,
}

#[derive(Default)]
pub struct ProjectMutation;

/// Runs one lifecycle action and shapes its payload.
async fn act(
    ctx: &Context<'_>,
    project: &ID,
    expected_version: i32,
    action: ProjectAction,
    details: Result<TransitionDetails, Fault>,
) -> async_graphql::Result<ProjectPayload> {
    let actor = ctx.actor()?;
    let db = ctx.db()?;
    let result = async {
        let id = decode_numeric(project, "Project", "project")?;
        svc::transition(db, actor, id, expected_version, action, details?).await
    }
    .await;
    let (project, user_errors) = payload(result)?;
    Ok(ProjectPayload {
        project: project.map(Project),
        user_errors,
    })
}

/// The details of a step that carries only a comment (or reason) and its day.
fn comment_only(comment: Option<String>, date: Option<Date>) -> Result<TransitionDetails, Fault> {
    Ok(TransitionDetails {
        comment,
        date: date.map(|d| d.0),
        ..Default::default()
    })
}

#[Object]
impl ProjectMutation {
    /// 新建 — a township drafts a project (TOWNSHIP).
    async fn project_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The application's fields.")] input: ProjectCreateInput,
    ) -> async_graphql::Result<ProjectPayload> {
        let actor = ctx.actor()?;
        let input = ProjectInput {
            name: input.name,
            sector: input.sector,
            category: input.category,
            year: input.year,
            village_codes: input.village_codes,
            nature: input.construction_nature,
            content: input.content,
            planned_quantity: input.planned_quantity.0,
            budget: input.budget.0,
            beneficiaries: input.beneficiaries.unwrap_or_default().into(),
            performance_targets: targets(input.performance_targets),
            planned_start: input.planned_start.map(|d| d.0),
            planned_finish: input.planned_finish.map(|d| d.0),
            created_on: input.date.map(|d| d.0),
        };
        let (project, user_errors) = payload(svc::create(ctx.db()?, actor, input).await)?;
        Ok(ProjectPayload {
            project: project.map(Project),
            user_errors,
        })
    }

    /// Edits a draft (TOWNSHIP, drafts only).
    async fn project_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The draft, the version you read, and the fields to change.")] input: ProjectUpdateInput,
    ) -> async_graphql::Result<ProjectPayload> {
        let actor = ctx.actor()?;
        let db = ctx.db()?;
        let result = async {
            let id = decode_numeric(&input.project, "Project", "project")?;
            let changes = ProjectChanges {
                name: input.name,
                sector: None,
                category: input.category,
                year: None,
                village_codes: input.village_codes,
                nature: input.construction_nature,
                content: input.content,
                planned_quantity: input.planned_quantity.map(|d| d.0),
                budget: input.budget.map(|d| d.0),
                beneficiaries: input.beneficiaries.map(Into::into),
                performance_targets: input.performance_targets.map(targets),
                planned_start: input.planned_start.map(|d| d.0),
                planned_finish: input.planned_finish.map(|d| d.0),
            };
            svc::update(db, actor, id, input.expected_version, changes).await
        }
        .await;
        let (project, user_errors) = payload(result)?;
        Ok(ProjectPayload {
            project: project.map(Project),
            user_errors,
        })
    }

    /// 镇村申报 — submit a complete application (TOWNSHIP).
    async fn project_submit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The draft, the version you read, and an optional comment.")] input: CommentInput,
    ) -> async_graphql::Result<ProjectPayload> {
        act(
            ctx,
            &input.project,
            input.expected_version,
            ProjectAction::Submit,
            comment_only(input.comment, input.date),
        )
        .await
    }

    /// 退回 — return an application for changes, with a reason (COORDINATOR).
    async fn project_return(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The application, the version you read, and why it goes back.")] input: ReasonInput,
    ) -> async_graphql::Result<ProjectPayload> {
        act(
            ctx,
            &input.project,
            input.expected_version,
            ProjectAction::Return,
            comment_only(Some(input.reason), input.date),
        )
        .await
    }

    /// 否决 — reject an application, with a reason (COORDINATOR).
    async fn project_reject(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The application, the version you read, and why it is rejected.")] input: ReasonInput,
    ) -> async_graphql::Result<ProjectPayload> {
        act(
            ctx,
            &input.project,
            input.expected_version,
            ProjectAction::Reject,
            comment_only(Some(input.reason), input.date),
        )
        .await
    }

    /// 县级统筹 — approve into the annual plan (COORDINATOR).
    async fn project_approve(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The application, the version you read, and an optional comment.")] input: CommentInput,
    ) -> async_graphql::Result<ProjectPayload> {
        act(
            ctx,
            &input.project,
            input.expected_version,
            ProjectAction::Approve,
            comment_only(input.comment, input.date),
        )
        .await
    }

    /// 清单交办 — assign to a department with a deadline (COORDINATOR).
    async fn project_assign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project, the version you read, the department and the claim deadline.")]
        input: ProjectAssignInput,
    ) -> async_graphql::Result<ProjectPayload> {
        let details =
            decode_numeric(&input.department, "Department", "department").map(|department_id| TransitionDetails {
                comment: input.comment,
                department_id: Some(department_id),
                deadline: Some(input.deadline.0),
                date: input.date.map(|d| d.0),
                ..Default::default()
            });
        act(
            ctx,
            &input.project,
            input.expected_version,
            ProjectAction::Assign,
            details,
        )
        .await
    }

    /// 部门认领 — the assigned department claims the task (DEPARTMENT).
    async fn project_claim(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project, the version you read, and an optional comment.")] input: CommentInput,
    ) -> async_graphql::Result<ProjectPayload> {
        act(
            ctx,
            &input.project,
            input.expected_version,
            ProjectAction::Claim,
            comment_only(input.comment, input.date),
        )
        .await
    }

    /// 拒领 — the assigned department declines, with a reason (DEPARTMENT).
    async fn project_decline(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project, the version you read, and why the department declines it.")] input: ReasonInput,
    ) -> async_graphql::Result<ProjectPayload> {
        act(
            ctx,
            &input.project,
            input.expected_version,
            ProjectAction::Decline,
            comment_only(Some(input.reason), input.date),
        )
        .await
    }

    /// 前期工作 — record a preliminary-work milestone and its date (DEPARTMENT).
    async fn project_record_preparation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project, the version you read, the milestone and its day.")]
        input: ProjectRecordPreparationInput,
    ) -> async_graphql::Result<ProjectPayload> {
        let details = TransitionDetails {
            comment: input.comment,
            milestone: Some(input.milestone),
            correction: input.correction,
            date: input.date.map(|d| d.0),
            ..Default::default()
        };
        act(
            ctx,
            &input.project,
            input.expected_version,
            ProjectAction::RecordPreparation,
            Ok(details),
        )
        .await
    }

    /// 开工 — start construction on a date (DEPARTMENT).
    async fn project_start_construction(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project, the version you read, and the day construction started.")]
        input: ProjectStartConstructionInput,
    ) -> async_graphql::Result<ProjectPayload> {
        let details = TransitionDetails {
            comment: input.comment,
            date: input.date.map(|d| d.0),
            ..Default::default()
        };
        act(
            ctx,
            &input.project,
            input.expected_version,
            ProjectAction::StartConstruction,
            Ok(details),
        )
        .await
    }

    /// 竣工 — complete construction with the date and the quantity built (DEPARTMENT).
    async fn project_complete(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project, the version you read, the completion day and the quantity built.")]
        input: ProjectCompleteInput,
    ) -> async_graphql::Result<ProjectPayload> {
        let details = TransitionDetails {
            comment: input.comment,
            date: input.date.map(|d| d.0),
            final_quantity: Some(input.final_quantity.0),
            ..Default::default()
        };
        act(
            ctx,
            &input.project,
            input.expected_version,
            ProjectAction::Complete,
            Ok(details),
        )
        .await
    }

    /// 验收 — accept completed work with a grade (COORDINATOR).
    async fn project_accept(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project, the version you read, and the grade.")] input: ProjectAcceptInput,
    ) -> async_graphql::Result<ProjectPayload> {
        let details = TransitionDetails {
            comment: input.comment,
            grade: Some(input.grade),
            date: input.date.map(|d| d.0),
            ..Default::default()
        };
        act(
            ctx,
            &input.project,
            input.expected_version,
            ProjectAction::Accept,
            Ok(details),
        )
        .await
    }

    /// 验收不合格 — fail acceptance with the findings; construction resumes (COORDINATOR).
    async fn project_fail_acceptance(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project, the version you read, and the inspection's findings.")]
        input: ProjectFailAcceptanceInput,
    ) -> async_graphql::Result<ProjectPayload> {
        act(
            ctx,
            &input.project,
            input.expected_version,
            ProjectAction::FailAcceptance,
            comment_only(Some(input.findings), input.date),
        )
        .await
    }

    /// 取消 — cancel a project that is not final, with a reason (COORDINATOR).
    async fn project_cancel(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project, the version you read, and why it is cancelled.")] input: ReasonInput,
    ) -> async_graphql::Result<ProjectPayload> {
        act(
            ctx,
            &input.project,
            input.expected_version,
            ProjectAction::Cancel,
            comment_only(Some(input.reason), input.date),
        )
        .await
    }
}
