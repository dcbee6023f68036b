//! Projects and their lifecycle: `projects`, `project(code:)`, and one mutation per action
//! of the state machine, each taking the project and its `expectedVersion`.
use super::context::ContextExt;
use super::departments::{Department, department_of};
use super::errors::{OrApiError, internal};
use super::funds::{LedgerEntry, ProjectFundSummary};
use super::list::List;
use super::node::global_id;
use super::object::Plain;
use super::progress::ProgressReport;
use super::regions::Region;
use super::scalars::{Date, DateTime, Decimal};
use crate::domain::access::Actor;
use crate::domain::lifecycle::{self, ProjectAction, ProjectStatus};
use crate::domain::money::Money;
use crate::domain::project::{AcceptanceGrade, Beneficiaries, ConstructionNature, PreparationMilestone};
use crate::domain::quantity::Quantity;
use crate::domain::sector::Sector;
use crate::service::projects as svc;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use entity::{project, project_event};

mod mutations;
mod queries;

pub use mutations::ProjectMutation;
pub use queries::ProjectQuery;

pub struct Project(pub project::Model);

/// 受益对象 — who a project benefits, of whom registered poor (建档立卡).
#[derive(SimpleObject, InputObject, Clone, Copy, Default)]
#[graphql(input_name = "BeneficiariesInput")]
pub struct BeneficiaryCounts {
    /// 受益户数 — households that benefit.
    pub households: i32,
    /// 受益人口 — people who benefit; at least as many as the households.
    pub people: i32,
    /// Of the households, the registered poor ones (建档立卡贫困户).
    pub poor_households: i32,
    /// Of the people, the registered poor (建档立卡贫困人口).
    pub poor_people: i32,
}

impl From<BeneficiaryCounts> for Beneficiaries {
    fn from(b: BeneficiaryCounts) -> Self {
        Beneficiaries {
            households: b.households,
            people: b.people,
            poor_households: b.poor_households,
            poor_people: b.poor_people,
        }
    }
}

/// 绩效目标 — a performance target.
#[derive(SimpleObject, Clone)]
pub struct PerformanceTarget {
    /// 指标 — what is measured.
    pub indicator: String,
    /// 单位 — the indicator's unit; empty if it has none.
    pub unit: String,
    /// 指标值 — the value to reach, in the indicator's unit.
    pub target: Decimal,
}

/// 绩效目标 — a performance target as entered.
#[derive(InputObject, Clone)]
pub struct PerformanceTargetInput {
    /// 指标 — what is measured; required, at most 200 characters.
    pub indicator: String,
    /// 单位 — the indicator's unit, if it has one.
    #[graphql(default)]
    pub unit: String,
    /// 指标值 — the value to reach, in the indicator's unit.
    pub target: Decimal,
}

fn date(value: Option<chrono::NaiveDate>) -> Option<Date> {
    value.map(Date)
}

/// 扶贫项目 — a poverty-alleviation construction project. A township's users see their
/// township's projects, a department's those assigned to it, everyone else those in
/// their area.
#[Object]
impl Project {
    /// The project's opaque global ID, for `node(id:)` and the mutations' `project`.
    pub async fn id(&self) -> ID {
        global_id("Project", self.0.id)
    }
    /// County-unique code, e.g. `2025-ROAD-0042`.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// 项目名称 — the project's name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// 行业 — the kind of construction, which fixes the unit of its quantities.
    async fn sector(&self) -> async_graphql::Result<Sector> {
        svc::sector_of(&self.0).api()
    }
    /// 质保金 — what the project holds back until its guarantee period after acceptance has
    /// run, paid, owed, when it falls due and whether it is overdue (as of today).
    async fn retention(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<super::retention::ProjectRetention>> {
        Ok(ctx
            .loaders()?
            .project_retention
            .load_one(&self.0.id)
            .await?
            .map(|retention| super::retention::ProjectRetention {
                project_id: self.0.id,
                retention,
            }))
    }
    /// 项目类别 — what it builds or buys, which the negative list (负面清单) is written in.
    async fn category(&self) -> async_graphql::Result<crate::domain::category::ProjectCategory> {
        svc::category_of(&self.0).api()
    }
    /// The unit quantities are measured in (公里, 处, 个, 户).
    async fn unit(&self) -> async_graphql::Result<&'static str> {
        Ok(svc::sector_of(&self.0).api()?.unit())
    }
    /// 年度 — the programme year the project belongs to.
    async fn year(&self) -> i32 {
        self.0.year
    }
    /// 项目状态 — where the project stands in its lifecycle.
    async fn status(&self) -> async_graphql::Result<ProjectStatus> {
        svc::status_of(&self.0).api()
    }
    /// Increases with every change; send it back as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The actions you may take now, by the lifecycle table.
    async fn allowed_actions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ProjectAction>> {
        let actor: &Actor = ctx.actor()?;
        let status = svc::status_of(&self.0).api()?;
        Ok(lifecycle::allowed_from(status)
            .filter(|t| lifecycle::check(actor, status, t.action, self.0.department_id).is_ok())
            .map(|t| t.action)
            .collect())
    }
    /// The county (县) the project belongs to.
    async fn county(&self, ctx: &Context<'_>) -> async_graphql::Result<Plain<Region>> {
        region(ctx, &self.0.county_code).await.map(Plain)
    }
    /// The township (乡镇) that drafted the project, where its villages are.
    async fn township(&self, ctx: &Context<'_>) -> async_graphql::Result<Plain<Region>> {
        region(ctx, &self.0.township_code).await.map(Plain)
    }
    /// The villages the project serves.
    async fn villages(&self, ctx: &Context<'_>) -> async_graphql::Result<List<Region>> {
        let loaders = ctx.loaders()?;
        let codes = loaders.project_villages.take_one(self.0.id).await?.unwrap_or_default();
        let villages = loaders.regions.load_each(&codes).await?;
        Ok(villages.into_iter().flatten().map(Region).collect())
    }
    /// 建设性质
    async fn construction_nature(&self) -> async_graphql::Result<ConstructionNature> {
        ConstructionNature::parse(&self.0.construction_nature).ok_or_else(|| internal("unknown construction nature"))
    }
    /// 建设内容
    async fn content(&self) -> &str {
        &self.0.content
    }
    /// Planned quantity in the sector's unit.
    async fn planned_quantity(&self) -> Decimal {
        Decimal(Quantity::from_milli(self.0.planned_quantity_milli).to_decimal())
    }
    /// Budget in yuan.
    async fn budget(&self) -> Decimal {
        Decimal(Money::from_fen(self.0.budget_fen).to_yuan())
    }
    /// 受益对象 — the households and people the project benefits.
    async fn beneficiaries(&self) -> BeneficiaryCounts {
        BeneficiaryCounts {
            households: self.0.beneficiary_households,
            people: self.0.beneficiary_people,
            poor_households: self.0.poor_households,
            poor_people: self.0.poor_people,
        }
    }
    /// 绩效目标 — the project's performance targets, in the order entered.
    async fn performance_targets(&self) -> Vec<PerformanceTarget> {
        svc::targets_of(&self.0)
            .into_iter()
            .map(|t| PerformanceTarget {
                indicator: t.indicator,
                unit: t.unit,
                target: Decimal(t.target.parse().unwrap_or_default()),
            })
            .collect()
    }
    /// 责任部门 — the responsible department, once assigned; null again after it declines.
    async fn department(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Plain<Department>>> {
        department_of(ctx, self.0.department_id).await
    }
    /// The deadline the department has to claim the project by; null before assignment
    /// and after a decline.
    async fn claim_deadline(&self) -> Option<Date> {
        date(self.0.claim_deadline)
    }
    /// 计划开工日期 — the planned start.
    async fn planned_start(&self) -> Option<Date> {
        date(self.0.planned_start)
    }
    /// 计划完工日期 — the planned finish.
    async fn planned_finish(&self) -> Option<Date> {
        date(self.0.planned_finish)
    }
    /// 开工日期 — the day construction started, as the department recorded it.
    async fn actual_start(&self) -> Option<Date> {
        date(self.0.actual_start)
    }
    /// 竣工日期 — the day construction was completed; cleared when acceptance fails.
    async fn actual_finish(&self) -> Option<Date> {
        date(self.0.actual_finish)
    }
    /// The quantity built, in the sector's unit, recorded at completion; cleared when
    /// acceptance fails.
    async fn final_quantity(&self) -> Option<Decimal> {
        self.0
            .final_quantity_milli
            .map(|q| Decimal(Quantity::from_milli(q).to_decimal()))
    }
    /// 验收等次 — the grade given at acceptance; null until accepted.
    async fn acceptance_grade(&self) -> Option<AcceptanceGrade> {
        self.0.acceptance_grade.as_deref().and_then(AcceptanceGrade::parse)
    }
    /// 公告公示 — the project's notices you see, newest first.
    async fn disclosures(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::graphql::disclosure::Disclosure>> {
        let actor = ctx.actor()?;
        let rows = ctx
            .loaders()?
            .project_disclosures
            .load_one(&self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows
            .into_iter()
            .filter(|r| crate::service::disclosure::sees(actor, r))
            .map(crate::graphql::disclosure::Disclosure)
            .collect())
    }
    /// 逾期预警 — what is late about the project today (China time): unclaimed past its
    /// claim deadline, not started or finished by the planned day, no progress report for
    /// 30 days — the project kinds of `alerts`, with the same definitions.
    async fn overdue(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<crate::graphql::alerts::Overdue>> {
        use crate::domain::alerts::{NO_PROGRESS_DAYS, ProjectDates, project_alerts};
        let status = crate::service::projects::status_of(&self.0).map_err(crate::graphql::errors::from_service)?;
        let last_report = if status == crate::domain::lifecycle::ProjectStatus::UnderConstruction {
            ctx.loaders()?
                .project_latest_progress
                .load_one(&self.0.id)
                .await?
                .flatten()
                .map(|r| r.reported_on)
        } else {
            None
        };
        let dates = ProjectDates {
            status,
            claim_deadline: self.0.claim_deadline,
            planned_start: self.0.planned_start,
            planned_finish: self.0.planned_finish,
            last_progress: self.0.actual_start.max(last_report),
        };
        Ok(
            project_alerts(&dates, NO_PROGRESS_DAYS, crate::domain::calendar::today())
                .into_iter()
                .map(crate::graphql::alerts::Overdue::of)
                .collect(),
        )
    }
    /// Every step of the lifecycle, progress reports included, oldest first.
    async fn events(&self, ctx: &Context<'_>) -> async_graphql::Result<List<ProjectEvent>> {
        Ok(ctx
            .loaders()?
            .project_events
            .take_one(self.0.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(ProjectEvent)
            .collect())
    }
    /// 资金安排 — the allocations to this project, reversals included, oldest first.
    async fn allocations(&self, ctx: &Context<'_>) -> async_graphql::Result<List<LedgerEntry>> {
        Ok(ctx
            .loaders()?
            .project_allocations
            .take_one(self.0.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(LedgerEntry)
            .collect())
    }
    /// 资金拨付 — the disbursements to this project, reversals included, oldest first.
    async fn disbursements(&self, ctx: &Context<'_>) -> async_graphql::Result<List<LedgerEntry>> {
        Ok(ctx
            .loaders()?
            .project_disbursements
            .take_one(self.0.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(LedgerEntry)
            .collect())
    }
    /// 进度 — every progress report, the most recently recorded first.
    async fn progress_reports(&self, ctx: &Context<'_>) -> async_graphql::Result<List<ProgressReport>> {
        Ok(ctx
            .loaders()?
            .project_progress
            .take_one(self.0.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(ProgressReport)
            .collect())
    }
    /// The project's current progress: its most recently recorded report, if any.
    async fn latest_progress(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Plain<ProgressReport>>> {
        Ok(ctx
            .loaders()?
            .project_latest_progress
            .load_one(&self.0.id)
            .await?
            .flatten()
            .map(|report| Plain(ProgressReport(report))))
    }
    /// The project's money: allocated and disbursed, in all and per fund kind.
    async fn fund_summary(&self) -> Plain<ProjectFundSummary> {
        Plain(ProjectFundSummary {
            project_id: self.0.id,
            allocated: Money::from_fen(self.0.allocated_fen),
            disbursed: Money::from_fen(self.0.disbursed_fen),
        })
    }
    /// When the township drafted the project.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    /// When the project last changed (each change also raises `version`).
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
}

async fn region(ctx: &Context<'_>, code: &str) -> async_graphql::Result<Region> {
    ctx.loaders()?
        .regions
        .load_one(code)
        .await?
        .map(Region)
        .ok_or_else(|| internal(format!("region {code} is missing")))
}

pub struct ProjectEvent(pub project_event::Model);

/// 项目动态 — one step of a project's lifecycle, as recorded.
#[Object]
impl ProjectEvent {
    /// 操作 — the step taken.
    async fn action(&self) -> async_graphql::Result<ProjectAction> {
        ProjectAction::parse(&self.0.action).ok_or_else(|| internal("unknown action"))
    }
    /// Null for the creation.
    async fn from_status(&self) -> Option<ProjectStatus> {
        self.0.from_status.as_deref().and_then(ProjectStatus::parse)
    }
    /// The status after the step.
    async fn to_status(&self) -> async_graphql::Result<ProjectStatus> {
        ProjectStatus::parse(&self.0.to_status).ok_or_else(|| internal("unknown status"))
    }
    /// The username of who took the step.
    async fn actor_username(&self) -> &str {
        &self.0.actor_username
    }
    /// The role they took it in, e.g. `COORDINATOR`.
    async fn actor_role(&self) -> &str {
        &self.0.actor_role
    }
    /// When the step was recorded (it may have happened days before: `happenedOn`).
    async fn occurred_at(&self) -> DateTime {
        DateTime(self.0.occurred_at)
    }
    /// 发生日期 — the day the step happened (China time, UTC+8): what every "as of" figure
    /// reads. Steps of one day count in the order they were recorded.
    async fn happened_on(&self) -> Date {
        Date(self.0.happened_on)
    }
    /// The comment, reason or findings given (a progress report's note).
    async fn comment(&self) -> Option<&str> {
        self.0.comment.as_deref()
    }
    /// The date the step names: a milestone's, construction start, a progress report's,
    /// completion, or for an assignment the claim deadline.
    async fn date(&self) -> Option<Date> {
        date(self.0.event_date)
    }
    /// 前期工作节点 — for RECORD_PREPARATION, the milestone reached.
    async fn milestone(&self) -> Option<PreparationMilestone> {
        self.0.milestone.as_deref().and_then(PreparationMilestone::parse)
    }
    /// 验收等次 — for ACCEPT, the grade given.
    async fn grade(&self) -> Option<AcceptanceGrade> {
        self.0.grade.as_deref().and_then(AcceptanceGrade::parse)
    }
    /// For ASSIGN, the department assigned.
    async fn department(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Plain<Department>>> {
        department_of(ctx, self.0.department_id).await
    }
    /// In the sector's unit: for COMPLETE the quantity built, for REPORT_PROGRESS the
    /// cumulative quantity reported.
    async fn quantity(&self) -> Option<Decimal> {
        self.0
            .quantity_milli
            .map(|q| Decimal(Quantity::from_milli(q).to_decimal()))
    }
}

/// The projects with `ids` that the caller may see, in order, through the request's project
/// loader: for references that other objects hold to projects (a problem's concerns, a list
/// item, a gap's linked projects), which may name projects outside the caller's scope.
pub async fn visible_projects(ctx: &Context<'_>, ids: &[i64]) -> async_graphql::Result<Vec<Project>> {
    let actor = ctx.actor()?;
    let mut out = Vec::with_capacity(ids.len());
    for project in ctx.loaders()?.projects.load_each(ids).await?.into_iter().flatten() {
        if crate::service::projects::seen_by(actor, &project).map_err(crate::graphql::errors::from_service)? {
            out.push(Project(project));
        }
    }
    Ok(out)
}
