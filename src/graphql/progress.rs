//! Construction progress and the work report: `progressReportCreate`,
//! `constructionProgress`, `progressReport`.
use super::context::ContextExt;
use super::departments::{Department, department_of};
use super::errors::{OrApiError, UserError, payload};
use super::list::List;
use super::node::{decode_numeric, global_id};
use super::object::Plain;
use super::projects::Project;
use super::regions::Region;
use super::scalars::{Date, DateTime, Decimal};
use super::utilization::money_row;
use crate::domain::metrics::ConstructionFigures;
use crate::domain::money::Money;
use crate::domain::quantity::Quantity;
use crate::domain::sector::Sector;
use crate::service::construction::{self as svc, ProgressDimension};
use crate::service::progress::{self as progress_svc, ProgressInput};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use entity::progress_report;

pub struct ProgressReport(pub progress_report::Model);

/// 进度填报 — one progress report: cumulative quantity and investment on a date.
#[Object]
impl ProgressReport {
    /// The report's opaque global ID; `node(id:)` fetches it.
    pub async fn id(&self) -> ID {
        global_id("ProgressReport", self.0.id)
    }
    /// Cumulative quantity completed, in the sector's unit.
    async fn completed_quantity(&self) -> Decimal {
        Decimal(Quantity::from_milli(self.0.completed_quantity_milli).to_decimal())
    }
    /// Cumulative amount invested, in yuan.
    async fn invested_amount(&self) -> Decimal {
        Decimal(Money::from_fen(self.0.invested_fen).to_yuan())
    }
    /// The day the figures stand at.
    async fn reported_on(&self) -> Date {
        Date(self.0.reported_on)
    }
    /// The department's note.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// Whether it corrects the record: sent with `correction: true` (as a cumulative
    /// quantity below the latest report's must be), or dated before the latest report.
    async fn is_correction(&self) -> bool {
        self.0.is_correction
    }
    /// The project version the report was based on.
    async fn based_on_version(&self) -> i32 {
        self.0.based_on_version
    }
    /// The username of who reported it.
    async fn reported_by(&self) -> &str {
        &self.0.reported_by
    }
    /// When it was recorded.
    async fn recorded_at(&self) -> DateTime {
        DateTime(self.0.recorded_at)
    }
}

/// 进度填报 — a project's cumulative figures on a day, while it is under construction.
#[derive(InputObject)]
pub struct ProgressReportCreateInput {
    /// The project (its global ID).
    pub project: ID,
    /// The `version` you read; if the project has changed since, nothing changes
    /// (`STALE_VERSION`).
    pub expected_version: i32,
    /// Cumulative quantity completed, in the sector's unit (at most 3 decimals).
    pub completed_quantity: Decimal,
    /// Cumulative amount invested, in yuan.
    pub invested_amount: Decimal,
    /// Not in the future, not before construction started.
    pub reported_on: Date,
    /// A note, at most 2000 characters.
    pub note: Option<String>,
    /// Set to report a cumulative quantity below the latest report's (a report dated
    /// before the latest is a correction anyway).
    #[graphql(default)]
    pub correction: bool,
    /// Set to report more than the project's planned quantity; refused without it, and
    /// without the reason in `note`.
    #[graphql(default)]
    pub confirm_above_plan: bool,
}

/// What `progressReportCreate` did: the report and the project at its new version, or why
/// nothing changed.
#[derive(SimpleObject)]
pub struct ProgressReportCreatePayload {
    /// The report recorded; null when it was refused.
    pub progress_report: Option<ProgressReport>,
    /// The project at its new version.
    pub project: Option<Project>,
    /// Why it was refused; empty when the report was recorded.
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct ProgressMutation;

#[Object]
impl ProgressMutation {
    /// 进度填报 — the department building a project reports its progress (DEPARTMENT).
    async fn progress_report_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project, the version you read, and the cumulative figures on a day.")]
        input: ProgressReportCreateInput,
    ) -> async_graphql::Result<ProgressReportCreatePayload> {
        let actor = ctx.actor()?;
        let db = ctx.db()?;
        let result = async {
            let input = ProgressInput {
                project_id: decode_numeric(&input.project, "Project", "project")?,
                expected_version: input.expected_version,
                completed_quantity: input.completed_quantity.0,
                invested_amount: input.invested_amount.0,
                reported_on: input.reported_on.0,
                note: input.note,
                correction: input.correction,
                confirm_above_plan: input.confirm_above_plan,
            };
            progress_svc::create(db, actor, input).await
        }
        .await;
        let (created, user_errors) = payload(result)?;
        let (report, project) = match created {
            Some((report, project)) => (Some(ProgressReport(report)), Some(Project(project))),
            None => (None, None),
        };
        Ok(ProgressReportCreatePayload {
            progress_report: report,
            project,
            user_errors,
        })
    }
}

pub struct ConstructionProgressRow {
    key: svc::ProgressKey,
    figures: ConstructionFigures,
    counties_without_target: Vec<String>,
}

fn quantity(q: Quantity) -> Decimal {
    Decimal(q.to_decimal())
}

/// 建设进度 — one group of the construction figures: its keys (the dimensions asked for;
/// the others null) and its figures. Rates are percentages with 2 decimals, null when
/// their denominator is 0.
#[Object]
impl ConstructionProgressRow {
    /// 行业 — the group's sector; null only in the work report's `programme`.
    async fn sector(&self) -> Option<Sector> {
        self.key.sector
    }
    /// The sector's unit: 公里, 处, 个 or 户.
    async fn unit(&self) -> Option<&'static str> {
        self.key.sector.map(Sector::unit)
    }
    /// 乡镇 — with TOWNSHIP, the group's township.
    async fn township(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Region>> {
        match &self.key.township {
            None => Ok(None),
            Some(code) => Ok(ctx.loaders()?.regions.load_one(code).await?.map(Region)),
        }
    }
    /// 责任部门 — with DEPARTMENT, the department the group's projects are assigned to now
    /// (null for those not assigned).
    async fn department(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Plain<Department>>> {
        department_of(ctx, self.key.department_id).await
    }
    /// With MONTH: the figures as they stood at the end of this month.
    async fn month(&self) -> Option<u32> {
        self.key.month
    }
    /// 计划建设 — the sector's target in the annual plans in force (the latest approved by
    /// the day), summed over the region's counties, in the sector's unit. Null when grouped
    /// by township or department, for a region below a county, or where no plan in force
    /// sets one.
    async fn target_quantity(&self) -> Option<Decimal> {
        self.figures.target_quantity.map(quantity)
    }
    /// The counties with projects of this sector in the programme whose plan in force sets
    /// no target for it. While any is listed, `targetQuantity`, `targetProjectCount` and
    /// `quantityRate` are null: a region's target is the sum of all its counties' targets
    /// or none.
    async fn counties_without_target(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Region>> {
        let regions = ctx.loaders()?.regions.load_each(&self.counties_without_target).await?;
        Ok(regions.into_iter().flatten().map(Region).collect())
    }
    /// The annual plans' target number of projects, summed and null as `targetQuantity` is.
    async fn target_project_count(&self) -> Option<i32> {
        self.figures.target_project_count
    }
    /// 完工 — what is built, in the sector's unit. For a length (公里): Σ each project's
    /// quantity, the one recorded at completion once it is completed, else its latest
    /// progress report dated by then. For whole units (处, 个, 户): Σ the final quantities of
    /// completed or accepted projects only.
    async fn completed_quantity(&self) -> Decimal {
        quantity(self.figures.completed_quantity)
    }
    /// 完成率 — completedQuantity / targetQuantity × 100.
    async fn quantity_rate(&self) -> Option<Decimal> {
        self.figures.quantity_rate().map(Decimal)
    }
    /// 规划实施扶贫项目 — approved or later, not cancelled or rejected.
    async fn project_count(&self) -> i64 {
        self.figures.project_count
    }
    /// 开工 — under construction, completed or accepted.
    async fn started_count(&self) -> i64 {
        self.figures.started_count
    }
    /// 开工率 — startedCount / projectCount × 100.
    async fn start_rate(&self) -> Option<Decimal> {
        self.figures.start_rate().map(Decimal)
    }
    /// 竣工 — completed or accepted.
    async fn completed_count(&self) -> i64 {
        self.figures.completed_count
    }
    /// 竣工率 — completedCount / projectCount × 100.
    async fn completion_rate(&self) -> Option<Decimal> {
        self.figures.completion_rate().map(Decimal)
    }
}

pub struct WorkReport(svc::WorkReport);

/// 工作报告 — the figures of the county work report's project paragraph, and the paragraph.
#[Object]
impl WorkReport {
    /// The day the figures stand at the end of.
    async fn as_of(&self) -> Date {
        Date(self.0.as_of)
    }
    /// 整合涉农资金 — the money figures of the INTEGRATED_AGRICULTURAL fund lines.
    async fn integrated_funds(&self) -> super::utilization::FundUtilizationRow {
        money_row(self.0.figures.integrated)
    }
    /// 县本级配套资金 — the money figures of the COUNTY_MATCHING fund lines.
    async fn county_matching_funds(&self) -> super::utilization::FundUtilizationRow {
        money_row(self.0.figures.county_matching)
    }
    /// 政策性金融贷款 — the money figures of the POLICY_LOAN fund lines.
    async fn policy_loans(&self) -> super::utilization::FundUtilizationRow {
        money_row(self.0.figures.policy_loan)
    }
    /// All sectors together: project count, started and completed, and their rates
    /// (quantities in different units are not added: `completedQuantity` is 0).
    async fn programme(&self) -> ConstructionProgressRow {
        ConstructionProgressRow {
            key: svc::ProgressKey::default(),
            figures: self.0.figures.programme,
            counties_without_target: Vec::new(),
        }
    }
    /// Every sector, planned or not, in a fixed order.
    async fn sectors(&self) -> Vec<ConstructionProgressRow> {
        self.0
            .figures
            .sectors
            .iter()
            .map(|(sector, figures)| ConstructionProgressRow {
                key: svc::ProgressKey {
                    sector: Some(*sector),
                    ..Default::default()
                },
                figures: *figures,
                counties_without_target: self.0.counties_without_target.get(sector).cloned().unwrap_or_default(),
            })
            .collect()
    }
    /// The paragraph, written from these figures in the report's own style: money in place
    /// in 万元 with 2 decimals; a clause whose figure cannot be computed (a rate without a
    /// plan, a target no plan sets) left out; "截止M月底" on a month's last day and
    /// "截止M月D日" on any other.
    async fn narrative(&self) -> &str {
        &self.0.narrative
    }
}

#[derive(Default)]
pub struct ProgressQuery;

#[Object]
impl ProgressQuery {
    /// 建设进度 — construction figures per sector (and optionally township, department or
    /// month) for a region and year, as they stood at the end of `asOf` (default today):
    /// each project in the status last recorded by then. A city or province sums its
    /// counties. A sector with neither projects in the programme nor a target has no row;
    /// rows are ordered by sector (in this schema's order), township code, department and
    /// month.
    async fn construction_progress(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "年度 — the projects' programme year.")] year: i32,
        #[graphql(desc = "The 12-digit code of a region in your area.")] region_code: String,
        #[graphql(desc = "Splits besides the sector; none when left out.")] group_by: Option<Vec<ProgressDimension>>,
        #[graphql(desc = "The day whose end the figures show; today (UTC+8) when left out.")] as_of: Option<Date>,
    ) -> async_graphql::Result<List<ConstructionProgressRow>> {
        let actor = ctx.actor()?;
        let group_by = group_by.unwrap_or_default();
        let rows = svc::construction_progress(ctx.db()?, actor, year, &region_code, &group_by, as_of.map(|d| d.0))
            .await
            .api()?;
        Ok(rows
            .into_iter()
            .map(|r| ConstructionProgressRow {
                key: r.key,
                figures: r.figures,
                counties_without_target: r.counties_without_target,
            })
            .collect())
    }

    /// The county work report's project paragraph for a region and year, with its figures,
    /// as they stood at the end of `asOf` (default today).
    async fn progress_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "年度 — the programme year.")] year: i32,
        #[graphql(desc = "The 12-digit code of a region in your area.")] region_code: String,
        #[graphql(desc = "The day whose end the figures show; today (UTC+8) when left out.")] as_of: Option<Date>,
    ) -> async_graphql::Result<WorkReport> {
        let actor = ctx.actor()?;
        Ok(WorkReport(
            svc::work_report(ctx.db()?, actor, year, &region_code, as_of.map(|d| d.0))
                .await
                .api()?,
        ))
    }
}
