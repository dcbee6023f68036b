//! Projects and their lifecycle: `projects`, `project(code:)`, and one mutation per action
//! of the state machine, each taking the project and its `expectedVersion`.
use super::context::ContextExt;
use super::departments::{Department, department_of};
use super::errors::{OrApiError, UserError, internal, payload};
use super::funds::{LedgerEntry, ProjectFundSummary};
use super::list::List;
use super::node::{decode_numeric, global_id};
use super::object::Plain;
use super::pagination::{ConnectionOf, connection, cost, page_request};
use super::progress::ProgressReport;
use super::regions::Region;
use super::scalars::{Date, DateTime, Decimal};
use crate::domain::access::Actor;
use crate::domain::fault::Fault;
use crate::domain::lifecycle::{self, ProjectAction, ProjectStatus};
use crate::domain::money::Money;
use crate::domain::project::{AcceptanceGrade, Beneficiaries, ConstructionNature, PreparationMilestone};
use crate::domain::quantity::Quantity;
use crate::domain::sector::Sector;
use crate::maps::{FastSet, distinct};
use crate::service::projects::{
    self as svc, ProjectChanges, ProjectFilter as SvcFilter, ProjectInput, ProjectOrder as SvcOrder,
    ProjectOrderField as SvcField, TargetInput, TransitionDetails,
};
use async_graphql::{Context, Enum, ID, InputObject, Lookahead, Object, SimpleObject};
use entity::{project, project_event};

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

/// Which projects to list, of those you can see; every condition given must hold.
#[derive(InputObject, Default)]
pub struct ProjectFilter {
    /// Only projects of this programme year.
    pub year: Option<i32>,
    /// Only projects of this sector.
    pub sector: Option<Sector>,
    /// Any of these statuses.
    pub statuses: Option<Vec<ProjectStatus>>,
    /// Only projects of this township (its 12-digit code).
    pub township_code: Option<String>,
    /// Only projects in this region's subtree (a county, a township…).
    pub region_code: Option<String>,
    /// Only projects that serve this village (its 12-digit code).
    pub village_code: Option<String>,
    /// Only projects assigned to this department (its global ID).
    pub department: Option<ID>,
    /// Only projects that serve (true) or do not serve (false) a poverty village.
    pub poverty_village: Option<bool>,
    /// Text in the name or the code.
    pub text: Option<String>,
}

/// What a list of projects is sorted by; projects that tie keep the order they were
/// created in (reversed when descending).
#[derive(Enum, Copy, Clone, PartialEq, Eq, Default)]
pub enum ProjectOrderField {
    /// 项目编号 — by code, as text.
    #[default]
    Code,
    /// 项目名称 — by name, as text.
    Name,
    /// 年度 — by programme year.
    Year,
    /// 项目状态 — in lifecycle order: DRAFT, SUBMITTED, REJECTED, APPROVED … ACCEPTED, CANCELLED.
    Status,
    /// 计划开工日期 — by planned start; projects without one sort together at one end.
    PlannedStart,
    /// By when the project last changed.
    UpdatedAt,
}

/// Which way a list is sorted.
#[derive(Enum, Copy, Clone, PartialEq, Eq, Default)]
pub enum OrderDirection {
    /// 升序 — smallest, earliest or A first.
    #[default]
    Asc,
    /// 降序 — largest, latest or Z first.
    Desc,
}

/// How to sort a list of projects.
#[derive(InputObject, Default)]
pub struct ProjectOrder {
    /// What to sort by.
    pub field: ProjectOrderField,
    /// Which way; ascending when left out.
    #[graphql(default)]
    pub direction: OrderDirection,
}

#[derive(Default)]
pub struct ProjectQuery;

#[Object]
impl ProjectQuery {
    /// The projects you can see: a township its own, a department those assigned to it,
    /// everyone else those in their area.
    #[graphql(complexity = "cost(first, child_complexity)")]
    async fn projects(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1–100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Where to continue: the previous page's `pageInfo.endCursor`.")] after: Option<String>,
        #[graphql(desc = "Which projects; all you can see when left out.")] filter: Option<ProjectFilter>,
        #[graphql(desc = "How to sort them; by code, ascending, when left out.")] order_by: Option<ProjectOrder>,
    ) -> async_graphql::Result<ConnectionOf<Project>> {
        let actor = ctx.actor()?;
        let mut page = page_request::<u64>(first, after.clone())?;
        page.count_total = ctx.look_ahead().field("totalCount").exists();
        let f = filter.unwrap_or_default();
        let department_id = match &f.department {
            Some(id) => {
                Some(decode_numeric(id, "Department", "department").map_err(|f| super::errors::bad_input(f.message))?)
            }
            None => None,
        };
        let filter = SvcFilter {
            year: f.year,
            sector: f.sector,
            statuses: f.statuses.unwrap_or_default(),
            township_code: f.township_code,
            region_code: f.region_code,
            village_code: f.village_code,
            department_id,
            poverty_village: f.poverty_village,
            text: f.text,
        };
        let o = order_by.unwrap_or_default();
        let order = SvcOrder {
            field: match o.field {
                ProjectOrderField::Code => SvcField::Code,
                ProjectOrderField::Name => SvcField::Name,
                ProjectOrderField::Year => SvcField::Year,
                ProjectOrderField::Status => SvcField::Status,
                ProjectOrderField::PlannedStart => SvcField::PlannedStart,
                ProjectOrderField::UpdatedAt => SvcField::UpdatedAt,
            },
            descending: o.direction == OrderDirection::Desc,
        };
        let start = page.after.unwrap_or(0);
        let rows = svc::list(ctx.db()?, actor, &filter, order, &page).await.api()?;
        let look = ctx.look_ahead();
        prime(
            ctx,
            &rows.items,
            &[look.field("nodes"), look.field("edges").field("node")],
        )
        .await?;
        // Cursors are positions in the ordered list.
        let mut position = start;
        Ok(connection(
            rows,
            after.is_some(),
            |_| {
                position += 1;
                position.to_string()
            },
            Project,
        ))
    }

    /// One project by its county-unique code; `countyCode` is needed only when you can
    /// see several counties with the same code. Null when there is none you can see.
    async fn project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project's code, e.g. `2025-ROAD-0042`.")] code: String,
        #[graphql(desc = "The 12-digit code of the project's county.")] county_code: Option<String>,
    ) -> async_graphql::Result<Option<Project>> {
        let actor = ctx.actor()?;
        let found = svc::find_by_code(ctx.db()?, actor, &code, county_code.as_deref())
            .await
            .api()?;
        if let Some(row) = &found {
            prime(ctx, std::slice::from_ref(row), &[ctx.look_ahead()]).await?;
        }
        Ok(found.map(Project))
    }
}

/// Loads at once, for a page of projects (or one), the references the fields selected on
/// them (`selections`) will ask for: one query per kind of reference, whatever the page
/// size, issued here rather than after the batching window of each nested field.
async fn prime(ctx: &Context<'_>, rows: &[project::Model], selections: &[Lookahead<'_>]) -> async_graphql::Result<()> {
    let wants = |field: &str| selections.iter().any(|n| n.field(field).exists());
    let loaders = ctx.loaders()?;
    let ids: Vec<i64> = rows.iter().map(|p| p.id).collect();
    // Each region once (a page's projects share a handful of townships), cloned once.
    let mut regions: FastSet<String> = FastSet::default();
    let mut add_region = |code: &String| {
        if !regions.contains(code) {
            regions.insert(code.clone());
        }
    };
    let mut departments: Vec<i64> = Vec::new();
    if wants("villages") {
        loaders.project_villages.prime(&ids).await?;
        loaders
            .project_villages
            .with_primed(|villages| villages.values().flatten().for_each(&mut add_region));
        // A village's parent is the project's township.
        rows.iter().for_each(|p| add_region(&p.township_code));
    }
    if wants("township") {
        rows.iter().for_each(|p| add_region(&p.township_code));
    }
    if wants("county") || wants("department") {
        rows.iter().for_each(|p| add_region(&p.county_code));
    }
    if wants("department") {
        departments.extend(rows.iter().filter_map(|p| p.department_id));
    }
    if wants("events") {
        loaders.project_events.prime(&ids).await?;
        loaders
            .project_events
            .with_primed(|events| departments.extend(events.values().flatten().filter_map(|e| e.department_id)));
    }
    let regions: Vec<String> = regions.into_iter().collect();
    loaders.regions.prime(&regions).await?;
    if wants("progressReports") {
        loaders.project_progress.prime(&ids).await?;
    }
    if wants("latestProgress") {
        loaders.project_latest_progress.prime(&ids).await?;
    }
    if selections
        .iter()
        .any(|n| n.field("fundSummary").field("byKind").exists())
    {
        loaders.project_amounts_by_kind.prime(&ids).await?;
    }
    let mut lines: Vec<i64> = Vec::new();
    if wants("allocations") {
        loaders.project_allocations.prime(&ids).await?;
        loaders
            .project_allocations
            .with_primed(|entries| lines.extend(entries.values().flatten().map(|e| e.fund_line_id)));
    }
    if wants("disbursements") {
        loaders.project_disbursements.prime(&ids).await?;
        loaders
            .project_disbursements
            .with_primed(|entries| lines.extend(entries.values().flatten().map(|e| e.fund_line_id)));
    }
    // An entry's fund line is read only when the entry's `fundLine` is selected.
    if selections.iter().any(|n| {
        n.field("allocations").field("fundLine").exists() || n.field("disbursements").field("fundLine").exists()
    }) {
        loaders.fund_lines.prime(&distinct(lines)).await?;
    }
    loaders.departments.prime(&distinct(departments)).await?;
    Ok(())
}

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
